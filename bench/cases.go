package bench

import (
	"context"
	"fmt"

	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// Scale is one of TorchEBM's benchmark sizes: Batch points (or chains) of
// dimension Dim, and Steps sampler or integrator steps.
type Scale struct {
	Name              string
	Batch, Dim, Steps int
}

// Scales are TorchEBM's, smallest first.
var Scales = []Scale{{"small", 64, 8, 50}, {"medium", 256, 32, 100}, {"large", 1024, 128, 200}}

// Func is one timed call of a workload. It returns the work it did, in its
// case's Unit (0 where the case counts none).
type Func func(ctx context.Context) (work int, err error)

// The units of a case's work.
const (
	// Grads counts chain-gradient evaluations, reported as a rate.
	Grads = "grads"
	// Evals counts evaluations of a velocity field over the batch,
	// reported per call.
	Evals = "evals"
)

// Case is one workload at one size.
type Case struct {
	// Name names the workload, as TorchEBM's figures do where they have it.
	Name string
	// Scale names the TorchEBM scale; "" for a workload at a fixed shape.
	Scale string
	// Batch and Dim are the shape as timed; Steps the sampler or
	// integrator steps (0 where there are none or a solver chooses).
	Batch, Dim, Steps int
	// Workers is the goroutines a sampler case runs on (0: one per core).
	Workers int
	// TorchEBM says that TorchEBM's own suite has the case.
	TorchEBM bool
	// Unit is Grads, Evals or "" (no work counted).
	Unit string
	// Precision is the network's (tensor.Precision) in the cases that have
	// one; the samplers of the analytic DoubleWell are float64 whatever it
	// is.
	Precision tensor.Precision
	// Setup builds the inputs of the case it is given (this one, with any
	// changes, such as InPrecision's) and returns the call to time.
	Setup func(Case) (Func, error)
}

// ID names the case for benchstat: "hmc_doublewell/scale=small",
// "hmc_doublewell/scale=large/workers=1", "mlp_score/dim=128",
// "loss_dsm/scale=small/prec=float32".
func (c Case) ID() string {
	id := c.Name + "/scale=" + c.Scale
	if c.Scale == "" {
		id = fmt.Sprintf("%s/dim=%d", c.Name, c.Dim)
	}
	if c.Workers > 0 {
		id += fmt.Sprintf("/workers=%d", c.Workers)
	}
	if c.Precision != tensor.Float64 {
		id += "/prec=" + c.Precision.String()
	}
	return id
}

// InPrecision returns the cases with their networks in precision p.
func InPrecision(cs []Case, p tensor.Precision) []Case {
	out := make([]Case, len(cs))
	for i, c := range cs {
		c.Precision = p
		out[i] = c
	}
	return out
}

// workload is a case at any size.
type workload struct {
	name     string
	torchebm bool
	unit     string
	// stepped says that the case takes the scale's steps.
	stepped bool
	// maxBatch and maxDim cap the shape (0: no cap).
	maxBatch, maxDim int
	setup            func(Case) (Func, error)
}

// workloads are the cases at TorchEBM's scales, in the order Cases lists
// them.
var workloads = []workload{
	{name: "langevin_doublewell", torchebm: true, unit: Grads, stepped: true,
		setup: sample(sampler.Langevin{StepSize: schedule.Constant(1e-3)}, 1)},
	{name: "hmc_doublewell", torchebm: true, unit: Grads, stepped: true,
		setup: sample(sampler.HMC{StepSize: schedule.Constant(1e-3), LeapfrogSteps: 10}, 11)},
	{name: "loss_cd10", torchebm: true, setup: trainStep(energyNet, func() objective {
		return &loss.ContrastiveDivergence{K: 10, Sampler: sampler.Langevin{StepSize: schedule.Constant(1e-2)}}
	})},
	// The exact Hessian trace costs a backward pass per dimension, so
	// TorchEBM caps this case at batch 128, dim 16.
	{name: "loss_sm_exact", torchebm: true, maxBatch: 128, maxDim: 16,
		setup: trainStep(energyNet, func() objective { return loss.ScoreMatching{} })},
	{name: "loss_sm_approx", torchebm: true,
		setup: trainStep(energyNet, func() objective { return loss.ScoreMatching{Method: loss.FiniteDifference} })},
	{name: "loss_ssm5", torchebm: true,
		setup: trainStep(energyNet, func() objective { return loss.SlicedScoreMatching{Projections: 5} })},
	{name: "loss_dsm", torchebm: true,
		setup: trainStep(energyNet, func() objective { return loss.DenoisingScoreMatching{Sigma: 0.1} })},
	{name: "eqm", setup: trainStep(velocityNet, func() objective { return onTime{loss.EquilibriumMatching{}} })},
	{name: "eqm_explicit", setup: trainStep(velocityNet, func() objective { return onTime{loss.EquilibriumMatching{Explicit: true}} })},
	{name: "flow_euler", unit: Evals, stepped: true, setup: generate(flow.Generator{Method: integrate.Euler})},
	{name: "flow_dopri5", unit: Evals, setup: generate(flow.Generator{Adaptive: &integrate.Adaptive{RTol: 1e-3, ATol: 1e-5}})},
}

// mlpWorkloads are the gradient shapes of EBM training on the energy MLP,
// at PyTorch's comparison shapes: E(x) on a no-grad tape, ∇ₓE (what every
// sampler step needs) and ∇θ mean‖∇ₓE‖² (score matching's second-order
// step).
var mlpWorkloads = []workload{
	{name: "mlp_energy", setup: energyOnly},
	{name: "mlp_score", setup: score},
	{name: "mlp_scorematch", setup: trainStep(energyNet, func() objective { return squaredScore{} })},
}

// at is the case at a size (for a fixed shape, a Scale without a name).
func (w workload) at(sc Scale, workers int) Case {
	c := Case{Name: w.name, Scale: sc.Name, Batch: sc.Batch, Dim: sc.Dim, Workers: workers,
		TorchEBM: w.torchebm && workers == 0, Unit: w.unit, Setup: w.setup}
	if w.stepped {
		c.Steps = sc.Steps
	}
	if w.maxBatch > 0 {
		c.Batch, c.Dim = min(c.Batch, w.maxBatch), min(c.Dim, w.maxDim)
	}
	return c
}

// Cases returns the registry in its fixed order: at each scale the
// samplers, TorchEBM's losses, equilibrium matching and flow generation;
// then the MLP cases at batch 1024, dim 2 and 128.
func Cases() []Case {
	var cs []Case
	for _, sc := range Scales {
		for _, w := range workloads {
			cs = append(cs, w.at(sc, 0))
		}
	}
	for _, dim := range []int{2, 128} {
		for _, w := range mlpWorkloads {
			cs = append(cs, w.at(Scale{Batch: 1024, Dim: dim}, 0))
		}
	}
	return cs
}

// Scaling returns the sampler cases at the large scale on 1 worker and on
// 2: the ratio of their times is the speed-up from the second core.
func Scaling() []Case {
	var cs []Case
	for _, workers := range []int{1, 2} {
		for _, w := range workloads {
			if w.unit == Grads {
				cs = append(cs, w.at(Scales[len(Scales)-1], workers))
			}
		}
	}
	return cs
}
