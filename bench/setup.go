package bench

import (
	"context"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

// sample draws the case's chains from DoubleWell(barrier 2), counting
// perStep chain-gradient evaluations per chain and step.
func sample(s sampler.Sampler, perStep int) func(Case) (Func, error) {
	well := energy.DoubleWell{BarrierHeight: 2}
	return func(c Case) (Func, error) {
		o := sampler.Options{Chains: c.Batch, Dim: c.Dim, Steps: c.Steps, Seed: 1, Workers: c.Workers}
		return func(ctx context.Context) (int, error) {
			_, err := s.Sample(ctx, well, o)
			return c.Batch * c.Steps * perStep, err
		}, nil
	}
}

// objective is what a training step differentiates: a loss of a network
// on a batch.
type objective interface {
	Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error)
}

// step is one timed call on a batch (of a network it was made for).
type step func(tp *tensor.Tape, x *tensor.Tensor, rng *rand.Rand) error

// onNet builds a network and a standard normal batch of the case's shape
// from one seeded stream (which the step may go on drawing from) and times
// the step made for that network, on a tape reset after every call.
func onNet(newNet func(*rand.Rand, int) (nn.Module, error), newTape func() *tensor.Tape, newStep func(nn.Module) step) func(Case) (Func, error) {
	return func(c Case) (Func, error) {
		rng := rand.New(rand.NewPCG(1, 2))
		net, err := newNet(rng, c.Dim)
		if err != nil {
			return nil, err
		}
		nn.SetPrecision(net, c.Precision)
		x, tp, s := tensor.Randn(rng, c.Batch, c.Dim), newTape(), newStep(net)
		return func(context.Context) (int, error) {
			err := s(tp, x, rng)
			tp.Reset()
			return 0, err
		}, nil
	}
}

// onTime is a loss of time-conditioned networks as an objective of the
// velocity networks velocityNet builds.
type onTime struct{ l loss.TimeLoss }

func (o onTime) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return o.l.Loss(tp, net.(nn.TimeModule), x, rng)
}

// trainStep is one forward and backward pass (∇θ) of an objective.
func trainStep(newNet func(*rand.Rand, int) (nn.Module, error), newObjective func() objective) func(Case) (Func, error) {
	return onNet(newNet, tensor.NewTape, func(net nn.Module) step {
		l, params := newObjective(), nn.Values(net.Params())
		return func(tp *tensor.Tape, x *tensor.Tensor, rng *rand.Rand) error {
			v, err := l.Loss(tp, net, x, rng)
			if err == nil {
				tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{})
			}
			return err
		}
	})
}

// squaredScore is mean‖∇ₓE‖², the second-order part of score matching.
type squaredScore struct{}

func (squaredScore) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, _ *rand.Rand) (*tensor.Tensor, error) {
	s := tp.Grad([]*tensor.Tensor{net.Forward(tp, x)}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
	return tp.Mean(tp.SumAxis(tp.Square(s), 1)), nil
}

// energyOnly evaluates E(x) on a no-grad tape.
var energyOnly = onNet(energyNet, tensor.NewNoGradTape, func(net nn.Module) step {
	return func(tp *tensor.Tape, x *tensor.Tensor, _ *rand.Rand) error {
		net.Forward(tp, x)
		return nil
	}
})

// score evaluates ∇ₓE(x), what every sampler step needs.
var score = onNet(energyNet, tensor.NewTape, func(net nn.Module) step {
	return func(tp *tensor.Tape, x *tensor.Tensor, _ *rand.Rand) error {
		tp.Grad([]*tensor.Tensor{net.Forward(tp, x)}, []*tensor.Tensor{x}, tensor.GradOptions{})
		return nil
	}
})

// generate integrates a velocity network from noise to a batch, with the
// case's steps, counting the solver's evaluations of the field.
func generate(g flow.Generator) func(Case) (Func, error) {
	return func(c Case) (Func, error) {
		net, err := timeNet(rand.New(rand.NewPCG(1, 1)), c.Dim)
		if err != nil {
			return nil, err
		}
		nn.SetPrecision(net, c.Precision)
		g.Field, g.Steps = flow.VelocityOf(net, c.Dim), c.Steps
		return func(ctx context.Context) (int, error) {
			_, st, err := g.Generate(ctx, c.Batch, c.Dim, 1)
			return st.Evals, err
		}, nil
	}
}

// energyNet is TorchEBM's benchmark energy: an MLP dim → 128 → 128 → 1
// with SiLU.
func energyNet(rng *rand.Rand, dim int) (nn.Module, error) {
	return nn.NewMLP(rng, []int{dim, 128, 128, 1}, nn.SiLU(), nil)
}

// timeNet is the velocity field of the flow cases: an MLP of x and an
// 8-dimensional sinusoidal embedding of t, dim+8 → 128 → 128 → dim, SiLU.
func timeNet(rng *rand.Rand, dim int) (*nn.TimeMLP, error) {
	return nn.NewTimeMLP(rng, dim, 4, []int{128, 128}, dim, nn.SiLU())
}

// velocityNet is timeNet as a network that losses take.
func velocityNet(rng *rand.Rand, dim int) (nn.Module, error) { return timeNet(rng, dim) }
