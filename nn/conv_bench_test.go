package nn_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// BenchmarkConvEnergy times the gradient shapes of EBM training on a
// convolutional energy for 28×28 grey images, batch 128, as in short-run
// MCMC EBMs: NewConvEnergy with channels 32, 32, 64, 64 (a 3×3 conv, then
// three 4×4 stride-2 convs: 28 → 14 → 7 → 3), SiLU, a linear head.
// bench/peer/torch_conv.py times the same cases in PyTorch:
//
//	energy    E(x) on a no-grad tape
//	score     ∇ₓE
//	dsm       ∇θ of denoising score matching, σ = 0.1
//	ssm       ∇θ of sliced score matching, one Rademacher projection
//	langevin  one Langevin step x − ε∇ₓE + √(2ε)ξ on the batch, ε = 0.01
//
// each with the network in float64 and in float32:
// BenchmarkConvEnergy/case=dsm/prec=float32.
//
// Give one -cpu value per run (bench/peer/convpeer.py does): with a list,
// as -cpu 1,2, these sub-benchmarks all run at one of its values whatever
// their names say (measured: 669 allocations per score step on one core,
// 2264 with the goroutines of two, under both names).
func BenchmarkConvEnergy(b *testing.B) {
	const batch, eps = 128, 0.01
	rng := rand.New(rand.NewPCG(1, 2))
	net, err := nn.NewConvEnergy(rng, 1, 28, 28, []int{32, 32, 64, 64}, nn.SiLU())
	if err != nil {
		b.Fatal(err)
	}
	params := nn.Values(net.Params())
	x := tensor.Randn(rng, batch, 28*28)
	train := func(l loss.EnergyLoss) func(tp *tensor.Tape) {
		return func(tp *tensor.Tape) {
			v, err := l.Loss(tp, net, x, rng)
			if err != nil {
				b.Fatal(err)
			}
			tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{})
		}
	}
	chain := x.Clone()
	for _, c := range []struct {
		name string
		tape func() *tensor.Tape
		step func(tp *tensor.Tape)
	}{
		{"energy", tensor.NewNoGradTape, func(tp *tensor.Tape) { net.Forward(tp, x) }},
		{"score", tensor.NewTape, func(tp *tensor.Tape) {
			tp.Grad([]*tensor.Tensor{net.Forward(tp, x)}, []*tensor.Tensor{x}, tensor.GradOptions{})
		}},
		{"dsm", tensor.NewTape, train(loss.DenoisingScoreMatching{Sigma: 0.1})},
		{"ssm", tensor.NewTape, train(loss.SlicedScoreMatching{Projections: 1})},
		{"langevin", tensor.NewTape, func(tp *tensor.Tape) {
			g := tp.Grad([]*tensor.Tensor{net.Forward(tp, chain)}, []*tensor.Tensor{chain}, tensor.GradOptions{})[0]
			d, gd, noise := chain.Data(), g.Data(), math.Sqrt(2*eps)
			for i := range d {
				d[i] += -eps*gd[i] + noise*rng.NormFloat64()
			}
		}},
	} {
		benchPrecisions(b, net, c.name, c.tape, c.step)
	}
}

// benchPrecisions times step on a tape made by tape, resetting it after
// every call, after one untimed call, with net in float64 and in float32:
// "case=<name>/prec=<precision>".
func benchPrecisions(b *testing.B, net nn.Module, name string, tape func() *tensor.Tape, step func(tp *tensor.Tape)) {
	for _, prec := range []tensor.Precision{tensor.Float64, tensor.Float32} {
		b.Run("case="+name+"/prec="+prec.String(), func(b *testing.B) {
			nn.SetPrecision(net, prec)
			tp := tape()
			step(tp) // untimed: the tape's storage, as PyTorch's peer warms up
			tp.Reset()
			b.ReportAllocs()
			for b.Loop() {
				step(tp)
				tp.Reset()
			}
		})
	}
}
