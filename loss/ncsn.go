package loss

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// MultiNoiseDSM trains a noise-conditional energy E(x, σ) by denoising score
// matching at a ladder of noise scales at once, and generates from it by
// annealed Langevin dynamics: the noise-conditional score network (NCSN) of
// Song and Ermon (2019), with the score s(x, σ) = −∇ₓE(x, σ) of an energy.
//
// The ladder is σ₁ > σ₂ > … > σ_L, geometric from SigmaMax to SigmaMin. The
// network is an nn.TimeModule told the level by its time input,
//
//	t(σ) = log(σ₁/σ) / log(σ₁/σ_L),  so t(σᵢ) = (i−1)/(L−1) ∈ [0, 1],
//
// 0 at the noisiest level and 1 at the cleanest, as a flow's time runs from
// noise to data; [0, 1] is the range nn.TimeMLP's sinusoidal embedding
// resolves, and a geometric ladder makes it the level's index and log σ at
// once. Each row x draws a level uniformly, x̃ = x + σε with ε ~ N(0, I),
// and the loss is the mean over rows of
//
//	½σ²‖s(x̃, σ) + ε/σ‖² = ½‖σ∇ₓE(x̃, σ) − ε‖²,
//
// the DSM term weighted by λ(σ) = σ², which makes every level's term of
// order d/2 so that no level dominates. Its minimiser is the score of the
// data blurred at each σ: for data N(0, s²I), E(x, σ) = ‖x‖²/(2(s² + σ²)).
//
// The zero value takes the ladder of Song and Ermon (2019), σ from 1 to 0.01
// in 10 levels. For images in [−1, 1], σ_L = 0.01 is about the quantisation
// step 2/255 ≈ 0.008, so the last level's samples are as good as clean, and
// σ₁ = 1 is the data's half-range, which merges the modes of pixel values
// though not, as Song and Ermon (2020) advise, the largest distance between
// training images (tens, for 28×28 images); raise SigmaMax and Levels for
// that.
type MultiNoiseDSM struct {
	// SigmaMax σ₁ and SigmaMin σ_L, 0 < SigmaMin < SigmaMax; 0 means 1 and
	// 0.01.
	SigmaMax, SigmaMin float64
	// Levels L ≥ 2; 0 means 10.
	Levels int
}

var _ TimeLoss = MultiNoiseDSM{}

// Ladder returns the noise scales σ₁ > … > σ_L and the times t(σᵢ) at which
// the network sees them, or an error for invalid settings.
func (m MultiNoiseDSM) Ladder() (sigma, t []float64, err error) {
	hi, lo, levels := m.SigmaMax, m.SigmaMin, m.Levels
	if hi == 0 {
		hi = 1
	}
	if lo == 0 {
		lo = 0.01
	}
	if levels == 0 {
		levels = 10
	}
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) || levels < 2 {
		return nil, nil, fmt.Errorf("loss: noise ladder of %d levels from %g to %g; want at least 2 levels, 0 < min < max < ∞: %w",
			levels, hi, lo, ErrInvalid)
	}
	sigma = make([]float64, levels)
	t = make([]float64, levels)
	for i := range levels {
		t[i] = float64(i) / float64(levels-1)
		sigma[i] = hi * math.Pow(lo/hi, t[i])
	}
	sigma[levels-1] = lo
	return sigma, t, nil
}

// Loss returns the σ²-weighted multi-noise DSM loss of net on x.
func (m MultiNoiseDSM) Loss(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	ladder, times, err := m.Ladder()
	if err != nil {
		return nil, err
	}
	tp, err = scoreInput(tp, x)
	if err != nil {
		return nil, err
	}
	n := x.Dim(0)
	sig := tensor.Zeros(n, 1) // each row's σ
	tt := tensor.Zeros(n, 1)  // and time
	for i := range n {
		k := rng.IntN(len(ladder))
		sig.Data()[i], tt.Data()[i] = ladder[k], times[k]
	}
	eps, noisy := perturb(tp, rng, x, sig)
	_, g, _, err := score(tp, timeRows{net, tt}, noisy)
	if err != nil {
		return nil, err
	}
	r := tp.Sub(tp.Mul(g, sig), eps) // σ∇ₓE − ε = −σ(s + ε/σ)
	return tp.Scale(tp.Mean(rowDot(tp, r, r)), 0.5), nil
}

// AtLevel returns net at noise level i of the ladder (0 for σ₁, the
// noisiest, to L−1 for σ_L) as an energy network of x alone, an nn.Module
// that energy.NewModel wraps for a sampler or for eval. At level L−1,
// exp(−E(x, σ_L)) is the model of the data blurred by N(0, σ_L²I): its
// density, for scoring. (The TimeModule's own Forward is the network at
// t = 0, level 0.)
func (m MultiNoiseDSM) AtLevel(net nn.TimeModule, i int) (nn.Module, error) {
	_, times, err := m.Ladder()
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(times) {
		return nil, fmt.Errorf("loss: noise level %d of %d: %w", i, len(times), ErrInvalid)
	}
	return timeFixed{net, times[i]}, nil
}

// AnnealOptions configure MultiNoiseDSM.Generate. Zero fields take the
// defaults of Song and Ermon (2019).
type AnnealOptions struct {
	// StepsPerLevel T ≥ 0; 0 means 100.
	StepsPerLevel int
	// Epsilon ε > 0, the step at the smallest σ; 0 means 2e-5.
	Epsilon float64
	// Denoise ends with one step x ← x + σ_L²·s(x, σ_L), the posterior mean
	// of the clean point by Tweedie's formula, which removes the noise of
	// scale σ_L left in the samples.
	Denoise bool
}

// Generate draws n points of dimension d from a noise-conditional energy
// that this loss trained, by annealed Langevin dynamics: the chains start
// uniform in [−1, 1]ᵈ (the box of images scaled to [−1, 1]; σ₁ then blurs
// any start into the data's reach), and for each level i from the noisiest
// run T steps of
//
//	x ← x + (αᵢ/2)·s(x, σᵢ) + √αᵢ·z,  αᵢ = ε·σᵢ²/σ_L²,  z ~ N(0, I),
//
// which is sampler.Langevin at step size αᵢ/2 and temperature 1 on the
// energy E(·, σᵢ), each level continuing the last one's chains; with
// Denoise, one gradient step of size σ_L² follows (Langevin at temperature
// 0). The step shrinks with σ² so that the ratio of signal to noise of a
// step is the same at every level. The chains are seeded by seed: the same
// seed gives the same points, on any number of cores.
func (m MultiNoiseDSM) Generate(ctx context.Context, net nn.TimeModule, n, d int, seed uint64, o AnnealOptions) ([]float64, error) {
	ladder, times, err := m.Ladder()
	if err != nil {
		return nil, err
	}
	steps, eps := o.StepsPerLevel, o.Epsilon
	if steps == 0 {
		steps = 100
	}
	if eps == 0 {
		eps = 2e-5
	}
	if n <= 0 || d <= 0 || steps < 0 || !(eps > 0) || math.IsInf(eps, 0) {
		return nil, fmt.Errorf("loss: annealed Langevin for %d points of dimension %d, %d steps per level, ε %g: %w",
			n, d, steps, eps, ErrInvalid)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = 2*rng.Float64() - 1
	}
	last := ladder[len(ladder)-1]
	run := func(level int, l sampler.Langevin, k int) error {
		e, err := energy.NewModel(timeFixed{net, times[level]}, d)
		if err != nil {
			return fmt.Errorf("loss: annealed Langevin: %w: %w", ErrInvalid, err)
		}
		r, err := l.Sample(ctx, e, sampler.Options{Chains: n, Dim: d, Init: x, Steps: k, Seed: rng.Uint64()})
		if err != nil {
			return fmt.Errorf("loss: annealed Langevin at σ = %g: %w", ladder[level], err)
		}
		x = r.Final
		return nil
	}
	for i, s := range ladder {
		alpha := eps * s * s / (last * last)
		if err := run(i, sampler.Langevin{StepSize: schedule.Constant(alpha / 2)}, steps); err != nil {
			return nil, err
		}
	}
	if o.Denoise {
		l := sampler.Langevin{StepSize: schedule.Constant(last * last), Temperature: schedule.Constant(0)}
		if err := run(len(ladder)-1, l, 1); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// timeRows is net at a time per row of its batch: an nn.Module, so that the
// score helpers take it.
type timeRows struct {
	net nn.TimeModule
	t   *tensor.Tensor // [n, 1]
}

func (m timeRows) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return m.net.ForwardT(tp, x, m.t)
}

func (m timeRows) Params() []nn.Param { return m.net.Params() }

// timeFixed is net at one time t for any batch: the energy at one noise
// level, for a sampler.
type timeFixed struct {
	net nn.TimeModule
	t   float64
}

func (m timeFixed) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return m.net.ForwardT(tp, x, tensor.Full(m.t, x.Dim(0), 1))
}

func (m timeFixed) Params() []nn.Param { return m.net.Params() }
