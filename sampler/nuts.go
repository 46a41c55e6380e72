package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/schedule"
)

// NUTS is the No-U-Turn Sampler as Stan runs it (Hoffman and Gelman 2014;
// Betancourt 2017): each transition doubles a leapfrog trajectory forwards
// or backwards at random until the generalised no-U-turn criterion
// ρ·M⁻¹p⁻ > 0 and ρ·M⁻¹p⁺ > 0 fails across the whole trajectory or any of its
// merged subtrees (ρ the summed momenta), or the tree reaches MaxDepth; the
// next point is drawn from the trajectory with weights exp(−H), favouring the
// newest half (biased progressive sampling). Trajectory points whose energy
// error exceeds 1000 are divergent and end the tree.
//
// Warm-up is Stan's: dual averaging of the step size towards TargetAccept
// (the mean over the tree of min(1, exp(H₀ − H))) and each chain's metric,
// diagonal or dense (Metric), estimated in doubling windows.
type NUTS struct {
	// StepSize ε, the initial one when adapting; nil means 1 when adapting
	// (Stan's default, which its step-size search then doubles or halves,
	// and whose log(10·ε) centres the dual averaging until the first metric
	// window), 0.1 with NoAdapt.
	StepSize schedule.Schedule
	// MaxDepth bounds the tree: at most 2^MaxDepth − 1 leapfrog steps; 0
	// means 10.
	MaxDepth int
	// TargetAccept for step-size adaptation; 0 means 0.8.
	TargetAccept float64
	// NoAdapt turns adaptation off: the step size and identity (or
	// DenseMass) metric are used as given.
	NoAdapt bool
	// Metric is the metric warm-up adapts: MetricDiag (the zero value),
	// MetricDense, from each chain's draws as Stan's dense_e, or MetricUnit,
	// none (the identity, or DenseMass).
	Metric MetricKind
	// DenseMass is a dense mass matrix M (d×d): fixed, or with MetricDense
	// the one warm-up starts from; nil means the identity.
	DenseMass []float64
	// StepJitter, in [0, 1), draws each transition's step uniformly within
	// ε·(1 ± StepJitter), from the chain's own stream (Stan's
	// stepsize_jitter): its mean stays the tuned ε. 0 means none.
	StepJitter float64
}

// Sample runs the chains; each draws its trees on its own, so chains may
// spend different numbers of gradients.
func (s NUTS) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	eps0, err := stepSize(s.StepSize, s.defaultStep(), 0, "step size")
	if err != nil {
		return nil, err
	}
	depth := cmp.Or(s.MaxDepth, 10)
	if depth < 0 || depth > 30 {
		return nil, fmt.Errorf("sampler: NUTS tree depth %d must be in 1…30: %w", s.MaxDepth, ErrInvalid)
	}
	target := cmp.Or(s.TargetAccept, 0.8)
	if !(target > 0 && target < 1) {
		return nil, fmt.Errorf("sampler: target acceptance %g must be in (0, 1): %w", target, ErrInvalid)
	}
	if err := s.Metric.valid(); err != nil {
		return nil, err
	}
	if err := checkJitter(s.StepJitter); err != nil {
		return nil, err
	}
	dense, mass := s.Metric.shape(s.DenseMass)
	if dense && e != nil {
		if err := denseSize(e, o); err != nil {
			return nil, err
		}
	}
	sched := ownSchedule(s.StepSize, !s.NoAdapt, o)
	return Run(ctx, e, o, func() Kernel {
		k := &nutsKernel{step0: eps0, schedule: sched, maxDepth: depth, given: s.DenseMass, dense: dense, jitter: s.StepJitter}
		return withAdaptation(k, !s.NoAdapt, target, mass)
	})
}

// defaultStep is the step size a nil StepSize means: Stan's 1 when
// adapting, a cautious 0.1 used as it is otherwise.
func (s NUTS) defaultStep() float64 {
	if s.NoAdapt {
		return 0.1
	}
	return 1
}

// nutsKernel is NUTS with its step size and metric given by the caller; it
// offers Stan's step-size search to an Adaptation.
type nutsKernel struct {
	chainwise
	step0    float64
	schedule schedule.Schedule // nil: the step sizes are the caller's
	maxDepth int
	given    []float64 // the user's dense M, or nil
	dense    bool      // a dense metric (given, or the identity to adapt)
	jitter   float64
	m        *metric
	w        *treeWork
}

var (
	_ Kernel       = (*nutsKernel)(nil)
	_ StepSearcher = (*nutsKernel)(nil)
)

func (k *nutsKernel) Init(s *State, tune *Tuning) error {
	m, err := newMetric(s.N, s.Dim, nil, k.given, k.dense)
	if err != nil {
		return err
	}
	if err := reflectable(s, m); err != nil {
		return err
	}
	fill(tune.StepSize, k.step0)
	tune.InvMass, tune.InvMassDense = m.invDiag, m.inv // one of them nil
	k.m, k.w = m, newTreeWork(s, m, k.maxDepth)
	k.w.wall = s.Bounds.wall()
	return nil
}

// point is a phase-space point with its energy and gradient.
type point struct {
	x, p, g []float64
	e       float64
}

func newPoint(d int) point {
	return point{x: make([]float64, d), p: make([]float64, d), g: make([]float64, d)}
}

func (q *point) set(r *point) {
	copy(q.x, r.x)
	copy(q.p, r.p)
	copy(q.g, r.g)
	q.e = r.e
}

// treeWork is one chain's scratch for a transition: the integration point,
// the trajectory's ends, and per-depth vectors for the recursion, so that a
// transition allocates nothing.
type treeWork struct {
	d                  int
	z, sample, propose point
	fwd, bck           point
	rho, rhoF, rhoB    []float64
	pFF, pFB, pBF, pBB []float64 // momenta at the subtrees' ends: the forward subtree's outer (FF) and inner (FB) end, the backward one's inner (BF) and outer (BB)
	sFF, sFB, sBF, sBB []float64 // and their M⁻¹p
	tmp                []float64
	levels             []level
	// per transition
	s         *State
	chain     int
	eps, h0   float64
	nLeap     int
	depth     int
	sumAccept float64
	divergent bool
	m         *metric
	rng       *rand.Rand
	energyBuf []float64
	h         []float64 // the leapfrog's (signed) step, a batch of one
	// the leapfrog's gradient and drift, made once: closures made per step
	// would allocate in the hot loop.
	gradU func(g, x []float64)
	drift func(x, p, h []float64)
	wall  integrate.Wall
}

type level struct {
	pInitEnd, sInitEnd, rhoInit    []float64
	pFinalBeg, sFinalBeg, rhoFinal []float64
	rhoExt                         []float64
	proposeFinal                   point
}

func newTreeWork(s *State, m *metric, depth int) *treeWork {
	d := s.Dim
	v := func() []float64 { return make([]float64, d) }
	w := &treeWork{d: d, s: s, m: m, h: make([]float64, 1), z: newPoint(d), sample: newPoint(d), propose: newPoint(d), fwd: newPoint(d), bck: newPoint(d),
		rho: v(), rhoF: v(), rhoB: v(), pFF: v(), pFB: v(), pBF: v(), pBB: v(), sFF: v(), sFB: v(), sBF: v(), sBB: v(),
		tmp: v(), energyBuf: make([]float64, 1)}
	for range depth + 1 {
		w.levels = append(w.levels, level{pInitEnd: v(), sInitEnd: v(), rhoInit: v(), pFinalBeg: v(), sFinalBeg: v(),
			rhoFinal: v(), rhoExt: v(), proposeFinal: newPoint(d)})
	}
	w.gradU = func(g, x []float64) {
		w.energyBuf[0] = 0
		w.s.GradChains(w.chain, w.energyBuf, g, x)
		w.z.e = w.energyBuf[0]
	}
	// x ← x + h·(M⁻¹p): the velocity first, which rounds differently from
	// HMC's (hM⁻¹)p.
	w.drift = func(x, p, h []float64) {
		w.m.velocity(w.chain, p, w.tmp)
		for j := range x {
			x[j] += h[0] * w.tmp[j]
		}
	}
	return w
}

func (k *nutsKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	if err := followSchedule(tune, k.schedule, s.T); err != nil {
		return err
	}
	w, d := k.w, s.Dim
	for i := range s.N {
		// A tree can take 2^MaxDepth − 1 leapfrog steps: stop between them.
		if err := s.Err(); err != nil {
			return err
		}
		if tune.InvMass != nil {
			tune.StepSize[i] = s.Bounds.capStep(tune.StepSize[i], tune.InvMass[i*d:(i+1)*d], 1, false)
		}
		if err := k.m.sync(i); err != nil {
			return fmt.Errorf("sampler: chain %d: %w", s.First+i, err)
		}
		w.chain, w.rng = i, s.RNG[i]
		w.eps = jitter(tune.StepSize[i], k.jitter, w.rng)
		copy(w.z.x, s.X[i*d:(i+1)*d])
		copy(w.z.g, s.G[i*d:(i+1)*d])
		w.z.e = s.E[i]
		k.m.momentum(i, w.rng.NormFloat64, w.z.p, w.tmp, s.Pinned(i))
		info[i] = StepInfo{AcceptStat: w.transition(k.maxDepth), Divergent: w.divergent, TreeDepth: w.depth,
			Leapfrog: w.nLeap, Energy: w.hamiltonian(&w.sample)}
		if k.jitter != 0 {
			info[i].StepSize = w.eps
		}
		copy(s.X[i*d:(i+1)*d], w.sample.x)
		copy(s.G[i*d:(i+1)*d], w.sample.g)
		s.E[i] = w.sample.e
	}
	return nil
}

// SearchStepSize runs Stan's init_stepsize for every chain of the block:
// from the current step size, double (or halve) it until one leapfrog step
// from the chain's state, with fresh momentum, crosses an acceptance of 0.8.
func (k *nutsKernel) SearchStepSize(s *State, tune *Tuning) {
	w, d := k.w, s.Dim
	for i := range s.N {
		if k.m.sync(i) != nil {
			continue // Step reports the bad metric
		}
		w.chain, w.rng = i, s.RNG[i]
		eps := tune.StepSize[i]
		deltaH := func() float64 {
			copy(w.z.x, s.X[i*d:(i+1)*d])
			copy(w.z.g, s.G[i*d:(i+1)*d])
			w.z.e = s.E[i]
			k.m.momentum(i, w.rng.NormFloat64, w.z.p, w.tmp, s.Pinned(i))
			h0 := w.hamiltonian(&w.z)
			w.leapfrog(eps)
			h := w.hamiltonian(&w.z)
			if math.IsNaN(h) {
				h = math.Inf(1)
			}
			return h0 - h
		}
		up := deltaH() > math.Log(0.8)
		for range 100 { // at most 2¹⁰⁰ up or down
			if dh := deltaH(); up != (dh > math.Log(0.8)) {
				break
			}
			if up {
				eps *= 2
			} else {
				eps /= 2
			}
			if eps > 1e7 || eps < 1e-300 {
				break
			}
		}
		if tune.InvMass != nil {
			eps = s.Bounds.capStep(eps, tune.InvMass[i*d:(i+1)*d], 1, false)
		}
		tune.StepSize[i] = eps
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func add(dst, a, b []float64) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// uTurnFree is the generalised criterion: the trajectory with summed momenta
// rho and end velocities sMinus, sPlus has not turned back on itself.
func uTurnFree(sMinus, sPlus, rho []float64) bool {
	return dot(sPlus, rho) > 0 && dot(sMinus, rho) > 0
}

func (w *treeWork) hamiltonian(q *point) float64 {
	return q.e + w.m.kinetic(w.chain, q.p, w.tmp)
}

// transition draws the next point into w.sample from the start w.z and
// returns the acceptance statistic.
func (w *treeWork) transition(maxDepth int) float64 {
	w.h0 = w.hamiltonian(&w.z)
	w.fwd.set(&w.z)
	w.bck.set(&w.z)
	w.sample.set(&w.z)
	w.propose.set(&w.z)
	copy(w.pFF, w.z.p)
	copy(w.pFB, w.z.p)
	copy(w.pBF, w.z.p)
	copy(w.pBB, w.z.p)
	w.m.velocity(w.chain, w.z.p, w.sFF)
	copy(w.sFB, w.sFF)
	copy(w.sBF, w.sFF)
	copy(w.sBB, w.sFF)
	copy(w.rho, w.z.p)
	logSumW := 0.0
	w.nLeap, w.depth, w.sumAccept, w.divergent = 0, 0, 0, false

	for depth := 0; depth < maxDepth; depth++ {
		clear(w.rhoF)
		clear(w.rhoB)
		logSumSub := math.Inf(-1)
		var valid bool
		if w.rng.Float64() > 0.5 {
			// Extend forwards from the forward end: the whole trajectory so
			// far becomes the backward subtree, whose forward end is the
			// trajectory's (FF), next to the new subtree's first point.
			w.z.set(&w.fwd)
			copy(w.rhoB, w.rho)
			copy(w.pBF, w.pFF)
			copy(w.sBF, w.sFF)
			valid = w.build(depth, &w.propose, w.sFB, w.sFF, w.rhoF, w.pFB, w.pFF, 1, &logSumSub)
			w.fwd.set(&w.z)
		} else {
			w.z.set(&w.bck)
			copy(w.rhoF, w.rho)
			copy(w.pFB, w.pBB)
			copy(w.sFB, w.sBB)
			valid = w.build(depth, &w.propose, w.sBF, w.sBB, w.rhoB, w.pBF, w.pBB, -1, &logSumSub)
			w.bck.set(&w.z)
		}
		if !valid {
			break
		}
		// The depth counts the doublings kept, as Stan's treedepth__ does:
		// a subtree that diverged or turned back inside adds its leapfrog
		// steps (and acceptance) but no depth.
		w.depth = depth + 1
		// Biased progressive sampling: prefer the new subtree.
		if logSumSub > logSumW || w.rng.Float64() < math.Exp(logSumSub-logSumW) {
			w.sample.set(&w.propose)
		}
		logSumW = logAddExp(logSumW, logSumSub)
		add(w.rho, w.rhoB, w.rhoF)
		persist := uTurnFree(w.sBB, w.sFF, w.rho)
		add(w.tmp, w.rhoB, w.pFB)
		persist = persist && uTurnFree(w.sBB, w.sFB, w.tmp)
		add(w.tmp, w.rhoF, w.pBF)
		persist = persist && uTurnFree(w.sBF, w.sFF, w.tmp)
		if !persist {
			break
		}
	}
	if w.nLeap == 0 {
		return 0
	}
	return w.sumAccept / float64(w.nLeap)
}

// build extends the trajectory by 2^depth leapfrog steps in direction sign
// from w.z, drawing a proposal into propose, and returns false if the new
// subtree diverged or turned back. sBeg, sEnd, pBeg, pEnd receive its end
// velocities and momenta, rho (added to) its summed momenta, logSum (combined
// with) its log weight.
func (w *treeWork) build(depth int, propose *point, sBeg, sEnd, rho, pBeg, pEnd []float64, sign float64, logSum *float64) bool {
	if depth == 0 {
		w.leapfrog(sign * w.eps)
		// The new point's velocity M⁻¹p serves its kinetic energy and the
		// U-turn criterion: one product with a dense M⁻¹, not two.
		w.m.velocity(w.chain, w.z.p, sBeg)
		h := w.z.e + kineticOf(w.z.p, sBeg)
		if math.IsNaN(h) {
			h = math.Inf(1)
		}
		if h-w.h0 > divergence {
			w.divergent = true
		}
		*logSum = logAddExp(*logSum, w.h0-h)
		w.sumAccept += math.Min(1, math.Exp(w.h0-h))
		propose.set(&w.z)
		copy(sEnd, sBeg)
		add(rho, rho, w.z.p)
		copy(pBeg, w.z.p)
		copy(pEnd, w.z.p)
		return !w.divergent
	}
	lv := &w.levels[depth]
	clear(lv.rhoInit)
	logInit := math.Inf(-1)
	if !w.build(depth-1, propose, sBeg, lv.sInitEnd, lv.rhoInit, pBeg, lv.pInitEnd, sign, &logInit) {
		return false
	}
	clear(lv.rhoFinal)
	logFinal := math.Inf(-1)
	if !w.build(depth-1, &lv.proposeFinal, lv.sFinalBeg, sEnd, lv.rhoFinal, lv.pFinalBeg, pEnd, sign, &logFinal) {
		return false
	}
	logSub := logAddExp(logInit, logFinal)
	*logSum = logAddExp(*logSum, logSub)
	if logFinal > logSub || w.rng.Float64() < math.Exp(logFinal-logSub) {
		propose.set(&lv.proposeFinal)
	}
	add(lv.rhoExt, lv.rhoInit, lv.rhoFinal) // the subtree's summed momenta
	add(rho, rho, lv.rhoExt)
	persist := uTurnFree(sBeg, sEnd, lv.rhoExt)
	add(lv.rhoExt, lv.rhoInit, lv.pFinalBeg)
	persist = persist && uTurnFree(sBeg, lv.sFinalBeg, lv.rhoExt)
	add(lv.rhoExt, lv.rhoFinal, lv.pInitEnd)
	persist = persist && uTurnFree(lv.sInitEnd, sEnd, lv.rhoExt)
	return persist
}

// leapfrog moves w.z by one step of size eps (negative: backwards).
func (w *treeWork) leapfrog(eps float64) {
	w.h[0] = eps
	integrate.Leapfrog(w.z.x, w.z.p, w.z.g, w.h, 1, w.drift, w.wall, w.gradU)
	w.nLeap++
}

func logAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a > b {
		return a + math.Log1p(math.Exp(b-a))
	}
	return b + math.Log1p(math.Exp(a-b))
}
