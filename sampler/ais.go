package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// AIS is annealed importance sampling (Neal 2001): it estimates
// log Z = log ∫exp(−E) and draws weighted samples. Each chain starts from the
// base density N(0, σ²I), whose log Z₀ = (d/2)·log 2πσ² is known, and moves
// through the energies E_β = (1−β)·‖x‖²/(2σ²) + β·E(x) for
// β₀ = 0 < β₁ < … < β_K = 1 (K = Options.Steps, βₖ = (k/K)^Power), adding
// (βₖ₊₁ − βₖ)(E₀(x) − E(x)) to its log weight before each MALA move that
// leaves E_βₖ₊₁ invariant. Then Z ≈ Z₀·mean(exp(log w)) over chains:
// AISResult.LogZ, with its standard error by the delta method in
// AISResult.LogZSE (reliable only when the weights are not dominated by a few
// chains: more steps, or a base closer to the target, help).
//
// With Reverse set the chains anneal the other way, from the target to the
// base (β from 1 down to 0), starting at Options.Init, and the weights
// estimate Z₀/Z instead: E[w] = Z₀/Z when the starts are exact draws from
// exp(−E)/Z, so LogZ = log Z₀ − log mean(w) is then, by Jensen's inequality,
// a stochastic upper bound on log Z as the forward estimate is a stochastic
// lower bound (the bidirectional sandwich of Grosse, Ghahramani and Adams
// 2015). From other starts, such as held-out data, it is no bound, but both
// directions converge to log Z as K grows.
type AIS struct {
	// BaseScale σ of the base density; 0 means 1.
	BaseScale float64
	// Power shapes the annealing schedule βₖ = (k/K)^Power; 0 means 1
	// (linear). Larger values spend more steps near the base.
	Power float64
	// StepSize η of the MALA moves; nil means 0.05.
	StepSize schedule.Schedule
	// MoveSteps is the number of MALA moves per temperature; 0 means 1.
	MoveSteps int
	// Reverse anneals from the target, starting at Options.Init, to the
	// base.
	Reverse bool
}

// AISResult is an annealed-importance-sampling run: the chains' final
// points and the estimate of log Z.
type AISResult struct {
	Result
	// LogZ and LogZSE are the estimate of log ∫exp(−E) and its standard
	// error.
	LogZ, LogZSE float64
	// LogWeights holds each chain's log importance weight, log Z₀ included:
	// log(Z₀w), whose exp estimates Z. In reverse it holds log(w/Z₀), whose
	// exp estimates 1/Z.
	LogWeights []float64
}

// Sample anneals the chains as Anneal does, and returns their draws.
func (s AIS) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	r, err := s.Anneal(ctx, e, o)
	if r == nil {
		return nil, err
	}
	return &r.Result, err
}

// Anneal anneals the chains and estimates log Z. Options.Init must be nil
// (chains start from the base density), or set in reverse, and
// Options.Warmup 0; Options.Steps is K.
func (s AIS) Anneal(ctx context.Context, e energy.Energy, o Options) (*AISResult, error) {
	sigma, power, moves := cmp.Or(s.BaseScale, 1), cmp.Or(s.Power, 1), cmp.Or(s.MoveSteps, 1)
	switch {
	case o.Warmup != 0 || (o.Init != nil) != s.Reverse:
		return nil, fmt.Errorf("sampler: AIS starts from its base density (no Init), reverse AIS from Init, neither with Warmup: %w", ErrInvalid)
	case o.Bounds != nil || o.Condition != nil:
		return nil, fmt.Errorf("sampler: AIS anneals between an unbounded, unconditioned base and the target: no Bounds or Condition: %w", ErrInvalid)
	case o.Steps < 1:
		return nil, fmt.Errorf("sampler: AIS needs Steps ≥ 1 annealing steps: %w", ErrInvalid)
	case !(sigma > 0) || !(power > 0) || moves < 0:
		return nil, fmt.Errorf("sampler: AIS base scale %g, power %g and moves %d must be positive: %w", sigma, power, moves, ErrInvalid)
	}
	h0, err := stepSize(s.StepSize, 0.05, 0, "step size")
	if err != nil {
		return nil, err
	}
	var weights perBlock[[]float64]
	res, err := Run(ctx, e, o, func() Kernel {
		return &aisKernel{schedule: s.StepSize, step0: h0, sigma: sigma, power: power, moves: moves, k: o.Steps, reverse: s.Reverse, weights: &weights}
	})
	if res == nil {
		return nil, err
	}
	out := &AISResult{Result: *res}
	for _, w := range weights.inOrder() {
		out.LogWeights = append(out.LogWeights, w...)
	}
	out.LogZ, out.LogZSE = logMeanExp(out.LogWeights)
	if s.Reverse {
		out.LogZ = -out.LogZ
	}
	return out, err
}

// annealed is the energy E_β = (1−β)·E₀ + β·E between the base
// E₀(x) = ‖x‖²/(2σ²) and the target E. It keeps E and ∇E of the points it
// last evaluated, so that a chain moved by a kernel on E_β carries the
// target's values on to the next β without evaluating them again.
type annealed struct {
	target      energy.Energy
	beta, sigma float64
	e, g        []float64 // E and ∇E at the points of the last Grad
}

var _ energy.Energy = (*annealed)(nil)

// Dim returns the target's dimension.
func (a *annealed) Dim() int { return a.target.Dim() }

// BatchDependent reports whether the target's values depend on the batch.
func (a *annealed) BatchDependent() bool { return energy.IsBatchDependent(a.target) }

// Joint reports whether the target's rows interact.
func (a *annealed) Joint() bool { return energy.IsJoint(a.target) }

// Energy evaluates E_β.
func (a *annealed) Energy(e, x []float64, d int) { a.Grad(e, make([]float64, len(x)), x, d) }

// Grad evaluates E_β and ∇E_β = (1−β)x/σ² + β∇E.
func (a *annealed) Grad(e, g, x []float64, d int) {
	if len(a.e) != len(e) {
		a.e, a.g = make([]float64, len(e)), make([]float64, len(g))
	}
	a.target.Grad(a.e, a.g, x, d)
	a.from(e, g, x, a.e, a.g, d)
}

// from writes E_β and ∇E_β at the points x into e and g, given the target's
// energies te and gradients tg there.
func (a *annealed) from(e, g, x, te, tg []float64, d int) {
	s2 := a.sigma * a.sigma
	for i := range e {
		e[i] = (1-a.beta)*a.e0(x[i*d:(i+1)*d]) + a.beta*te[i]
	}
	for j := range g {
		g[j] = (1-a.beta)*x[j]/s2 + a.beta*tg[j]
	}
}

// e0 is the base energy ‖x‖²/(2σ²).
func (a *annealed) e0(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return s / (2 * a.sigma * a.sigma)
}

// aisKernel takes one annealing step: the weight update, then moves of a
// MALA kernel on the next annealed energy, whose state shares the chains'
// positions.
type aisKernel struct {
	chainwise
	schedule     schedule.Schedule
	step0        float64
	sigma, power float64
	moves, k     int
	reverse      bool
	weights      *perBlock[[]float64]
	logW         []float64
	eb           annealed
	as           State // the chains on E_β
	atune        Tuning
	ainfo        []StepInfo
	move         malaKernel
}

var _ Kernel = (*aisKernel)(nil)

// beta returns the inverse temperature after k annealing steps: βₖ, or
// β_(K−k) in reverse.
func (a *aisKernel) beta(k int) float64 {
	if a.reverse {
		k = a.k - k
	}
	return math.Pow(float64(k)/float64(a.k), a.power)
}

func (a *aisKernel) Init(s *State, tune *Tuning) error {
	logZ0 := 0.5 * float64(s.Dim) * math.Log(2*math.Pi*a.sigma*a.sigma)
	if a.reverse {
		logZ0 = -logZ0 // the weights estimate Z₀/Z: LogWeights hold log(w/Z₀)
	} else {
		for j := range s.X {
			s.X[j] *= a.sigma
		}
		s.Grad(s.E, s.G, s.X)
	}
	if err := s.check(0); err != nil {
		return err
	}
	fill(tune.StepSize, a.step0)
	a.logW = make([]float64, s.N)
	fill(a.logW, logZ0)
	a.weights.put(s.First, a.logW)
	a.eb = annealed{target: s.Energy, sigma: a.sigma, beta: a.beta(0)}
	a.as = State{Energy: &a.eb, First: s.First, N: s.N, Dim: s.Dim, X: s.X, RNG: s.RNG,
		E: make([]float64, s.N), G: make([]float64, len(s.G))}
	a.atune.StepSize = make([]float64, s.N)
	a.ainfo = make([]StepInfo, s.N)
	return a.move.Init(&a.as, &a.atune)
}

func (a *aisKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	h, err := setStepSize(tune, a.schedule, 0.05, s.T)
	if err != nil {
		return err
	}
	fill(a.atune.StepSize, h)
	d := s.Dim
	b0, b1 := a.beta(s.T), a.beta(s.T+1)
	for i := range s.N {
		a.logW[i] += (b1 - b0) * (a.eb.e0(s.X[i*d:(i+1)*d]) - s.E[i])
	}
	a.eb.beta = b1
	a.eb.from(a.as.E, a.as.G, s.X, s.E, s.G, d)
	a.as.T, a.as.Ctx = s.T, s.Ctx
	for range a.moves {
		clear(a.ainfo)
		if err := a.move.Step(&a.as, &a.atune, a.ainfo); err != nil {
			return err
		}
		for i, in := range a.ainfo {
			if in.Accepted { // the target's values at the new point
				s.E[i] = a.eb.e[i]
				copy(s.G[i*d:(i+1)*d], a.eb.g[i*d:(i+1)*d])
			}
			info[i].AcceptStat += in.AcceptStat / float64(a.moves)
			info[i].Divergent = info[i].Divergent || in.Divergent
		}
	}
	s.GradEvals += a.as.GradEvals
	a.as.GradEvals = 0
	for i := range s.N {
		info[i].Leapfrog, info[i].Energy = a.moves, s.E[i]
	}
	return nil
}
