package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// BenchmarkConditionalTransformer times the tiny conditional transformer of
// issue 11 on 8×8 grey images as flat rows, batch 128: patch 2 (16 tokens),
// width 128, 4 adaLN-Zero blocks with 4 heads (TorchEBM's "small" setting
// of heads for this width), MLP ratio 4, 256 time features, 10 classes.
// bench/peer/torch_transformer.py times the same cases in PyTorch:
//
//	forward   v(x, t, y) on a no-grad tape
//	train     ∇θ of the flow-matching-like MSE mean((v(x, t, y) − u)²)
//
// each with the network in float64 and in float32
// (BenchmarkConditionalTransformer/case=train/prec=float32). The parameters
// keep their initialisation (the adaLN-Zero weights are zero); the cost
// does not depend on the values. Give one -cpu value per run
// (bench/peer/run_transformer.py does): with a list, Go's benchmarks run
// at its last value whatever their names say (golang/go#49980; measured
// on Go 1.26: runtime.GOMAXPROCS(0) is 2 under both names of -cpu 1,2).
func BenchmarkConditionalTransformer(b *testing.B) {
	const batch = 128
	rng := rand.New(rand.NewPCG(1, 2))
	net, err := nn.NewConditionalTransformer(rng, nn.TransformerConfig{
		Channels: 1, Height: 8, Width: 8, Patch: 2, Dim: 128, Depth: 4, Heads: 4, Classes: 10,
	})
	if err != nil {
		b.Fatal(err)
	}
	params := nn.Values(net.Params())
	x := tensor.Randn(rng, batch, 64)
	u := tensor.Randn(rng, batch, 64)
	t := tensor.Uniform(rng, 0, 1, batch, 1)
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	for _, c := range []struct {
		name string
		tape func() *tensor.Tape
		step func(tp *tensor.Tape)
	}{
		{"forward", tensor.NewNoGradTape, func(tp *tensor.Tape) { net.ForwardTY(tp, x, t, labels) }},
		{"train", tensor.NewTape, func(tp *tensor.Tape) {
			l := tp.Mean(tp.Square(tp.Sub(net.ForwardTY(tp, x, t, labels), u)))
			tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{})
		}},
	} {
		benchPrecisions(b, net, c.name, c.tape, c.step)
	}
}
