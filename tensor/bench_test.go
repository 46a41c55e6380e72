package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks of the three gradient shapes EBM code runs most, on TorchEBM's
// benchmark network: an MLP dim→128→128→1 with SiLU on a batch of 1024.
// The nn package benchmarks the same through its layers.

func benchMLP(tp *Tape, x *Tensor, ps []*Tensor) *Tensor {
	h := tp.SiLU(tp.Linear(x, ps[0], ps[1]))
	h = tp.SiLU(tp.Linear(h, ps[2], ps[3]))
	return tp.Linear(h, ps[4], ps[5])
}

func BenchmarkMLP(b *testing.B) {
	for _, dim := range []int{2, 128} {
		rng := rand.New(rand.NewPCG(1, 2))
		x := Randn(rng, 1024, dim)
		ps := mlpParams(rng, dim, 128)
		for _, p := range ps {
			for i := range p.data {
				p.data[i] *= 0.1
			}
		}
		b.Run(fmt.Sprintf("energy/dim=%d", dim), func(b *testing.B) {
			b.ReportAllocs()
			tp := NewNoGradTape()
			for b.Loop() {
				benchMLP(tp, x, ps)
				tp.Reset()
			}
		})
		b.Run(fmt.Sprintf("score/dim=%d", dim), func(b *testing.B) {
			b.ReportAllocs()
			tp := NewTape()
			for b.Loop() {
				tp.Grad([]*Tensor{benchMLP(tp, x, ps)}, []*Tensor{x}, GradOptions{})
				tp.Reset()
			}
		})
		b.Run(fmt.Sprintf("scorematch/dim=%d", dim), func(b *testing.B) {
			b.ReportAllocs()
			tp := NewTape()
			for b.Loop() {
				mlpSecondOrder(tp, x, ps)
				tp.Reset()
			}
		})
	}
}
