package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPrecisionSpreads checks that an op's output takes the lowest
// precision of its inputs, on a recording tape and on none, and that
// gradients of a float32 network are float32 too.
func TestPrecisionSpreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tp := range []*Tape{nil, NewTape()} {
		x := Randn(rng, 3, 4)
		w := Randn(rng, 4, 2).SetPrecision(Float32)
		h := tp.SiLU(tp.MatMul(x, w))
		if got := h.Precision(); got != Float32 {
			t.Fatalf("tape %v: SiLU(x·w32) is %v, want float32", tp != nil, got)
		}
		if got := tp.Add(x, x).Precision(); got != Float64 {
			t.Fatalf("tape %v: x+x is %v, want float64", tp != nil, got)
		}
		if got := w.Detach().Precision(); got != Float32 {
			t.Fatalf("Detach dropped the precision: %v", got)
		}
		if tp == nil {
			continue
		}
		gs := tp.Grad([]*Tensor{tp.Sum(h)}, []*Tensor{x, w}, GradOptions{})
		for i, g := range gs {
			if g.Precision() != Float32 {
				t.Errorf("gradient %d is %v, want float32", i, g.Precision())
			}
		}
	}
}

// TestFloat32Products compares every product op, and second-order
// gradients through a convolution, computed with Float32 parameters against
// the same in float64. Each float32 product rounds its operands (relative
// error 2⁻²⁴ ≈ 6e-8) and sums up to 256 terms in float32, so on these
// Gaussian inputs of unit scale the elements err by about √k·6e-8 ≈ 1e-6
// of the largest; the test allows 2e-5, and asks for some difference so
// that a float32 path that quietly computed in float64 would fail.
func TestFloat32Products(t *testing.T) {
	if !HasFloat32 {
		t.Skip("no float32 product in this build")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	x4 := Randn(rng, 5, 3, 9, 9)
	x2 := Randn(rng, 37, 70)
	q := Randn(rng, 2, 7, 16)
	cases := []struct {
		name string
		w    *Tensor
		f    func(tp *Tape, w *Tensor) *Tensor
	}{
		{"MatMul", Randn(rng, 70, 19), func(tp *Tape, w *Tensor) *Tensor { return tp.MatMul(x2, w) }},
		{"MatMulT", Randn(rng, 19, 70), func(tp *Tape, w *Tensor) *Tensor { return tp.MatMulT(x2, w, false, true) }},
		{"Linear", Randn(rng, 70, 19), func(tp *Tape, w *Tensor) *Tensor { return tp.Linear(x2, w, nil) }},
		{"BatchMatMul", Randn(rng, 2, 16, 7), func(tp *Tape, w *Tensor) *Tensor { return tp.BatchMatMul(q, w, false, false) }},
		{"Attention", Randn(rng, 2, 7, 16), func(tp *Tape, w *Tensor) *Tensor {
			return tp.ScaledDotProductAttention(q, w, w, AttentionOptions{})
		}},
		{"Conv2d", Randn(rng, 4, 3, 3, 3), func(tp *Tape, w *Tensor) *Tensor {
			return tp.Conv2d(x4, w, nil, ConvOptions{Padding: [2]int{1, 1}})
		}},
		{"ConvTranspose2d", Randn(rng, 3, 4, 3, 3), func(tp *Tape, w *Tensor) *Tensor {
			return tp.ConvTranspose2d(x4, w, nil, ConvOptions{Stride: [2]int{2, 2}})
		}},
		{"AvgPool2d", Randn(rng, 1), func(tp *Tape, w *Tensor) *Tensor {
			return tp.AvgPool2d(tp.Mul(x4, w), [2]int{3, 3}, [2]int{3, 3}, [2]int{0, 0})
		}},
		// The score-matching shape: ∂/∂w of ‖∇ₓ Σ SiLU(conv(x, w))‖², a
		// gradient of a gradient through the convolution.
		{"conv second order", Randn(rng, 4, 3, 3, 3), func(tp *Tape, w *Tensor) *Tensor {
			x := x4.Clone()
			e := tp.Sum(tp.SiLU(tp.Conv2d(x, w, nil, ConvOptions{Padding: [2]int{1, 1}})))
			gx := tp.Grad([]*Tensor{e}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
			return tp.Grad([]*Tensor{tp.Sum(tp.Square(gx))}, []*Tensor{w}, GradOptions{CreateGraph: true})[0]
		}},
	}
	for _, c := range cases {
		want := c.f(NewTape(), c.w.Clone()).Data()
		got := c.f(NewTape(), c.w.Clone().SetPrecision(Float32)).Data()
		var scale, diff float64
		for i := range want {
			scale = max(scale, math.Abs(want[i]))
			diff = max(diff, math.Abs(got[i]-want[i]))
		}
		if diff > 2e-5*scale || diff == 0 {
			t.Errorf("%s: float32 differs from float64 by %.3g of the largest element %.3g, want in (0, 2e-5]", c.name, diff/scale, scale)
		}
	}
}
