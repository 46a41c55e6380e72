package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkNorm times GroupNorm on the activations of the small conv
// energy (batch 128, 32 channels, 28×28) and LayerNorm on those of its tiny
// transformer (128 samples × 16 tokens, width 128): the forward pass alone
// (no-grad tape), the first-order backward pass (score-style, fused VJP), and
// the second-order one (the VJP in ops, differentiated again, as score
// matching runs it).
func BenchmarkNorm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	gx, gw, gb := Randn(rng, 128, 32, 28, 28), Randn(rng, 32), Randn(rng, 32)
	lx, lw, lb := Randn(rng, 2048, 128), Randn(rng, 128), Randn(rng, 128)
	ops := []struct {
		name string
		x    *Tensor
		ps   []*Tensor
		f    func(tp *Tape) *Tensor
	}{
		{"GroupNorm/shape=128x32x28x28/groups=8", gx, []*Tensor{gw, gb},
			func(tp *Tape) *Tensor { return tp.GroupNorm(gx, 8, gw, gb, 1e-5) }},
		{"LayerNorm/shape=2048x128", lx, []*Tensor{lw, lb},
			func(tp *Tape) *Tensor { return tp.LayerNorm(lx, 1, lw, lb, 1e-5) }},
	}
	for _, op := range ops {
		b.Run(fmt.Sprintf("op=%s/pass=forward", op.name), func(b *testing.B) {
			tp := NewNoGradTape()
			b.ReportAllocs()
			for b.Loop() {
				op.f(tp)
				tp.Reset()
			}
		})
		b.Run(fmt.Sprintf("op=%s/pass=backward", op.name), func(b *testing.B) {
			tp := NewTape()
			ins := append([]*Tensor{op.x}, op.ps...)
			b.ReportAllocs()
			for b.Loop() {
				tp.Grad([]*Tensor{tp.Sum(tp.Square(op.f(tp)))}, ins, GradOptions{})
				tp.Reset()
			}
		})
		b.Run(fmt.Sprintf("op=%s/pass=second", op.name), func(b *testing.B) {
			tp := NewTape()
			b.ReportAllocs()
			for b.Loop() {
				g := tp.Grad([]*Tensor{tp.Sum(tp.Square(op.f(tp)))}, []*Tensor{op.x}, GradOptions{CreateGraph: true})[0]
				tp.Grad([]*Tensor{tp.Sum(tp.Square(g))}, op.ps, GradOptions{})
				tp.Reset()
			}
		})
	}
}
