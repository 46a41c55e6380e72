package model

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/integrate"
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
	// "leapfrog", "replicas", "max-temp", and "warmup" for the samplers
	// that take warm-up steps (all but AIS).
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
	{"nuts", "No-U-Turn Sampler with Stan's warm-up", []string{"step-size", "warmup"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.NUTS{StepSize: constOrNil(s.StepSize)}
	}},
	{"hmc", "Hamiltonian Monte Carlo, adapted step and diagonal mass", []string{"step-size", "leapfrog", "warmup"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.HMC{StepSize: constOrNil(s.StepSize), LeapfrogSteps: s.Leapfrog, Adapt: true, AdaptMass: true}
	}},
	{"mala", "Metropolis-adjusted Langevin, adapted and preconditioned", []string{"step-size", "warmup"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.MALA{StepSize: constOrNil(s.StepSize), Adapt: true, AdaptMass: true}
	}},
	{"langevin", "unadjusted Langevin dynamics (biased by O(step))", []string{"step-size", "warmup"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.Langevin{StepSize: constOrNil(s.StepSize)}
	}},
	{"tempering", "parallel tempering: replicas on a temperature ladder", []string{"step-size", "replicas", "max-temp", "warmup"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.ParallelTempering{StepSize: constOrNil(s.StepSize), Replicas: s.Replicas, MaxTemperature: s.MaxTemperature}
	}},
	{"rmhmc", "Riemannian-manifold HMC; needs a metric (the Gaussian's precision)", []string{"step-size", "leapfrog", "warmup"}, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.RMHMC{Metric: s.Metric, StepSize: constOrNil(s.StepSize), LeapfrogSteps: s.Leapfrog}
	}},
	{"ais", "annealed importance sampling from N(0, I), one annealing step per step; gives log Z ± SE", []string{"step-size"}, false, func(s SamplerSettings) sampler.Sampler {
		return sampler.AIS{StepSize: constOrNil(s.StepSize)}
	}},
	{"descent", "gradient descent to the modes (not a sampler of exp(−E))", []string{"step-size", "warmup"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.GradientDescent{StepSize: constOrNil(s.StepSize)}
	}},
	{"nesterov", "gradient descent with Nesterov momentum 0.9 (not a sampler)", []string{"step-size", "warmup"}, true, func(s SamplerSettings) sampler.Sampler {
		return sampler.Nesterov{StepSize: constOrNil(s.StepSize)}
	}},
}

// Unused returns the settings, as ebm's flags, that the sampler does not
// read.
func (s NamedSampler) Unused() []string {
	return unused(s.Uses, "step-size", "leapfrog", "replicas", "max-temp", "warmup")
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

// LossDocs lists the recipes' names, sorted, each with its description.
func LossDocs() [][2]string {
	var out [][2]string
	for _, r := range Recipes() {
		out = append(out, [2]string{r.Name, r.Doc})
	}
	return out
}

// SamplerDocs lists the samplers' names, sorted, each with its description.
func SamplerDocs() [][2]string {
	var out [][2]string
	for _, s := range Samplers() {
		out = append(out, [2]string{s.Name, s.Doc})
	}
	return out
}

// Integrators lists the names IntegratorByName takes (integrate.Methods),
// sorted, each with its order and whether it controls its error.
func Integrators() [][2]string {
	var out [][2]string
	for _, k := range slices.Sorted(maps.Keys(integrate.Methods)) {
		t := integrate.Methods[k]
		doc := fmt.Sprintf("fixed step, order %d", t.Order)
		if t.LowerOrder > 0 {
			doc = fmt.Sprintf("adaptive, order %d(%d), error-controlled steps", t.Order, t.LowerOrder)
		}
		out = append(out, [2]string{k, doc})
	}
	return out
}

// IntegratorByName returns the integrator of a name, or an error listing
// the valid ones.
func IntegratorByName(name string) (integrate.Tableau, error) {
	if t, ok := integrate.Methods[strings.ToLower(name)]; ok {
		return t, nil
	}
	return integrate.Tableau{}, fmt.Errorf("model: unknown integrator %q (valid: %s): %w", name, strings.Join(slices.Sorted(maps.Keys(integrate.Methods)), ", "), ErrInvalid)
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
