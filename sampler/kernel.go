package sampler

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/goebm/goebm/energy"
	"gonum.org/v1/gonum/floats"
)

// Kernel is a Markov transition over a block of chains, the seam that every
// sampler here is built on and that Run drives. Run makes one Kernel per
// block, calls Init once and then Step once per step; a kernel keeps its
// scratch for the block, so that a step allocates nothing. Its tuned
// parameters come from the caller, in Tuning, which an Adaptation around it
// may change between steps.
type Kernel interface {
	// Init prepares the kernel for the block s, whose energies and
	// gradients are already evaluated, and writes the block's initial
	// tuning: the step sizes and, for kernels with a diagonal metric,
	// tune.InvMass (N×Dim, which the kernel then reads at every step), or
	// with a dense one tune.InvMassDense (N×Dim×Dim, read likewise).
	Init(s *State, tune *Tuning) error
	// Step advances every chain of s by one transition with the step
	// sizes and metric in tune, and reports on each chain in info[i].
	Step(s *State, tune *Tuning, info []StepInfo) error
}

// State is a block of chains as a kernel sees it: their positions, energies
// and gradients, and one random stream per chain. A kernel moves the chains
// by writing X, E and G (Accept does so for Metropolis kernels).
type State struct {
	// Energy is the target's E: the kernels sample p(x) ∝ exp(−E(x)).
	Energy energy.Energy
	// First is the index of the block's first chain among all chains, N the
	// number of chains in the block, Dim their dimension.
	First, N, Dim int
	// X holds the positions (N×Dim, row-major), E their energies and G
	// their gradients ∇E (N×Dim).
	X, E, G []float64
	// RNG holds chain i's random stream, rand.NewPCG(Seed, First+i).
	RNG []*rand.Rand
	// T is the step being taken, counted from 0 with warm-up included, and
	// Warmup the number of warm-up steps.
	T, Warmup int
	// Tuned reports that the tuning came from Options.Tuned: an Adaptation
	// leaves it as it is.
	Tuned bool
	// GradEvals counts the point gradients evaluated through Grad, and
	// EnergyEvals the energies alone evaluated through EnergyChains.
	GradEvals, EnergyEvals int64
	// Ctx, if set, is the run's context: a kernel whose one step can be
	// long (NUTS, a tree per chain) checks it, through Err, between its
	// chains, and a kernel that runs another on a State of its own passes
	// it on.
	Ctx context.Context
	// Bounds, when set, is the box the chains stay in (Options.Bounds, Dim
	// values a side): a kernel brings each new point back in with
	// Bounds.Keep (HMC and NUTS through the leapfrog's wall).
	Bounds *Bounds

	// cond is the run's Condition, which Grad applies; rep is the number of
	// this State's chains per chain of the run (parallel tempering's
	// replicas), 0 meaning 1.
	cond *condition
	rep  int
}

// Err returns the error of s.Ctx (context.Canceled once the run is
// cancelled), or nil when there is none.
func (s *State) Err() error {
	if s.Ctx == nil {
		return nil
	}
	return s.Ctx.Err()
}

// Grad evaluates the energies e and gradients g at the points x, one for
// each chain of the block in order, and counts them. Under
// Options.Condition it is the one place where chains are conditioned: it
// first writes each chain's observed values into its point, so that no
// proposal moves them, then adds the noise term and zeroes the gradient at
// the observed coordinates. Without one, x may hold any number of points; with
// one, it must hold N (GradChains evaluates fewer).
func (s *State) Grad(e, g, x []float64) {
	if s.cond != nil && len(e) != s.N {
		panic(fmt.Sprintf("sampler: State.Grad at %d points for a block of %d conditioned chains (use GradChains)", len(e), s.N))
	}
	s.GradChains(0, e, g, x)
}

// GradChains evaluates, as Grad does, at the points x of the len(e)
// chains i, i+1, … of the block: how a kernel that moves one chain at a
// time (NUTS, RMHMC) evaluates.
func (s *State) GradChains(i int, e, g, x []float64) {
	d := s.Dim
	if s.cond != nil {
		for r := range e {
			s.cond.pin(s.chain(i+r), x[r*d:(r+1)*d])
		}
	}
	s.Energy.Grad(e, g, x, d)
	s.GradEvals += int64(len(e))
	if s.cond != nil {
		for r := range e {
			s.cond.apply(s.chain(i+r), x[r*d:(r+1)*d], g[r*d:(r+1)*d], &e[r])
		}
	}
}

// GradientFree is a Kernel that needs no gradients (random-walk Metropolis,
// slice sampling). Run evaluates only the energies of its starting points,
// State.G stays zero, and the kernel evaluates through EnergyChains, so that
// Result.Info counts energies and no gradients.
type GradientFree interface {
	Kernel
	// GradientFree reports whether the kernel reads no gradients.
	GradientFree() bool
}

// gradientFree reports whether k is a GradientFree kernel that needs none.
func gradientFree(k Kernel) bool {
	g, ok := k.(GradientFree)
	return ok && g.GradientFree()
}

// IndependentChains is a Kernel whose chains never meet: each chain's
// transition reads only its own position, energy, gradient, random stream
// and tuning, and the kernel gathers nothing across its chains (no swaps,
// no pooled adaptation, no sums over the block). Run may then cut the
// chains into blocks smaller than BlockSize, ⌈chains/workers⌉, so that 4
// chains run on 4 cores; which block a chain lands in changes nothing in
// its draws, as long as the energy evaluates each point of a batch on its
// own (the analytic energies do, and energy.Model on goebm's own matrix
// products, which sum each element in the same order whatever the batch:
// tested). An energy that says otherwise (energy.BatchDependent: a network
// on OpenBLAS's products, whose kernels block by the batch's size) keeps
// blocks of BlockSize, as does a kernel that is not one.
type IndependentChains interface {
	Kernel
	// IndependentChains reports whether the block's chains move
	// independently of one another.
	IndependentChains() bool
}

// independentChains reports whether k is an IndependentChains kernel whose
// chains never meet.
func independentChains(k Kernel) bool {
	i, ok := k.(IndependentChains)
	return ok && i.IndependentChains()
}

// Unadjusted is a Kernel that moves every chain of its block along the
// gradient of the block's summed energy, with no accept test and no
// comparison of one chain's energies: the only kind that can move the
// chains of an energy.Joint energy, whose rows interact, since an accept
// test per chain would judge a move of all chains by one chain's energy.
// Run gives a Joint energy all its chains in one block, and refuses a
// kernel that is not Unadjusted.
type Unadjusted interface {
	Kernel
	// Unadjusted reports whether the kernel only follows the gradient.
	Unadjusted() bool
}

// unadjusted reports whether k is an Unadjusted kernel.
func unadjusted(k Kernel) bool {
	u, ok := k.(Unadjusted)
	return ok && u.Unadjusted()
}

// gradientOnly, embedded in a kernel, declares it Unadjusted.
type gradientOnly struct{}

// Unadjusted reports that the kernel follows the gradient alone.
func (gradientOnly) Unadjusted() bool { return true }

// jitter returns step size h jittered for one transition of the chain with
// stream rng: h·(1 + j·(2u − 1)), u uniform on [0, 1), whose mean is h
// (Stan's stepsize_jitter). With j = 0 it draws nothing, so that the
// chain's stream is the same as without the option.
func jitter(h, j float64, rng *rand.Rand) float64 {
	if j == 0 {
		return h
	}
	return h * (1 + j*(2*rng.Float64()-1))
}

// checkJitter refuses a step jitter outside [0, 1).
// jitterSteps returns L leapfrog steps jittered for one trajectory of the
// chain with stream rng: round(L·(1 + j·(2u − 1))), at least 1.
func jitterSteps(l int, j float64, rng *rand.Rand) int {
	return max(1, int(math.Round(float64(l)*(1+j*(2*rng.Float64()-1)))))
}

func checkJitter(j float64) error {
	if !(j >= 0 && j < 1) {
		return fmt.Errorf("sampler: step jitter %g must be in [0, 1): %w", j, ErrInvalid)
	}
	return nil
}

// chainwise, embedded in a kernel, declares its chains independent.
type chainwise struct{}

// IndependentChains reports that the chains never meet.
func (chainwise) IndependentChains() bool { return true }

// EnergyChains evaluates the energies e alone at the points x of the len(e)
// chains i, i+1, … of the block, conditioned as GradChains conditions, and
// counts them in EnergyEvals: how a GradientFree kernel evaluates.
func (s *State) EnergyChains(i int, e, x []float64) {
	s.energyRows(nil, i, e, x)
}

// energyRows evaluates, as EnergyChains does, at the points x of the
// block's chains rows[r] (nil: the chains first, first+1, …), which may
// repeat: how a kernel evaluates only the chains still searching.
func (s *State) energyRows(rows []int, first int, e, x []float64) {
	d := s.Dim
	chain := func(r int) int {
		if rows == nil {
			return first + r
		}
		return rows[r]
	}
	if s.cond != nil {
		for r := range e {
			s.cond.pin(s.chain(chain(r)), x[r*d:(r+1)*d])
		}
	}
	s.Energy.Energy(e, x[:len(e)*d], d)
	s.EnergyEvals += int64(len(e))
	if s.cond != nil {
		for r := range e {
			s.cond.apply(s.chain(chain(r)), x[r*d:(r+1)*d], nil, &e[r])
		}
	}
}

// chain returns the run's index of the block's chain i.
func (s *State) chain(i int) int { return (s.First + i) / max(s.rep, 1) }

// Pinned returns the observed coordinates of the block's chain i under
// Options.Condition (true where its value is held), or nil when no
// coordinate is held. A kernel that draws momenta zeroes them there, so that
// those coordinates neither move nor count in the kinetic energy.
func (s *State) Pinned(i int) []bool { return s.cond.observed(s.chain(i)) }

// Warm reports whether the step being taken is a warm-up step.
func (s *State) Warm() bool { return s.T < s.Warmup }

// Accept is the Metropolis test of chain i: with probability a it moves the
// chain to the proposal y with gradient gy and energy ey, and it reports
// whether it did (also in info.Accepted). A bad proposal (divergent, or non-finite) or a NaN a is
// rejected with a = 0 and reported as divergent. It records a and the
// divergence in info, and draws one uniform from the chain's stream whatever
// the outcome, so that the streams stay aligned.
func (s *State) Accept(i int, a float64, bad bool, y, gy []float64, ey float64, info *StepInfo) bool {
	if bad || math.IsNaN(a) {
		a = 0
		info.Divergent = true
	}
	info.AcceptStat = a
	if s.RNG[i].Float64() >= a {
		return false
	}
	d := s.Dim
	copy(s.X[i*d:(i+1)*d], y)
	copy(s.G[i*d:(i+1)*d], gy)
	s.E[i] = ey
	info.Accepted = true
	return true
}

// check returns an error naming the first chain whose current energy or
// gradient is not finite. The common case costs one vectorised sum
// (probe).
func (s *State) check(t int) error {
	if probe(s.E)+probe(s.G) == 0 {
		return nil
	}
	for i := range s.N {
		bad := math.IsNaN(s.E[i]) || math.IsInf(s.E[i], 0)
		for _, v := range s.G[i*s.Dim : (i+1)*s.Dim] {
			bad = bad || math.IsNaN(v) || math.IsInf(v, 0)
		}
		if bad {
			return fmt.Errorf("sampler: chain %d, step %d: energy %g at %v: %w", s.First+i, t, s.E[i], s.X[i*s.Dim:(i+1)*s.Dim], ErrNonFinite)
		}
	}
	return nil
}

// probe returns 0 when every value of v is finite, NaN otherwise (or when
// their sum overflows, which check's exact loop then clears): the sum of v
// times 0, by gonum's vectorised sum.
func probe(v []float64) float64 { return floats.Sum(v) * 0 }

// Tuning holds the parameters a kernel is tuned by, per chain: of a block
// when a kernel steps, of all chains in Result.Tuned and Options.Tuned.
type Tuning struct {
	// StepSize is each chain's step size.
	StepSize []float64
	// InvMass is each chain's diagonal inverse mass matrix M⁻¹, one row of
	// Dim values per chain; nil for kernels without a diagonal metric.
	InvMass []float64
	// InvMassDense is each chain's dense inverse mass matrix M⁻¹, Dim×Dim
	// values per chain (row-major, symmetric positive-definite); nil for
	// kernels without a dense metric. A kernel that has one reads it at
	// every step, so that an Adaptation may rewrite it.
	InvMassDense []float64
}

// check validates a tuning given for chains chains of dimension d.
func (t *Tuning) check(chains, d int) error {
	if t == nil {
		return nil
	}
	if len(t.StepSize) != chains || (t.InvMass != nil && len(t.InvMass) != chains*d) ||
		(t.InvMassDense != nil && len(t.InvMassDense) != chains*d*d) {
		return fmt.Errorf("sampler: tuning of %d step sizes, %d inverse masses and %d dense inverse mass values for %d chains of dimension %d: %w",
			len(t.StepSize), len(t.InvMass), len(t.InvMassDense), chains, d, ErrInvalid)
	}
	for _, v := range slices.Concat(t.StepSize, t.InvMass) {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("sampler: tuned step size or inverse mass %g must be positive: %w", v, ErrInvalid)
		}
	}
	if t.InvMassDense != nil {
		chol := make([]float64, d*d)
		for c := range chains {
			inv := t.InvMassDense[c*d*d : (c+1)*d*d]
			if !finiteSlice(inv) || !symmetric(inv, d) {
				return fmt.Errorf("sampler: tuned dense inverse mass of chain %d is not finite and symmetric: %w", c, ErrInvalid)
			}
			if err := denseFactor(chol, inv, d); err != nil {
				return fmt.Errorf("chain %d: %w", c, err)
			}
		}
	}
	return nil
}

// symmetric reports whether the d×d matrix a equals its transpose.
func symmetric(a []float64, d int) bool {
	for r := range d {
		for c := range r {
			if a[r*d+c] != a[c*d+r] {
				return false
			}
		}
	}
	return true
}

// copyTo writes the tuning of the block of chains from first into dst.
func (t *Tuning) copyTo(dst *Tuning, first, d int) error {
	if t == nil {
		return nil
	}
	copy(dst.StepSize, t.StepSize[first:])
	if t.InvMass != nil {
		if dst.InvMass == nil {
			return fmt.Errorf("sampler: tuned inverse masses for a kernel without a diagonal metric: %w", ErrInvalid)
		}
		copy(dst.InvMass, t.InvMass[first*d:])
	}
	if t.InvMassDense != nil {
		if dst.InvMassDense == nil {
			return fmt.Errorf("sampler: tuned dense inverse masses for a kernel without a dense metric: %w", ErrInvalid)
		}
		copy(dst.InvMassDense, t.InvMassDense[first*d*d:])
	}
	return nil
}

// StepInfo is a kernel's report on one chain's transition: Stan's per-draw
// sampler columns.
type StepInfo struct {
	// AcceptStat is the acceptance statistic (accept_stat__): the
	// Metropolis acceptance probability, NUTS's mean over the tree; 1 for
	// unadjusted kernels.
	AcceptStat float64
	// StepSize is the step size used (stepsize__): the kernel's, when it
	// jitters it, else filled in by Run from the tuning.
	StepSize float64
	// TreeDepth is the NUTS tree's depth (treedepth__): as in Stan, the
	// number of doublings kept, so a tree whose last subtree diverged or
	// turned back inside has 2^TreeDepth − 1 < Leapfrog < 2^(TreeDepth+1)
	// steps, and one that diverged on its first step has depth 0. 0 for
	// other kernels.
	TreeDepth int
	// Leapfrog is the number of integration steps taken (n_leapfrog__).
	Leapfrog int
	// Divergent reports a divergent or non-finite proposal (divergent__).
	Divergent bool
	// Accepted reports that a Metropolis kernel moved to its proposal
	// (BlackJAX's is_accepted).
	Accepted bool
	// Energy is the Hamiltonian at the new state (energy__), or E there
	// for kernels without momentum.
	Energy float64
	// EnergyEvals is the number of energies alone evaluated (a
	// GradientFree kernel's cost: 1 for random-walk Metropolis, the
	// stepping out and shrinkage of every coordinate for slice sampling).
	EnergyEvals int
}

// perBlock collects one value per block from kernels running concurrently,
// and returns them in chain order: how samplers built on Run gather what
// their kernels compute beyond the draws.
type perBlock[T any] struct {
	mu sync.Mutex
	m  map[int]T
}

func (p *perBlock[T]) put(first int, v T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[int]T{}
	}
	p.m[first] = v
}

func (p *perBlock[T]) inOrder() []T {
	var out []T
	for _, k := range slices.Sorted(maps.Keys(p.m)) {
		out = append(out, p.m[k])
	}
	return out
}
