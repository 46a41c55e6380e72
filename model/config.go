package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// ErrInvalid is wrapped by errors about invalid settings, and ErrNotModel
// by errors about a directory that holds no readable model.
var (
	ErrInvalid  = errors.New("invalid model setting")
	ErrNotModel = errors.New("not a model directory")
)

// Config is a model directory's config.json: what rebuilds the network and
// the loss that trained it. Fields added after the first release are
// omitted when empty, so older directories still load.
type Config struct {
	// Data is a built-in dataset name or the path of a .csv or .npy file.
	Data string `json:"data"`
	// DataNoise, when set, is the sd of the noise a built-in 2-D dataset
	// adds to its points (dataset.WithNoise), 0 included; nil means the
	// dataset's default.
	DataNoise *float64 `json:"data_noise,omitempty"`
	// Loss is a recipe name (see Recipes).
	Loss       string  `json:"loss"`
	Dim        int     `json:"dim"`
	Hidden     int     `json:"hidden"`
	Layers     int     `json:"layers"`
	Activation string  `json:"activation"`
	Steps      int     `json:"steps"`
	Batch      int     `json:"batch"`
	LR         float64 `json:"lr"`
	Seed       uint64  `json:"seed"`
	// Accumulate is the number of batches whose gradients are averaged
	// into one optimizer step (train.Config.Accumulate): a step then sees
	// Accumulate·Batch rows. 0 means 1.
	Accumulate int `json:"accumulate,omitempty"`
	// EMA is the decay of an exponential moving average of the weights,
	// with warm-up (train.Config.EMADecay, EMAWarmup); the model is the
	// average. 0 means none.
	EMA float64 `json:"ema,omitempty"`
	// The recipe's settings, by the names Recipe.Uses gives them.
	Coupling    string `json:"coupling,omitempty"`
	Interpolant string `json:"interpolant,omitempty"`
	// Prediction is what a flow-matching network predicts: "velocity"
	// (or empty, the default, as every directory before it), "score" or
	// "noise" (interpolant.PredictionByName).
	Prediction string `json:"prediction,omitempty"`
	// Latent is flow matching's latent noise: the scale a of
	// γ = √(a·t(1 − t)) (loss.FlowMatching.Latent); nil means none, and 0
	// none asked for explicitly.
	Latent *float64 `json:"latent,omitempty"`
	// CDReg is CD's energy regulariser α; nil means the loss's default
	// (0.001), and 0 none.
	CDReg     *float64 `json:"cd_reg,omitempty"`
	CDSampler string   `json:"cd_sampler,omitempty"`
	// CD's chains, where set: sampler steps per loss (0: 20), Langevin's
	// step size η (0: 0.005) and noise σ (nil: √(2η), the noise of
	// exp(−E); 0: none, so that the chains descend the energy).
	CDSteps int      `json:"cd_steps,omitempty"`
	CDStep  float64  `json:"cd_step,omitempty"`
	CDNoise *float64 `json:"cd_noise,omitempty"`
	// CDStepEnd, when set, makes CD's step size follow a cosine from
	// CDStep (its default where 0) to CDStepEnd over the run
	// (loss.ContrastiveDivergence.StepSchedule).
	CDStepEnd float64 `json:"cd_step_end,omitempty"`
	// The score-matching losses' settings: SMPenalty λ of the penalty
	// λ·mean ‖∇ₓE‖² (sm, sm-hutchinson, sm-fd, ssm, dsm; 0: none),
	// Projection, the probes of ssm and sm-hutchinson ("rademacher", the
	// default, "gaussian" or "sphere"), and DSM's σ (0: 0.05), which with
	// SigmaEnd follows a cosine from Sigma to SigmaEnd over the run.
	// For sf2m, Sigma is the bridge's σ (0: 1).
	SMPenalty  float64 `json:"sm_penalty,omitempty"`
	Projection string  `json:"projection,omitempty"`
	Sigma      float64 `json:"sigma,omitempty"`
	SigmaEnd   float64 `json:"sigma_end,omitempty"`
	// NCENoise is NCE's noise density, fitted to the data: "isotropic" (or
	// empty, the default), N(mean, s²I) with s the largest coordinate sd,
	// or "full", N(mean, covariance).
	NCENoise string `json:"nce_noise,omitempty"`
	// GenWeight is JEM's generative weight w, of CD beside the
	// cross-entropy (nil: 0.2; 1 is Grathwohl et al.'s log p(x, y); 0 is
	// the cross-entropy alone, an ablation).
	GenWeight *float64 `json:"gen_weight,omitempty"`

	// Image models (see ImageNetwork); all empty for an MLP on points.

	// Arch is the network: "mlp" (or empty), "conv" (a ResNet energy,
	// nn.NewResNetEnergy), "transformer" (nn.ConditionalTransformer) or
	// "unet" (nn.UNet), the last two for the flow losses.
	Arch string `json:"model,omitempty"`
	// DataDir is where an image set's files are; empty means its default
	// place.
	DataDir string `json:"data_dir,omitempty"`
	// Image is the images' shape [C, H, W] (Dim = C·H·W).
	Image []int `json:"image,omitempty"`
	// Widths are the conv network's stage widths (nil: 16, 32), or the
	// U-Net's level widths (nil: 32, 64, 64).
	Widths []int `json:"widths,omitempty"`
	// SpectralNorm normalises the conv network's weights (IGEBM).
	SpectralNorm bool `json:"spectral_norm,omitempty"`
	// Patch is the transformer's patch side and Heads its attention heads;
	// Hidden is its token width and Layers its depth.
	Patch int `json:"patch,omitempty"`
	Heads int `json:"heads,omitempty"`
	// Classes is the number of labels of a classifying (ce, jem) or
	// label-conditional (fm, eqm on a transformer) model; 0 means none.
	Classes int `json:"classes,omitempty"`
	// LabelDrop is the probability that training drops a label
	// (classifier-free guidance); nil means the loss's default (0.1), and
	// 0 never, which trains no unconditional field to guide with.
	LabelDrop *float64 `json:"label_drop,omitempty"`

	// The noise ladder of loss ncsn: σ from SigmaMax down to SigmaMin in
	// NoiseLevels geometric steps; 0 means loss.MultiNoiseDSM's defaults
	// (1, 0.01, 10).
	SigmaMax    float64 `json:"sigma_max,omitempty"`
	SigmaMin    float64 `json:"sigma_min,omitempty"`
	NoiseLevels int     `json:"noise_levels,omitempty"`

	// Energy discrepancy's settings (loss ed): EDT, the variance t of the
	// perturbation (0: 1), EDM, the negatives per point (0: 4), and EDW,
	// the stabiliser w (nil: 1; 0: none).
	EDT float64  `json:"ed_t,omitempty"`
	EDM int      `json:"ed_m,omitempty"`
	EDW *float64 `json:"ed_w,omitempty"`

	// FCEFlowLR is flow contrastive estimation's flow learning rate (loss
	// fce: the flow's own Adam; 0: 5e-5).
	FCEFlowLR float64 `json:"fce_flow_lr,omitempty"`

	// Diffusion recovery likelihood's settings (loss drl): DRLLevels, the
	// conditionals learned (0: 6), DRLSteps, MALA's steps per conditional
	// (0: 30), and DRLStepScale b, its step b·σ² at a level of noise σ
	// (0: 0.25).
	DRLLevels    int     `json:"drl_levels,omitempty"`
	DRLSteps     int     `json:"drl_steps,omitempty"`
	DRLStepScale float64 `json:"drl_step_scale,omitempty"`

	// Equilibrium matching's settings (loss eqm): EqMScale, the form of
	// c(t) ("truncated" or empty, "linear", "piecewise";
	// loss.EqMScaleByName); EqMThreshold a (nil: 0.8; 0 makes truncated
	// linear); EqMLambda λ (0: 4); EqMStart, piecewise's c(0)/λ, which it
	// needs (0 is a value: c rises from 0); EqMDispersion, the weight of
	// the dispersive term on the network's outputs (0: none), and
	// EqMDispersionTemp its τ (0: the data's dimension).
	EqMScale          string   `json:"eqm_scale,omitempty"`
	EqMThreshold      *float64 `json:"eqm_threshold,omitempty"`
	EqMLambda         float64  `json:"eqm_lambda,omitempty"`
	EqMStart          *float64 `json:"eqm_start,omitempty"`
	EqMDispersion     float64  `json:"eqm_dispersion,omitempty"`
	EqMDispersionTemp float64  `json:"eqm_dispersion_temp,omitempty"`

	// Precision is the network's: "float32" computes its products in
	// float32 and saves its parameters as float32 (tensor.Precision);
	// empty or "float64" is the default.
	Precision string `json:"precision,omitempty"`
}

// Network returns a network for the config: an MLP with Layers hidden
// layers of Hidden units from Dim inputs to one output (an energy or a
// potential), or, for the flow kinds, a time-conditioned MLP from Dim
// inputs and t (4 Fourier features) to Dim outputs; or the conv or
// transformer network of an image config (Arch). A noise-conditional energy
// (KindNoiseEnergy) is a time-conditioned MLP to one output or, for conv, a
// nn.NoiseResNet, divided by the noise σ of its level; a recovery energy
// (KindRecovery) is a time-conditioned MLP to one output. The network computes
// in the config's Precision. Weights are initialised from rand.NewPCG(seed,
// 3).
func (c Config) Network(k Kind, seed uint64) (nn.Module, error) {
	prec, err := tensor.ParsePrecision(c.Precision)
	if err != nil {
		return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	net, err := c.network(k, seed)
	if err != nil {
		return nil, err
	}
	nn.SetPrecision(net, prec)
	return net, nil
}

func (c Config) network(k Kind, seed uint64) (nn.Module, error) {
	image := c.Arch != "" && c.Arch != ArchMLP
	switch {
	case image:
		if err := c.checkImageShape(); err != nil {
			return nil, err
		}
	case c.Dim < 1 || c.Hidden < 1 || c.Layers < 1:
		return nil, fmt.Errorf("model: network of dimension %d with %d layers of %d units: %w", c.Dim, c.Layers, c.Hidden, ErrInvalid)
	}
	if err := c.checkSizes(); err != nil {
		return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	act, err := nn.ActivationByName(c.Activation)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	if k == KindNoiseEnergy {
		return c.noiseNetwork(act, rng)
	}
	if k == KindRecovery {
		return c.recoveryNetwork(act, rng)
	}
	if image {
		return c.imageNetwork(k, act, rng)
	}
	hidden := make([]int, c.Layers)
	for i := range hidden {
		hidden[i] = c.Hidden
	}
	switch k {
	case KindFlow, KindEquilibrium:
		return nn.NewTimeMLP(rng, c.Dim, 4, hidden, c.Dim, act)
	case KindBridge:
		return nn.NewTimeMLP(rng, c.Dim, 4, hidden, 2*c.Dim, act)
	}
	return nn.NewMLP(rng, append(append([]int{c.Dim}, hidden...), 1), act, nil)
}

// trainingPoints is how many points of a built-in dataset a model trains
// on.
const trainingPoints = 20000

// Data returns the training and test points of a dataset. For a built-in
// name, 20000 training points are drawn from rand.NewPCG(seed, 1) and nTest
// test points (none when nTest < 1) from rand.NewPCG(seed, 2). For an image
// set (dataset.ImagesByName: "digits"), its fixed split, dequantised into
// [−1, 1] (dataset.Images.Scaled) with noise from rand.NewPCG(seed, 1) and
// rand.NewPCG(seed, 2), whatever nTest. For a .csv or .npy file, its rows
// are shuffled by rand.NewPCG(seed, 1) and a tenth of them (at least one)
// is held out as the test points, whatever nTest; the file needs two rows or
// more.
func Data(name string, seed uint64, nTest int) (train, test *tensor.Tensor, err error) {
	return Config{Data: name, Seed: seed}.Points(nTest)
}

// Points returns the training and test points of the config's Data, as
// Data does, with the noise sd DataNoise where it is set.
func (c Config) Points(nTest int) (train, test *tensor.Tensor, err error) {
	name, seed := c.Data, c.Seed
	gen, err := dataset.ByName(name)
	if err == nil && c.DataNoise != nil {
		if gen, err = dataset.WithNoise(gen, *c.DataNoise); err != nil {
			return nil, nil, fmt.Errorf("model: data_noise: %w: %w", err, ErrInvalid)
		}
	}
	if err == nil {
		train = gen.Sample(rand.New(rand.NewPCG(seed, 1)), trainingPoints)
		if nTest > 0 {
			test = gen.Sample(rand.New(rand.NewPCG(seed, 2)), nTest)
		}
		return train, test, nil
	}
	if dataset.IsImageSet(name) {
		im, err := dataset.ImagesByName(name)
		if err != nil {
			return nil, nil, fmt.Errorf("model: %w", err)
		}
		tr, te := im.Split()
		return tr.Scaled(rand.New(rand.NewPCG(seed, 1))), te.Scaled(rand.New(rand.NewPCG(seed, 2))), nil
	}
	if dataset.CheckExt(name) != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	x, err := dataset.Load(name)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	n, d := x.Dim(0), x.Dim(1)
	if n < 2 {
		return nil, nil, fmt.Errorf("model: %s has %d row; a held-out split needs two or more: %w", name, n, ErrInvalid)
	}
	held := max(1, n/10)
	perm := rand.New(rand.NewPCG(seed, 1)).Perm(n)
	rows := func(idx []int) *tensor.Tensor {
		out := make([]float64, 0, len(idx)*d)
		for _, i := range idx {
			out = append(out, x.Data()[i*d:(i+1)*d]...)
		}
		return tensor.New(out, len(idx), d)
	}
	return rows(perm[held:]), rows(perm[:held]), nil
}

// save writes the config and the network's weights into dir.
func save(dir string, c Config, net nn.Module) error {
	if err := c.write(dir); err != nil {
		return err
	}
	if err := nn.Save(filepath.Join(dir, "model.params"), net); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// write writes DIR/config.json atomically, making DIR if needed.
func (c Config) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	err := safefile.WriteFile(filepath.Join(dir, "config.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	})
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// ReadConfig reads DIR/config.json.
func ReadConfig(dir string) (Config, error) {
	var c Config
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return c, fmt.Errorf("model: %s: no config.json (ebm train and Save write one): %w", dir, ErrNotModel)
		}
		return c, fmt.Errorf("model: %w", err)
	}
	c, err = parseConfig(b)
	if err != nil {
		return c, fmt.Errorf("model: %s: config.json: %v: %w", dir, err, ErrNotModel)
	}
	return c, nil
}

// parseConfig decodes a config.json and bounds its sizes.
func parseConfig(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return c, err
	}
	if len(c.Image) == 0 { // as written back: omitted
		c.Image = nil
	}
	if len(c.Widths) == 0 {
		c.Widths = nil
	}
	return c, c.checkSizes()
}

// layerCost is what a layer costs beyond its weights, in float64 values
// (its tensors, gradients and bookkeeping: about 1 KiB), so that a network
// of very many tiny layers is bounded too.
const layerCost = 128

// checkSizes bounds the config's sizes with package limit: none negative,
// steps at most limit.MaxSteps, and neither the network's weights nor a batch's activations larger than
// the machine's memory. Errors name the fields as config.json and ebm
// train's flags do.
func (c Config) checkSizes() error {
	if _, err := limit.Steps("steps", c.Steps); err != nil {
		return err
	}
	if c.Accumulate > 1 && c.Steps > limit.MaxSteps/c.Accumulate {
		return fmt.Errorf("steps %d × accumulate %d: above the most batches a run can take (2^40): %w", c.Steps, c.Accumulate, limit.ErrSize)
	}
	for _, dims := range []struct {
		what string
		n    []int
	}{
		{"dim × hidden", []int{c.Dim, c.Hidden}},
		{"layers × hidden × hidden", []int{c.Layers, c.Hidden, c.Hidden}},
		{"layers", []int{c.Layers, layerCost}},
		{"batch × dim", []int{c.Batch, c.Dim}},
		{"batch × hidden", []int{c.Batch, c.Hidden}},
		{"batch × dim × widest", []int{c.Batch, c.Dim, slices.Max(append([]int{1}, c.Widths...))}},
		{"classes × hidden", []int{c.Classes, max(c.Hidden, 1)}},
	} {
		if _, err := limit.Elems(dims.what, dims.n...); err != nil {
			return err
		}
	}
	return nil
}

// Load reads a model directory written by ebm train, Train or Save: its
// config and weights (model_ema.params, the moving average, when present;
// model.params otherwise), with the loss its recipe names for what the
// model takes from it.
func Load(dir string) (Model, error) {
	c, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	l, err := c.NewLoss(nil)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", dir, err)
	}
	net, err := c.Network(KindOf(l), 0)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", dir, err)
	}
	weights := filepath.Join(dir, "model_ema.params")
	if _, err := os.Stat(weights); err != nil {
		weights = filepath.Join(dir, "model.params")
	}
	if err := nn.Load(weights, net); err != nil {
		return nil, fmt.Errorf("model: %s: %w: %w", dir, err, ErrNotModel)
	}
	return New(c, net, l)
}
