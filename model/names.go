package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/interpolant"
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
}

// NamedSampler is a sampler by name, as ebm's flags select it.
type NamedSampler struct {
	Name, Doc string
	// Uses names the settings it reads, as ebm's flags: "step-size",
	// "leapfrog", "replicas", "max-temp".
	Uses []string
	// Continues says whether it can continue chains from given points on
	// any energy (what contrastive divergence needs): AIS starts from its
	// base density and RMHMC needs a metric.
	Continues bool
	New       func(SamplerSettings) sampler.Sampler
}

func constOrNil(v float64) schedule.Schedule {
	if v == 0 {
		return nil
	}
	return schedule.Constant(v)
}

var samplers = []NamedSampler{
	{"nuts", "No-U-Turn Sampler with Stan's warm-up", []string{"step-size"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.NUTS{StepSize: constOrNil(s.StepSize)}
	}},
	{"hmc", "Hamiltonian Monte Carlo, adapted step and diagonal mass", []string{"step-size", "leapfrog"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.HMC{StepSize: constOrNil(s.StepSize), LeapfrogSteps: s.Leapfrog, Adapt: true, AdaptMass: true}
	}},
	{"mala", "Metropolis-adjusted Langevin, adapted and preconditioned", []string{"step-size"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.MALA{StepSize: constOrNil(s.StepSize), Adapt: true, AdaptMass: true}
	}},
	{"langevin", "unadjusted Langevin dynamics (biased by O(step))", []string{"step-size"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.Langevin{StepSize: constOrNil(s.StepSize)}
	}},
	{"tempering", "parallel tempering: replicas on a temperature ladder", []string{"step-size", "replicas", "max-temp"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.ParallelTempering{StepSize: constOrNil(s.StepSize), Replicas: s.Replicas, MaxTemperature: s.MaxTemperature}
	}},
	{"rmhmc", "Riemannian-manifold HMC; needs a metric (the Gaussian's precision)", []string{"step-size", "leapfrog"}, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.RMHMC{Metric: s.Metric, StepSize: constOrNil(s.StepSize), LeapfrogSteps: s.Leapfrog}
	}},
	{"ais", "annealed importance sampling from N(0, I), one annealing step per step; gives log Z ± SE", []string{"step-size"}, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.AIS{StepSize: constOrNil(s.StepSize)}
	}},
	{"descent", "gradient descent to the modes (not a sampler of exp(−E))", []string{"step-size"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.GradientDescent{StepSize: constOrNil(s.StepSize)}
	}},
	{"nesterov", "gradient descent with Nesterov momentum 0.9 (not a sampler)", []string{"step-size"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.Nesterov{StepSize: constOrNil(s.StepSize)}
	}},
}

// Samplers returns the named samplers, sorted by name.
func Samplers() []NamedSampler {
	out := append([]NamedSampler(nil), samplers...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SamplerByName returns the sampler of a name, or an error listing the
// valid ones.
func SamplerByName(name string) (NamedSampler, error) {
	m := map[string]entry[NamedSampler]{}
	for _, s := range samplers {
		m[s.Name] = entry[NamedSampler]{s, s.Doc}
	}
	return lookup(m, "sampler", name)
}

// entry is a named value with its one-line description.
type entry[V any] struct {
	v   V
	doc string
}

var couplings = map[string]entry[coupling.Coupling]{
	"independent": {coupling.Independent{}, "pairs as drawn"},
	"exact-ot":    {coupling.ExactOT{}, "optimal assignment (Hungarian), O(batch³)"},
	"greedy":      {coupling.Greedy{}, "closest pairs first"},
	"sinkhorn":    {coupling.Sinkhorn{}, "entropic OT, reg 0.05"},
}

var interpolants = map[string]entry[interpolant.Interpolant]{
	"linear": {interpolant.Linear{}, "the straight path x_t = t·x₁ + (1 − t)·x₀"},
	"cosine": {interpolant.Cosine{}, "α = sin(πt/2), σ = cos(πt/2)"},
	"vp":     {interpolant.VariancePreserving{}, "the VP diffusion's path, noise from 0.1 to 20"},
}

// Couplings lists the names Config.Coupling takes, sorted, each with a
// one-line description.
func Couplings() [][2]string { return docs(couplings) }

// Interpolants lists the names Config.Interpolant takes, sorted, each with
// a one-line description.
func Interpolants() [][2]string { return docs(interpolants) }

func docs[V any](m map[string]entry[V]) [][2]string {
	var out [][2]string
	for k, e := range m {
		out = append(out, [2]string{k, e.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// lookup returns m[name] (case-insensitive) or an error listing the valid
// names.
func lookup[V any](m map[string]entry[V], kind, name string) (V, error) {
	if e, ok := m[strings.ToLower(name)]; ok {
		return e.v, nil
	}
	var names []string
	for _, nd := range docs(m) {
		names = append(names, nd[0])
	}
	var zero V
	return zero, fmt.Errorf("model: unknown %s %q (valid: %s): %w", kind, name, strings.Join(names, ", "), ErrInvalid)
}
