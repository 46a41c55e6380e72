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
	return run(ctx, e, o, h0, func(*block) (kernel, error) { return &langevinKernel{l}, nil })
}

type langevinKernel struct{ s Langevin }

func (k *langevinKernel) step(b *block, t int, warm bool) error {
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
	for i := range b.n {
		r := b.rng[i]
		for j := i * b.d; j < (i+1)*b.d; j++ {
			b.x[j] += -h*b.g[j] + noise*r.NormFloat64()
		}
		b.step[i] = h
		if !warm {
			b.accept[i]++
		}
	}
	b.grad(b.en, b.g, b.x)
	return b.checkState(t + 1)
}
