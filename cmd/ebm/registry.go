package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
)

// The names the flags take, each with its one-line description for ebm
// list. The loss recipes are package model's (model.Recipes).

// samplerFlags are the sampler settings the flags give.
type samplerFlags struct {
	step               float64
	leapfrog, replicas int
	maxTemp            float64
	metric             sampler.Metric // RMHMC's, from the target
}

// samplerFlagNames are the flags of samplerFlags; a sampler's uses lists
// those it reads.
var samplerFlagNames = []string{"step-size", "leapfrog", "replicas", "max-temp"}

type samplerEntry struct {
	doc  string
	uses []string
	new  func(samplerFlags) sampler.Sampler
}

var samplers = map[string]samplerEntry{
	"nuts": {"No-U-Turn Sampler with Stan's warm-up", []string{"step-size"}, func(f samplerFlags) sampler.Sampler {
		return sampler.NUTS{StepSize: constOrNil(f.step)}
	}},
	"hmc": {"Hamiltonian Monte Carlo, adapted step and diagonal mass", []string{"step-size", "leapfrog"}, func(f samplerFlags) sampler.Sampler {
		return sampler.HMC{StepSize: constOrNil(f.step), LeapfrogSteps: f.leapfrog, Adapt: true, AdaptMass: true}
	}},
	"mala": {"Metropolis-adjusted Langevin, adapted and preconditioned", []string{"step-size"}, func(f samplerFlags) sampler.Sampler {
		return sampler.MALA{StepSize: constOrNil(f.step), Adapt: true, AdaptMass: true}
	}},
	"langevin": {"unadjusted Langevin dynamics (biased by O(step))", []string{"step-size"}, func(f samplerFlags) sampler.Sampler {
		return sampler.Langevin{StepSize: constOrNil(f.step)}
	}},
	"tempering": {"parallel tempering: replicas on a temperature ladder", []string{"step-size", "replicas", "max-temp"}, func(f samplerFlags) sampler.Sampler {
		return sampler.ParallelTempering{StepSize: constOrNil(f.step), Replicas: f.replicas, MaxTemperature: f.maxTemp}
	}},
	"rmhmc": {"Riemannian-manifold HMC; needs a metric (the Gaussian's precision)", []string{"step-size", "leapfrog"}, func(f samplerFlags) sampler.Sampler {
		return sampler.RMHMC{Metric: f.metric, StepSize: constOrNil(f.step), LeapfrogSteps: f.leapfrog}
	}},
	"ais": {"annealed importance sampling from N(0, I) in -steps steps; prints log Z ± SE", []string{"step-size"}, func(f samplerFlags) sampler.Sampler {
		return sampler.AIS{StepSize: constOrNil(f.step)}
	}},
	"descent": {"gradient descent to the modes (not a sampler of exp(−E))", []string{"step-size"}, func(f samplerFlags) sampler.Sampler {
		return sampler.GradientDescent{StepSize: constOrNil(f.step)}
	}},
	"nesterov": {"gradient descent with Nesterov momentum 0.9 (not a sampler)", []string{"step-size"}, func(f samplerFlags) sampler.Sampler {
		return sampler.Nesterov{StepSize: constOrNil(f.step)}
	}},
}

func constOrNil(v float64) schedule.Schedule {
	if v == 0 {
		return nil
	}
	return schedule.Constant(v)
}

// cdSampler is the sampler of -cd-sampler, at step 0.005 (the default
// Langevin's); AIS and RMHMC cannot continue a model's chains.
func cdSampler(name string) (sampler.Sampler, error) {
	s, err := pick(samplers, "cd-sampler", name)
	if err == nil && (name == "ais" || name == "rmhmc") {
		err = usagef("-cd-sampler %s: contrastive divergence needs a sampler that continues chains on a model's energy", name)
	}
	if err != nil {
		return nil, err
	}
	return s.new(samplerFlags{step: 0.005}), nil
}

type entry[V any] struct {
	v   V
	doc string
}

// couplings are the noise–data pairings of the flow losses.
var couplings = map[string]entry[coupling.Coupling]{
	"independent": {coupling.Independent{}, "pairs as drawn"},
	"exact-ot":    {coupling.ExactOT{}, "optimal assignment (Hungarian), O(batch³)"},
	"greedy":      {coupling.Greedy{}, "closest pairs first"},
	"sinkhorn":    {coupling.Sinkhorn{}, "entropic OT, reg 0.05"},
}

// interpolants are the flow losses' paths from noise to data.
var interpolants = map[string]entry[interpolant.Interpolant]{
	"linear": {interpolant.Linear{}, "the straight path x_t = t·x₁ + (1 − t)·x₀"},
	"cosine": {interpolant.Cosine{}, "α = sin(πt/2), σ = cos(πt/2)"},
	"vp":     {interpolant.VariancePreserving{}, "the VP diffusion's path, noise from 0.1 to 20"},
}

// integratorDoc describes an integrator for ebm list.
func integratorDoc(t integrate.Tableau) string {
	if t.LowerOrder > 0 {
		return fmt.Sprintf("adaptive, order %d(%d), error-controlled steps", t.Order, t.LowerOrder)
	}
	return fmt.Sprintf("fixed step, order %d", t.Order)
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func joinKeys[V any](m map[string]V) string { return strings.Join(sortedKeys(m), ", ") }

// pick returns m[name] or a usage error listing the valid names.
func pick[V any](m map[string]V, flagName, name string) (V, error) {
	v, ok := m[strings.ToLower(name)]
	if !ok {
		var zero V
		return zero, usagef("-%s %q: unknown (valid: %s)", flagName, name, joinKeys(m))
	}
	return v, nil
}
