package sampler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"

	"github.com/goebm/goebm/energy"
)

// SMC is tempered sequential Monte Carlo (Del Moral, Doucet and Jasra 2006):
// a population of particles moves from the base density N(0, σ²I) to
// exp(−E) through the same annealed energies as AIS,
//
//	E_β(x) = (1−β)·‖x‖²/(2σ²) + β·E(x),  0 = β₀ < β₁ < … < β_K = 1,
//
// but chooses each βₜ₊₁ as it goes and resamples. At βₜ, with normalised
// weights Wᵢ and incremental weights wᵢ = exp((βₜ₊₁ − βₜ)(E₀(xᵢ) − E(xᵢ))),
// βₜ₊₁ is found by bisection so that the conditional effective sample size
// (Zhou, Johansen and Aston 2016) N(ΣWᵢwᵢ)²/ΣWᵢwᵢ² is TargetESS·N (or
// βₜ₊₁ = 1 if that is reached first); then
//
//	log Z += log ΣᵢWᵢwᵢ,  Wᵢ ∝ Wᵢwᵢ,
//
// the particles are resampled (systematic resampling) when the weights'
// ESS 1/ΣWᵢ² falls below ResampleESS·N, and every particle takes Moves
// MCMC steps that leave E_βₜ₊₁ invariant: MALA, or HMC with LeapfrogSteps,
// the package's own kernels run through the Kernel seam, preconditioned by
// the particles' weighted variance per coordinate (a diagonal M⁻¹) and with
// a step size tuned after every step towards the kernel's usual
// acceptance (0.574 for MALA, 0.8 for HMC). Starting from log Z₀ =
// (d/2)·log 2πσ², the sum estimates log Z = log ∫exp(−E).
//
// The standard error comes from independent runs: the particles
// (Options.Chains) are split into Groups groups, each an SMC of its own with
// its own temperatures; Ẑ_g of each group is an unbiased estimate of Z, so
// SMCResult.LogZ is log of their mean and LogZSE the delta-method error
// sd(Ẑ_g)/(√G·mean Ẑ_g), as AIS computes over its chains. Groups run
// concurrently on Options.Workers goroutines; the result does not depend on
// their number.
//
// Then, as the warm-up is the annealing, Options.Warmup must be 0, and
// Options.Steps further steps of the same kernel on exp(−E) (through Run,
// tuned as the last temperature left it, from the particles resampled to
// equal weights, drawing from the streams FirstStream + 2³² + c) give the
// Result's draws; with Steps 0 Result.Final holds the resampled particles.
// The base should be at least as wide as the target in every direction:
// the weights see only where the particles are, and the moves, a few per
// temperature, spread the particles slowly, so a target wider than the base,
// or far from it, leaves log Z biased low by more than its standard error
// (measured on the 10-d Gaussian of standard deviations 0.1 to 1,
// neighbours correlated 0.5 and means up to 3, from N(0, I) with 1024
// particles in 16 groups: −6.21 ± 0.32 for −4.59 with 10 MALA moves;
// −4.70 ± 0.15 with 200; −4.52 ± 0.20 with 10 HMC moves of 10 leapfrog
// steps).
//
// Particle c draws from the stream rand.NewPCG(Seed, FirstStream + c), and
// group g resamples with rand.NewPCG(Seed, 2⁶³ + g).
type SMC struct {
	// BaseScale σ of the base density; 0 means 1.
	BaseScale float64
	// TargetESS is the conditional ESS, as a fraction of the particles, that
	// chooses each next temperature; 0 means 0.5.
	TargetESS float64
	// ResampleESS is the ESS, as a fraction of the particles, below which
	// they are resampled; 0 means 0.5.
	ResampleESS float64
	// Moves is the number of MCMC steps per temperature; 0 means 10.
	Moves int
	// LeapfrogSteps, when positive, moves the particles by HMC with this
	// many leapfrog steps instead of by MALA.
	LeapfrogSteps int
	// StepSize is the moves' initial step size (relative to the particles'
	// spread, which preconditions them); 0 means d^(−2/3) for MALA, d^(−1/4)
	// for HMC.
	StepSize float64
	// Groups is the number of independent groups of particles; 0 means
	// Chains/16, at least 1 and at most 8. The standard error needs 2.
	Groups int
	// MaxTemperatures caps the number of temperatures per group; 0 means
	// 10000.
	MaxTemperatures int
}

// SMCResult is a tempered SMC run: the draws and the estimate of log Z.
type SMCResult struct {
	Result
	// LogZ and LogZSE are the estimate of log ∫exp(−E) and its standard
	// error over the groups (NaN with one group).
	LogZ, LogZSE float64
	// GroupLogZ holds each group's estimate log Ẑ_g.
	GroupLogZ []float64
	// Temperatures holds each group's inverse temperatures β₁ … β_K = 1.
	Temperatures [][]float64
	// Resamples counts each group's resampling steps.
	Resamples []int
}

// Sample runs SMC as Temper does, and returns its draws.
func (c SMC) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	r, err := c.Temper(ctx, e, o)
	if r == nil {
		return nil, err
	}
	return &r.Result, err
}

// smcGroup is one group's SMC: the particles' state on E_β and the
// target's values at them.
type smcGroup struct {
	c        *SMC
	g        int // the group's index
	first, n int
	d        int
	rng      *rand.Rand // resampling
	eb       annealed
	st       State // the particles on E_β; X shared with the target's
	te, tg   []float64
	logW     []float64
	tune     Tuning
	info     []StepInfo
	kernel   Kernel
	target   float64 // acceptance the step size is tuned towards
	h        float64 // the moves' step size
	logZ     float64
	betas    []float64
	resample int
	// scratch for resampling
	idx             []int
	x2, te2, tg2, u []float64
}

// Temper runs the groups, then Options.Steps steps at β = 1, and returns
// the draws with the estimate of log Z.
func (c SMC) Temper(ctx context.Context, e energy.Energy, o Options) (*SMCResult, error) {
	if e == nil {
		return nil, fmt.Errorf("sampler: no energy: %w", ErrInvalid)
	}
	chains, d := o.shape(e)
	if err := energy.CheckDim(e, d); err != nil {
		return nil, fmt.Errorf("sampler: %w (set Options.Dim for energies of any dimension): %w", err, ErrInvalid)
	}
	c.BaseScale = cmp.Or(c.BaseScale, 1)
	c.TargetESS, c.ResampleESS = cmp.Or(c.TargetESS, 0.5), cmp.Or(c.ResampleESS, 0.5)
	c.Moves, c.MaxTemperatures = cmp.Or(c.Moves, 10), cmp.Or(c.MaxTemperatures, 10000)
	if c.Groups == 0 {
		c.Groups = min(max(chains/16, 1), 8)
	}
	if c.StepSize == 0 {
		c.StepSize = math.Pow(float64(max(d, 1)), -2.0/3)
		if c.LeapfrogSteps > 0 {
			c.StepSize = math.Pow(float64(max(d, 1)), -0.25)
		}
	}
	switch {
	case o.Warmup != 0 || o.Init != nil:
		return nil, fmt.Errorf("sampler: SMC starts from its base density and anneals instead of warming up: no Init or Warmup: %w", ErrInvalid)
	case o.Bounds != nil || o.Condition != nil:
		return nil, fmt.Errorf("sampler: SMC anneals between an unbounded, unconditioned base and the target: no Bounds or Condition: %w", ErrInvalid)
	case o.Tuned != nil:
		return nil, fmt.Errorf("sampler: SMC tunes its moves as it anneals: no Tuned: %w", ErrInvalid)
	case !(c.BaseScale > 0) || math.IsInf(c.BaseScale, 0) || !(c.StepSize > 0) || math.IsInf(c.StepSize, 0):
		return nil, fmt.Errorf("sampler: SMC base scale %g and step size %g must be positive and finite: %w", c.BaseScale, c.StepSize, ErrInvalid)
	case !(c.TargetESS > 0 && c.TargetESS < 1) || !(c.ResampleESS > 0 && c.ResampleESS <= 1):
		return nil, fmt.Errorf("sampler: SMC target ESS %g must be in (0, 1) and resampling ESS %g in (0, 1]: %w", c.TargetESS, c.ResampleESS, ErrInvalid)
	case c.Moves < 0 || c.LeapfrogSteps < 0 || c.Groups < 1 || c.MaxTemperatures < 1:
		return nil, fmt.Errorf("sampler: SMC moves %d, leapfrog steps %d, groups %d and temperatures %d: %w", c.Moves, c.LeapfrogSteps, c.Groups, c.MaxTemperatures, ErrInvalid)
	case chains < 2*c.Groups:
		return nil, fmt.Errorf("sampler: %d particles for %d SMC groups: need at least 2 a group: %w", chains, c.Groups, ErrInvalid)
	}
	if err := checkSizes(chains, d, o.Steps/max(o.Thin, 1), o); err != nil {
		return nil, fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
	}

	groups := make([]*smcGroup, c.Groups)
	for g := range groups {
		first, last := g*chains/c.Groups, (g+1)*chains/c.Groups
		groups[g] = &smcGroup{c: &c, g: g, first: first, n: last - first, d: d,
			rng: rand.New(rand.NewPCG(o.Seed, 1<<63+uint64(g)))}
	}
	if err := runGroups(ctx, groups, o.Workers, func(gr *smcGroup) error { return gr.run(ctx, e, o) }); err != nil {
		return nil, err
	}

	// The particles at β = 1, resampled to equal weights, start the draws.
	init := make([]float64, chains*d)
	tuned := &Tuning{StepSize: make([]float64, chains), InvMass: make([]float64, chains*d)}
	out := &SMCResult{}
	var logZ []float64
	var gradEvals int64
	for _, gr := range groups {
		gr.resampleAll()
		copy(init[gr.first*d:], gr.st.X)
		copy(tuned.InvMass[gr.first*d:], gr.tune.InvMass)
		copy(tuned.StepSize[gr.first:], gr.tune.StepSize)
		logZ = append(logZ, gr.logZ)
		out.Temperatures = append(out.Temperatures, gr.betas)
		out.Resamples = append(out.Resamples, gr.resample)
		gradEvals += gr.st.GradEvals
	}
	o.Init, o.Tuned, o.Chains, o.Dim = init, tuned, chains, d
	o.FirstStream += 1 << 32
	res, err := Run(ctx, e, o, c.newKernel)
	if res == nil {
		return nil, err
	}
	res.Info.GradEvals += gradEvals
	out.Result = *res
	out.GroupLogZ = logZ
	out.LogZ, out.LogZSE = logMeanExp(logZ)
	return out, err
}

// newKernel returns the move kernel: MALA, or HMC with LeapfrogSteps.
func (c *SMC) newKernel() Kernel {
	if c.LeapfrogSteps > 0 {
		return &hmcKernel{step0: c.StepSize, steps: c.LeapfrogSteps}
	}
	return &malaKernel{step0: c.StepSize}
}

// runGroups runs f on every group, on workers goroutines (0: GOMAXPROCS),
// as Run runs its blocks, stopping when ctx is done.
func runGroups(ctx context.Context, groups []*smcGroup, workers int, f func(*smcGroup) error) error {
	err := onWorkers(len(groups), workers, func(i int, _ *atomic.Bool) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return f(groups[i])
	})
	if err != nil {
		return err
	}
	return ctx.Err()
}

// run anneals the group from the base to the target.
func (gr *smcGroup) run(ctx context.Context, e energy.Energy, o Options) error {
	n, d, sigma := gr.n, gr.d, gr.c.BaseScale
	gr.eb = annealed{target: e, sigma: sigma}
	gr.st = State{Ctx: ctx, Energy: &gr.eb, First: gr.first, N: n, Dim: d,
		X: make([]float64, n*d), E: make([]float64, n), G: make([]float64, n*d), RNG: make([]*rand.Rand, n)}
	for i := range n {
		gr.st.RNG[i] = rand.New(rand.NewPCG(o.Seed, o.FirstStream+uint64(gr.first+i)))
		for j := range d {
			gr.st.X[i*d+j] = sigma * gr.st.RNG[i].NormFloat64()
		}
	}
	gr.te, gr.tg = make([]float64, n), make([]float64, n*d)
	e.Grad(gr.te, gr.tg, gr.st.X, d)
	gr.st.GradEvals += int64(n)
	gr.logW = make([]float64, n) // log of the normalised weights
	fill(gr.logW, -math.Log(float64(n)))
	gr.logZ = 0.5 * float64(d) * math.Log(2*math.Pi*sigma*sigma)
	gr.tune = Tuning{StepSize: make([]float64, n)}
	gr.info = make([]StepInfo, n)
	gr.kernel = gr.c.newKernel()
	gr.target = 0.574
	if gr.c.LeapfrogSteps > 0 {
		gr.target = 0.8
	}
	if err := gr.kernel.Init(&gr.st, &gr.tune); err != nil {
		return err
	}
	gr.idx = make([]int, n)
	gr.x2, gr.te2, gr.tg2, gr.u = make([]float64, n*d), make([]float64, n), make([]float64, n*d), make([]float64, n)
	gr.h = gr.c.StepSize
	beta := 0.0
	for beta < 1 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(gr.betas) == gr.c.MaxTemperatures {
			return fmt.Errorf("sampler: SMC group %d reached β = %g after %d temperatures: %w", gr.g, beta, len(gr.betas), ErrInvalid)
		}
		for i := range n {
			gr.u[i] = gr.eb.e0(gr.st.X[i*d:(i+1)*d]) - gr.te[i]
			if math.IsNaN(gr.u[i]) {
				gr.u[i] = math.Inf(-1)
			}
		}
		next := gr.nextBeta(beta)
		inc, err := gr.reweight(next - beta)
		if err != nil {
			return fmt.Errorf("sampler: SMC at β = %g: %w", next, err)
		}
		gr.logZ += inc
		beta = next
		gr.betas = append(gr.betas, beta)
		if gr.ess() < gr.c.ResampleESS*float64(n) {
			gr.resampleAll()
		}
		gr.precondition()
		gr.eb.beta = beta
		fill(gr.tune.StepSize, gr.h)
		if err := gr.move(); err != nil {
			return err
		}
	}
	fill(gr.tune.StepSize, gr.h)
	return nil
}

// nextBeta returns the next inverse temperature after beta: by bisection,
// where the conditional ESS of the incremental weights reaches
// TargetESS·n, or 1.
func (gr *smcGroup) nextBeta(beta float64) float64 {
	want := gr.c.TargetESS * float64(gr.n)
	if gr.cess(1-beta) >= want {
		return 1
	}
	lo, hi := 0.0, 1-beta
	for range 60 {
		mid := (lo + hi) / 2
		if gr.cess(mid) >= want {
			lo = mid
		} else {
			hi = mid
		}
	}
	return beta + max(lo, 1e-12)
}

// cess is the conditional ESS n(ΣWᵢwᵢ)²/ΣWᵢwᵢ² of the increment
// wᵢ = exp(δ·uᵢ), computed with shifted logarithms.
func (gr *smcGroup) cess(delta float64) float64 {
	top := math.Inf(-1)
	for i, u := range gr.u {
		top = math.Max(top, gr.logW[i]+delta*u)
	}
	if math.IsInf(top, -1) {
		return 0
	}
	s1, s2, sw := 0.0, 0.0, 0.0
	for i, u := range gr.u {
		w := math.Exp(gr.logW[i] - top) // shifted W, unnormalised
		a := math.Exp(gr.logW[i] + delta*u - top)
		sw += w
		if w == 0 {
			continue
		}
		s1 += a
		s2 += a * a / w
	}
	if s2 == 0 {
		return 0
	}
	return float64(gr.n) * s1 * s1 / (s2 * sw)
}

// reweight multiplies the weights by exp(δ·uᵢ), and returns
// log ΣWᵢwᵢ with W normalised.
func (gr *smcGroup) reweight(delta float64) (float64, error) {
	before := logSumExp(gr.logW)
	for i, u := range gr.u {
		if delta*u == 0 || math.IsNaN(delta*u) {
			continue // u = −Inf at δ = 0 stays
		}
		gr.logW[i] += delta * u
	}
	after := logSumExp(gr.logW)
	if math.IsInf(after, -1) || math.IsNaN(after) {
		return 0, errors.New("every particle's weight is zero (non-finite energies)")
	}
	for i := range gr.logW {
		gr.logW[i] -= after
	}
	return after - before, nil
}

// ess is the weights' effective sample size 1/ΣWᵢ².
func (gr *smcGroup) ess() float64 {
	s := 0.0
	for _, lw := range gr.logW {
		w := math.Exp(lw)
		s += w * w
	}
	return 1 / s
}

// resampleAll resamples the particles to equal weights by systematic
// resampling, unless their weights are already equal.
func (gr *smcGroup) resampleAll() {
	equal := true
	for _, lw := range gr.logW {
		equal = equal && lw == gr.logW[0]
	}
	if equal {
		return
	}
	n, d := gr.n, gr.d
	u := gr.rng.Float64() / float64(n)
	c, j := math.Exp(gr.logW[0]), 0
	for i := range n {
		for c < u && j < n-1 {
			j++
			c += math.Exp(gr.logW[j])
		}
		gr.idx[i] = j
		u += 1 / float64(n)
	}
	for i, j := range gr.idx {
		copy(gr.x2[i*d:(i+1)*d], gr.st.X[j*d:(j+1)*d])
		copy(gr.tg2[i*d:(i+1)*d], gr.tg[j*d:(j+1)*d])
		gr.te2[i] = gr.te[j]
	}
	copy(gr.st.X, gr.x2)
	copy(gr.tg, gr.tg2)
	copy(gr.te, gr.te2)
	fill(gr.logW, -math.Log(float64(n)))
	gr.resample++
}

// precondition sets every particle's inverse metric to the particles'
// weighted variance per coordinate.
func (gr *smcGroup) precondition() {
	d := gr.d
	for j := range d {
		m, v := 0.0, 0.0
		for i, lw := range gr.logW {
			m += math.Exp(lw) * gr.st.X[i*d+j]
		}
		for i, lw := range gr.logW {
			r := gr.st.X[i*d+j] - m
			v += math.Exp(lw) * r * r
		}
		v = math.Max(v, 1e-8)
		for i := range gr.n {
			gr.tune.InvMass[i*d+j] = v
		}
	}
}

// move takes Moves kernel steps on E_β, carrying the target's values
// along, and after each step tunes the step size towards the target
// acceptance by the particles' mean acceptance statistic ā:
// h ← h·exp(2(ā − target)), by at most a factor e. The step size is the
// population's, set from its past, so each step still leaves E_β invariant.
func (gr *smcGroup) move() error {
	d := gr.d
	gr.eb.from(gr.st.E, gr.st.G, gr.st.X, gr.te, gr.tg, d)
	for range gr.c.Moves {
		clear(gr.info)
		if err := gr.kernel.Step(&gr.st, &gr.tune, gr.info); err != nil {
			return err
		}
		acc := 0.0
		for i, in := range gr.info {
			if in.Accepted { // the target's values at the new point
				gr.te[i] = gr.eb.e[i]
				copy(gr.tg[i*d:(i+1)*d], gr.eb.g[i*d:(i+1)*d])
			}
			acc += in.AcceptStat / float64(gr.n)
		}
		gr.h *= math.Exp(math.Max(-1, math.Min(1, 2*(acc-gr.target))))
		fill(gr.tune.StepSize, gr.h)
	}
	return nil
}

// logSumExp returns log Σ exp(v), shifted by the maximum.
func logSumExp(v []float64) float64 {
	top := math.Inf(-1)
	for _, x := range v {
		top = math.Max(top, x)
	}
	if math.IsInf(top, 0) {
		return top
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - top)
	}
	return top + math.Log(s)
}
