package model

import (
	"fmt"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/lookup"
)

// Integrated is a model that generates by integrating a field from noise
// (Flow and Equilibrium), with a choice of solver.
type Integrated interface {
	Model
	// SetSolver sets the integrator, its steps and the SDE's diffusion
	// (0: the ODE), or refuses settings the model cannot generate with.
	SetSolver(method integrate.Tableau, steps int, diffusion float64) error
}

// SetSolver sets how Generate integrates: by method in steps fixed steps,
// or with error control where method is an embedded pair (LowerOrder > 0);
// with diffusion g > 0, by the SDE of constant diffusion g instead
// (Euler–Maruyama in steps steps). The SDE needs the score, which the
// velocity gives only on the straight (linear) path, so a flow trained on
// another path refuses it with an error wrapping ErrInvalid.
func (m *Flow) SetSolver(method integrate.Tableau, steps int, diffusion float64) error {
	if ip := m.cfg.Interpolant; diffusion > 0 && ip != "" && lookup.Key(ip) != "linear" {
		return fmt.Errorf("model: the SDE's score holds on the straight path, not the %s one this flow was trained on: %w", ip, ErrInvalid)
	}
	m.Solver.Method, m.Solver.Steps = method, steps
	m.Solver.Adaptive = nil
	if method.LowerOrder > 0 {
		m.Solver.Adaptive = &integrate.Adaptive{}
	}
	m.Solver.Diffusion = nil
	if diffusion > 0 {
		m.Solver.Diffusion = func(float64) float64 { return diffusion }
	}
	return nil
}

// SetSolver sets the integrator as Flow.SetSolver does, but refuses a
// diffusion (an error wrapping ErrInvalid): the SDE's score needs a flow's
// velocity, which the field f gives only far from the data.
func (m *Equilibrium) SetSolver(method integrate.Tableau, steps int, diffusion float64) error {
	if diffusion > 0 {
		return fmt.Errorf("model: %s has no SDE: its score needs a flow's velocity: %w", m.Kind().Describe(), ErrInvalid)
	}
	return m.Flow.SetSolver(method, steps, 0)
}
