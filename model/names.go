package model

import (
	"slices"
	"sort"

	"github.com/goebm/goebm/internal/lookup"
	"github.com/goebm/goebm/neuralsampler"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
)

// SamplerSettings are what the named samplers are built from; zero values
// mean each sampler's defaults.
type SamplerSettings struct {
	// StepSize is the (initial, where adapted) step size.
	StepSize float64
	// Leapfrog is HMC's and RMHMC's number of leapfrog steps.
	Leapfrog int
	// Replicas and MaxTemperature shape parallel tempering's ladder.
	Replicas       int
	MaxTemperature float64
	// Metric is RMHMC's position-dependent metric (required there).
	Metric sampler.Metric
	// MetricKind is the metric NUTS and HMC adapt during warm-up: diagonal
	// (the zero value), dense, or none (unit).
	MetricKind sampler.MetricKind
	// StepJitter is NUTS's and HMC's step jitter, in [0, 1).
	StepJitter float64
	// LeapfrogJitter is HMC's jitter of its number of leapfrog steps, in
	// [0, 1).
	LeapfrogJitter float64
}

// NamedSampler is a sampler by name, as ebm's flags select it.
type NamedSampler struct {
	Name, Doc string
	// Uses names the settings it reads, as ebm's flags: "step-size",
	// "leapfrog", "replicas", "max-temp", "metric", "step-jitter",
	// "leapfrog-jitter", and
	// "warmup" for the samplers that take warm-up steps (all but AIS).
	Uses []string
	// Continues says whether it can continue chains from given points on
	// any energy (what contrastive divergence needs): AIS starts from its
	// base density and RMHMC needs a metric.
	Continues bool
	// Constrains says whether it honours bounds and conditioning
	// (sampler.Options.Bounds and Condition), as -bounds, inpainting and
	// contrastive divergence on images need: AIS and SMC anneal from an
	// unbounded base, and elliptical slice sampling and MCLMC move every
	// coordinate at once, so they refuse both.
	Constrains bool
	// Joint says whether it can move chains whose energies interact
	// (energy.Joint, as -repulsion makes them): only the unadjusted
	// kernels, which follow the summed energy's gradient with no accept
	// test per chain (sampler.Unadjusted).
	Joint bool
	New   func(SamplerSettings) sampler.Sampler
}

func constOrNil(v float64) schedule.Schedule {
	if v == 0 {
		return nil
	}
	return schedule.Constant(v)
}

var samplers = []NamedSampler{
	{"nuts", "No-U-Turn Sampler with Stan's warm-up", []string{"step-size", "metric", "step-jitter", "warmup"}, true, true, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.NUTS{StepSize: constOrNil(s.StepSize), Metric: s.MetricKind, StepJitter: s.StepJitter}
	}},
	{"hmc", "Hamiltonian Monte Carlo, adapted step and mass (diagonal, or -metric)", []string{"step-size", "leapfrog", "metric", "step-jitter", "leapfrog-jitter", "warmup"}, true, true, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.HMC{StepSize: constOrNil(s.StepSize), LeapfrogSteps: s.Leapfrog, Adapt: true, AdaptMass: true, Metric: s.MetricKind,
			StepJitter: s.StepJitter, LeapfrogJitter: s.LeapfrogJitter}
	}},
	{"mala", "Metropolis-adjusted Langevin, adapted and preconditioned", []string{"step-size", "warmup"}, true, true, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.MALA{StepSize: constOrNil(s.StepSize), Adapt: true, AdaptMass: true}
	}},
	{"rwm", "random-walk Metropolis, scale adapted towards acceptance 0.234; no gradients", []string{"step-size", "warmup"}, true, true, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.RWM{StepSize: constOrNil(s.StepSize), Adapt: true}
	}},
	{"slice", "slice sampling per coordinate (stepping out, shrinkage); no gradients; -step-size is the width (default 1)", []string{"step-size", "warmup"}, true, true, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.Slice{Width: s.StepSize}
	}},
	{"ess", "elliptical slice sampling, prior N(0, σ²I) split off the energy; no gradients; -step-size is σ (default 1)", []string{"step-size", "warmup"}, true, false, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.EllipticalSlice{PriorScale: s.StepSize, WholeEnergy: true}
	}},
	{"mclmc", "microcanonical Langevin (MCLMC), step size, L and diagonal metric tuned in warm-up as BlackJAX does; unadjusted", []string{"step-size", "warmup"}, true, false, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.MCLMC{StepSize: s.StepSize}
	}},
	{"langevin", "unadjusted Langevin dynamics (biased by O(step))", []string{"step-size", "warmup"}, true, true, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.Langevin{StepSize: constOrNil(s.StepSize)}
	}},
	{"tempering", "parallel tempering: replicas on a temperature ladder", []string{"step-size", "replicas", "max-temp", "warmup"}, true, true, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.ParallelTempering{StepSize: constOrNil(s.StepSize), Replicas: s.Replicas, MaxTemperature: s.MaxTemperature}
	}},
	{"rmhmc", "Riemannian-manifold HMC; needs a metric (the Gaussian's precision)", []string{"step-size", "leapfrog", "warmup"}, false, true, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.RMHMC{Metric: s.Metric, StepSize: constOrNil(s.StepSize), LeapfrogSteps: s.Leapfrog}
	}},
	{"ais", "annealed importance sampling from N(0, I), one annealing step per step; gives log Z ± SE", []string{"step-size"}, false, false, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.AIS{StepSize: constOrNil(s.StepSize)}
	}},
	{"smc", "tempered SMC from N(0, I): adaptive temperatures, resampling, MALA moves (HMC with -leapfrog), then -steps draws; gives log Z ± SE", []string{"step-size", "leapfrog"}, false, false, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.SMC{StepSize: s.StepSize, LeapfrogSteps: s.Leapfrog}
	}},
	{"descent", "gradient descent to the modes (not a sampler of exp(−E))", []string{"step-size", "warmup"}, true, true, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.GradientDescent{StepSize: constOrNil(s.StepSize)}
	}},
	{"nesterov", "gradient descent with Nesterov momentum 0.9 (not a sampler)", []string{"step-size", "warmup"}, true, true, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.Nesterov{StepSize: constOrNil(s.StepSize)}
	}}, {"idem", "iDEM: a score network trained from the energy alone (Monte Carlo targets, replay buffer; minutes), then independent draws by its reverse SDE; -step-size is the target's scale (default 1; 50 for gmm40)", []string{"step-size"}, false, false, false, func(s SamplerSettings) sampler.Sampler {
		return neuralsampler.Amortized{Config: neuralsampler.Config{Method: neuralsampler.IDEM, Scale: s.StepSize}}
	}},
	{"iefm", "iEFM: a velocity network trained from the energy alone (energies only; minutes), then independent draws by its ODE; -step-size is the target's scale (default 1; 50 for gmm40)", []string{"step-size"}, false, false, false, func(s SamplerSettings) sampler.Sampler {
		return neuralsampler.Amortized{Config: neuralsampler.Config{Method: neuralsampler.IEFM, Scale: s.StepSize}}
	}},
}

// Unused returns the settings, as ebm's flags, that the sampler does not
// read.
func (s NamedSampler) Unused() []string {
	return unused(s.Uses, "step-size", "leapfrog", "replicas", "max-temp", "metric", "step-jitter", "leapfrog-jitter", "warmup")
}

func unused(uses []string, all ...string) []string {
	var out []string
	for _, f := range all {
		if !slices.Contains(uses, f) {
			out = append(out, f)
		}
	}
	return out
}

// Samplers returns the named samplers, sorted by name.
func Samplers() []NamedSampler {
	out := append([]NamedSampler(nil), samplers...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SamplerByName returns the sampler of a name (case, hyphens and
// underscores do not count), or an error listing the valid ones.
func SamplerByName(name string) (NamedSampler, error) {
	return lookup.Find(table(Samplers(), NamedSampler.nameDoc), name, "model: unknown sampler", ErrInvalid)
}

func (s NamedSampler) nameDoc() (string, string) { return s.Name, s.Doc }

// LossDocs lists the recipes' names, sorted, each with its description.
func LossDocs() [][2]string { return lookup.Names(table(Recipes(), Recipe.nameDoc)) }

// SamplerDocs lists the samplers' names, sorted, each with its description.
func SamplerDocs() [][2]string { return lookup.Names(table(Samplers(), NamedSampler.nameDoc)) }

// table returns values as the entries of a lookup table.
func table[V any](values []V, nameDoc func(V) (string, string)) []lookup.Entry[V] {
	out := make([]lookup.Entry[V], len(values))
	for i, v := range values {
		out[i].Name, out[i].Doc = nameDoc(v)
		out[i].Value = v
	}
	return out
}
