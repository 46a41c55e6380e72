package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2d times the conv layers of the 28×28 conv energy
// (nn.BenchmarkConvEnergy), batch 128, and a ResNet energy's 3×3 layer of
// 64 channels on 8×8, batch 64: the forward pass on a no-grad tape, the
// forward and backward passes (input and weight gradients) of Σ u ⊙ conv,
// and the forward pass with the weight gradient alone.
func BenchmarkConv2d(b *testing.B) {
	for _, c := range []struct {
		name    string
		x, w    []int
		stride  int
		padding int
	}{
		{"1x28x28-32k3", []int{128, 1, 28, 28}, []int{32, 1, 3, 3}, 1, 1},
		{"32x28x28-32k4s2", []int{128, 32, 28, 28}, []int{32, 32, 4, 4}, 2, 1},
		{"32x14x14-64k4s2", []int{128, 32, 14, 14}, []int{64, 32, 4, 4}, 2, 1},
		{"64x7x7-64k4s2", []int{128, 64, 7, 7}, []int{64, 64, 4, 4}, 2, 1},
		{"resnet-64x8x8-64k3", []int{64, 64, 8, 8}, []int{64, 64, 3, 3}, 1, 1},
	} {
		for _, prec := range []Precision{Float64, Float32} {
			rng := rand.New(rand.NewPCG(1, 1))
			x, w, bias := Randn(rng, c.x...), Randn(rng, c.w...).SetPrecision(prec), Randn(rng, c.w[0])
			o := ConvOptions{Stride: [2]int{c.stride, c.stride}, Padding: [2]int{c.padding, c.padding}}
			u := Randn(rng, (*Tape)(nil).Conv2d(x, w, nil, o).Shape()...).SetPrecision(prec) // as a network's gradients are
			b.Run(fmt.Sprintf("shape=%s/prec=%v/pass=forward", c.name, prec), func(b *testing.B) {
				tp := NewNoGradTape()
				b.ReportAllocs()
				for b.Loop() {
					tp.Conv2d(x, w, bias, o)
					tp.Reset()
				}
			})
			b.Run(fmt.Sprintf("shape=%s/prec=%v/pass=backward", c.name, prec), func(b *testing.B) {
				tp := NewTape()
				b.ReportAllocs()
				for b.Loop() {
					y := tp.Conv2d(x, w, bias, o)
					tp.Grad([]*Tensor{y}, []*Tensor{x, w, bias}, GradOptions{GradOutputs: []*Tensor{u}})
					tp.Reset()
				}
			})
			b.Run(fmt.Sprintf("shape=%s/prec=%v/pass=weight", c.name, prec), func(b *testing.B) {
				tp := NewTape()
				b.ReportAllocs()
				for b.Loop() {
					y := tp.Conv2d(x, w, nil, o)
					tp.Grad([]*Tensor{y}, []*Tensor{w}, GradOptions{GradOutputs: []*Tensor{u}})
					tp.Reset()
				}
			})
		}
	}
}

// BenchmarkConvTranspose2d times a stride-2 transposed conv, 64×7×7 →
// 32×14×14, batch 128, forward and backward.
func BenchmarkConvTranspose2d(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, w := Randn(rng, 128, 64, 7, 7), Randn(rng, 64, 32, 4, 4)
	o := ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	u := Randn(rng, 128, 32, 14, 14)
	b.Run("pass=forward", func(b *testing.B) {
		tp := NewNoGradTape()
		for b.Loop() {
			tp.ConvTranspose2d(x, w, nil, o)
			tp.Reset()
		}
	})
	b.Run("pass=backward", func(b *testing.B) {
		tp := NewTape()
		for b.Loop() {
			y := tp.ConvTranspose2d(x, w, nil, o)
			tp.Grad([]*Tensor{y}, []*Tensor{x, w}, GradOptions{GradOutputs: []*Tensor{u}})
			tp.Reset()
		}
	})
}

// BenchmarkPoolUpsample times AvgPool2d 2×2 and the ×2 upsamplings on
// [128, 32, 28, 28] (pooling) and [128, 32, 14, 14] (upsampling), forward
// and backward.
func BenchmarkPoolUpsample(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 3))
	big, small := Randn(rng, 128, 32, 28, 28), Randn(rng, 128, 32, 14, 14)
	for _, c := range []struct {
		name string
		x    *Tensor
		f    func(tp *Tape, x *Tensor) *Tensor
	}{
		{"avgpool2", big, func(tp *Tape, x *Tensor) *Tensor { return tp.AvgPool2d(x, [2]int{2, 2}, [2]int{}, [2]int{}) }},
		{"nearest2", small, func(tp *Tape, x *Tensor) *Tensor { return tp.UpsampleNearest2d(x, 2) }},
		{"bilinear2", small, func(tp *Tape, x *Tensor) *Tensor { return tp.UpsampleBilinear2d(x, 2) }},
	} {
		b.Run("op="+c.name+"/pass=forward", func(b *testing.B) {
			tp := NewNoGradTape()
			for b.Loop() {
				c.f(tp, c.x)
				tp.Reset()
			}
		})
		b.Run("op="+c.name+"/pass=backward", func(b *testing.B) {
			tp := NewTape()
			xl := c.x.Detach()
			for b.Loop() {
				tp.Grad([]*Tensor{c.f(tp, xl)}, []*Tensor{xl}, GradOptions{})
				tp.Reset()
			}
		})
	}
}
