package sampler

import (
	"cmp"
	"context"
	"fmt"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// GradientDescent moves every chain downhill, x ← x − η∇E(x): not a sampler
// of exp(−E) but a way to find its modes, and TorchEBM's
// GradientDescentSampler.
type GradientDescent struct {
	// StepSize η; nil means 0.01.
	StepSize schedule.Schedule
}

// Sample runs the descent; one gradient per chain per step.
func (s GradientDescent) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	return descend(ctx, e, o, s.StepSize, 0)
}

// descend runs gradient descent with momentum mu (0: none).
func descend(ctx context.Context, e energy.Energy, o Options, step schedule.Schedule, mu float64) (*Result, error) {
	h0, err := stepSize(step, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	if mu < 0 || mu >= 1 {
		return nil, fmt.Errorf("sampler: Nesterov momentum %g must be in [0, 1): %w", mu, ErrInvalid)
	}
	return Run(ctx, e, o, func() Kernel { return &descentKernel{step0: h0, stepSize: step, momentum: mu} })
}

type descentKernel struct {
	chainwise
	gradientOnly
	step0    float64
	stepSize schedule.Schedule
	momentum float64
	v, y     []float64 // velocity and look-ahead point (Nesterov)
	ey, gy   []float64
}

func (k *descentKernel) Init(s *State, tune *Tuning) error {
	fill(tune.StepSize, k.step0)
	if k.momentum != 0 {
		k.v, k.y = make([]float64, len(s.X)), make([]float64, len(s.X))
		k.ey, k.gy = make([]float64, s.N), make([]float64, len(s.X))
	}
	return nil
}

func (k *descentKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	h, err := setStepSize(tune, k.stepSize, 0.01, s.T)
	if err != nil {
		return err
	}
	evals := 1
	if k.momentum == 0 {
		for j := range s.X {
			s.X[j] -= h * s.G[j]
		}
		s.Bounds.Keep(s.X, nil)
	} else {
		// Nesterov: the gradient is taken at the look-ahead point x + μv.
		for j := range s.X {
			k.y[j] = s.X[j] + k.momentum*k.v[j]
		}
		s.Bounds.Keep(k.y, nil)
		s.Grad(k.ey, k.gy, k.y)
		for j := range s.X {
			k.v[j] = k.momentum*k.v[j] - h*k.gy[j]
			s.X[j] += k.v[j]
		}
		s.Bounds.Keep(s.X, k.v)
		evals = 2
	}
	s.Grad(s.E, s.G, s.X)
	for i := range info {
		info[i] = StepInfo{AcceptStat: 1, Leapfrog: evals, Energy: s.E[i]}
	}
	return s.check(s.T + 1)
}

// Nesterov is gradient descent with Nesterov momentum μ:
// v ← μv − η∇E(x + μv), x ← x + v. TorchEBM's NesterovSampler.
type Nesterov struct {
	// StepSize η; nil means 0.01.
	StepSize schedule.Schedule
	// Momentum μ in [0, 1); 0 means 0.9.
	Momentum float64
}

// Sample runs the descent; two gradients per chain per step (at the
// look-ahead point and at the new point).
func (s Nesterov) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	return descend(ctx, e, o, s.StepSize, cmp.Or(s.Momentum, 0.9))
}
