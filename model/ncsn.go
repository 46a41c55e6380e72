package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// maxNoiseLevels bounds the levels of a noise ladder: each is a level of
// annealing to run, and more than a thousand buys nothing.
const maxNoiseLevels = 1000

// noiseLoss returns the multi-noise DSM loss of the config's ladder.
func (c Config) noiseLoss() loss.MultiNoiseDSM {
	return loss.MultiNoiseDSM{SigmaMax: c.SigmaMax, SigmaMin: c.SigmaMin, Levels: c.NoiseLevels}
}

// checkNoise checks the noise ladder of an ncsn config: 0 < sigma_min <
// sigma_max < ∞ (0 taking the loss's defaults) and 2 to 1000 levels (the
// bound first: Ladder allocates a slice per level).
func (c Config) checkNoise() error {
	if c.Loss != "ncsn" {
		return nil
	}
	if c.NoiseLevels > maxNoiseLevels {
		return fmt.Errorf("model: noise_levels %d: at most %d: %w", c.NoiseLevels, maxNoiseLevels, ErrInvalid)
	}
	if _, _, err := c.noiseLoss().Ladder(); err != nil {
		return fmt.Errorf("model: sigma_max, sigma_min, noise_levels: %w: %w", err, ErrInvalid)
	}
	return nil
}

// noiseNetwork returns the noise-conditional energy of the config, the
// network divided by σ (sigmaScaled): a NoiseResNet for -model conv, a
// TimeMLP to one output for an MLP.
func (c Config) noiseNetwork(act nn.Activation, rng *rand.Rand) (nn.TimeModule, error) {
	sigma, _, err := c.noiseLoss().Ladder()
	if err != nil {
		return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	var net nn.TimeModule
	switch c.Arch {
	case "", ArchMLP:
		hidden := make([]int, c.Layers)
		for i := range hidden {
			hidden[i] = c.Hidden
		}
		if net, err = nn.NewTimeMLP(rng, c.Dim, 4, hidden, 1, act); err != nil {
			return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
	case ArchConv:
		widths := c.Widths
		if widths == nil {
			widths = defaultWidths
		}
		if net, err = nn.NewNoiseResNetEnergy(rng, c.Image[0], c.Image[1], c.Image[2],
			nn.ResNetSettings{Channels: widths, SpectralNorm: c.SpectralNorm, Activation: act}); err != nil {
			return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
	default:
		return nil, fmt.Errorf("model: -model %s is not a noise-conditional energy: loss ncsn wants model conv or mlp: %w", c.Arch, ErrInvalid)
	}
	return sigmaScaled{net: net, logHi: math.Log(sigma[0]), logRatio: math.Log(sigma[len(sigma)-1] / sigma[0])}, nil
}

// sigmaScaled is a network f(x, t) read as the energy E(x, σ) = f(x, t)/σ,
// σ = σ₁·(σ_L/σ₁)ᵗ the ladder's noise at time t, as NCSN divides its score
// network's output by σ (Song and Ermon 2020). The score of data blurred at
// σ is of order 1/σ (−ε/σ at the DSM target), so that f's gradient is of
// order 1 at every level, which the network reaches without stretching
// its output over two orders of magnitude; the σ²-weighted loss
// ½‖σ∇ₓE − ε‖² is then ½‖∇ₓf − ε‖².
type sigmaScaled struct {
	net             nn.TimeModule
	logHi, logRatio float64 // log σ₁ and log(σ_L/σ₁)
}

var (
	_ nn.TimeModule = sigmaScaled{}
	_ nn.Trainer    = sigmaScaled{}
)

// ForwardT returns f(x, t)·exp(−log σ(t)) [n, 1].
func (s sigmaScaled) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	inv := tp.Exp(tp.AddScalar(tp.Scale(t, -s.logRatio), -s.logHi)) // 1/σ(t), [n, 1]
	return tp.Mul(s.net.ForwardT(tp, x, t), inv)
}

// Forward returns the energy at t = 0, the noisiest level.
func (s sigmaScaled) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return s.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

// Params returns the network's parameters, under their own names.
func (s sigmaScaled) Params() []nn.Param { return s.net.Params() }

// SetTrain switches the network's spectrally normalised layers.
func (s sigmaScaled) SetTrain(train bool) { nn.SetTrain(s.net, train) }

// NoiseEnergy is a noise-conditional energy E(x, σ) trained by multi-noise
// denoising score matching (loss ncsn; Song and Ermon 2019). It generates
// by annealed Langevin dynamics down the noise ladder, from uniform noise
// in [−1, 1]; its density is exp(−E(x, σ_L)), the model of the data
// blurred by the smallest noise.
type NoiseEnergy struct {
	base
	// Loss is the loss that trained it: its ladder and its generator.
	Loss loss.MultiNoiseDSM
	// Anneal are the annealing settings of Generate; New sets Denoise
	// (Tweedie's step at σ_L), ε = AnnealEpsilon and AnnealSteps Langevin
	// steps over the ladder, shared by its levels (100 per level at 10
	// levels, 50 at 20).
	Anneal loss.AnnealOptions
	// E is the energy at the smallest noise, σ_L.
	E    *energy.Model
	tnet nn.TimeModule
}

var _ Model = (*NoiseEnergy)(nil)

// AnnealEpsilon is the step ε at the smallest noise with which a
// NoiseEnergy generates: a quarter of Song and Ermon's 2e-5, which
// overshoots here. On the digits, 300 images of the default conv network
// scored Fréchet distances (floor 15.4) of 572, 301, 179, 85 and 134 at
// ε = 5e-5, 2e-5, 1e-5, 5e-6 and 2e-6 (the loss's ladder, 1000 training
// steps), and of 99, 63 and 135 at ε = 1e-5, 5e-6 and 2e-6 (ebm train's
// image ladder, σ₁ = 3 in 20 levels, 2000 steps).
const AnnealEpsilon = 5e-6

// AnnealSteps is how many Langevin steps a NoiseEnergy generates with in
// all, shared by the levels of its ladder: a generation costs the same
// whatever the ladder (Song and Ermon's 100 per level at their 10 levels).
const AnnealSteps = 1000

// newNoiseEnergy wraps a network trained by multi-noise DSM.
func newNoiseEnergy(b base, l loss.MultiNoiseDSM) (*NoiseEnergy, error) {
	tn, ok := b.net.(nn.TimeModule)
	if !ok {
		return nil, fmt.Errorf("model: a noise-conditional energy needs a network of (x, t), not a %T: %w", b.net, ErrInvalid)
	}
	sigma, _, err := l.Ladder()
	if err != nil {
		return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	last, err := l.AtLevel(tn, len(sigma)-1)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	e, err := energy.NewModel(last, b.cfg.Dim)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return &NoiseEnergy{base: b, Loss: l, Anneal: loss.AnnealOptions{Epsilon: AnnealEpsilon, Denoise: true, StepsPerLevel: max(1, AnnealSteps/len(sigma))}, E: e, tnet: tn}, nil
}

// Kind returns KindNoiseEnergy.
func (m *NoiseEnergy) Kind() Kind { return KindNoiseEnergy }

// Density returns the energy at the smallest noise level.
func (m *NoiseEnergy) Density() energy.Energy { return m.E }

// NegLogDensity writes E(x, σ_L) at the points.
func (m *NoiseEnergy) NegLogDensity(_ context.Context, dst, pts []float64) error {
	m.E.Energy(dst, pts, m.cfg.Dim)
	return nil
}

// Generate draws n points by the loss's annealed Langevin dynamics
// (loss.MultiNoiseDSM.Generate with Anneal), seeded by rng.Uint64(). The
// chains move freely (the data blurred at the larger σ reach beyond any
// box); images are clamped to [−1, 1] at the end, as the other image
// generators keep theirs.
func (m *NoiseEnergy) Generate(ctx context.Context, n int, rng *rand.Rand) (*tensor.Tensor, error) {
	d := m.cfg.Dim
	x, err := m.Loss.Generate(ctx, m.tnet, n, d, rng.Uint64(), m.Anneal)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if m.cfg.Image != nil || dataset.IsImageSet(m.cfg.Data) {
		for i, v := range x {
			x[i] = max(-1, min(1, v))
		}
	}
	return tensor.New(x, n, d), nil
}
