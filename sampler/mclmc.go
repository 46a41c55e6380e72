package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
)

// MCLMC is microcanonical Langevin Monte Carlo (Robnik, De Luca, Silverstein
// and Seljak 2023; Robnik and Seljak 2023), as BlackJAX's mclmc has it. The
// velocity u is a unit vector, moved by the isokinetic (ESH) dynamics
//
//	ẋ = σ⊙u,  u̇ = (I − uuᵀ)g̃/(d−1),  g̃ = −σ⊙∇E(x),
//
// whose position marginal is exp(−E), integrated by the isokinetic
// McLachlan scheme (momentum b₁ε, position ε/2, momentum (1−2b₁)ε,
// position ε/2, momentum b₁ε, b₁ = 0.1932: two gradients a step). Each
// momentum update by a coefficient c is the exact solution along g̃: with
// e = g̃/‖g̃‖, δ = cε‖g̃‖/(d−1), ζ = e^(−δ),
//
//	u ← normalise(e(1−ζ)(1 + ζ + (u·e)(1−ζ)) + 2ζu),
//
// and changes the kinetic energy by (d−1)(δ − log 2 + log(1 + u·e + (1−u·e)ζ²)).
// Before and after each step the velocity is partly refreshed,
// u ← normalise(u + νz), z ~ N(0, I), ν = √((e^(ε/L) − 1)/d): Langevin
// noise that decorrelates the velocity over a length L. There is no
// Metropolis test; the step size is kept where the energy error
// ΔE = ΔK + E(x′) − E(x) has variance Var[ΔE]/d ≈ 5·10⁻⁴, which keeps the
// bias well below the Monte Carlo error (on a 10-d Gaussian of standard
// deviations 0.1 to 1, 4 chains, 1000 warm-up and 2000 steps: 0.19 to 0.21
// bulk ESS of the slowest coordinate per gradient, NUTS 0.26 to 0.27,
// whose draws on Gaussians are antithetic). A step whose energy error or
// point is not finite is undone, with a fresh random velocity, and counted
// as divergent.
//
// Warm-up tunes ε, L and the diagonal preconditioner σ per chain in
// BlackJAX's three stages (mclmc_find_L_and_step_size), from ε = √d/4 and
// L = √d: (1) for 30% of warm-up, after every step, ξ = ΔE²/(d·5·10⁻⁴) is
// folded into a decaying average (decay (n−1)/(n+1), n = 150) of ξ/ε⁶ with
// weight w = exp(−½(log ξ/9)²), and ε = (average ξ/ε⁶)^(−1/6), capped below
// any step size that met a non-finite value (times 0.8); (2) for the next
// 30% the same, also averaging x and x² weighted by ε, after which
// σ² = their variance (Tuning.InvMass), L = √d, and ε is re-tuned for 10%
// more; (3) for the last 30%, with ε fixed, the draws' ESS per coordinate
// gives L = 0.4·ε·mean(n/ESS). With Options.Tuned nothing is tuned; L is
// then MCLMC.L, or √d.
//
// It needs d ≥ 2. Options.Bounds and Options.Condition are refused.
type MCLMC struct {
	// StepSize is the initial step size ε; 0 means √d/4.
	StepSize float64
	// L is the initial momentum decoherence length (the only one without
	// tuning); 0 means √d.
	L float64
	// EnergyVariance is the target Var[ΔE]/d; 0 means 5·10⁻⁴.
	EnergyVariance float64
	// NoTune keeps ε and L as given, and σ = 1, through warm-up.
	NoTune bool
}

// Sample runs the chains. Every step costs two gradients per chain.
func (m MCLMC) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	if e == nil {
		return nil, fmt.Errorf("sampler: no energy: %w", ErrInvalid)
	}
	_, d := o.shape(e)
	varE := cmp.Or(m.EnergyVariance, 5e-4)
	switch {
	case d < 2:
		return nil, fmt.Errorf("sampler: MCLMC needs dimension 2 or more, not %d: %w", d, ErrInvalid)
	case o.Bounds != nil || o.Condition != nil:
		return nil, fmt.Errorf("sampler: MCLMC moves every coordinate on a sphere of velocities: no Bounds or Condition: %w", ErrInvalid)
	case m.StepSize < 0 || m.L < 0 || math.IsInf(m.StepSize, 0) || math.IsInf(m.L, 0) || !(varE > 0) || math.IsInf(varE, 0):
		return nil, fmt.Errorf("sampler: MCLMC step size %g, L %g and energy variance %g must be positive and finite: %w", m.StepSize, m.L, varE, ErrInvalid)
	}
	return Run(ctx, e, o, func() Kernel { return &mclmcKernel{cfg: m, varE: varE} })
}

// mclachlanB is b₁ of the two-stage McLachlan integrator (McLachlan 1995),
// the coefficient BlackJAX's isokinetic_mclachlan uses.
const mclachlanB = 0.1931833275037836

// mclmcKernel is MCLMC over a block of chains, tuning itself in warm-up.
type mclmcKernel struct {
	chainwise
	cfg  MCLMC
	varE float64

	u          []float64 // velocities, unit vectors (n×d)
	x1, e1, g1 []float64 // the step's work point
	dK         []float64 // kinetic energy change of the step
	dE         []float64 // energy error of the last step (NaN: undone)
	L          []float64
	z          []float64

	// tuning, per chain
	time, xavg, maxStep []float64
	wsum                []float64   // stage 2: total weight of the averages
	m1, m2              []float64   // stage 2: weighted averages of x, x² (n×d)
	draws               [][]float64 // stage 3: chain i's draws, coordinate-major
	stage               [4]int      // the warm-up step where each stage ends
}

var _ Kernel = (*mclmcKernel)(nil)

func (k *mclmcKernel) Init(s *State, tune *Tuning) error {
	n, d := s.N, s.Dim
	eps, l := k.cfg.StepSize, k.cfg.L
	if eps == 0 {
		eps = math.Sqrt(float64(d)) / 4
	}
	if l == 0 {
		l = math.Sqrt(float64(d))
	}
	fill(tune.StepSize, eps)
	tune.InvMass = make([]float64, n*d) // σ², tuned in warm-up
	fill(tune.InvMass, 1)
	k.u, k.x1, k.g1 = make([]float64, n*d), make([]float64, n*d), make([]float64, n*d)
	k.e1, k.dK, k.L, k.z = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, d)
	k.dE = make([]float64, n)
	fill(k.L, l)
	for i := range n {
		k.randomVelocity(s, i)
	}
	w := s.Warmup
	k.stage = [4]int{w * 3 / 10, w * 6 / 10, w * 7 / 10, w}
	if !k.cfg.NoTune && !s.Tuned && w > 0 {
		k.time, k.xavg, k.maxStep, k.wsum = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		fill(k.maxStep, math.Inf(1))
		k.m1, k.m2 = make([]float64, n*d), make([]float64, n*d)
		k.draws = make([][]float64, n)
		for i := range k.draws {
			k.draws[i] = make([]float64, 0, (k.stage[3]-k.stage[2])*d)
		}
	}
	return nil
}

// randomVelocity draws chain i's velocity uniformly on the unit sphere.
func (k *mclmcKernel) randomVelocity(s *State, i int) {
	d := s.Dim
	u := k.u[i*d : (i+1)*d]
	for j := range u {
		u[j] = s.RNG[i].NormFloat64()
	}
	normalise(u)
}

// normalise scales v to unit length and returns its former length; a zero
// vector stays zero.
func normalise(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	s = math.Sqrt(s)
	if s > 1e-13 {
		for j := range v {
			v[j] /= s
		}
	}
	return s
}

// refresh partly refreshes chain i's velocity over the step h.
func (k *mclmcKernel) refresh(s *State, i int, h float64) {
	d := s.Dim
	u := k.u[i*d : (i+1)*d]
	nu := math.Sqrt((math.Exp(2*h/k.L[i]) - 1) / float64(d))
	for j := range u {
		u[j] += nu * s.RNG[i].NormFloat64()
	}
	normalise(u)
}

// kick is the isokinetic momentum update of every chain by coefficient c,
// along the gradients g at the work points.
func (k *mclmcKernel) kick(s *State, tune *Tuning, c float64) {
	d := s.Dim
	dm1 := float64(d - 1)
	for i := range s.N {
		u, g, sig := k.u[i*d:(i+1)*d], k.g1[i*d:(i+1)*d], tune.InvMass[i*d:(i+1)*d]
		e := k.z
		for j := range e {
			e[j] = -g[j] * math.Sqrt(sig[j])
		}
		norm := normalise(e)
		proj := 0.0
		for j := range e {
			proj += u[j] * e[j]
		}
		delta := tune.StepSize[i] * c * norm / dm1
		zeta := math.Exp(-delta)
		for j := range u {
			u[j] = e[j]*(1-zeta)*(1+zeta+proj*(1-zeta)) + 2*zeta*u[j]
		}
		normalise(u)
		k.dK[i] += dm1 * (delta - math.Ln2 + math.Log(1+proj+(1-proj)*zeta*zeta))
	}
}

// drift moves every chain's work point by c·ε·σ⊙u and evaluates there.
func (k *mclmcKernel) drift(s *State, tune *Tuning, c float64) {
	d := s.Dim
	for i := range s.N {
		h := c * tune.StepSize[i]
		for j := i * d; j < (i+1)*d; j++ {
			k.x1[j] += h * math.Sqrt(tune.InvMass[j]) * k.u[j]
		}
	}
	s.Grad(k.e1, k.g1, k.x1)
}

func (k *mclmcKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	n, d := s.N, s.Dim
	copy(k.x1, s.X)
	copy(k.e1, s.E)
	copy(k.g1, s.G)
	clear(k.dK)
	for i := range n {
		k.refresh(s, i, tune.StepSize[i]/2)
	}
	k.kick(s, tune, mclachlanB)
	k.drift(s, tune, 0.5)
	k.kick(s, tune, 1-2*mclachlanB)
	k.drift(s, tune, 0.5)
	k.kick(s, tune, mclachlanB)
	for i := range n {
		dE := k.dK[i] + k.e1[i] - s.E[i]
		r := i * d
		info[i] = StepInfo{AcceptStat: 1, Leapfrog: 2}
		if !finite(dE) || !finiteSlice(k.x1[r:r+d]) || !finiteSlice(k.g1[r:r+d]) {
			// Undo the step, with a fresh velocity.
			info[i].Divergent = true
			k.randomVelocity(s, i)
			dE = math.NaN()
		} else {
			copy(s.X[r:r+d], k.x1[r:r+d])
			copy(s.G[r:r+d], k.g1[r:r+d])
			s.E[i] = k.e1[i]
			info[i].Accepted = true
			k.refresh(s, i, tune.StepSize[i]/2)
		}
		info[i].Energy = s.E[i]
		k.dE[i] = dE
		if k.time != nil && s.Warm() {
			k.tune(s, tune, i, dE)
		}
	}
	return nil
}

// tune is chain i's warm-up after a step whose energy error was dE (NaN:
// undone).
func (k *mclmcKernel) tune(s *State, tune *Tuning, i int, dE float64) {
	d, t := s.Dim, s.T
	x := s.X[i*d : (i+1)*d]
	switch {
	case t < k.stage[1]:
		k.stepSize(tune, i, dE, d)
		if t >= k.stage[0] { // stage 2: the averages of x and x²
			w := tune.StepSize[i]
			if math.IsNaN(dE) {
				w = 0
			}
			k.wsum[i] += w
			for j, v := range x {
				r := i*d + j
				k.m1[r] += w * (v - k.m1[r]) / math.Max(k.wsum[i], 1e-300)
				k.m2[r] += w * (v*v - k.m2[r]) / math.Max(k.wsum[i], 1e-300)
			}
		}
		if t == k.stage[1]-1 && k.wsum[i] > 0 {
			for j := range d {
				r := i*d + j
				if v := k.m2[r] - k.m1[r]*k.m1[r]; v > 0 && finite(v) {
					tune.InvMass[r] = v
				}
			}
			k.L[i] = math.Sqrt(float64(d))
			k.time[i], k.xavg[i], k.maxStep[i] = 0, 0, math.Inf(1)
		}
	case t < k.stage[2]:
		k.stepSize(tune, i, dE, d)
	default: // stage 3: the draws' ESS sets L
		k.draws[i] = append(k.draws[i], x...)
		if t == k.stage[3]-1 {
			k.setL(tune, i, d)
		}
	}
}

// stepSize folds the energy error dE into chain i's estimate of the step
// size where Var[ΔE]/d is the target (Var[ΔE] ∝ ε⁶).
func (k *mclmcKernel) stepSize(tune *Tuning, i int, dE float64, d int) {
	const neff, trust = 150.0, 1.5
	eps := tune.StepSize[i]
	if math.IsNaN(dE) {
		k.maxStep[i] = 0.8 * eps
		dE = 0
	}
	xi := dE*dE/(float64(d)*k.varE) + 1e-8
	w := math.Exp(-0.5 * math.Pow(math.Log(xi)/(6*trust), 2))
	decay := (neff - 1) / (neff + 1)
	k.xavg[i] = decay*k.xavg[i] + w*xi/math.Pow(eps, 6)
	k.time[i] = decay*k.time[i] + w
	eps = math.Pow(k.xavg[i]/k.time[i], -1.0/6)
	tune.StepSize[i] = math.Min(eps, k.maxStep[i])
}

// setL sets chain i's L from its stage-3 draws: 0.4·ε·mean(n/ESS).
func (k *mclmcKernel) setL(tune *Tuning, i, d int) {
	draws := k.draws[i]
	n := len(draws) / d
	if n < 4 {
		return
	}
	col := make([]float64, n)
	sum, m := 0.0, 0
	for j := range d {
		for t := range n {
			col[t] = draws[t*d+j]
		}
		if ess := diag.ESS([][]float64{col}); ess > 0 && finite(ess) {
			sum += float64(n) / ess
			m++
		}
	}
	if m > 0 {
		k.L[i] = 0.4 * tune.StepSize[i] * sum / float64(m)
	}
	k.draws[i] = nil
}
