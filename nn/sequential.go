package nn

import (
	"strconv"

	"github.com/goebm/goebm/tensor"
)

// Sequential applies its layers in order.
type Sequential struct {
	Layers []Module
}

var _ Module = (*Sequential)(nil)

// Forward applies each layer to the output of the one before. A Conv2d
// followed by SiLU runs as one op, tensor's Conv2dSiLU: the same values,
// and on a tape that does not record (an energy for an accept test) the
// activation applied while the convolution's outputs are in cache.
func (s *Sequential) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	for i := 0; i < len(s.Layers); i++ {
		if c, ok := s.Layers[i].(*Conv2d); ok && i+1 < len(s.Layers) && isSiLU(s.Layers[i+1]) {
			x = tp.Conv2dSiLU(x, c.W, c.B, c.Options)
			i++
			continue
		}
		x = s.Layers[i].Forward(tp, x)
	}
	return x
}

// isSiLU says whether l is the SiLU activation.
func isSiLU(l Module) bool {
	a, ok := l.(Activation)
	return ok && a.Name == "silu"
}

// Params returns the layers' parameters, each name prefixed with the
// layer's index: "0.weight", "0.bias", "2.weight", ...
func (s *Sequential) Params() []Param {
	var ps []Param
	for i, l := range s.Layers {
		for _, p := range l.Params() {
			ps = append(ps, Param{strconv.Itoa(i) + "." + p.Name, p.Value})
		}
	}
	return ps
}
