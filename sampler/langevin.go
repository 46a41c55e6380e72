package sampler

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// Langevin is unadjusted Langevin dynamics:
//
//	x ← x − η∇E(x) + √(2ηT)·ξ,  ξ ~ N(0, I)
//
// whose stationary density, as η → 0, is ∝ exp(−E/T). Without a Metropolis
// correction its draws carry a bias of order η; MALA removes it. TorchEBM's
// noise_scale s is √T here.
type Langevin struct {
	// StepSize η; nil means 0.01.
	StepSize schedule.Schedule
	// Temperature T; nil means 1. It may reach 0, where a step is plain
	// gradient descent (energy matching's transport phase).
	Temperature schedule.Schedule
}

// Sample runs the chains. Every step costs one gradient per chain.
func (l Langevin) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	h0, err := stepSize(l.StepSize, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	return Run(ctx, e, o, func() Kernel { return &langevinKernel{s: l, step0: h0} })
}

type langevinKernel struct {
	s     Langevin
	step0 float64
}

func (k *langevinKernel) Init(s *State, tune *Tuning) error {
	fill(tune.StepSize, k.step0)
	return nil
}

func (k *langevinKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	t := s.T
	h, err := stepSize(k.s.StepSize, 0.01, t, "step size")
	if err != nil {
		return err
	}
	temp := 1.0
	if k.s.Temperature != nil {
		temp = k.s.Temperature.At(t)
	}
	if !(temp >= 0) || math.IsInf(temp, 0) {
		return fmt.Errorf("sampler: temperature %g at step %d must be finite and not negative: %w", temp, t, ErrInvalid)
	}
	noise := math.Sqrt(2 * h * temp)
	for i := range s.N {
		r := s.RNG[i]
		for j := i * s.Dim; j < (i+1)*s.Dim; j++ {
			s.X[j] += -h*s.G[j] + noise*r.NormFloat64()
		}
		tune.StepSize[i] = h
	}
	s.Bounds.Keep(s.X, nil)
	s.Grad(s.E, s.G, s.X)
	for i := range info {
		info[i] = StepInfo{AcceptStat: 1, Leapfrog: 1, Energy: s.E[i]}
	}
	return s.check(t + 1)
}
