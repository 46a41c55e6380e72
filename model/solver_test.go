package model

import (
	"errors"
	"testing"

	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/interpolant"
)

func TestSetSolver(t *testing.T) {
	f := &Flow{base: base{cfg: Config{Interpolant: "linear"}}}
	if err := f.SetSolver(integrate.DormandPrince, 7, nil); err != nil || f.Solver.Adaptive == nil || f.Solver.SDE != nil {
		t.Errorf("dopri5: %v, adaptive %v, SDE %v; want adaptive ODE", err, f.Solver.Adaptive, f.Solver.SDE)
	}
	sde := &flow.SDE{Diffusion: interpolant.DiffusionSBDM, Last: flow.LastTweedie}
	if err := f.SetSolver(integrate.RK4, 7, sde); err != nil || f.Solver.Adaptive != nil || f.Solver.Steps != 7 || f.Solver.SDE != sde {
		t.Errorf("rk4 with an SDE: %v, %+v; want 7 fixed steps of the SDE", err, f.Solver)
	}
	// The SDE works on any path, from any prediction.
	cos := &Flow{Solver: flow.Generator{Interpolant: interpolant.Cosine{}, Prediction: interpolant.Noise}}
	if err := cos.SetSolver(integrate.RK4, 50, &flow.SDE{}); err != nil {
		t.Errorf("SDE of a noise-predicting flow on the cosine path: %v", err)
	}
	if err := cos.SetSolver(integrate.RK4, 50, &flow.SDE{LastSize: 0.9}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a last step of 0.9: %v, want ErrInvalid", err)
	}
	eq := &Equilibrium{Flow: Flow{base: base{cfg: Config{}}}}
	if err := eq.SetSolver(integrate.Euler, 50, &flow.SDE{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SDE of an equilibrium model: %v, want ErrInvalid", err)
	}
	if err := eq.SetSolver(integrate.Euler, 20, nil); err != nil || eq.Solver.Steps != 20 || eq.Solver.Method.Order != 1 {
		t.Errorf("Euler for an equilibrium model: %v, %+v", err, eq.Solver)
	}
}
