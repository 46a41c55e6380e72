package sampler

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// divergence is the energy error past which a trajectory counts as
// divergent, as in Stan.
const divergence = 1000

// HMC is Hamiltonian Monte Carlo: a momentum p ~ N(0, M), L leapfrog steps of
// size ε through H(x, p) = E(x) + ½pᵀM⁻¹p,
//
//	p ← p − (ε/2)∇E(x);  x ← x + εM⁻¹p;  p ← p − (ε/2)∇E(x)
//
// and a Metropolis test on the change in H. The last gradient of a
// trajectory is kept for the next, so a trajectory costs L gradients
// (TorchEBM spends 2L). Trajectories whose energy error exceeds 1000, or
// that reach a non-finite energy, are rejected and counted as divergent.
//
// With Adapt, warm-up tunes ε by dual averaging towards TargetAccept; with
// AdaptMass too, it estimates a diagonal M⁻¹ from the draws in Stan's
// doubling windows.
type HMC struct {
	// StepSize ε (the initial one when adapting); nil means 0.1.
	StepSize schedule.Schedule
	// LeapfrogSteps L; 0 means 10.
	LeapfrogSteps int
	// MassDiag is a diagonal mass matrix (d values); nil means identity.
	MassDiag []float64
	// MassDense is a dense mass matrix (d×d, row-major); it overrides
	// MassDiag.
	MassDense []float64
	// Adapt tunes the step size during warm-up.
	Adapt bool
	// AdaptMass also adapts a diagonal mass matrix (with Adapt).
	AdaptMass bool
	// TargetAccept for adaptation; 0 means 0.8.
	TargetAccept float64
}

// Sample runs the chains.
func (h HMC) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	eps0, err := stepSize(h.StepSize, 0.1, 0, "step size")
	if err != nil {
		return nil, err
	}
	if h.LeapfrogSteps < 0 {
		return nil, fmt.Errorf("sampler: %d leapfrog steps: %w", h.LeapfrogSteps, ErrInvalid)
	}
	return run(ctx, e, o, eps0, func(b *block) (kernel, error) {
		m, err := newMetric(b.n, b.d, h.MassDiag, h.MassDense)
		if err != nil {
			return nil, err
		}
		k := &hmcKernel{s: h, warmup: o.Warmup, m: m, steps: h.LeapfrogSteps,
			p: make([]float64, b.n*b.d), v: make([]float64, b.d), z: make([]float64, b.d),
			x1: make([]float64, b.n*b.d), e1: make([]float64, b.n), g1: make([]float64, b.n*b.d),
			h0: make([]float64, b.n), a: make([]float64, b.n)}
		if k.steps == 0 {
			k.steps = 10
		}
		if h.Adapt {
			target := h.TargetAccept
			if target == 0 {
				target = 0.8
			}
			for range b.n {
				k.da = append(k.da, newDualAveraging(eps0, target))
			}
			if h.AdaptMass && h.MassDense == nil {
				k.win = newWindows(o.Warmup)
				k.var_ = make([]welford, b.n)
			}
		}
		return k, nil
	})
}

type hmcKernel struct {
	s          HMC
	warmup     int
	m          *metric
	steps      int
	p, v, z    []float64
	x1, e1, g1 []float64 // proposal
	h0, a      []float64
	da         []*dualAveraging
	win        *windows
	var_       []welford
}

func (k *hmcKernel) step(b *block, t int, warm bool) error {
	d := b.d
	if k.da == nil {
		eps, err := stepSize(k.s.StepSize, 0.1, t, "step size")
		if err != nil {
			return err
		}
		fill(b.step, eps)
	}
	copy(k.x1, b.x)
	copy(k.e1, b.en)
	copy(k.g1, b.g)
	for i := range b.n {
		p := k.p[i*d : (i+1)*d]
		k.m.momentum(i, b.rng[i].NormFloat64, p, k.z)
		k.h0[i] = b.en[i] + k.m.kinetic(i, p, k.v)
	}
	// Leapfrog, with the half steps of momentum between position steps
	// merged into whole ones: two sweeps per step besides the gradient.
	for i := range b.n {
		half := b.step[i] / 2
		p, g := k.p[i*d:(i+1)*d], k.g1[i*d:(i+1)*d]
		for j := range p {
			p[j] -= half * g[j]
		}
	}
	for l := range k.steps {
		for i := range b.n {
			k.m.drift(i, b.step[i], k.x1[i*d:(i+1)*d], k.p[i*d:(i+1)*d])
		}
		b.grad(k.e1, k.g1, k.x1)
		for i := range b.n {
			kick := b.step[i]
			if l == k.steps-1 {
				kick /= 2
			}
			p, g := k.p[i*d:(i+1)*d], k.g1[i*d:(i+1)*d]
			for j := range p {
				p[j] -= kick * g[j]
			}
		}
	}
	for i := range b.n {
		h1 := k.e1[i] + k.m.kinetic(i, k.p[i*d:(i+1)*d], k.v)
		a := math.Min(1, math.Exp(k.h0[i]-h1))
		bad := !finite(h1) || h1-k.h0[i] > divergence || !finiteSlice(k.g1[i*d:(i+1)*d])
		k.a[i] = b.metropolis(i, a, bad, warm, k.x1, k.e1, k.g1)
	}
	adaptStep(b, k.da, k.a, t, warm, k.warmup)
	if warm && k.win != nil {
		adaptMass(b, k.m, k.win, k.var_, k.da, t)
	}
	return nil
}

// adaptMass feeds the draws of the slow windows to each chain's variance
// estimate and, at a window's end, makes it the chain's inverse mass,
// restarts the step-size adaptation, and reports true.
func adaptMass(b *block, m *metric, w *windows, acc []welford, da []*dualAveraging, t int) bool {
	if !w.collecting(t) {
		return false
	}
	for i := range b.n {
		acc[i].add(b.x[i*b.d : (i+1)*b.d])
	}
	if !w.windowEnds(t) {
		return false
	}
	for i := range b.n {
		acc[i].variance(m.invDiag[i*b.d : (i+1)*b.d])
		da[i].restart(b.step[i])
	}
	return true
}
