package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// MultiHeadAttention is multi-head self-attention over sequences x of shape
// [n, L, dim] (Vaswani et al. 2017): the projections q, k, v = x·Wq, x·Wk,
// x·Wv (one Linear, QKV, of width 3·dim) are split into Heads heads of size
// dim/Heads, each head attends (tensor.PackedAttention: scaled dot-product
// attention read and written where the heads lie, not split out and merged
// back), and the heads, side by side again, go through the Out projection.
type MultiHeadAttention struct {
	Heads int
	QKV   *Linear // [dim, 3·dim]: Wq, Wk, Wv side by side
	Out   *Linear // [dim, dim]
}

var _ Module = (*MultiHeadAttention)(nil)

// NewMultiHeadAttention returns self-attention of width dim with heads
// heads, initialised as PyTorch's nn.MultiheadAttention: QKV's weight
// Xavier-uniform (fan-in dim, fan-out 3·dim) and its bias zero; Out's weight
// U(−1/√dim, 1/√dim), Linear's default, and its bias zero. dim must be a
// multiple of heads.
func NewMultiHeadAttention(rng *rand.Rand, dim, heads int) (*MultiHeadAttention, error) {
	if dim <= 0 || heads <= 0 || dim%heads != 0 {
		return nil, fmt.Errorf("nn: MultiHeadAttention of width %d with %d heads (width must be a positive multiple of heads): %w", dim, heads, ErrInvalid)
	}
	m := &MultiHeadAttention{
		Heads: heads,
		QKV:   NewLinear(rng, dim, 3*dim, XavierUniform),
		Out:   NewLinear(rng, dim, dim, nil),
	}
	clear(m.Out.B.Data())
	return m, nil
}

// Forward returns the self-attention of x ([n, L, dim]), [n, L, dim].
func (m *MultiHeadAttention) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return m.ForwardOpts(tp, x, tensor.AttentionOptions{})
}

// ForwardOpts is Forward with a mask, a causal flag or a scale, passed to
// every head (a mask broadcasts to [n, Heads, L, L]).
func (m *MultiHeadAttention) ForwardOpts(tp *tensor.Tape, x *tensor.Tensor, opts tensor.AttentionOptions) *tensor.Tensor {
	dim := m.Out.W.Dim(0)
	if x.Rank() != 3 || x.Dim(2) != dim {
		panic(fmt.Sprintf("nn: MultiHeadAttention: input of shape %v, want [n, L, %d]", x.Shape(), dim))
	}
	n, l := x.Dim(0), x.Dim(1)
	qkv := m.QKV.Forward(tp, tp.Reshape(x, n*l, dim)) // [n·L, 3·dim]: q, k, v, each Heads × dim/Heads
	o := tp.Reshape(tp.PackedAttention(tp.Reshape(qkv, n, l, 3*dim), m.Heads, opts), n*l, dim)
	return tp.Reshape(m.Out.Forward(tp, o), n, l, dim)
}

// Params returns "qkv.weight", "qkv.bias", "out.weight" and "out.bias".
func (m *MultiHeadAttention) Params() []Param {
	var ps []Param
	for _, sub := range []struct {
		name string
		l    *Linear
	}{{"qkv", m.QKV}, {"out", m.Out}} {
		for _, p := range sub.l.Params() {
			ps = append(ps, Param{sub.name + "." + p.Name, p.Value})
		}
	}
	return ps
}
