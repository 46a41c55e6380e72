package model

import (
	"errors"
	"testing"

	"github.com/goebm/goebm/integrate"
)

func TestSetSolver(t *testing.T) {
	f := &Flow{base: base{cfg: Config{Interpolant: "linear"}}}
	if err := f.SetSolver(integrate.DormandPrince, 7, 0); err != nil || f.Solver.Adaptive == nil || f.Solver.Diffusion != nil {
		t.Errorf("dopri5: %v, adaptive %v, diffusion set %v; want adaptive ODE", err, f.Solver.Adaptive, f.Solver.Diffusion != nil)
	}
	if err := f.SetSolver(integrate.RK4, 7, 0.5); err != nil || f.Solver.Adaptive != nil || f.Solver.Steps != 7 ||
		f.Solver.Diffusion == nil || f.Solver.Diffusion(0.3) != 0.5 {
		t.Errorf("rk4 with diffusion 0.5: %v, %+v; want 7 fixed steps of the SDE with g = 0.5", err, f.Solver)
	}
	cos := &Flow{base: base{cfg: Config{Interpolant: "cosine"}}}
	if err := cos.SetSolver(integrate.RK4, 50, 0.5); !errors.Is(err, ErrInvalid) {
		t.Errorf("SDE of a flow on the cosine path: %v, want ErrInvalid", err)
	}
	if err := cos.SetSolver(integrate.RK4, 50, 0); err != nil {
		t.Errorf("ODE of a flow on the cosine path: %v", err)
	}
	eq := &Equilibrium{Flow: Flow{base: base{cfg: Config{}}}}
	if err := eq.SetSolver(integrate.Euler, 50, 0.5); !errors.Is(err, ErrInvalid) {
		t.Errorf("SDE of an equilibrium model: %v, want ErrInvalid", err)
	}
	if err := eq.SetSolver(integrate.Euler, 20, 0); err != nil || eq.Solver.Steps != 20 || eq.Solver.Method.Order != 1 {
		t.Errorf("Euler for an equilibrium model: %v, %+v", err, eq.Solver)
	}
}
