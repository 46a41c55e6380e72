package tensor

import (
	"math"
	"testing"
)

// TestSpecialValues: the ops compute the kernel's known constants,
// element-wise: log Γ(½) = log √π, ψ(1) = −γ, ψ′(½) = π²/2, ψ″(1) = −2ζ(3).
func TestSpecialValues(t *testing.T) {
	const eulerGamma, zeta3 = 0.57721566490153286, 1.2020569031595943
	x := New([]float64{0.5, 1, 3}, 3)
	var tp *Tape
	for _, c := range []struct {
		name string
		got  *Tensor
		want []float64
	}{
		{"Lgamma", tp.Lgamma(x), []float64{0.5 * math.Log(math.Pi), 0, math.Ln2}},
		{"Digamma", tp.Digamma(x), []float64{-eulerGamma - 2*math.Ln2, -eulerGamma, 1.5 - eulerGamma}},
		{"Polygamma(1)", tp.Polygamma(1, x), []float64{math.Pi * math.Pi / 2, math.Pi * math.Pi / 6, math.Pi*math.Pi/6 - 1.25}},
		{"Polygamma(2)", tp.Polygamma(2, x), []float64{-14 * zeta3, -2 * zeta3, -2*zeta3 + 2 + 0.25}},
	} {
		for i, w := range c.want {
			if g := c.got.data[i]; math.Abs(g-w) > 4e-15*math.Max(1, math.Abs(w)) {
				t.Errorf("%s(%v) = %.17g, want %.17g", c.name, x.data[i], g, w)
			}
		}
	}
	if v := tp.Lgamma(Scalar(-0.5)).Item(); math.Abs(v-math.Log(2*math.Sqrt(math.Pi))) > 1e-15 {
		t.Errorf("Lgamma(−½) = %v, want log|Γ(−½)| = log 2√π", v)
	}
}

// TestSpecialGrad checks Lgamma, Digamma and Polygamma(1) at first, second
// and third order against finite differences, on both sides of 0.
func TestSpecialGrad(t *testing.T) {
	ops := map[string]func(tp *Tape, x *Tensor) *Tensor{
		"Lgamma":       func(tp *Tape, x *Tensor) *Tensor { return tp.Lgamma(x) },
		"Digamma":      func(tp *Tape, x *Tensor) *Tensor { return tp.Digamma(x) },
		"Polygamma(1)": func(tp *Tape, x *Tensor) *Tensor { return tp.Polygamma(1, x) },
	}
	for name, op := range ops {
		for order := 1; order <= 3; order++ {
			x := New([]float64{0.7, 2.5, 13, -1.5}, 2, 2)
			f := func(tp *Tape, xs []*Tensor) *Tensor { return op(tp, xs[0]) }
			if err := CheckGrad(f, []*Tensor{x}, CheckOptions{Order: order}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// TestSpecialRecordedVJP: the VJPs recorded for higher order (tape ops) give
// the same first derivative as the fused kernels. CheckGrad cannot see a
// wrong recorded VJP: at order 2 it differentiates the function that VJP
// defines, right or wrong, and both of its sides agree.
func TestSpecialRecordedVJP(t *testing.T) {
	ops := map[string]func(tp *Tape, x *Tensor) *Tensor{
		"Lgamma":       func(tp *Tape, x *Tensor) *Tensor { return tp.Lgamma(x) },
		"Digamma":      func(tp *Tape, x *Tensor) *Tensor { return tp.Digamma(x) },
		"Polygamma(2)": func(tp *Tape, x *Tensor) *Tensor { return tp.Polygamma(2, x) },
	}
	for name, op := range ops {
		x := New([]float64{0.7, 2.5, 13, -1.5}, 4)
		var g [2]*Tensor
		for i, create := range []bool{false, true} {
			tp := NewTape()
			g[i] = tp.Grad([]*Tensor{tp.Sum(op(tp, x))}, []*Tensor{x}, GradOptions{CreateGraph: create})[0]
		}
		for i := range x.data {
			if a, b := g[0].data[i], g[1].data[i]; math.Abs(a-b) > 1e-15*math.Abs(a) {
				t.Errorf("%s′(%v): fused %v, recorded %v", name, x.data[i], a, b)
			}
		}
	}
}
