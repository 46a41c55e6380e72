package xla

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Evaluator evaluates an energy and its gradient ∇ₓE on batches, one
// compiled graph per batch shape.
type Evaluator struct {
	e    Energy
	exec *Exec
}

// NewEvaluator compiles E and ∇ₓE of e on the backend b (lazily, at the
// first batch of each shape).
func NewEvaluator(b compute.Backend, e Energy) (*Evaluator, error) {
	np := len(e.Params())
	exec, err := NewExec(b, func(in []*Node) []*Node {
		params, x := in[:np], in[np]
		en := e.Graph(params, x)
		return []*Node{en, gradX(en, x)}
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	return &Evaluator{e: e, exec: exec}, nil
}

// Eval returns E ([n]) and ∇ₓE ([n, d]) at the points x ([n, d], float32),
// with the energy's current parameters.
func (v *Evaluator) Eval(x *tensors.Tensor) (e, grad *tensors.Tensor, err error) {
	if x.Rank() != 2 {
		return nil, nil, fmt.Errorf("xla: points of shape %v; want [n, d]: %w", x.Shape(), ErrInvalid)
	}
	return v.evalOn(0, v.e.Params(), x)
}

// evalOn is Eval on the device dev with the parameters params, placed
// there.
func (v *Evaluator) evalOn(dev compute.DeviceNum, params []*tensors.Tensor, x *tensors.Tensor) (e, grad *tensors.Tensor, err error) {
	out, err := callOn(v.exec, dev, params, x)
	if err != nil {
		return nil, nil, err
	}
	return out[0], out[1], nil
}

// gradX returns ∇ₓ Σᵢ E(xᵢ): each row's score, as the rows are independent.
func gradX(e, x *Node) *Node { return Gradient(ReduceAllSum(e), x)[0] }

// call runs exec on device 0 (callOn).
func call(exec *Exec, params []*tensors.Tensor, in ...*tensors.Tensor) ([]*tensors.Tensor, error) {
	return callOn(exec, 0, params, in...)
}

// callOn runs exec on the device dev, on the parameters followed by the
// inputs, turning a panic of graph building (shapes that do not fit) into
// an error.
func callOn(exec *Exec, dev compute.DeviceNum, params []*tensors.Tensor, in ...*tensors.Tensor) (out []*tensors.Tensor, err error) {
	args := make([]any, 0, len(params)+len(in))
	for _, p := range params {
		args = append(args, p)
	}
	for _, t := range in {
		args = append(args, t)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("xla: %v: %w", r, ErrInvalid)
		}
	}()
	out, _, err = exec.CallWithGraphOnDevice(dev, args...)
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	return out, nil
}

func shapeOf(dims ...int) shapes.Shape { return shapes.Make(dtype, dims...) }
