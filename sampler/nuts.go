package sampler

import (
	"context"
	"fmt"
	"github.com/goebm/goebm/integrate"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
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
// (the mean over the tree of min(1, exp(H₀ − H))) and, unless DenseMass is
// given, a diagonal mass matrix estimated in doubling windows.
type NUTS struct {
	// StepSize ε, the initial one when adapting; nil means 0.1.
	StepSize schedule.Schedule
	// MaxDepth bounds the tree: at most 2^MaxDepth − 1 leapfrog steps; 0
	// means 10.
	MaxDepth int
	// TargetAccept for step-size adaptation; 0 means 0.8.
	TargetAccept float64
	// NoAdapt turns adaptation off: the step size and identity (or
	// DenseMass) metric are used as given.
	NoAdapt bool
	// DenseMass is a fixed dense mass matrix (d×d); nil means a diagonal one,
	// adapted during warm-up.
	DenseMass []float64
}

// Sample runs the chains; each draws its trees on its own, so chains may
// spend different numbers of gradients.
func (s NUTS) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	eps0, err := stepSize(s.StepSize, 0.1, 0, "step size")
	if err != nil {
		return nil, err
	}
	depth := s.MaxDepth
	if depth == 0 {
		depth = 10
	}
	if depth < 0 || depth > 30 {
		return nil, fmt.Errorf("sampler: NUTS tree depth %d must be in 1…30: %w", s.MaxDepth, ErrInvalid)
	}
	target := s.TargetAccept
	if target == 0 {
		target = 0.8
	}
	if !(target > 0 && target < 1) {
		return nil, fmt.Errorf("sampler: target acceptance %g must be in (0, 1): %w", target, ErrInvalid)
	}
	return run(ctx, e, o, eps0, func(b *block) (kernel, error) {
		m, err := newMetric(b.n, b.d, nil, s.DenseMass)
		if err != nil {
			return nil, err
		}
		k := &nutsKernel{s: s, warmup: o.Warmup, maxDepth: depth, m: m, a: make([]float64, b.n), w: newTreeWork(b.d, depth)}
		if !s.NoAdapt {
			for range b.n {
				k.da = append(k.da, newDualAveraging(eps0, target))
			}
			if s.DenseMass == nil {
				k.win = newWindows(o.Warmup)
				k.acc = make([]welford, b.n)
			}
		}
		return k, nil
	})
}

type nutsKernel struct {
	s        NUTS
	started  bool // the step sizes have had their initial search
	warmup   int
	maxDepth int
	m        *metric
	a        []float64
	da       []*dualAveraging
	win      *windows
	acc      []welford
	w        *treeWork
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
	pFF, pFB, pBF, pBB []float64 // momenta at the ends: forward end's outer (FF) and inner (FB), …
	sFF, sFB, sBF, sBB []float64 // and their M⁻¹p
	tmp                []float64
	levels             []level
	// per transition
	b         *block
	chain     int
	eps, h0   float64
	nLeap     int
	sumAccept float64
	divergent bool
	m         *metric
	rng       *rand.Rand
	energyBuf []float64
	// the leapfrog's gradient and velocity, made once: closures made per
	// step would allocate in the hot loop.
	gradU    func(g, x []float64)
	velocity func(v, p []float64)
}

type level struct {
	pInitEnd, sInitEnd, rhoInit    []float64
	pFinalBeg, sFinalBeg, rhoFinal []float64
	rhoExt                         []float64
	proposeFinal                   point
}

func newTreeWork(d, depth int) *treeWork {
	v := func() []float64 { return make([]float64, d) }
	w := &treeWork{d: d, z: newPoint(d), sample: newPoint(d), propose: newPoint(d), fwd: newPoint(d), bck: newPoint(d),
		rho: v(), rhoF: v(), rhoB: v(), pFF: v(), pFB: v(), pBF: v(), pBB: v(), sFF: v(), sFB: v(), sBF: v(), sBB: v(),
		tmp: v(), energyBuf: make([]float64, 1)}
	for range depth + 1 {
		w.levels = append(w.levels, level{pInitEnd: v(), sInitEnd: v(), rhoInit: v(), pFinalBeg: v(), sFinalBeg: v(),
			rhoFinal: v(), rhoExt: v(), proposeFinal: newPoint(d)})
	}
	w.gradU = func(g, x []float64) {
		w.energyBuf[0] = 0
		w.b.grad(w.energyBuf, g, x)
		w.z.e = w.energyBuf[0]
	}
	w.velocity = func(v, p []float64) { w.m.velocity(w.chain, p, v) }
	return w
}

func (k *nutsKernel) step(b *block, t int, warm bool) error {
	if k.da == nil {
		eps, err := stepSize(k.s.StepSize, 0.1, t, "step size")
		if err != nil {
			return err
		}
		fill(b.step, eps)
	}
	w := k.w
	d := b.d
	if k.da != nil && !k.started {
		k.searchSteps(b)
		k.started = true
	}
	for i := range b.n {
		w.b, w.chain, w.m, w.rng, w.eps = b, i, k.m, b.rng[i], b.step[i]
		copy(w.z.x, b.x[i*d:(i+1)*d])
		copy(w.z.g, b.g[i*d:(i+1)*d])
		w.z.e = b.en[i]
		k.m.momentum(i, w.rng.NormFloat64, w.z.p, w.tmp)
		k.a[i] = w.transition(k.maxDepth)
		if w.divergent && !warm {
			b.diverge[i]++
		}
		copy(b.x[i*d:(i+1)*d], w.sample.x)
		copy(b.g[i*d:(i+1)*d], w.sample.g)
		b.en[i] = w.sample.e
	}
	adaptStep(b, k.da, k.a, t, warm, k.warmup)
	if warm && k.win != nil {
		if adaptMass(b, k.m, k.win, k.acc, k.da, t) {
			k.searchSteps(b) // a new metric calls for a new starting step
		}
	}
	return nil
}

// searchSteps runs Stan's init_stepsize for every chain of the block: from
// the current step size, double (or halve) it until one leapfrog step from
// the chain's state, with fresh momentum, crosses an acceptance of 0.8, then
// restart the dual averaging there.
func (k *nutsKernel) searchSteps(b *block) {
	w, d := k.w, b.d
	for i := range b.n {
		w.b, w.chain, w.m, w.rng = b, i, k.m, b.rng[i]
		eps := b.step[i]
		deltaH := func() float64 {
			copy(w.z.x, b.x[i*d:(i+1)*d])
			copy(w.z.g, b.g[i*d:(i+1)*d])
			w.z.e = b.en[i]
			k.m.momentum(i, w.rng.NormFloat64, w.z.p, w.tmp)
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
		b.step[i] = eps
		k.da[i].restart(eps)
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
	w.nLeap, w.sumAccept, w.divergent = 0, 0, false

	for depth := 0; depth < maxDepth; depth++ {
		clear(w.rhoF)
		clear(w.rhoB)
		logSumSub := math.Inf(-1)
		var valid bool
		if w.rng.Float64() > 0.5 {
			// Extend forwards from the forward end.
			w.z.set(&w.fwd)
			copy(w.rhoB, w.rho)
			copy(w.pBF, w.pFB)
			copy(w.sBF, w.sFB)
			valid = w.build(depth, &w.propose, w.sFB, w.sFF, w.rhoF, w.pFB, w.pFF, 1, &logSumSub)
			w.fwd.set(&w.z)
		} else {
			w.z.set(&w.bck)
			copy(w.rhoF, w.rho)
			copy(w.pFB, w.pBF)
			copy(w.sFB, w.sBF)
			valid = w.build(depth, &w.propose, w.sBF, w.sBB, w.rhoB, w.pBF, w.pBB, -1, &logSumSub)
			w.bck.set(&w.z)
		}
		if !valid {
			break
		}
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
		h := w.hamiltonian(&w.z)
		if math.IsNaN(h) {
			h = math.Inf(1)
		}
		if h-w.h0 > divergence {
			w.divergent = true
		}
		*logSum = logAddExp(*logSum, w.h0-h)
		w.sumAccept += math.Min(1, math.Exp(w.h0-h))
		propose.set(&w.z)
		w.m.velocity(w.chain, w.z.p, sBeg)
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
	integrate.Leapfrog(w.z.x, w.z.p, w.z.g, w.tmp, eps, w.gradU, w.velocity)
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
