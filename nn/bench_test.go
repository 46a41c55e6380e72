package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// BenchmarkMLP times the three gradient shapes of EBM training on TorchEBM's
// benchmark network, an MLP dim→128→128→1 with SiLU, batch 1024:
//
//	energy:     E(x), no gradients (a no-grad tape)
//	score:      ∇ₓE(x) (what every sampler step needs)
//	scorematch: ∇θ mean‖∇ₓE‖² (the second-order step of score matching)
//
// bench/peer/torch_mlp.py times the same in PyTorch.
func BenchmarkMLP(b *testing.B) {
	for _, dim := range []int{2, 128} {
		rng := rand.New(rand.NewPCG(1, 2))
		m, err := NewMLP(rng, []int{dim, 128, 128, 1}, SiLU(), nil)
		if err != nil {
			b.Fatal(err)
		}
		params := Values(m.Params())
		x := tensor.Randn(rng, 1024, dim)
		b.Run(fmt.Sprintf("energy/dim=%d", dim), func(b *testing.B) {
			b.ReportAllocs()
			tp := tensor.NewNoGradTape()
			for b.Loop() {
				m.Forward(tp, x)
				tp.Reset()
			}
		})
		b.Run(fmt.Sprintf("score/dim=%d", dim), func(b *testing.B) {
			b.ReportAllocs()
			tp := tensor.NewTape()
			for b.Loop() {
				tp.Grad([]*tensor.Tensor{m.Forward(tp, x)}, []*tensor.Tensor{x}, tensor.GradOptions{})
				tp.Reset()
			}
		})
		b.Run(fmt.Sprintf("scorematch/dim=%d", dim), func(b *testing.B) {
			b.ReportAllocs()
			tp := tensor.NewTape()
			for b.Loop() {
				e := m.Forward(tp, x)
				s := tp.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
				loss := tp.Mean(tp.SumAxis(tp.Square(s), 1))
				tp.Grad([]*tensor.Tensor{loss}, params, tensor.GradOptions{})
				tp.Reset()
			}
		})
	}
}
