package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/normal"
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
// AdaptMass too, it estimates each chain's M⁻¹ from its draws in Stan's
// doubling windows, diagonal or dense (Metric).
//
// The momenta's standard normals come, as Langevin's noise does, from a
// bulk generator per chain (package internal/normal) seeded from the
// chain's own stream.
type HMC struct {
	// StepSize ε (the initial one when adapting); nil means 0.1.
	StepSize schedule.Schedule
	// LeapfrogSteps L; 0 means 10.
	LeapfrogSteps int
	// MassDiag is a diagonal mass matrix (d values); nil means identity.
	MassDiag []float64
	// MassDense is a dense mass matrix (d×d, row-major); it overrides
	// MassDiag. It stays fixed unless Metric is MetricDense, whose
	// adaptation starts from it.
	MassDense []float64
	// Adapt tunes the step size during warm-up.
	Adapt bool
	// AdaptMass also adapts the mass matrix (with Adapt), as Metric says.
	AdaptMass bool
	// Metric is the metric AdaptMass adapts: MetricDiag (the zero value),
	// MetricDense (Stan's dense_e), or MetricUnit, none.
	Metric MetricKind
	// StepJitter, in [0, 1), draws each trajectory's step uniformly within
	// ε·(1 ± StepJitter), from the chain's own stream, so that the
	// trajectory's length εL varies too: a fixed εL near a period of the
	// target (2π for a whitened Gaussian) returns the chain to where it
	// started. Its mean stays the tuned ε. 0 means none.
	StepJitter float64
	// LeapfrogJitter, in [0, 1), draws each trajectory's number of
	// leapfrog steps uniformly within L·(1 ± LeapfrogJitter), rounded and at
	// least 1, from the chain's own stream: a random trajectory length in
	// steps, where StepJitter varies it in time. Each chain then runs its
	// own trajectory rather than the block's in one batch. 0 means none.
	LeapfrogJitter float64
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
	steps := cmp.Or(h.LeapfrogSteps, 10)
	if err := h.Metric.valid(); err != nil {
		return nil, err
	}
	if err := checkJitter(h.StepJitter); err != nil {
		return nil, err
	}
	if !(h.LeapfrogJitter >= 0 && h.LeapfrogJitter < 1) {
		return nil, fmt.Errorf("sampler: leapfrog jitter %g must be in [0, 1): %w", h.LeapfrogJitter, ErrInvalid)
	}
	dense, mass := h.Metric.shape(h.MassDense)
	if dense && e != nil {
		if err := denseSize(e, o); err != nil {
			return nil, err
		}
	}
	sched := ownSchedule(h.StepSize, h.Adapt, o)
	return Run(ctx, e, o, func() Kernel {
		k := &hmcKernel{step0: eps0, schedule: sched, steps: steps, massDiag: h.MassDiag, massDense: h.MassDense, dense: dense, jitter: h.StepJitter, stepsJitter: h.LeapfrogJitter}
		return withAdaptation(k, h.Adapt, h.TargetAccept, h.AdaptMass && mass)
	})
}

// hmcKernel is HMC with a fixed number of leapfrog steps.
type hmcKernel struct {
	chainwise
	step0               float64
	schedule            schedule.Schedule // nil: the step sizes are the caller's
	steps               int
	massDiag, massDense []float64
	dense               bool // a dense metric (given, or the identity to adapt)
	jitter              float64
	stepsJitter         float64
	m                   *metric
	norm                []*normal.Stream // each chain's momenta
	eps                 []float64        // each chain's step this trajectory (jittered)
	p, v, z             []float64
	x1, e1, g1          []float64 // proposal
	h0                  []float64
	drift               func(x, p, h []float64)
	wall                integrate.Wall
	grad                func(g, x []float64)
	// with stepsJitter: each chain's number of steps, and the chain whose
	// trajectory drift1 and grad1 move
	stepsOf []int
	chain   int
	drift1  func(x, p, h []float64)
	grad1   func(g, x []float64)
}

var _ Kernel = (*hmcKernel)(nil)

func (k *hmcKernel) Init(s *State, tune *Tuning) error {
	m, err := newMetric(s.N, s.Dim, k.massDiag, k.massDense, k.dense)
	if err != nil {
		return err
	}
	if err := reflectable(s, m); err != nil {
		return err
	}
	fill(tune.StepSize, k.step0)
	tune.InvMass, tune.InvMassDense = m.invDiag, m.inv // one of them nil
	n, d := s.N, s.Dim
	k.wall = s.Bounds.wall()
	k.m = m
	k.norm = make([]*normal.Stream, n)
	for i := range k.norm {
		k.norm[i] = normal.New(s.RNG[i])
	}
	k.p, k.v, k.z, k.eps = make([]float64, n*d), make([]float64, d), make([]float64, d), make([]float64, n)
	k.x1, k.e1, k.g1, k.h0 = make([]float64, n*d), make([]float64, n), make([]float64, n*d), make([]float64, n)
	k.drift = func(x, p, h []float64) {
		for i, hi := range h {
			m.drift(i, hi, x[i*d:(i+1)*d], p[i*d:(i+1)*d])
		}
	}
	k.grad = func(g, x []float64) { s.Grad(k.e1, g, x) }
	if k.stepsJitter > 0 {
		k.stepsOf = make([]int, n)
		k.drift1 = func(x, p, h []float64) { m.drift(k.chain, h[0], x, p) }
		k.grad1 = func(g, x []float64) { s.GradChains(k.chain, k.e1[k.chain:k.chain+1], g, x) }
	}
	return nil
}

func (k *hmcKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	d := s.Dim
	if err := followSchedule(tune, k.schedule, s.T); err != nil {
		return err
	}
	copy(k.x1, s.X)
	copy(k.e1, s.E)
	copy(k.g1, s.G)
	for i := range s.N {
		if tune.InvMass != nil {
			tune.StepSize[i] = s.Bounds.capStep(tune.StepSize[i], tune.InvMass[i*d:(i+1)*d], 1, false)
		}
		if err := k.m.sync(i); err != nil {
			return fmt.Errorf("sampler: chain %d: %w", s.First+i, err)
		}
		k.eps[i] = jitter(tune.StepSize[i], k.jitter, s.RNG[i])
		p, z := k.p[i*d:(i+1)*d], k.z
		if k.m.chol == nil {
			z = p
		}
		k.norm[i].Fill(z)
		k.m.momentumFrom(i, z, p, s.Pinned(i))
		k.h0[i] = s.E[i] + k.m.kinetic(i, p, k.v)
	}
	if k.stepsJitter == 0 {
		integrate.Leapfrog(k.x1, k.p, k.g1, k.eps, k.steps, k.drift, k.wall, k.grad)
	} else {
		for i := range s.N { // each chain its own number of steps
			k.stepsOf[i] = jitterSteps(k.steps, k.stepsJitter, s.RNG[i])
			k.chain = i
			r := k.x1[i*d : (i+1)*d]
			integrate.Leapfrog(r, k.p[i*d:(i+1)*d], k.g1[i*d:(i+1)*d], k.eps[i:i+1], k.stepsOf[i], k.drift1, k.wall, k.grad1)
		}
	}
	for i := range s.N {
		h1 := k.e1[i] + k.m.kinetic(i, k.p[i*d:(i+1)*d], k.v)
		a := math.Min(1, math.Exp(k.h0[i]-h1))
		bad := !finite(h1) || h1-k.h0[i] > divergence || !finiteSlice(k.g1[i*d:(i+1)*d])
		info[i].Energy = k.h0[i]
		if s.Accept(i, a, bad, k.x1[i*d:(i+1)*d], k.g1[i*d:(i+1)*d], k.e1[i], &info[i]) {
			info[i].Energy = h1
		}
		info[i].Leapfrog = k.steps
		if k.stepsJitter != 0 {
			info[i].Leapfrog = k.stepsOf[i]
		}
		if k.jitter != 0 {
			info[i].StepSize = k.eps[i]
		}
	}
	return nil
}
