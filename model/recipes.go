package model

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/internal/lookup"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/normflow"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// LossSettings are what a recipe builds its loss from. A field a recipe
// does not use (see Recipe.Uses) is ignored; nil values mean the recipe's
// defaults.
type LossSettings struct {
	// Steps is the length of the training run (energy matching starts its
	// contrastive phase after two thirds of it).
	Steps int
	// CDReg is contrastive divergence's energy regulariser α
	// (loss.ContrastiveDivergence.RegWeight: 0 means its default, negative
	// none).
	CDReg float64
	// CDSampler draws contrastive divergence's negatives; nil means
	// Langevin with step 0.005 (parallel tempering for ptcd).
	CDSampler sampler.Sampler
	// Coupling pairs noise with data in the flow losses.
	Coupling coupling.Coupling
	// Interpolant is the flow losses' path.
	Interpolant interpolant.Interpolant
	// Prediction is what flow matching's network predicts; the zero value
	// is the velocity.
	Prediction interpolant.Prediction
	// Latent is flow matching's latent noise (nil: none).
	Latent *interpolant.Latent
	// Data are the training points; NCE fits its noise to them, FCE its
	// flow's start.
	Data *tensor.Tensor
	// Seed draws FCE's flow's initial weights.
	Seed uint64
	// CDSteps is the number of sampler steps per contrastive-divergence
	// loss; 0 means 20.
	CDSteps int
	// Bounds, when set, keeps contrastive divergence's chains in a box
	// (images in [−1, 1]).
	Bounds *sampler.Bounds
	// LabelDrop is the probability that a label-conditional flow loss drops
	// a label (classifier-free guidance); 0 means the loss's default, and
	// negative never.
	LabelDrop float64
	// SigmaMax, SigmaMin and NoiseLevels are multi-noise DSM's ladder; 0
	// means the loss's defaults.
	SigmaMax, SigmaMin float64
	NoiseLevels        int
	// GenWeight is JEM's generative weight w (loss.JEM.GenWeight); 0 means
	// jemGenWeight, and negative none (the cross-entropy alone).
	GenWeight float64
	// CDStepSchedule, when set, is CD's sampler step size over the
	// training steps (loss.ContrastiveDivergence.StepSchedule).
	CDStepSchedule schedule.Schedule
	// SMPenalty is the score-matching losses' penalty λ; Probe the
	// probes of ssm and sm-hutchinson.
	SMPenalty float64
	Probe     loss.Probe
	// Sigma is DSM's σ (0: 0.05), SigmaSchedule its schedule over the
	// training steps, when set; and [SF]²M's bridge σ (0: 1).
	Sigma         float64
	SigmaSchedule schedule.Schedule
	// NCENoise is NCE's noise: "isotropic" (or empty) or "full".
	NCENoise string
	// EDT, EDM and EDW are energy discrepancy's t, M and w
	// (loss.EnergyDiscrepancy: 0 means its defaults, negative w none).
	EDT float64
	EDM int
	EDW float64
	// FCEFlowLR is FCE's flow learning rate (loss.FCE.FlowLR: 0 means its
	// default).
	FCEFlowLR float64
	// DRLLevels, DRLSteps and DRLStepScale are recovery likelihood's
	// levels, sampler steps and step scale (loss.DiffusionRecovery: 0
	// means its defaults).
	DRLLevels, DRLSteps int
	DRLStepScale        float64
	// EqM is equilibrium matching's c(t) and dispersive term
	// (loss.EquilibriumMatching's Scale, Threshold, Multiplier, Start,
	// Dispersion and DispersionTemp); its zero value is the loss's
	// defaults.
	EqM loss.EquilibriumMatching
}

// jemGenWeight is JEM's default generative weight. With w = 1 (Grathwohl
// et al.'s log p(y | x) + log p(x) = log p(x, y)) the data term of CD
// cancels the part of the cross-entropy that pushes the other classes
// down: on the logits, CE + w·E(x) = (1 − w)·logsumexp f(x) − f(x)[y], so
// the classifier learns to discriminate only through the negatives and
// the energy regulariser. On the digits, w = 1 labels 88 to 90% of the
// held-out digits right and fits only 87% of the training digits; w = 0.2
// keeps 0.8 of the cross-entropy's push, and after the recipe's warm-up
// of cross-entropy alone (a third of the steps) it labels 98% of them
// right, its samples by class are labelled as their class 92% of the time,
// and their Fréchet distance is a quarter of w = 1's.
const jemGenWeight = 0.2

// cdSteps returns the CD sampler's steps per loss.
func (s LossSettings) cdSteps() int {
	if s.CDSteps > 0 {
		return s.CDSteps
	}
	return 20
}

// Recipe is a named loss with the settings ebm train gives it.
type Recipe struct {
	Name, Doc string
	// Uses names the LossSettings the loss reads, as ebm train's flags:
	// "cd-reg", "cd-sampler", "coupling", "interpolant".
	Uses []string
	New  func(LossSettings) Objective
}

// Objective is the loss a recipe builds: Energy for an energy network, or
// Time for a time-conditioned one (nn.TimeModule). Exactly one is set.
type Objective struct {
	Energy loss.EnergyLoss
	Time   loss.TimeLoss
}

func energyLoss(l loss.EnergyLoss) Objective { return Objective{Energy: l} }
func timeLoss(l loss.TimeLoss) Objective     { return Objective{Time: l} }

// cdSampler is the default sampler of contrastive divergence's negatives.
func cdSampler(s LossSettings) sampler.Sampler {
	if s.CDSampler != nil {
		return s.CDSampler
	}
	return sampler.Langevin{StepSize: schedule.Constant(0.005)}
}

var (
	cdUses    = []string{"cd-reg", "cd-sampler", "cd-steps", "cd-step", "cd-noise", "cd-step-end"}
	flowUses  = []string{"coupling", "interpolant", "label-drop", "prediction", "latent"}
	noiseUses = []string{"sigma-max", "sigma-min", "noise-levels"}
)

// persistentCD is the persistent CD of the settings, as pcd and jem use it.
func persistentCD(s LossSettings) loss.ContrastiveDivergence {
	return loss.ContrastiveDivergence{K: s.cdSteps(), Persistent: true, RegWeight: s.CDReg, Sampler: cdSampler(s), Bounds: s.Bounds, StepSchedule: s.CDStepSchedule}
}

var recipes = []Recipe{
	{"pcd", "persistent contrastive divergence, 20 sampler steps, replay buffer (the default)", cdUses, func(s LossSettings) Objective {
		return energyLoss(persistentCD(s))
	}},
	{"cd", "contrastive divergence, 20 sampler steps from the data", cdUses, func(s LossSettings) Objective {
		return energyLoss(loss.ContrastiveDivergence{K: s.cdSteps(), FromData: true, RegWeight: s.CDReg, Sampler: cdSampler(s), Bounds: s.Bounds, StepSchedule: s.CDStepSchedule})
	}},
	{"ptcd", "persistent CD whose negatives come from parallel tempering (4 rungs up to T = 5)", cdUses, func(s LossSettings) Objective {
		if s.CDSampler == nil {
			s.CDSampler = sampler.ParallelTempering{StepSize: schedule.Constant(0.005), Replicas: 4, MaxTemperature: 5}
		}
		return energyLoss(loss.ContrastiveDivergence{K: s.cdSteps(), Persistent: true, RegWeight: s.CDReg, Sampler: s.CDSampler, Bounds: s.Bounds, StepSchedule: s.CDStepSchedule})
	}},
	{"ce", "cross-entropy of a classifier of the labels (images, -model conv): what ebm eval -classifier scores images with", nil, func(LossSettings) Objective {
		return energyLoss(loss.CrossEntropy{})
	}},
	{"jem", "JEM: a classifier whose logits f are an energy, E(x) = −logsumexp f(x): cross-entropy alone for 1/3 of the steps, then plus 0.2 × persistent CD (images, -model conv)",
		append(slices.Clone(cdUses), "gen-weight"), func(s LossSettings) Objective {
			cd := persistentCD(s)
			// JEM's chains start from noise, without the warm-up sweep of
			// the whole buffer (a third of a digits run's time, and no
			// better for it); the buffer warms as the model learns.
			cd.InitSteps = -1
			return energyLoss(loss.JEM{CD: cd, GenWeight: cmp.Or(s.GenWeight, jemGenWeight), Warmup: s.Steps / 3})
		}},
	{"dsm", "denoising score matching, σ = 0.05 (fast)", []string{"sm-penalty", "sigma", "sigma-end"}, func(s LossSettings) Objective {
		sigma := s.Sigma
		if sigma == 0 && s.SigmaSchedule == nil {
			sigma = 0.05
		}
		return energyLoss(loss.DenoisingScoreMatching{Sigma: sigma, SigmaSchedule: s.SigmaSchedule, Penalty: s.SMPenalty})
	}},
	{"ncsn", "multi-noise DSM of a noise-conditional energy E(x, σ), σ from 1 to 0.01 in 10 levels (NCSN); generates by annealed Langevin (-model conv or mlp)",
		noiseUses, func(s LossSettings) Objective {
			return timeLoss(loss.MultiNoiseDSM{SigmaMax: s.SigmaMax, SigmaMin: s.SigmaMin, Levels: s.NoiseLevels})
		}},
	{"ssm", "sliced score matching, 2 projections", []string{"sm-penalty", "projection"}, func(s LossSettings) Objective {
		return energyLoss(loss.SlicedScoreMatching{Projections: 2, ProbeType: s.Probe, Penalty: s.SMPenalty})
	}},
	{"sm", "score matching, exact Hessian trace", []string{"sm-penalty"}, func(s LossSettings) Objective {
		return energyLoss(loss.ScoreMatching{Penalty: s.SMPenalty})
	}},
	{"sm-hutchinson", "score matching, Hutchinson's trace estimate (1 Rademacher probe)", []string{"sm-penalty", "projection"}, func(s LossSettings) Objective {
		return energyLoss(loss.ScoreMatching{Method: loss.Hutchinson, ProbeType: s.Probe, Penalty: s.SMPenalty})
	}},
	{"sm-fd", "score matching, finite-difference trace (1 probe, ε = 1e-3)", []string{"sm-penalty"}, func(s LossSettings) Objective {
		return energyLoss(loss.ScoreMatching{Method: loss.FiniteDifference, Penalty: s.SMPenalty})
	}},
	{"nce", "noise-contrastive estimation against a Gaussian fitted to the data (isotropic, or full with -nce-noise full); learns log Z", []string{"nce-noise"}, func(s LossSettings) Objective {
		if s.NCENoise == "full" {
			if q := fitFullNoise(s.Data); q != nil {
				return energyLoss(loss.NCE{Noise: q, Ratio: 1})
			}
		}
		mean, sd := fitNoise(s.Data)
		return energyLoss(loss.NCE{NoiseMean: mean, NoiseStd: sd, Ratio: 1})
	}},
	{"fce", "flow contrastive estimation (Gao et al. 2020): NCE against a RealNVP flow (4 couplings, MLPs 64×2) that starts as a Gaussian fitted to the data and learns to be hard to tell from them (its own Adam, -fce-flow-lr 5e-5); learns log Z", []string{"fce-flow-lr"}, func(s LossSettings) Objective {
		return energyLoss(loss.FCE{Flow: fceFlow(s), FlowLR: s.FCEFlowLR})
	}},
	{"ed", "energy discrepancy (Schröder et al. 2023): Gaussian perturbation of variance t = 1, M = 4 negatives, w = 1; no MCMC, no score", []string{"ed-t", "ed-m", "ed-w"}, func(s LossSettings) Objective {
		return energyLoss(loss.EnergyDiscrepancy{T: s.EDT, M: s.EDM, W: s.EDW})
	}},
	{"drl", "diffusion recovery likelihood (Gao et al. 2021): CD on each of 6 conditionals p(x_k | x_{k+1}) of a diffusion, 30 MALA steps; a time-conditioned energy E(x, t) that generates by the chain of conditionals", []string{"drl-levels", "drl-steps", "drl-step-scale"}, func(s LossSettings) Objective {
		return timeLoss(loss.DiffusionRecovery{Levels: s.DRLLevels, K: s.DRLSteps, StepScale: s.DRLStepScale})
	}},
	{"fm", "flow matching of a velocity v(x, t) (or with -prediction the score or the noise); generates by integration from noise", flowUses, func(s LossSettings) Objective {
		return timeLoss(loss.FlowMatching{Coupling: s.Coupling, Interpolant: s.Interpolant, LabelDrop: s.LabelDrop, Prediction: s.Prediction, Latent: s.Latent})
	}},
	{"sf2m", "[SF]²M, simulation-free Schrödinger-bridge flow matching (Tong et al. 2024): entropic-OT pairs (ε = 2σ²), Brownian bridge of σ (-sigma, 1), one net of velocity and score; generates by the SDE dx = [v + σ²/2·s]dt + σ dW", []string{"sigma"}, func(s LossSettings) Objective {
		return timeLoss(loss.SF2M{Sigma: s.Sigma})
	}},
	{"eqm", "equilibrium matching of a field f(x), its target scaled by c(t) (truncated, linear or piecewise); generates by descending it",
		[]string{"interpolant", "label-drop", "eqm-scale", "eqm-threshold", "eqm-lambda", "eqm-start", "eqm-dispersion", "eqm-tau"}, func(s LossSettings) Objective {
			e := s.EqM
			e.Interpolant, e.LabelDrop = s.Interpolant, s.LabelDrop
			return timeLoss(e)
		}},
	{"em", "energy matching of a potential V: flow, then CD after 2/3 of the steps", []string{"coupling", "interpolant"}, func(s LossSettings) Objective {
		return energyLoss(loss.EnergyMatching{Coupling: s.Coupling, Interpolant: s.Interpolant, CDWarmup: s.Steps * 2 / 3})
	}},
}

// Recipes returns the named losses, sorted by name.
func Recipes() []Recipe {
	out := append([]Recipe(nil), recipes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// RecipeByName returns the recipe of a name (case, hyphens and
// underscores do not count), or an error listing the valid ones.
func RecipeByName(name string) (Recipe, error) {
	return lookup.Find(table(Recipes(), Recipe.nameDoc), name, "model: unknown loss", ErrInvalid)
}

func (r Recipe) nameDoc() (string, string) { return r.Name, r.Doc }

// Unused returns the settings, as ebm train's flags, that the recipe does
// not read.
func (r Recipe) Unused() []string {
	return unused(r.Uses, "cd-reg", "cd-sampler", "cd-steps", "cd-step", "cd-noise", "cd-step-end", "coupling", "interpolant", "label-drop", "prediction", "latent",
		"sigma-max", "sigma-min", "noise-levels", "gen-weight", "sm-penalty", "projection", "sigma", "sigma-end", "nce-noise",
		"ed-t", "ed-m", "ed-w", "drl-levels", "drl-steps", "drl-step-scale", "fce-flow-lr",
		"eqm-scale", "eqm-threshold", "eqm-lambda", "eqm-start", "eqm-dispersion", "eqm-tau")
}

// Keep returns c without the settings the recipe does not read, so that a
// config records only what applies.
func (r Recipe) Keep(c Config) Config {
	for _, f := range r.Unused() {
		switch f {
		case "cd-reg":
			c.CDReg = nil
		case "cd-sampler":
			c.CDSampler = ""
		case "cd-steps":
			c.CDSteps = 0
		case "cd-step":
			c.CDStep = 0
		case "cd-noise":
			c.CDNoise = nil
		case "label-drop":
			c.LabelDrop = nil
		case "gen-weight":
			c.GenWeight = nil
		case "coupling":
			c.Coupling = ""
		case "interpolant":
			c.Interpolant = ""
		case "prediction":
			c.Prediction = ""
		case "latent":
			c.Latent = nil
		case "sigma-max":
			c.SigmaMax = 0
		case "sigma-min":
			c.SigmaMin = 0
		case "noise-levels":
			c.NoiseLevels = 0
		case "cd-step-end":
			c.CDStepEnd = 0
		case "sm-penalty":
			c.SMPenalty = 0
		case "projection":
			c.Projection = ""
		case "sigma":
			c.Sigma = 0
		case "sigma-end":
			c.SigmaEnd = 0
		case "nce-noise":
			c.NCENoise = ""
		case "ed-t":
			c.EDT = 0
		case "fce-flow-lr":
			c.FCEFlowLR = 0
		case "ed-m":
			c.EDM = 0
		case "ed-w":
			c.EDW = nil
		case "drl-levels":
			c.DRLLevels = 0
		case "drl-steps":
			c.DRLSteps = 0
		case "drl-step-scale":
			c.DRLStepScale = 0
		case "eqm-scale":
			c.EqMScale = ""
		case "eqm-threshold":
			c.EqMThreshold = nil
		case "eqm-lambda":
			c.EqMLambda = 0
		case "eqm-start":
			c.EqMStart = nil
		case "eqm-dispersion":
			c.EqMDispersion = 0
		case "eqm-tau":
			c.EqMDispersionTemp = 0
		}
	}
	return c
}

// NewLoss builds the loss of the recipe named name.
func NewLoss(name string, s LossSettings) (Objective, error) {
	r, err := RecipeByName(name)
	if err != nil {
		return Objective{}, err
	}
	return r.New(s), nil
}

// NewLoss builds the loss the config names, with its settings (a CD
// sampler at step 0.005) and, for NCE, data to fit the noise to (nil: the
// standard normal).
func (c Config) NewLoss(data *tensor.Tensor) (Objective, error) {
	s := LossSettings{Steps: c.Steps, CDReg: offOrDefault(c.CDReg), Data: data, Seed: c.Seed, CDSteps: c.CDSteps, LabelDrop: offOrDefault(c.LabelDrop), GenWeight: offOrDefault(c.GenWeight),
		SigmaMax: c.SigmaMax, SigmaMin: c.SigmaMin, NoiseLevels: c.NoiseLevels,
		SMPenalty: c.SMPenalty, Sigma: c.Sigma, NCENoise: c.NCENoise,
		EDT: c.EDT, EDM: c.EDM, EDW: offOrDefault(c.EDW), DRLLevels: c.DRLLevels, DRLSteps: c.DRLSteps, DRLStepScale: c.DRLStepScale,
		FCEFlowLR: c.FCEFlowLR}
	switch c.Projection {
	case "", "rademacher":
	case "gaussian":
		s.Probe = loss.Gaussian
	case "sphere":
		s.Probe = loss.Sphere
	default:
		return Objective{}, fmt.Errorf("model: projection %q: want rademacher, gaussian or sphere: %w", c.Projection, ErrInvalid)
	}
	switch c.NCENoise {
	case "", "isotropic", "full":
	default:
		return Objective{}, fmt.Errorf("model: nce_noise %q: want isotropic or full: %w", c.NCENoise, ErrInvalid)
	}
	if !nonNeg(c.SMPenalty) || !nonNeg(c.Sigma) || !nonNeg(c.SigmaEnd) || !nonNeg(c.CDStepEnd) {
		return Objective{}, fmt.Errorf("model: sm_penalty %g, sigma %g, sigma_end %g, cd_step_end %g: each must be finite and not negative: %w", c.SMPenalty, c.Sigma, c.SigmaEnd, c.CDStepEnd, ErrInvalid)
	}
	if c.SigmaEnd > 0 {
		s.Sigma, s.SigmaSchedule = 0, schedule.Cosine{Start: cmp.Or(c.Sigma, 0.05), End: c.SigmaEnd, Steps: c.Steps}
	}
	if c.CDStepEnd > 0 {
		s.CDStepSchedule = schedule.Cosine{Start: c.cdStep(), End: c.CDStepEnd, Steps: c.Steps}
	}
	if c.Image != nil {
		s.Bounds = imageBox()
	}
	step := c.cdStep()
	switch {
	case c.CDSampler != "":
		ns, err := SamplerByName(c.CDSampler)
		if err != nil {
			return Objective{}, err
		}
		if !ns.Continues {
			return Objective{}, fmt.Errorf("model: %s cannot draw contrastive divergence's negatives: it does not continue a model's chains: %w", ns.Name, ErrInvalid)
		}
		if c.Image != nil && !ns.Constrains {
			return Objective{}, fmt.Errorf("model: %s cannot draw contrastive divergence's negatives on images: it cannot keep them in the pixels' box: %w", ns.Name, ErrInvalid)
		}
		if c.CDNoise != nil {
			return Objective{}, fmt.Errorf("model: cd_noise sets Langevin's noise: not with cd_sampler %s: %w", ns.Name, ErrInvalid)
		}
		s.CDSampler = ns.New(SamplerSettings{StepSize: step})
	case c.CDStep != 0 || c.CDNoise != nil:
		s.CDSampler = c.langevin()
	}
	var err error
	if c.Coupling != "" {
		if s.Coupling, err = coupling.ByName(c.Coupling); err != nil {
			return Objective{}, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
	}
	if c.Interpolant != "" {
		if s.Interpolant, err = interpolant.ByName(c.Interpolant); err != nil {
			return Objective{}, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
	}
	if c.Prediction != "" {
		if s.Prediction, err = interpolant.PredictionByName(c.Prediction); err != nil {
			return Objective{}, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
	}
	if s.EqM, err = c.eqm(); err != nil {
		return Objective{}, err
	}
	if c.Latent != nil {
		l := interpolant.Latent{Scale: *c.Latent}
		if err := l.Check(); err != nil {
			return Objective{}, fmt.Errorf("model: latent %g: %w: %w", *c.Latent, err, ErrInvalid)
		}
		if s.Prediction != interpolant.Velocity {
			return Objective{}, fmt.Errorf("model: latent noise trains a velocity, not prediction %s: %w", s.Prediction, ErrInvalid)
		}
		s.Latent = &l
	}
	o, err := NewLoss(c.Loss, s)
	if err != nil {
		return o, err
	}
	return o, checkLoss(c, o)
}

// eqm returns equilibrium matching's c(t) and dispersive settings of the
// config. A threshold of 0 with the truncated c(t) is the linear one
// (λ·min(1, 1 − t) = λ·(1 − t)), which the loss's own 0 (its default,
// 0.8) could not ask for.
func (c Config) eqm() (loss.EquilibriumMatching, error) {
	scale, err := loss.EqMScaleByName(c.EqMScale)
	if err != nil {
		return loss.EquilibriumMatching{}, fmt.Errorf("model: eqm_scale: %w: %w", err, ErrInvalid)
	}
	e := loss.EquilibriumMatching{Scale: scale, Multiplier: c.EqMLambda, Dispersion: c.EqMDispersion, DispersionTemp: c.EqMDispersionTemp}
	if c.EqMThreshold != nil {
		switch a := *c.EqMThreshold; {
		case a == 0 && scale == loss.TruncatedScale:
			e.Scale = loss.LinearScale
		case a == 0:
			return e, fmt.Errorf("model: eqm_threshold 0 with eqm_scale %s: only the truncated c(t) takes it (as the linear one): %w", scale, ErrInvalid)
		default:
			e.Threshold = a
		}
	}
	switch {
	case scale == loss.PiecewiseScale && c.EqMStart == nil:
		return e, fmt.Errorf("model: eqm_scale piecewise needs eqm_start, c(0)/λ: %w", ErrInvalid)
	case scale != loss.PiecewiseScale && c.EqMStart != nil:
		return e, fmt.Errorf("model: eqm_start is the piecewise c(t)'s, not the %s one's: %w", scale, ErrInvalid)
	case c.EqMStart != nil:
		e.Start = *c.EqMStart
	}
	if err := e.Check(); err != nil {
		return e, fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	return e, nil
}

// checkLoss refuses settings of energy discrepancy, flow contrastive
// estimation and recovery likelihood that their losses would refuse at the
// first step (or, for FCE's negative flow rate, read as a fixed flow),
// naming them as config.json does.
func checkLoss(c Config, o Objective) error {
	if _, ok := o.Energy.(loss.EnergyDiscrepancy); ok {
		switch {
		case !nonNeg(c.EDT):
			return fmt.Errorf("model: ed_t %g: a variance, positive and finite (0: 1): %w", c.EDT, ErrInvalid)
		case c.EDM < 0:
			return fmt.Errorf("model: ed_m %d: a number of negatives, positive (0: 4): %w", c.EDM, ErrInvalid)
		case c.EDW != nil && !nonNeg(*c.EDW):
			return fmt.Errorf("model: ed_w %g: finite and not negative (0: none): %w", *c.EDW, ErrInvalid)
		}
	}
	if _, ok := o.Energy.(loss.FCE); ok && !nonNeg(c.FCEFlowLR) {
		return fmt.Errorf("model: fce_flow_lr %g: a learning rate, positive and finite (0: 5e-5): %w", c.FCEFlowLR, ErrInvalid)
	}
	if _, ok := o.Time.(loss.DiffusionRecovery); ok {
		switch {
		case c.DRLLevels < 0 || c.DRLLevels > maxNoiseLevels:
			return fmt.Errorf("model: drl_levels %d: 1 to %d (0: 6): %w", c.DRLLevels, maxNoiseLevels, ErrInvalid)
		case c.DRLSteps < 0:
			return fmt.Errorf("model: drl_steps %d: positive (0: 30): %w", c.DRLSteps, ErrInvalid)
		case !nonNeg(c.DRLStepScale):
			return fmt.Errorf("model: drl_step_scale %g: positive and finite (0: 0.25): %w", c.DRLStepScale, ErrInvalid)
		}
	}
	return nil
}

// offOrDefault returns an optional setting of the config as the losses
// take it: 0 (their default) when unset, and −1 (none, off) when set to 0.
func offOrDefault(p *float64) float64 {
	switch {
	case p == nil:
		return 0
	case *p == 0:
		return -1
	}
	return *p
}

// optional returns *p, or 0 when p is nil, for checks and messages.
func optional(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// cdStep returns the step size of CD's sampler.
func (c Config) cdStep() float64 {
	if c.CDStep > 0 {
		return c.CDStep
	}
	return 0.005
}

// langevin returns CD's Langevin sampler: step η and noise σ, which
// is Langevin at temperature σ²/(2η) (σ = √(2η), the default, samples
// exp(−E)).
func (c Config) langevin() sampler.Langevin {
	l := sampler.Langevin{StepSize: schedule.Constant(c.cdStep())}
	if c.CDNoise != nil {
		l.Temperature = schedule.Constant(*c.CDNoise * *c.CDNoise / (2 * c.cdStep()))
	}
	return l
}

// fitNoise returns the per-coordinate mean of x and the largest standard
// deviation over coordinates, or nil and 0 (NCE's N(0, I)) without data.
func fitNoise(x *tensor.Tensor) ([]float64, float64) {
	if x == nil || x.Dim(0) < 2 {
		return nil, 0
	}
	n, d := x.Dim(0), x.Dim(1)
	mean, sd := make([]float64, d), 0.0
	for j := range d {
		var s, ss float64
		for i := range n {
			v := x.Data()[i*d+j]
			s += v
			ss += v * v
		}
		mean[j] = s / float64(n)
		sd = math.Max(sd, math.Sqrt(math.Max(ss/float64(n)-mean[j]*mean[j], 0)))
	}
	return mean, sd
}

// fitFullNoise returns N(mean, covariance) of x (fitGaussian), or nil
// without data (or when even that fails).
func fitFullNoise(x *tensor.Tensor) *loss.GaussianNoise {
	mean, cov := fitGaussian(x)
	if mean == nil {
		return nil
	}
	q, err := loss.NewGaussianNoise(mean, cov)
	if err != nil {
		return nil
	}
	return q
}

// fceFlow returns FCE's flow: fceCouplings RealNVP couplings (MLPs of
// fceHidden, drawn from the seed) before the Gaussian of the data
// (fitGaussian; N(0, I) of the data's dimension without enough data).
func fceFlow(s LossSettings) *normflow.Flow {
	mean, cov := fitGaussian(s.Data)
	if mean == nil {
		d := 2
		if s.Data != nil {
			d = s.Data.Dim(1)
		}
		mean, cov = make([]float64, d), make([]float64, d*d)
		for j := range d {
			cov[j*d+j] = 1
		}
	}
	couplings := fceCouplings
	if len(mean) < 2 {
		couplings = 0
	}
	f, err := normflow.NewRealNVP(rand.New(rand.NewPCG(s.Seed, 0xfce)), mean, cov, couplings, fceHidden)
	if err != nil {
		return nil // the loss refuses a nil flow with an error
	}
	return f
}

// FCE's flow: couplings and their MLPs' hidden sizes.
const fceCouplings = 4

var fceHidden = []int{64, 64}

// fitGaussian returns the mean and covariance of x (row-major d×d), the
// covariance's diagonal raised by 1e-6 of its mean so that it is positive
// definite, or nils without at least two points.
func fitGaussian(x *tensor.Tensor) (mean, cov []float64) {
	if x == nil || x.Dim(0) < 2 {
		return nil, nil
	}
	n, d := x.Dim(0), x.Dim(1)
	mean, cov = make([]float64, d), make([]float64, d*d)
	for i := range n {
		for j := range d {
			mean[j] += x.Data()[i*d+j] / float64(n)
		}
	}
	for i := range n {
		row := x.Data()[i*d : (i+1)*d]
		for a := range d {
			for b := range d {
				cov[a*d+b] += (row[a] - mean[a]) * (row[b] - mean[b]) / float64(n-1)
			}
		}
	}
	tr := 0.0
	for a := range d {
		tr += cov[a*d+a] / float64(d)
	}
	for a := range d {
		cov[a*d+a] += 1e-6 * tr
	}
	return mean, cov
}
