package main

import (
	"fmt"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
	"github.com/goebm/goebm/train"
)

// named pairs a value with its one-line description for ebm list.
type named[V any] struct {
	v   V
	doc string
}

// energies builds the analytic energies for a dimension.
var energies = map[string]named[func(d int) (energy.Energy, error)]{
	"gaussian": {func(d int) (energy.Energy, error) {
		cov := make([]float64, d*d)
		for i := range d {
			for j := range d {
				cov[i*d+j] = 0.5
			}
			cov[i*d+i] = 1
		}
		return energy.NewGaussian(make([]float64, d), cov)
	}, "N(0, Σ) with unit variances and correlation 0.5"},
	"doublewell": {func(int) (energy.Energy, error) { return energy.DoubleWell{}, nil }, "2·Σ(xᵢ² − 1)²: two wells per axis"},
	"harmonic":   {func(int) (energy.Energy, error) { return energy.Harmonic{}, nil }, "½‖x‖², a standard normal"},
	"rosenbrock": {func(int) (energy.Energy, error) { return energy.Rosenbrock{}, nil }, "Σ(1 − xᵢ)² + 100(xᵢ₊₁ − xᵢ²)²: a curved valley"},
	"ackley":     {func(int) (energy.Energy, error) { return energy.Ackley{}, nil }, "Ackley's function: many local minima"},
	"rastrigin":  {func(int) (energy.Energy, error) { return energy.Rastrigin{}, nil }, "Rastrigin's function: a grid of minima"},
	"funnel":     {func(int) (energy.Energy, error) { return energy.Funnel{}, nil }, "Neal's funnel: v ~ N(0, 9), zᵢ ~ N(0, eᵛ)"},
}

// samplerFlags are the sampler settings ebm sample takes.
type samplerFlags struct {
	step               float64
	leapfrog, replicas int
	maxTemp            float64
}

// samplers builds a sampler from the flags; adapt says whether warm-up
// tunes step sizes.
var samplers = map[string]named[func(f samplerFlags) sampler.Sampler]{
	"nuts": {func(f samplerFlags) sampler.Sampler { return sampler.NUTS{StepSize: constOrNil(f.step)} }, "No-U-Turn Sampler with Stan's warm-up"},
	"hmc": {func(f samplerFlags) sampler.Sampler {
		return sampler.HMC{StepSize: constOrNil(f.step), LeapfrogSteps: f.leapfrog, Adapt: true, AdaptMass: true}
	}, "Hamiltonian Monte Carlo, adapted step and diagonal mass"},
	"mala": {func(f samplerFlags) sampler.Sampler {
		return sampler.MALA{StepSize: constOrNil(f.step), Adapt: true, AdaptMass: true}
	}, "Metropolis-adjusted Langevin, adapted and preconditioned"},
	"langevin": {func(f samplerFlags) sampler.Sampler { return sampler.Langevin{StepSize: constOrNil(f.step)} }, "unadjusted Langevin dynamics (biased by O(step))"},
	"tempering": {func(f samplerFlags) sampler.Sampler {
		return sampler.ParallelTempering{StepSize: constOrNil(f.step), Replicas: f.replicas, MaxTemperature: f.maxTemp}
	}, "parallel tempering: replicas on a temperature ladder"},
}

func constOrNil(v float64) schedule.Schedule {
	if v == 0 {
		return nil
	}
	return schedule.Constant(v)
}

// losses builds the training losses from the flags.
var losses = map[string]named[func(lossSettings) objective]{
	"dsm": {func(lossSettings) objective { return objective{energy: loss.DenoisingScoreMatching{Sigma: 0.05}} }, "denoising score matching, σ = 0.05 (fast)"},
	"ssm": {func(lossSettings) objective { return objective{energy: loss.SlicedScoreMatching{Projections: 2}} }, "sliced score matching, 2 projections"},
	"sm":  {func(lossSettings) objective { return objective{energy: loss.ScoreMatching{}} }, "score matching, exact Hessian trace"},
	"cd": {func(s lossSettings) objective {
		return objective{energy: loss.ContrastiveDivergence{K: 20, FromData: true, RegWeight: s.cdReg, Sampler: sampler.Langevin{StepSize: schedule.Constant(0.005)}}}
	}, "contrastive divergence, 20 Langevin steps from the data"},
	"pcd": {func(s lossSettings) objective {
		return objective{energy: loss.ContrastiveDivergence{K: 20, Persistent: true, RegWeight: s.cdReg, Sampler: sampler.Langevin{StepSize: schedule.Constant(0.005)}}}
	}, "persistent contrastive divergence with a replay buffer (the default)"},
	"fm": {func(s lossSettings) objective { return objective{time: loss.FlowMatching{Coupling: s.coupling}} },
		"flow matching of a velocity v(x, t); generates by RK4 from noise"},
	"eqm": {func(lossSettings) objective {
		return objective{time: loss.EquilibriumMatching{Multiplier: eqmMultiplier}}
	},
		"equilibrium matching of a field f(x); generates by descending it"},
	"em": {func(s lossSettings) objective {
		return objective{energy: loss.EnergyMatching{Coupling: s.coupling, CDWarmup: s.steps * 2 / 3, EpsMax: emEpsMax, LangevinSteps: emSteps}}
	}, "energy matching of a potential V: flow, then CD after 2/3 of the steps"},
}

// objective is a loss of either kind: for an energy network or for a
// time-conditioned one.
type objective struct {
	energy loss.EnergyLoss
	time   loss.TimeLoss
}

// trainer returns the trainer of net with the loss.
func (o objective) trainer(net nn.Module, opt optim.Stateful, data *tensor.Tensor, cfg train.Config) (*train.Trainer, error) {
	if o.time == nil {
		return train.New(net, o.energy, opt, data, cfg)
	}
	tn, ok := net.(nn.TimeModule)
	if !ok {
		return nil, fmt.Errorf("this loss trains a network of (x, t), not a %T", net)
	}
	return train.NewTime(tn, o.time, opt, data, cfg)
}

// couplings are the noise–data pairings of flow losses.
var couplings = map[string]named[coupling.Coupling]{
	"independent": {coupling.Independent{}, "pairs as drawn"},
	"exact-ot":    {coupling.ExactOT{}, "optimal assignment (Hungarian), O(batch³)"},
	"greedy":      {coupling.Greedy{}, "closest pairs first"},
	"sinkhorn":    {coupling.Sinkhorn{}, "entropic OT, reg 0.05"},
}

func values[V any](m map[string]named[V]) map[string]V {
	out := map[string]V{}
	for k, v := range m {
		out[k] = v.v
	}
	return out
}
