package loss

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

// DiffusionRecovery is diffusion recovery likelihood (Gao et al., ICLR
// 2021, "Learning energy-based models by diffusion recovery likelihood"):
// a sequence of energies E(x, t), one per level of a Gaussian diffusion of
// the data, each trained by contrastive divergence on the conditional
// density of a level given the next, noisier one. The network is an
// nn.TimeModule to one output, told level k by the time tₖ = k/(L−1).
//
// The diffusion is x₀ = data and x_{k+1} = a_{k+1}·xₖ + σ_{k+1}·ε, with
// a = √(1 − σ²), for k = 0 … L−1; its levels cut the variance-preserving
// diffusion of Song et al. (2021), whose rate β(s) runs linearly from
// BetaMin to BetaMax over s ∈ [0, 1] (DDPM's schedule), at the times
// sₖ = (k/L)²: a_{k+1} = ᾱ(s_{k+1})/ᾱ(sₖ), ᾱ(s) = exp(−½∫₀ˢβ). The
// squares make the steps near the data small and the last ones large, as
// Gao et al.'s schedule does: at the defaults σ₁ = 0.10, σ₂ = 0.34,
// σ₃ = 0.63, σ₄ = 0.86 and the last two above 0.97, so that the data
// level's conditional resolves detail of a tenth of the data's scale
// (levels of equal time would put σ₁ at 0.5), and x_L keeps 0.7% of the
// data (ᾱ(1) = 0.0066): N(0, I) to the eye.
//
// Since p(xₖ | x_{k+1}) ∝ pₖ(xₖ)·N(x_{k+1}; a·xₖ, σ²I), the model of that
// conditional is
//
//	p(xₖ | x_{k+1}) ∝ exp(−E(xₖ, tₖ) − ‖x_{k+1}/a − xₖ‖²/(2(σ/a)²)),
//
// and E(·, tₖ) models −log pₖ up to a constant: E(·, t₀) is the data's
// energy. Each row of a batch draws a level k uniformly, xₖ by the
// diffusion's closed form and x_{k+1} from it; K steps of Sampler on the
// conditional (sampler.Condition's denoising form, centre x_{k+1}/a and
// noise σ/a), started at a·x_{k+1}, give a negative x̃ₖ; and the loss is
//
//	mean over rows of wₖ·(E(xₖ, tₖ) − E(x̃ₖ, tₖ)),  wₖ = σ₁/σ_{k+1},
//
// whose parameter gradient is that of the conditionals' negative
// log-likelihoods, weighted by wₖ, when the negatives are exact draws. The
// weights are Gao et al.'s: a level's contrast between data and negatives
// grows with its noise, and the weights keep the noisy levels' gradients
// from drowning the data level's; any positive weights leave each level's
// optimum where it was. Sampler is MALA by default, whose draws are exact
// for any step, so that the loss's stationary point is the data's energy
// (unadjusted Langevin's draws are biased by its step, and short runs of
// it lean towards their start). The step at level k is StepScale·σ², σ²
// being the conditional's variance for data of unit variance (whose every
// level pₖ is then of unit variance), so that it is the same fraction of
// the conditional's width at every level (Gao et al. scale theirs with σ²
// too). The chains start at a·x_{k+1}, the conditional's mean for such
// data: near the data's levels that is the noisy point x_{k+1}/a, where
// Gao et al. start theirs, and at the noisiest, where a is small, it is
// near 0 rather than out at x_{k+1}/a (13 times x_{k+1} at the
// defaults' last level), farther than K steps of size b·σ² travel.
//
// The conditionals are local: the data level's constrains E(·, t₀) only
// within about σ₁/a₁ of the data, and its density exp(−E(x, t₀)) is slow
// to learn (on two moons, at ebm train's defaults, still a blob after
// 3000 steps, NLL − H 1.5 nats, and the two moons after 10000, 0.74).
//
// Generate samples the chain of conditionals from x_L ~ N(0, I) down to x₀.
//
// Draws: each row's level, then its ε for xₖ and its ε for x_{k+1} (d
// values each), row by row; then one seed per level with rows, from level
// 0 up, for that level's chains.
type DiffusionRecovery struct {
	// Levels L ≥ 1, the conditionals learned; 0 means 6 (Gao et al.'s T6).
	Levels int
	// BetaMin and BetaMax, 0 < BetaMin ≤ BetaMax, are the diffusion's rate
	// at its start and end; 0 means 0.1 and 20.
	BetaMin, BetaMax float64
	// K is the number of sampler steps per conditional; 0 means 30 (Gao et
	// al.'s).
	K int
	// StepScale b sets the sampler's step at level k to b·σ²; 0 means
	// 0.25.
	StepScale float64
	// Sampler draws the negatives and the chain of Generate: one that
	// honours sampler.Options.Condition and whose step the loss can set
	// (Langevin, MALA or HMC not adapting); nil means MALA.
	Sampler sampler.Sampler
}

var _ TimeLoss = DiffusionRecovery{}

// RecoveryLevels is the diffusion of DiffusionRecovery: for each
// conditional k = 0 … L−1, of xₖ given x_{k+1}, the scale A[k] = a_{k+1},
// the noise Sigma[k] = σ_{k+1}, the data's share Cum[k] = ᾱ(sₖ) in xₖ,
// the network's time T[k], the sampler's step Step[k] and the loss's
// weight Weight[k] = σ₁/σ_{k+1}.
type RecoveryLevels struct {
	A, Sigma, Cum, T, Step, Weight []float64
}

// Schedule returns the levels of the settings, or an error for invalid
// ones.
func (l DiffusionRecovery) Schedule() (RecoveryLevels, error) {
	levels, lo, hi := cmp.Or(l.Levels, 6), cmp.Or(l.BetaMin, 0.1), cmp.Or(l.BetaMax, 20)
	b := cmp.Or(l.StepScale, 0.25)
	if levels < 1 || levels > maxRecoveryLevels || !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) || !(b > 0) || math.IsInf(b, 0) || cmp.Or(l.K, 30) < 1 {
		return RecoveryLevels{}, fmt.Errorf("loss: recovery likelihood with %d levels, β from %g to %g, K %d, step scale %g: want 1 to %d levels, 0 < β_min ≤ β_max < ∞, K ≥ 1 and a positive step scale: %w",
			levels, lo, hi, l.K, b, maxRecoveryLevels, ErrInvalid)
	}
	logCum := func(s float64) float64 { return -0.5 * (lo*s + 0.5*(hi-lo)*s*s) } // log ᾱ(s)
	r := RecoveryLevels{}
	for k := range levels {
		s0, s1 := float64(k*k)/float64(levels*levels), float64((k+1)*(k+1))/float64(levels*levels)
		a := math.Exp(logCum(s1) - logCum(s0))
		sig := math.Sqrt(-math.Expm1(2 * (logCum(s1) - logCum(s0))))
		t := 0.0
		if levels > 1 {
			t = float64(k) / float64(levels-1)
		}
		r.A = append(r.A, a)
		r.Sigma = append(r.Sigma, sig)
		r.Cum = append(r.Cum, math.Exp(logCum(s0)))
		r.T = append(r.T, t)
		r.Step = append(r.Step, b*sig*sig)
		r.Weight = append(r.Weight, r.Sigma[0]/sig)
	}
	return r, nil
}

// maxRecoveryLevels bounds the levels: each is a chain of sampler steps
// in generation, and more than a thousand buys nothing.
const maxRecoveryLevels = 1000

// Loss returns the recovery-likelihood loss of net on x.
func (l DiffusionRecovery) Loss(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	lv, err := l.Schedule()
	if err != nil {
		return nil, err
	}
	n, d := x.Dim(0), x.Dim(1)
	level := make([]int, n)
	pos := tensor.Zeros(n, d)      // xₖ
	centre := make([]float64, n*d) // x_{k+1}/a
	tt := tensor.Zeros(n, 1)
	for i := range n {
		k := rng.IntN(len(lv.A))
		level[i], tt.Data()[i] = k, lv.T[k]
		c, a, s := lv.Cum[k], lv.A[k], lv.Sigma[k]
		sc := math.Sqrt(-math.Expm1(2 * math.Log(c))) // √(1 − ᾱ²)
		for j := range d {
			pos.Data()[i*d+j] = c*x.Data()[i*d+j] + sc*rng.NormFloat64()
		}
		for j := range d {
			centre[i*d+j] = pos.Data()[i*d+j] + s/a*rng.NormFloat64()
		}
	}
	neg := tensor.Zeros(n, d)
	for k := range lv.A {
		var rows []int
		for i, ki := range level {
			if ki == k {
				rows = append(rows, i)
			}
		}
		if len(rows) == 0 {
			continue
		}
		y := make([]float64, 0, len(rows)*d)
		for _, i := range rows {
			y = append(y, centre[i*d:(i+1)*d]...)
		}
		out, err := l.conditional(context.Background(), net, lv, k, y, d, rng.Uint64())
		if err != nil {
			return nil, err
		}
		for r, i := range rows {
			copy(neg.Data()[i*d:(i+1)*d], out[r*d:(r+1)*d])
		}
	}
	ePos, err := energies(tp, timeRows{net, tt}, pos)
	if err != nil {
		return nil, err
	}
	eNeg, err := energies(tp, timeRows{net, tt}, neg)
	if err != nil {
		return nil, err
	}
	w := tensor.Zeros(n)
	for i, k := range level {
		w.Data()[i] = lv.Weight[k]
	}
	return tp.Mean(tp.Mul(tp.Sub(ePos, eNeg), w)), nil
}

// conditional runs K steps of the sampler on the conditional of level k
// for one chain per row of centre (the points x_{k+1}/a, [m, d]), started
// at a·x_{k+1}, and returns where the chains end.
func (l DiffusionRecovery) conditional(ctx context.Context, net nn.TimeModule, lv RecoveryLevels, k int, centre []float64, d int, seed uint64) ([]float64, error) {
	s := l.Sampler
	if s == nil {
		s = sampler.MALA{}
	}
	s, err := withStep(s, lv.Step[k], k)
	if err != nil {
		return nil, fmt.Errorf("loss: recovery likelihood: %w", err)
	}
	e, err := energy.NewModel(timeFixed{net, lv.T[k]}, d)
	if err != nil {
		return nil, fmt.Errorf("loss: recovery likelihood: %w: %w", ErrInvalid, err)
	}
	init := make([]float64, len(centre))
	a2 := lv.A[k] * lv.A[k]
	for i, v := range centre {
		init[i] = a2 * v // a·x_{k+1}
	}
	r, err := s.Sample(ctx, e, sampler.Options{Dim: d, Init: init, Steps: cmp.Or(l.K, 30), Seed: seed,
		Condition: &sampler.Condition{Values: centre, Noise: lv.Sigma[k] / lv.A[k]}})
	if err != nil {
		return nil, fmt.Errorf("loss: recovery likelihood at level %d: %w", k, err)
	}
	return r.Final, nil
}

// AtLevel returns net at level k (0 for the data's energy E(x, t₀)) as an
// energy network of x alone, for a sampler or for eval.
func (l DiffusionRecovery) AtLevel(net nn.TimeModule, k int) (nn.Module, error) {
	lv, err := l.Schedule()
	if err != nil {
		return nil, err
	}
	if k < 0 || k >= len(lv.T) {
		return nil, fmt.Errorf("loss: recovery level %d of %d: %w", k, len(lv.T), ErrInvalid)
	}
	return timeFixed{net, lv.T[k]}, nil
}

// Generate draws n points of dimension d by the chain of conditionals: x_L
// from N(0, I), then for k = L−1 down to 0 the K sampler steps of the loss
// on the conditional of xₖ given x_{k+1}, started at a·x_{k+1}. The chains
// are seeded by seed: the same seed gives the same points, on any number
// of cores.
func (l DiffusionRecovery) Generate(ctx context.Context, net nn.TimeModule, n, d int, seed uint64) ([]float64, error) {
	lv, err := l.Schedule()
	if err != nil {
		return nil, err
	}
	if n <= 0 || d <= 0 {
		return nil, fmt.Errorf("loss: recovery likelihood generating %d points of dimension %d: %w", n, d, ErrInvalid)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	x := gaussianRows(rng, n, d)
	for k := len(lv.A) - 1; k >= 0; k-- {
		for i := range x {
			x[i] /= lv.A[k]
		}
		if x, err = l.conditional(ctx, net, lv, k, x, d, rng.Uint64()); err != nil {
			return nil, err
		}
	}
	return x, nil
}
