package energy

import (
	"fmt"
	"sync"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Model is the energy computed by a network with one output per point; its
// gradient comes from the tensor engine. It is safe for concurrent use as long
// as nobody changes the network's parameters meanwhile: each call takes a
// tape from a pool.
type Model struct {
	net nn.Module
	dim int
}

// The tapes of every Model's calls, recording (tapes) and not (evals). A
// tape keeps the storage of its last graphs, whatever network made them, so
// the pools are shared: a loss that wraps its network in a new Model at
// each step (contrastive divergence's chains) reuses the last step's
// storage rather than allocating every buffer of every sampler step anew.
var (
	tapes = sync.Pool{New: func() any { return tensor.NewTape() }}
	evals = sync.Pool{New: func() any { return tensor.NewNoGradTape() }}
)

var _ Energy = (*Model)(nil)

// NewModel wraps net, which must map [n, dim] to [n, 1] (or [n]).
func NewModel(net nn.Module, dim int) (*Model, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("energy: Model of dimension %d: %w", dim, ErrInvalid)
	}
	if err := probe(net, dim); err != nil {
		return nil, err
	}
	return &Model{net: net, dim: dim}, nil
}

// probe runs the network on one point to check its shapes, turning a shape
// panic into an error.
func probe(net nn.Module, dim int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("energy: the network does not take points of dimension %d: %v: %w", dim, r, ErrInvalid)
		}
	}()
	out := net.Forward(nil, tensor.Zeros(2, dim))
	if out.Len() != 2 {
		return fmt.Errorf("energy: the network gives %v for 2 points, want one value per point: %w", out.Shape(), ErrInvalid)
	}
	return nil
}

// BatchDependent reports whether the network's values at a point depend on
// its batch: with OpenBLAS's products they may, in their last bits (a
// network with batch statistics in training mode would too).
func (m *Model) BatchDependent() bool { return !tensor.BatchInvariant() }

// Net returns the wrapped network.
func (m *Model) Net() nn.Module { return m.net }

// Dim returns the network's input dimension.
func (m *Model) Dim() int { return m.dim }

// Energy evaluates the network on the points, recording nothing.
func (m *Model) Energy(e, x []float64, d int) {
	checkBatch(e, nil, x, d)
	tp := evals.Get().(*tensor.Tape)
	copy(e, m.net.Forward(tp, tensor.New(x, len(e), d)).Data())
	tp.Reset()
	evals.Put(tp)
}

// Grad evaluates the network and its gradient with respect to the points.
func (m *Model) Grad(e, g, x []float64, d int) {
	checkBatch(e, g, x, d)
	tp := tapes.Get().(*tensor.Tape)
	xt := tensor.New(x, len(e), d)
	out := m.net.Forward(tp, xt)
	copy(e, out.Data())
	copy(g, tp.Grad([]*tensor.Tensor{out}, []*tensor.Tensor{xt}, tensor.GradOptions{})[0].Data())
	tp.Reset()
	tapes.Put(tp)
}
