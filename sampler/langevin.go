package sampler

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/normal"
	"github.com/goebm/goebm/schedule"
	"gonum.org/v1/gonum/floats"
)

// Langevin is unadjusted Langevin dynamics:
//
//	x ← x − η∇E(x) + √(2ηT)·ξ,  ξ ~ N(0, I)
//
// whose stationary density, as η → 0, is ∝ exp(−E/T). Without a Metropolis
// correction its draws carry a bias of order η; MALA removes it. TorchEBM's
// noise_scale s is √T here.
//
// With Noise set, the step takes its noise scale σ from it instead,
//
//	x ← x − η∇E(x) + σ·ξ,
//
// as short-run MCMC for image EBMs does (IGEBM: η = 10, σ = 0.005 on
// images in [−1, 1]), where the step and the noise are tuned apart and
// the chain does not target exp(−E/T) for any T: it is T = σ²/(2η).
//
// The noise ξ comes from a bulk normal generator (package internal/normal:
// four xoshiro256++ lanes and a ziggurat) per chain, seeded from the
// chain's own stream at the start, so that a chain's draws still depend on
// Options.Seed and its index alone; it draws about 3× as fast as
// NormFloat64, which was most of a step's time on cheap energies.
type Langevin struct {
	// StepSize η; nil means 0.01.
	StepSize schedule.Schedule
	// Temperature T; nil means 1. It may reach 0, where a step is plain
	// gradient descent (energy matching's transport phase).
	Temperature schedule.Schedule
	// Noise σ, the standard deviation of each step's noise, finite and not
	// negative; nil means √(2ηT). Setting both Noise and Temperature is an
	// error.
	Noise schedule.Schedule
}

// Sample runs the chains. Every step costs one gradient per chain.
func (l Langevin) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	h0, err := stepSize(l.StepSize, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	if l.Noise != nil && l.Temperature != nil {
		return nil, fmt.Errorf("sampler: Langevin with both a noise scale and a temperature; set one: %w", ErrInvalid)
	}
	return Run(ctx, e, o, func() Kernel { return &langevinKernel{s: l, step0: h0} })
}

type langevinKernel struct {
	chainwise
	gradientOnly
	s     Langevin
	step0 float64
	norm  []*normal.Stream // each chain's noise
	z     []float64        // one chain's noise for a step
}

func (k *langevinKernel) Init(s *State, tune *Tuning) error {
	fill(tune.StepSize, k.step0)
	k.norm = make([]*normal.Stream, s.N)
	for i := range k.norm {
		k.norm[i] = normal.New(s.RNG[i])
	}
	k.z = make([]float64, s.Dim)
	return nil
}

func (k *langevinKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	t := s.T
	h, err := stepSize(k.s.StepSize, 0.01, t, "step size")
	if err != nil {
		return err
	}
	noise, err := k.noise(h, t)
	if err != nil {
		return err
	}
	d := s.Dim
	for i := range s.N {
		z := k.z[:d]
		k.norm[i].Fill(z)
		x := s.X[i*d : (i+1)*d]
		floats.AddScaled(x, -h, s.G[i*d:(i+1)*d])
		floats.AddScaled(x, noise, z)
		tune.StepSize[i] = h
	}
	s.Bounds.Keep(s.X, nil)
	s.Grad(s.E, s.G, s.X)
	for i := range info {
		info[i] = StepInfo{AcceptStat: 1, Leapfrog: 1, Energy: s.E[i]}
	}
	return s.check(t + 1)
}

// noise returns the noise scale of step t at step size h.
func (k *langevinKernel) noise(h float64, t int) (float64, error) {
	if k.s.Noise != nil {
		sigma := k.s.Noise.At(t)
		if !(sigma >= 0) || math.IsInf(sigma, 0) {
			return 0, fmt.Errorf("sampler: noise scale %g at step %d must be finite and not negative: %w", sigma, t, ErrInvalid)
		}
		return sigma, nil
	}
	temp := 1.0
	if k.s.Temperature != nil {
		temp = k.s.Temperature.At(t)
	}
	if !(temp >= 0) || math.IsInf(temp, 0) {
		return 0, fmt.Errorf("sampler: temperature %g at step %d must be finite and not negative: %w", temp, t, ErrInvalid)
	}
	return math.Sqrt(2 * h * temp), nil
}
