package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/schedule"
	"gonum.org/v1/gonum/mat"
)

// Metric is a position-dependent metric for RMHMC: a symmetric
// positive-definite matrix G(x), for instance the Fisher information plus
// the prior's precision.
type Metric interface {
	// Metric writes G(x) (d×d, row-major) into g and, when dg is not nil,
	// the derivatives ∂G/∂xₖ into dg[k·d·d : (k+1)·d·d] for k < d.
	Metric(g, dg, x []float64)
}

// RMHMC is Riemannian-manifold Hamiltonian Monte Carlo (Girolami and
// Calderhead 2011): HMC whose mass matrix is a metric G(x) that adapts to the
// local shape of the target. It integrates
//
//	H(x, p) = E(x) + ½·log|G(x)| + ½·pᵀG(x)⁻¹p
//
// with the generalised leapfrog, whose two implicit half-steps are solved by
// fixed-point iteration:
//
//	p½ = p − (ε/2)·∂ₓH(x, p½)
//	x′ = x + (ε/2)·(G(x)⁻¹ + G(x′)⁻¹)·p½
//	p′ = p½ − (ε/2)·∂ₓH(x′, p½)
//
// with ∂ₓₖH = ∂ₖE + ½·tr(G⁻¹∂ₖG) − ½·pᵀG⁻¹(∂ₖG)G⁻¹p; then a Metropolis test on
// H. Each chain integrates on its own (the fixed points converge per chain),
// so this is for models of modest dimension with a metric worth its d³ cost.
type RMHMC struct {
	// Metric G(x); required.
	Metric Metric
	// StepSize ε; nil means 0.1.
	StepSize schedule.Schedule
	// LeapfrogSteps L; 0 means 10.
	LeapfrogSteps int
	// FixedPointSteps per implicit half-step; 0 means 6.
	FixedPointSteps int
}

// Sample runs the chains.
func (s RMHMC) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	if s.Metric == nil {
		return nil, fmt.Errorf("sampler: RMHMC needs a Metric: %w", ErrInvalid)
	}
	eps0, err := stepSize(s.StepSize, 0.1, 0, "step size")
	if err != nil {
		return nil, err
	}
	if s.LeapfrogSteps < 0 || s.FixedPointSteps < 0 {
		return nil, fmt.Errorf("sampler: RMHMC with %d leapfrog and %d fixed-point steps: %w", s.LeapfrogSteps, s.FixedPointSteps, ErrInvalid)
	}
	l, fp := cmp.Or(s.LeapfrogSteps, 10), s.FixedPointSteps
	return Run(ctx, e, o, func() Kernel {
		return &rmKernel{metric: s.Metric, step0: eps0, schedule: s.StepSize, steps: l, gl: integrate.GeneralisedLeapfrog{FixedPoint: fp}}
	})
}

// rmPoint is a position with what H needs there.
type rmPoint struct {
	x, g   []float64 // position and ∇E
	e      float64
	gm, dg []float64 // G and ∂G/∂xₖ
	inv    []float64 // G⁻¹
	chol   mat.Cholesky
	logDet float64
	trace  []float64 // tr(G⁻¹∂ₖG)
	ok     bool      // G positive-definite and everything finite
}

func newRMPoint(d int) *rmPoint {
	return &rmPoint{x: make([]float64, d), g: make([]float64, d), gm: make([]float64, d*d),
		dg: make([]float64, d*d*d), inv: make([]float64, d*d), trace: make([]float64, d)}
}

type rmKernel struct {
	chainwise
	metric    Metric
	step0     float64
	schedule  schedule.Schedule
	steps, d  int
	gl        integrate.GeneralisedLeapfrog
	s         *State
	chain     int // the chain being moved
	cur, prop *rmPoint
	p, v, w   []float64
	en        []float64
}

var (
	_ Kernel                = (*rmKernel)(nil)
	_ integrate.Hamiltonian = (*rmHamiltonian)(nil)
)

func (k *rmKernel) Init(s *State, tune *Tuning) error {
	for i := range s.N {
		if s.Pinned(i) != nil {
			return fmt.Errorf("sampler: RMHMC cannot hold observed coordinates (its metric couples them to the free ones); denoising is fine: %w", ErrInvalid)
		}
	}
	fill(tune.StepSize, k.step0)
	d := s.Dim
	// Two points each hold ∂G (d³ values): bound it before allocating.
	if _, err := limit.Elems("dim × dim × dim (RMHMC's metric derivatives)", 2, d, d, d); err != nil {
		return fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
	}
	k.s, k.d = s, d
	k.cur, k.prop = newRMPoint(d), newRMPoint(d)
	k.p, k.v, k.w, k.en = make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, 1)
	return nil
}

// metricAt fills q's metric terms at q.x; with energy it also evaluates E.
func (k *rmKernel) metricAt(q *rmPoint, energy bool) {
	d := k.d
	if energy {
		k.s.GradChains(k.chain, k.en, q.g, q.x)
		q.e = k.en[0]
	}
	k.metric.Metric(q.gm, q.dg, q.x)
	q.ok = finite(q.e) && finiteSlice(q.g) && finiteSlice(q.gm)
	if !q.ok || !q.chol.Factorize(mat.NewSymDense(d, q.gm)) {
		q.ok = false
		return
	}
	var inv mat.SymDense
	if err := q.chol.InverseTo(&inv); err != nil {
		q.ok = false
		return
	}
	for r := range d {
		for c := range d {
			q.inv[r*d+c] = inv.At(r, c)
		}
	}
	q.logDet = q.chol.LogDet()
	for kk := range d {
		dk := q.dg[kk*d*d : (kk+1)*d*d]
		t := 0.0
		for r := range d {
			for c := range d {
				t += q.inv[r*d+c] * dk[c*d+r]
			}
		}
		q.trace[kk] = t
	}
}

// mulInv writes G⁻¹p at q into dst.
func (k *rmKernel) mulInv(q *rmPoint, p, dst []float64) {
	d := k.d
	for r := range d {
		s := 0.0
		for c := range d {
			s += q.inv[r*d+c] * p[c]
		}
		dst[r] = s
	}
}

// dHdx writes ∂ₓH(q.x, p) into dst.
func (k *rmKernel) dHdx(q *rmPoint, p, dst []float64) {
	d := k.d
	k.mulInv(q, p, k.v)
	for kk := range d {
		dk := q.dg[kk*d*d : (kk+1)*d*d]
		quad := 0.0
		for r := range d {
			s := 0.0
			for c := range d {
				s += dk[r*d+c] * k.v[c]
			}
			quad += k.v[r] * s
		}
		dst[kk] = q.g[kk] + 0.5*q.trace[kk] - 0.5*quad
	}
}

// hamiltonian returns H at q with momentum p.
func (k *rmKernel) hamiltonian(q *rmPoint, p []float64) float64 {
	k.mulInv(q, p, k.v)
	return q.e + 0.5*q.logDet + 0.5*dot(p, k.v)
}

// rmHamiltonian is H at the proposal point, for the generalised leapfrog.
type rmHamiltonian rmKernel

func (h *rmHamiltonian) MoveTo(x []float64, full bool) bool {
	q := h.prop
	copy(q.x, x)
	(*rmKernel)(h).metricAt(q, full)
	return q.ok
}

func (h *rmHamiltonian) GradX(dst, p []float64) { (*rmKernel)(h).dHdx(h.prop, p, dst) }
func (h *rmHamiltonian) GradP(dst, p []float64) { (*rmKernel)(h).mulInv(h.prop, p, dst) }

func (k *rmKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	eps, err := setStepSize(tune, k.schedule, 0.1, s.T)
	if err != nil {
		return err
	}
	d := k.d
	for i := range s.N {
		k.chain = i
		cur := k.cur
		copy(cur.x, s.X[i*d:(i+1)*d])
		k.metricAt(cur, true)
		if !cur.ok {
			return fmt.Errorf("sampler: chain %d, step %d: the metric is not positive-definite (or not finite) at %v: %w", s.First+i, s.T, cur.x, ErrNonFinite)
		}
		// p ~ N(0, G(x)): p = Lz with G = LLᵀ.
		for j := range k.w {
			k.w[j] = s.RNG[i].NormFloat64()
		}
		var l mat.TriDense
		cur.chol.LTo(&l)
		for r := range d {
			sum := 0.0
			for c := 0; c <= r; c++ {
				sum += l.At(r, c) * k.w[c]
			}
			k.p[r] = sum
		}
		h0 := k.hamiltonian(cur, k.p)
		q := k.prop
		copy(q.x, cur.x)
		k.metricAt(q, true)
		ok := k.gl.Integrate(q.x, k.p, eps, k.steps, (*rmHamiltonian)(k))
		a, h1 := 0.0, math.NaN()
		// Outside the box the target is 0: a proposal there is rejected
		// (a = 0, not divergent), which is exact in either bound mode; the
		// implicit steps cannot fold.
		if ok && s.Bounds.contains(q.x) {
			h1 = k.hamiltonian(q, k.p)
			ok = finite(h1) && h1-h0 <= divergence
			a = math.Min(1, math.Exp(h0-h1))
		}
		info[i].Energy = h0
		if s.Accept(i, a, !ok, q.x, q.g, q.e, &info[i]) {
			info[i].Energy = h1
		}
		info[i].Leapfrog = k.steps
	}
	return nil
}
