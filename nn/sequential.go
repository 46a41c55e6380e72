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

// Forward applies each layer to the output of the one before.
func (s *Sequential) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	for _, l := range s.Layers {
		x = l.Forward(tp, x)
	}
	return x
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
