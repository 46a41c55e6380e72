package sampler

import (
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
	h0, err := stepSize(s.StepSize, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	return run(ctx, e, o, h0, func(*block) (kernel, error) { return &descentKernel{stepSize: s.StepSize}, nil })
}

type descentKernel struct {
	stepSize schedule.Schedule
	momentum float64
	v, y     []float64 // velocity and look-ahead point (Nesterov)
	ey, gy   []float64
}

func (k *descentKernel) step(b *block, t int, warm bool) error {
	h, err := stepSize(k.stepSize, 0.01, t, "step size")
	if err != nil {
		return err
	}
	fill(b.step, h)
	if k.momentum == 0 {
		for j := range b.x {
			b.x[j] -= h * b.g[j]
		}
	} else {
		// Nesterov: the gradient is taken at the look-ahead point x + μv.
		if k.v == nil {
			k.v, k.y = make([]float64, len(b.x)), make([]float64, len(b.x))
			k.ey, k.gy = make([]float64, b.n), make([]float64, len(b.x))
		}
		for j := range b.x {
			k.y[j] = b.x[j] + k.momentum*k.v[j]
		}
		b.grad(k.ey, k.gy, k.y)
		for j := range b.x {
			k.v[j] = k.momentum*k.v[j] - h*k.gy[j]
			b.x[j] += k.v[j]
		}
	}
	if !warm {
		for i := range b.n {
			b.accept[i]++
		}
	}
	b.grad(b.en, b.g, b.x)
	return b.checkState(t + 1)
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
	h0, err := stepSize(s.StepSize, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	mu := s.Momentum
	if mu == 0 {
		mu = 0.9
	}
	if mu < 0 || mu >= 1 {
		return nil, fmt.Errorf("sampler: Nesterov momentum %g must be in [0, 1): %w", mu, ErrInvalid)
	}
	return run(ctx, e, o, h0, func(*block) (kernel, error) {
		return &descentKernel{stepSize: s.StepSize, momentum: mu}, nil
	})
}
