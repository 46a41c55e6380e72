package sampler

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
)

// EllipticalSlice is elliptical slice sampling (Murray, Adams and MacKay
// 2010) for a target that is a Gaussian prior times a likelihood,
//
//	p(x) ∝ N(x; μ, Σ)·exp(−E(x)),
//
// where the energy E given to Sample is the negative log-likelihood alone
// (unless WholeEnergy). From x it draws ν ~ N(0, Σ) and a level
// z = E(x) + Exp(1), and looks along the ellipse through x and ν around μ,
//
//	x′(θ) = μ + (x − μ)·cos θ + ν·sin θ,
//
// for a point inside the slice E(x′) < z: θ is drawn uniformly from a
// bracket [θ − 2π, θ] that starts as the whole ellipse and shrinks towards
// θ = 0 (the current point) past every miss. The move leaves the posterior
// invariant for any Σ, is always accepted (the search ends, at worst as the
// bracket closes on x itself), and has no step size: the prior sets the
// scale. It needs no gradients; each round of the search evaluates the
// chains still searching in one batched call, and every chain draws from
// its own stream. It suits posteriors dominated by a correlated Gaussian
// prior (Gaussian processes, latent Gaussian models); for a weak prior the
// ellipse is too wide and the search shrinks many times.
//
// With WholeEnergy, E is the whole target's energy instead, −log of the
// unnormalised p, and the kernel takes the likelihood as
// E(x) − ½(x−μ)ᵀΣ⁻¹(x−μ): any target can then be sampled with a Gaussian of
// the target's rough location and scale as the prior (ebm sample does this
// with Σ = σ²I). Result.Energies and StepInfo.Energy hold E as given.
//
// Options.Bounds and Options.Condition are refused: both would move points
// off the ellipse.
type EllipticalSlice struct {
	// PriorMean is μ (d values); nil means 0.
	PriorMean []float64
	// PriorCov is Σ (d×d, row-major, symmetric positive-definite); nil
	// means PriorScale²·I.
	PriorCov []float64
	// PriorScale is σ of the isotropic prior used without PriorCov; 0
	// means 1.
	PriorScale float64
	// WholeEnergy says that the energy is the whole target's, prior
	// included, rather than the negative log-likelihood.
	WholeEnergy bool
}

// Sample runs the chains. Each step moves every chain once, at the cost of
// one energy per point tried (StepInfo.EnergyEvals; no gradients).
func (es EllipticalSlice) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	if e == nil {
		return nil, fmt.Errorf("sampler: no energy: %w", ErrInvalid)
	}
	if o.Bounds != nil || o.Condition != nil {
		return nil, fmt.Errorf("sampler: elliptical slice sampling moves along ellipses of the prior: no Bounds or Condition: %w", ErrInvalid)
	}
	_, d := o.shape(e)
	p, err := es.prior(d)
	if err != nil {
		return nil, err
	}
	return Run(ctx, e, o, func() Kernel { return &essKernel{prior: p, whole: es.WholeEnergy} })
}

// gaussPrior is N(μ, Σ) through the lower Cholesky factor L of Σ (nil for
// σ²I).
type gaussPrior struct {
	d     int
	mean  []float64 // nil: 0
	l     []float64 // d×d row-major lower factor; nil: σI
	sigma float64
}

// prior validates the settings for dimension d and factorises Σ.
func (es EllipticalSlice) prior(d int) (*gaussPrior, error) {
	p := &gaussPrior{d: d, sigma: es.PriorScale}
	if p.sigma == 0 {
		p.sigma = 1
	}
	if !(p.sigma > 0) || math.IsInf(p.sigma, 0) {
		return nil, fmt.Errorf("sampler: prior scale %g must be positive and finite: %w", p.sigma, ErrInvalid)
	}
	if es.PriorMean != nil {
		if len(es.PriorMean) != d || !finiteSlice(es.PriorMean) {
			return nil, fmt.Errorf("sampler: prior mean of %d values (finite) for dimension %d: %w", len(es.PriorMean), d, ErrInvalid)
		}
		p.mean = es.PriorMean
	}
	if es.PriorCov == nil {
		return p, nil
	}
	if len(es.PriorCov) != d*d || !finiteSlice(es.PriorCov) {
		return nil, fmt.Errorf("sampler: prior covariance of %d values (finite) for dimension %d: %w", len(es.PriorCov), d, ErrInvalid)
	}
	for i := range d {
		for j := range i {
			if es.PriorCov[i*d+j] != es.PriorCov[j*d+i] {
				return nil, fmt.Errorf("sampler: prior covariance is not symmetric at (%d, %d): %w", i, j, ErrInvalid)
			}
		}
	}
	p.l = make([]float64, d*d)
	if _, ok := lowerCholesky(p.l, es.PriorCov, d); !ok {
		return nil, fmt.Errorf("sampler: prior covariance is not positive-definite: %w", ErrInvalid)
	}
	return p, nil
}

// draw writes ν = Lξ, ξ ~ N(0, I), into nu, using z as scratch.
func (p *gaussPrior) draw(nu, z []float64, norm func() float64) {
	if p.l == nil {
		for j := range nu {
			nu[j] = p.sigma * norm()
		}
		return
	}
	for j := range z {
		z[j] = norm()
	}
	for i := range nu {
		s := 0.0
		for j := 0; j <= i; j++ {
			s += p.l[i*p.d+j] * z[j]
		}
		nu[i] = s
	}
}

// energy returns ½(x−μ)ᵀΣ⁻¹(x−μ), by solving Lz = x − μ (z is scratch).
func (p *gaussPrior) energy(x, z []float64) float64 {
	s := 0.0
	for i := range x {
		v := x[i]
		if p.mean != nil {
			v -= p.mean[i]
		}
		if p.l == nil {
			v /= p.sigma
		} else {
			for j := range i {
				v -= p.l[i*p.d+j] * z[j]
			}
			v /= p.l[i*p.d+i]
		}
		z[i] = v
		s += v * v
	}
	return s / 2
}

// centre returns μⱼ.
func (p *gaussPrior) centre(j int) float64 {
	if p.mean == nil {
		return 0
	}
	return p.mean[j]
}

// essKernel is elliptical slice sampling over a block of chains.
type essKernel struct {
	chainwise
	prior *gaussPrior
	whole bool

	nu, z         []float64 // each chain's ellipse direction; scratch
	level         []float64 // each chain's slice level on the likelihood
	theta, lo, hi []float64
	rows          []int
	pts, e        []float64
	evals         []int
	done          []bool
}

var _ GradientFree = (*essKernel)(nil)

// GradientFree reports that the kernel reads no gradients.
func (k *essKernel) GradientFree() bool { return true }

func (k *essKernel) Init(s *State, tune *Tuning) error {
	fill(tune.StepSize, 1) // no step size: the prior sets the scale
	n, d := s.N, s.Dim
	k.nu, k.z, k.pts = make([]float64, n*d), make([]float64, d), make([]float64, n*d)
	k.level, k.e = make([]float64, n), make([]float64, n)
	k.theta, k.lo, k.hi = make([]float64, n), make([]float64, n), make([]float64, n)
	k.rows, k.evals, k.done = make([]int, 0, n), make([]int, n), make([]bool, n)
	return nil
}

// likelihood returns the negative log-likelihood at a point of energy e:
// e itself, or e less the prior's energy with WholeEnergy.
func (k *essKernel) likelihood(x []float64, e float64) float64 {
	if !k.whole {
		return e
	}
	return e - k.prior.energy(x, k.z)
}

// Step moves every chain once along its ellipse.
func (k *essKernel) Step(s *State, _ *Tuning, info []StepInfo) error {
	d := s.Dim
	for i := range s.N {
		rng := s.RNG[i]
		k.prior.draw(k.nu[i*d:(i+1)*d], k.z, rng.NormFloat64)
		nll := k.likelihood(s.X[i*d:(i+1)*d], s.E[i])
		k.level[i] = nll + rng.ExpFloat64()
		k.theta[i] = 2 * math.Pi * rng.Float64()
		k.lo[i], k.hi[i] = k.theta[i]-2*math.Pi, k.theta[i]
		k.done[i], k.evals[i] = false, 0
	}
	for {
		k.rows = k.rows[:0]
		for i := range s.N {
			if k.done[i] {
				continue
			}
			r := len(k.rows)
			c, sn := math.Cos(k.theta[i]), math.Sin(k.theta[i])
			x, nu, y := s.X[i*d:(i+1)*d], k.nu[i*d:(i+1)*d], k.pts[r*d:(r+1)*d]
			for j := range y {
				m := k.prior.centre(j)
				y[j] = m + (x[j]-m)*c + nu[j]*sn
			}
			k.rows = append(k.rows, i)
			k.evals[i]++
		}
		if len(k.rows) == 0 {
			break
		}
		s.energyRows(k.rows, 0, k.e[:len(k.rows)], k.pts[:len(k.rows)*d])
		for r, i := range k.rows {
			y := k.pts[r*d : (r+1)*d]
			nll := k.likelihood(y, k.e[r])
			if nll < k.level[i] { // NaN is outside every slice
				copy(s.X[i*d:(i+1)*d], y)
				s.E[i] = k.e[r]
				k.done[i] = true
				continue
			}
			if k.theta[i] < 0 {
				k.lo[i] = k.theta[i]
			} else {
				k.hi[i] = k.theta[i]
			}
			k.theta[i] = k.lo[i] + (k.hi[i]-k.lo[i])*s.RNG[i].Float64()
			if !(k.hi[i]-k.lo[i] > 1e-12) {
				k.done[i] = true // closed on the current point: stay
			}
		}
	}
	for i := range s.N {
		info[i] = StepInfo{AcceptStat: 1, Accepted: true, Energy: s.E[i], EnergyEvals: k.evals[i]}
	}
	return nil
}
