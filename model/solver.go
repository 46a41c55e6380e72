package model

import (
	"context"
	"fmt"

	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/tensor"
)

// Integrated is a model that generates by integrating a field from noise
// (Flow and Equilibrium), with a choice of solver, and that can run its
// ODE backwards.
type Integrated interface {
	Model
	// SetSolver sets the ODE's integrator and the steps, or with sde set
	// the SDE, or refuses settings the model cannot generate with.
	SetSolver(method integrate.Tableau, steps int, sde *flow.SDE) error
	// Encode carries points from the data back to the noise by the ODE.
	Encode(ctx context.Context, x *tensor.Tensor) (*tensor.Tensor, error)
}

// SetSolver sets how Generate integrates: by method in steps fixed steps,
// or with error control where method is an embedded pair (LowerOrder > 0);
// with sde set, by that SDE in steps steps instead (its score converted
// from the network's prediction on the path it was trained along, which
// may be any). A bridge ([SF]²M) generates by an SDE whatever is asked:
// sde nil keeps its own, dx = [v + (σ²/2)s]dt + σ dW in steps steps
// (method is then unused), and a given sde takes its score from the
// bridge's score head.
func (m *Flow) SetSolver(method integrate.Tableau, steps int, sde *flow.SDE) error {
	m.Solver.Method, m.Solver.Steps = method, steps
	m.Solver.Adaptive = nil
	if m.score != nil && sde == nil {
		sde = m.Solver.SDE
		if sde == nil {
			return fmt.Errorf("model: a bridge without its SDE: %w", ErrInvalid)
		}
		s := *sde
		s.Method = nil
		sde = &s
	}
	if method.LowerOrder > 0 && sde == nil {
		m.Solver.Adaptive = &integrate.Adaptive{}
	}
	m.Solver.SDE = sde
	if _, _, err := m.Solver.Span(); err != nil {
		return fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	return nil
}

// SetSolver sets the integrator as Flow.SetSolver does, but refuses an SDE
// (an error wrapping ErrInvalid): the SDE's score needs a flow's velocity,
// which the field f gives only far from the data.
func (m *Equilibrium) SetSolver(method integrate.Tableau, steps int, sde *flow.SDE) error {
	if sde != nil {
		return fmt.Errorf("model: %s has no SDE: its score needs a flow's velocity: %w", m.Kind().Describe(), ErrInvalid)
	}
	return m.Flow.SetSolver(method, steps, nil)
}
