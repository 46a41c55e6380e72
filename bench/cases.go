package bench

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
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
	// Setup builds the inputs and returns the call to time.
	Setup func() (Func, error)
}

// ID names the case for benchstat: "hmc_doublewell/scale=small",
// "hmc_doublewell/scale=large/workers=1", "mlp_score/dim=128".
func (c Case) ID() string {
	id := c.Name + "/scale=" + c.Scale
	if c.Scale == "" {
		id = fmt.Sprintf("%s/dim=%d", c.Name, c.Dim)
	}
	if c.Workers > 0 {
		id += fmt.Sprintf("/workers=%d", c.Workers)
	}
	return id
}

// Cases returns the registry in its fixed order: at each scale the
// samplers, TorchEBM's losses, equilibrium matching and flow generation;
// then the MLP cases at their fixed shapes.
func Cases() []Case {
	var cs []Case
	for _, sc := range Scales {
		cs = append(cs, samplerCases(sc, 0)...)
		cs = append(cs, lossCases(sc)...)
		cs = append(cs, eqmCases(sc)...)
		cs = append(cs, flowCases(sc)...)
	}
	for _, dim := range []int{2, 128} {
		cs = append(cs, mlpCases(1024, dim)...)
	}
	return cs
}

// Scaling returns the sampler cases at the large scale on 1 worker and on
// 2: the ratio of their times is the speed-up from the second core.
func Scaling() []Case {
	var cs []Case
	for _, w := range []int{1, 2} {
		cs = append(cs, samplerCases(Scales[len(Scales)-1], w)...)
	}
	return cs
}

// samplerCases draw batch chains on workers goroutines (0: one per core).
func samplerCases(sc Scale, workers int) []Case {
	well := energy.DoubleWell{BarrierHeight: 2}
	var cs []Case
	for _, c := range []struct {
		name    string
		s       sampler.Sampler
		perStep int // chain-gradient evaluations per step
	}{
		{"langevin_doublewell", sampler.Langevin{StepSize: schedule.Constant(1e-3)}, 1},
		{"hmc_doublewell", sampler.HMC{StepSize: schedule.Constant(1e-3), LeapfrogSteps: 10}, 11},
	} {
		o := sampler.Options{Chains: sc.Batch, Dim: sc.Dim, Steps: sc.Steps, Seed: 1, Workers: workers}
		cs = append(cs, Case{Name: c.name, Scale: sc.Name, Batch: sc.Batch, Dim: sc.Dim, Steps: sc.Steps, Workers: workers,
			TorchEBM: workers == 0, Unit: Grads, Setup: func() (Func, error) {
				return func(ctx context.Context) (int, error) {
					_, err := c.s.Sample(ctx, well, o)
					return sc.Batch * sc.Steps * c.perStep, err
				}, nil
			}})
	}
	return cs
}

// lossCases time one forward and backward pass of an energy network's loss.
func lossCases(sc Scale) []Case {
	var cs []Case
	for _, l := range []struct {
		name string
		loss func() loss.Loss
	}{
		{"loss_cd10", func() loss.Loss {
			return &loss.ContrastiveDivergence{K: 10, Sampler: sampler.Langevin{StepSize: schedule.Constant(1e-2)}}
		}},
		{"loss_sm_exact", func() loss.Loss { return loss.ScoreMatching{} }},
		{"loss_sm_approx", func() loss.Loss { return loss.ScoreMatching{Method: loss.FiniteDifference} }},
		{"loss_ssm5", func() loss.Loss { return loss.SlicedScoreMatching{Projections: 5} }},
		{"loss_dsm", func() loss.Loss { return loss.DenoisingScoreMatching{Sigma: 0.1} }},
	} {
		batch, dim := sc.Batch, sc.Dim
		// The exact Hessian trace costs a backward pass per dimension, so
		// TorchEBM caps its case at batch 128, dim 16.
		if l.name == "loss_sm_exact" && sc.Name != "small" {
			batch, dim = 128, 16
		}
		cs = append(cs, Case{Name: l.name, Scale: sc.Name, Batch: batch, Dim: dim, TorchEBM: true, Setup: func() (Func, error) {
			rng := rand.New(rand.NewPCG(1, 2))
			net, err := energyNet(rng, dim)
			if err != nil {
				return nil, err
			}
			x, lo := tensor.Randn(rng, batch, dim), l.loss()
			return backward(net, func(tp *tensor.Tape) (*tensor.Tensor, error) { return lo.Loss(tp, net, x, rng) }), nil
		}})
	}
	return cs
}

// eqmCases time one forward and backward pass of equilibrium matching.
func eqmCases(sc Scale) []Case {
	var cs []Case
	for _, explicit := range []bool{false, true} {
		name := "eqm"
		if explicit {
			name = "eqm_explicit"
		}
		cs = append(cs, Case{Name: name, Scale: sc.Name, Batch: sc.Batch, Dim: sc.Dim, Setup: func() (Func, error) {
			rng := rand.New(rand.NewPCG(1, 2))
			net, err := velocityNet(rng, sc.Dim)
			if err != nil {
				return nil, err
			}
			x, l := tensor.Randn(rng, sc.Batch, sc.Dim), loss.EquilibriumMatching{Explicit: explicit}
			return backward(net, func(tp *tensor.Tape) (*tensor.Tensor, error) { return l.Loss(tp, net, x, rng) }), nil
		}})
	}
	return cs
}

// flowCases generate a batch from noise with a fixed-step and an adaptive
// solver.
func flowCases(sc Scale) []Case {
	var cs []Case
	for _, f := range []struct {
		name  string
		steps int
		g     flow.Generator
	}{
		{"flow_euler", sc.Steps, flow.Generator{Method: integrate.Euler, Steps: sc.Steps}},
		{"flow_dopri5", 0, flow.Generator{Adaptive: &integrate.Adaptive{RTol: 1e-3, ATol: 1e-5}}},
	} {
		cs = append(cs, Case{Name: f.name, Scale: sc.Name, Batch: sc.Batch, Dim: sc.Dim, Steps: f.steps, Unit: Evals, Setup: func() (Func, error) {
			net, err := velocityNet(rand.New(rand.NewPCG(1, 1)), sc.Dim)
			if err != nil {
				return nil, err
			}
			g := f.g
			g.Velocity = flow.VelocityOf(net, sc.Dim)
			return func(ctx context.Context) (int, error) {
				_, st, err := g.Generate(ctx, sc.Batch, sc.Dim, 1)
				return st.Evals, err
			}, nil
		}})
	}
	return cs
}

// mlpCases time the three gradient shapes of EBM training on the energy
// MLP: E(x) on a no-grad tape, ∇ₓE (what every sampler step needs) and
// ∇θ mean‖∇ₓE‖² (score matching's second-order step).
func mlpCases(batch, dim int) []Case {
	var cs []Case
	for _, c := range []struct {
		name string
		f    func(m nn.Module, x *tensor.Tensor) Func
	}{
		{"mlp_energy", func(m nn.Module, x *tensor.Tensor) Func {
			tp := tensor.NewNoGradTape()
			return func(context.Context) (int, error) {
				m.Forward(tp, x)
				tp.Reset()
				return 0, nil
			}
		}},
		{"mlp_score", func(m nn.Module, x *tensor.Tensor) Func {
			tp := tensor.NewTape()
			return func(context.Context) (int, error) {
				tp.Grad([]*tensor.Tensor{m.Forward(tp, x)}, []*tensor.Tensor{x}, tensor.GradOptions{})
				tp.Reset()
				return 0, nil
			}
		}},
		{"mlp_scorematch", func(m nn.Module, x *tensor.Tensor) Func {
			return backward(m, func(tp *tensor.Tape) (*tensor.Tensor, error) {
				s := tp.Grad([]*tensor.Tensor{m.Forward(tp, x)}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
				return tp.Mean(tp.SumAxis(tp.Square(s), 1)), nil
			})
		}},
	} {
		cs = append(cs, Case{Name: c.name, Batch: batch, Dim: dim, Setup: func() (Func, error) {
			rng := rand.New(rand.NewPCG(1, 2))
			m, err := energyNet(rng, dim)
			if err != nil {
				return nil, err
			}
			return c.f(m, tensor.Randn(rng, batch, dim)), nil
		}})
	}
	return cs
}

// energyNet is TorchEBM's benchmark energy: an MLP dim → 128 → 128 → 1
// with SiLU.
func energyNet(rng *rand.Rand, dim int) (nn.Module, error) {
	return nn.NewMLP(rng, []int{dim, 128, 128, 1}, nn.SiLU(), nil)
}

// velocityNet is the flow cases' field: an MLP of x and an 8-dimensional
// sinusoidal embedding of t, dim+8 → 128 → 128 → dim, SiLU.
func velocityNet(rng *rand.Rand, dim int) (*nn.TimeMLP, error) {
	return nn.NewTimeMLP(rng, dim, 4, []int{128, 128}, dim, nn.SiLU())
}

// backward returns a call that evaluates f on a reused tape and takes the
// gradient of the result with respect to the network's parameters: one
// training step's forward and backward passes.
func backward(net nn.Module, f func(tp *tensor.Tape) (*tensor.Tensor, error)) Func {
	tp, params := tensor.NewTape(), nn.Values(net.Params())
	return func(context.Context) (int, error) {
		v, err := f(tp)
		if err != nil {
			return 0, err
		}
		tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{})
		tp.Reset()
		return 0, nil
	}
}
