package sampler

import (
	"cmp"
	"math"

	"github.com/goebm/goebm/schedule"
)

// Adaptation wraps a kernel with Stan's warm-up, for any kernel tuned by a
// step size and, optionally, a diagonal or dense metric (BlackJAX's window
// adaptation): during warm-up, after every step, each chain's step size is
// tuned by dual averaging towards TargetAccept from the step's acceptance
// statistic, and fixed at the end of warm-up to its averaged value. With
// Mass, and a kernel that has a diagonal metric (Init sets Tuning.InvMass),
// the chain's draws in Stan's doubling slow windows estimate M⁻¹ as their
// regularised variance; with a dense one (Tuning.InvMassDense), as their
// regularised covariance (n/(n+5))·Σ̂ + 10⁻³·(5/(n+5))·I, Stan's dense_e.
// Each chain's metric comes from its own draws, as in Stan, not from the
// block's pooled: so that chains stay independent (IndependentChains) and a
// chain stuck in a mode of its own does not pass its scale to the others.
// Each window's end restarts the dual averaging. A kernel that is a
// StepSearcher has its step size searched before the first step and after
// each new metric; as in Stan, the dual averaging aims at log(10·ε) of the
// step searched after a new metric, but until the first one at log(10·ε₀)
// of the step given (Stan's services set μ from the user's step size and
// then run init_stepsize, which moves only the first transition's step).
//
// An Adaptation holds the state of one block: make one per block, as the
// newKernel function given to Run does. It changes nothing when the tuning
// came from Options.Tuned.
type Adaptation struct {
	// Kernel is the kernel being tuned.
	Kernel Kernel
	// TargetAccept is the mean acceptance statistic aimed at; 0 means 0.8.
	TargetAccept float64
	// Mass also estimates the kernel's metric, diagonal or dense.
	Mass bool

	da       []*dualAveraging
	win      *windows
	acc      []welford
	cov      []covariance
	searcher StepSearcher
	started  bool
}

// withAdaptation wraps k in an Adaptation when adapt is set: how MALA, HMC
// and NUTS get their warm-up.
func withAdaptation(k Kernel, adapt bool, target float64, mass bool) Kernel {
	if !adapt {
		return k
	}
	return &Adaptation{Kernel: k, TargetAccept: target, Mass: mass}
}

// Adaptive is a sampler that may tune its step size (and metric) during
// warm-up: a caller that runs it in pieces, such as persistent contrastive
// divergence, adapts once and continues from Result.Tuned.
type Adaptive interface {
	Sampler
	// Adapts reports whether warm-up tunes the step size.
	Adapts() bool
}

var (
	_ Adaptive = MALA{}
	_ Adaptive = RWM{}
	_ Adaptive = HMC{}
	_ Adaptive = NUTS{}
)

// Adapts reports whether warm-up tunes the step size (Adapt).
func (m MALA) Adapts() bool { return m.Adapt }

// Adapts reports whether warm-up tunes the step size (Adapt).
func (h HMC) Adapts() bool { return h.Adapt }

// Adapts reports whether warm-up tunes the step size (unless NoAdapt).
func (s NUTS) Adapts() bool { return !s.NoAdapt }

// ownSchedule returns the step-size schedule a kernel follows: none when its
// step sizes are tuned, by adaptation or by Options.Tuned.
func ownSchedule(s schedule.Schedule, adapt bool, o Options) schedule.Schedule {
	if adapt || o.Tuned != nil {
		return nil
	}
	return s
}

// StepSearcher is a kernel that can choose a starting step size for
// adaptation, as Stan's init_stepsize does for NUTS.
type StepSearcher interface {
	// SearchStepSize replaces each chain's step size in tune by a better
	// starting one.
	SearchStepSize(s *State, tune *Tuning)
}

var _ GradientFree = (*Adaptation)(nil)

// GradientFree reports whether the kernel being tuned needs no gradients.
func (a *Adaptation) GradientFree() bool { return gradientFree(a.Kernel) }

var _ IndependentChains = (*Adaptation)(nil)

// IndependentChains reports whether the kernel being tuned keeps its chains
// apart: the adaptation does, tuning each chain from its own draws.
func (a *Adaptation) IndependentChains() bool { return independentChains(a.Kernel) }

// Init initialises the kernel and the adaptation of each chain.
func (a *Adaptation) Init(s *State, tune *Tuning) error {
	if err := a.Kernel.Init(s, tune); err != nil {
		return err
	}
	if s.Tuned {
		return nil
	}
	target := cmp.Or(a.TargetAccept, 0.8)
	for i := range s.N {
		a.da = append(a.da, newDualAveraging(tune.StepSize[i], target))
	}
	switch {
	case a.Mass && tune.InvMass != nil:
		a.win = newWindows(s.Warmup)
		a.acc = make([]welford, s.N)
	case a.Mass && tune.InvMassDense != nil:
		a.win = newWindows(s.Warmup)
		a.cov = make([]covariance, s.N)
	}
	a.searcher, _ = a.Kernel.(StepSearcher)
	return nil
}

// Step takes the kernel's step and, during warm-up, adapts.
func (a *Adaptation) Step(s *State, tune *Tuning, info []StepInfo) error {
	if a.da != nil && !a.started {
		// Stan's run_adaptive_sampler: the search sets the first step and
		// leaves the dual averaging as it began, from the step given.
		if a.searcher != nil {
			a.searcher.SearchStepSize(s, tune)
		}
		a.started = true
	}
	if err := a.Kernel.Step(s, tune, info); err != nil {
		return err
	}
	if a.da == nil || !s.Warm() {
		return nil
	}
	for i := range s.N {
		tune.StepSize[i] = a.da[i].update(info[i].AcceptStat)
		if s.T == s.Warmup-1 {
			tune.StepSize[i] = a.da[i].final()
		}
	}
	if a.win == nil || !a.win.collecting(s.T) {
		return nil
	}
	d := s.Dim
	for i := range s.N {
		if a.cov != nil {
			a.cov[i].add(s.X[i*d : (i+1)*d])
		} else {
			a.acc[i].add(s.X[i*d : (i+1)*d])
		}
	}
	if a.win.windowEnds(s.T) {
		for i := range s.N {
			if a.cov != nil {
				a.cov[i].covariance(tune.InvMassDense[i*d*d : (i+1)*d*d])
			} else {
				a.acc[i].variance(tune.InvMass[i*d : (i+1)*d])
			}
			a.da[i].restart(tune.StepSize[i])
		}
		a.search(s, tune) // a new metric calls for a new starting step
	}
	return nil
}

// search runs the kernel's step-size search, if it has one, and restarts
// the dual averaging from the step sizes found.
func (a *Adaptation) search(s *State, tune *Tuning) {
	if a.searcher == nil {
		return
	}
	a.searcher.SearchStepSize(s, tune)
	for i := range s.N {
		a.da[i].restart(tune.StepSize[i])
	}
}

// dualAveraging tunes a step size so that the mean acceptance statistic
// approaches a target (Nesterov's dual averaging as adapted by Hoffman and
// Gelman 2014, with Stan's constants γ = 0.05, t₀ = 10, κ = 0.75).
type dualAveraging struct {
	target, mu, logBar, hBar float64
	m                        int
}

func newDualAveraging(step, target float64) *dualAveraging {
	return &dualAveraging{target: target, mu: math.Log(10 * step)}
}

// update takes one acceptance statistic and returns the next step size.
func (a *dualAveraging) update(accept float64) float64 {
	if math.IsNaN(accept) {
		accept = 0
	}
	accept = math.Min(accept, 1)
	a.m++
	m := float64(a.m)
	a.hBar = (1-1/(m+10))*a.hBar + (a.target-accept)/(m+10)
	logStep := a.mu - math.Sqrt(m)/0.05*a.hBar
	eta := math.Pow(m, -0.75)
	a.logBar = eta*logStep + (1-eta)*a.logBar
	return math.Exp(logStep)
}

// final returns the averaged step size, the one to sample with.
func (a *dualAveraging) final() float64 { return math.Exp(a.logBar) }

// restart begins a new adaptation window from step size step.
func (a *dualAveraging) restart(step float64) {
	*a = dualAveraging{target: a.target, mu: math.Log(10 * step)}
}

// windows is Stan's warm-up schedule for the mass matrix: a fast initial
// buffer (75 steps) for the step size alone, slow windows doubling from 25
// steps in which draws are collected to estimate the variances, and a fast
// final buffer (50 steps). Short warm-ups shrink the buffers as Stan does.
type windows struct {
	warmup, initBuf, termBuf, end int // end: last step of the current window
	size                          int
}

func newWindows(warmup int) *windows {
	w := &windows{warmup: warmup, initBuf: 75, termBuf: 50, size: 25}
	if warmup < 20 {
		w.initBuf, w.termBuf, w.size = warmup, 0, 0
	} else if w.initBuf+w.termBuf+w.size > warmup {
		w.initBuf = warmup * 15 / 100
		w.termBuf = warmup / 10
		w.size = warmup - w.initBuf - w.termBuf
	}
	w.end = w.initBuf + w.size - 1
	return w
}

// collecting reports whether step t collects draws for the variance.
func (w *windows) collecting(t int) bool {
	return w.size > 0 && t >= w.initBuf && t < w.warmup-w.termBuf
}

// windowEnds reports whether step t ends a slow window, and moves to the next
// (twice as long, stretched to the final buffer if the one after would not fit).
func (w *windows) windowEnds(t int) bool {
	if !w.collecting(t) || t != w.end {
		return false
	}
	w.size *= 2
	next := t + w.size
	if next+2*w.size > w.warmup-w.termBuf-1 {
		next = w.warmup - w.termBuf - 1
	}
	w.end = next
	return true
}

// welford accumulates a running mean and variance per coordinate.
type welford struct {
	n        int
	mean, ss []float64
}

func (w *welford) add(x []float64) {
	if w.mean == nil {
		w.mean, w.ss = make([]float64, len(x)), make([]float64, len(x))
	}
	w.n++
	for j, v := range x {
		dv := v - w.mean[j]
		w.mean[j] += dv / float64(w.n)
		w.ss[j] += dv * (v - w.mean[j])
	}
}

// variance returns Stan's regularised estimate: the sample variance shrunk
// towards 1e-3 with weight 5/(n + 5).
func (w *welford) variance(dst []float64) {
	n := float64(w.n)
	for j := range dst {
		v := w.ss[j] / (n - 1)
		dst[j] = (n/(n+5))*v + 1e-3*(5/(n+5))
	}
	w.n = 0
	clear(w.mean)
	clear(w.ss)
}

// covariance accumulates a running mean and co-moment matrix (Welford's
// update, d×d) of one chain's draws, for a dense metric.
type covariance struct {
	n        int
	mean, dx []float64
	cm       []float64 // Σₜ (xₜ − x̄)(xₜ − x̄)ᵀ, d×d row-major
}

func (c *covariance) add(x []float64) {
	d := len(x)
	if c.mean == nil {
		c.mean, c.dx, c.cm = make([]float64, d), make([]float64, d), make([]float64, d*d)
	}
	c.n++
	for j, v := range x {
		c.dx[j] = v - c.mean[j]
		c.mean[j] += c.dx[j] / float64(c.n)
	}
	// (x − x̄ₙ₋₁)(x − x̄ₙ)ᵀ: the co-moment's exact update.
	for r, dr := range c.dx {
		row := c.cm[r*d : (r+1)*d]
		for k, v := range x {
			row[k] += dr * (v - c.mean[k])
		}
	}
}

// covariance writes Stan's regularised estimate into dst (d×d): the sample
// covariance shrunk towards 10⁻³·I with weight 5/(n + 5), symmetric to the
// bit, and starts a new window.
func (c *covariance) covariance(dst []float64) {
	n := float64(c.n)
	d := len(c.mean)
	for r := range d {
		for k := r; k < d; k++ {
			v := (n / (n + 5)) * (c.cm[r*d+k] / (n - 1))
			if r == k {
				v += 1e-3 * (5 / (n + 5))
			}
			dst[r*d+k], dst[k*d+r] = v, v
		}
	}
	c.n = 0
	clear(c.mean)
	clear(c.cm)
}
