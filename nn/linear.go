package nn

import (
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// Linear is the affine map x·W + B, with W of shape [in, out] (not PyTorch's
// [out, in]: rows of x multiply W directly) and B of shape [out], or nil.
type Linear struct {
	W, B *tensor.Tensor
}

var _ Module = (*Linear)(nil)

// NewLinear returns a Linear layer from in to out features. With a nil init
// both W and B are drawn from U(−1/√in, 1/√in), PyTorch's default; otherwise
// init fills W and B starts at zero.
func NewLinear(rng *rand.Rand, in, out int, init Init) *Linear {
	l := &Linear{W: tensor.Zeros(in, out), B: tensor.Zeros(out)}
	if init == nil {
		bound := 1 / math.Sqrt(float64(max(in, 1)))
		fillUniform(rng, l.W.Data(), bound)
		fillUniform(rng, l.B.Data(), bound)
		return l
	}
	init(rng, l.W, in, out)
	return l
}

// Forward returns x·W + B for x of shape [batch, in].
func (l *Linear) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.Linear(x, l.W, l.B)
}

// Params returns "weight" and, if present, "bias".
func (l *Linear) Params() []Param {
	ps := []Param{{"weight", l.W}}
	if l.B != nil {
		ps = append(ps, Param{"bias", l.B})
	}
	return ps
}
