package nn

import "github.com/goebm/goebm/tensor"

// Module is a layer or a network: a differentiable map of a batch.
type Module interface {
	// Forward maps x ([batch, in]) to [batch, out], recording on tp (nil for
	// no gradients).
	Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor
	// Params lists the trainable tensors with stable, unique names.
	Params() []Param
}

// Param is a named trainable tensor. Value is a leaf that optimizers update
// in place.
type Param struct {
	Name  string
	Value *tensor.Tensor
}

// Values returns the tensors of ps, in order: what Tape.Grad takes as inputs
// and optimizers take as parameters.
func Values(ps []Param) []*tensor.Tensor {
	vs := make([]*tensor.Tensor, len(ps))
	for i, p := range ps {
		vs[i] = p.Value
	}
	return vs
}

// NumParams returns the number of scalar parameters of m.
func NumParams(m Module) int {
	n := 0
	for _, p := range m.Params() {
		n += p.Value.Len()
	}
	return n
}
