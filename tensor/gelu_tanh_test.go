package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGELUTanhValues checks GELUTanh against its closed form with math.Tanh,
// and its distance from the exact GELU (under 5e-4, the figure the doc
// states; the largest gap is near |x| ≈ 2).
func TestGELUTanhValues(t *testing.T) {
	var xs []float64
	for v := -12.0; v <= 12; v += 0.01 {
		xs = append(xs, v)
	}
	xs = append(xs, 0, 1e-300, -1e-300, 40, -40, 1e3, -1e3, math.MaxFloat64/1e10)
	x := New(xs, len(xs))
	y, ye := (*Tape)(nil).GELUTanh(x), (*Tape)(nil).GELU(x)
	gap := 0.0
	for i, v := range xs {
		want := 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		if math.IsNaN(want) { // v³ overflowed: the tanh is ±1
			want = math.Max(v, 0)
		}
		if g := y.Data()[i]; math.Abs(g-want) > 1e-15*(1+math.Abs(want)) {
			t.Errorf("GELUTanh(%v) = %v, want %v", v, g, want)
		}
		gap = math.Max(gap, math.Abs(y.Data()[i]-ye.Data()[i]))
	}
	if gap > 5e-4 {
		t.Errorf("largest |GELUTanh − GELU| = %v, want < 5e-4", gap)
	}
}

// TestGELUTanhGrad checks orders 1 to 4, on values that reach both tails,
// and the fused first-order kernel against the recorded one.
func TestGELUTanhGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 11))
	x := Randn(rng, 5, 7)
	for i := range x.Data() {
		x.Data()[i] *= 2.5
	}
	f := func(tp *Tape, xs []*Tensor) *Tensor { return tp.GELUTanh(xs[0]) }
	for order := 1; order <= 4; order++ {
		if err := CheckGrad(f, []*Tensor{x}, CheckOptions{Order: order, Seed: uint64(order)}); err != nil {
			t.Errorf("order %d: %v", order, err)
		}
	}
	tp := NewTape()
	y := tp.GELUTanh(x)
	fused := tp.Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{RetainGraph: true})[0].Clone()
	recorded := tp.Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	for i, v := range fused.Data() {
		if w := recorded.Data()[i]; math.Abs(v-w) > 1e-14 {
			t.Errorf("derivative %d: fused %v, ops %v", i, v, w)
		}
	}
}

func BenchmarkGELUTanh(b *testing.B) {
	x := Randn(rand.New(rand.NewPCG(1, 1)), 2048, 512)
	for _, c := range []struct {
		name string
		f    func(tp *Tape, x *Tensor) *Tensor
	}{{"op=gelu_tanh", (*Tape).GELUTanh}, {"op=gelu", (*Tape).GELU}} {
		b.Run(c.name+"/pass=forward", func(b *testing.B) {
			tp := NewNoGradTape()
			for b.Loop() {
				c.f(tp, x)
				tp.Reset()
			}
		})
		b.Run(c.name+"/pass=backward", func(b *testing.B) {
			tp := NewTape()
			for b.Loop() {
				tp.Grad([]*Tensor{tp.Sum(c.f(tp, x))}, []*Tensor{x}, GradOptions{})
				tp.Reset()
			}
		})
	}
}

// TestGELUTanhKernelsMatchGeneric: the vector kernels (where the CPU has
// them) give the Go tiles' bits, forward and derivative, on every length's
// tail and on edge values (±∞, NaN, the sigmoid's clamps, huge and tiny).
func TestGELUTanhKernelsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := []float64{math.Inf(-1), math.Inf(1), math.NaN(), 0, math.Copysign(0, -1), 1e-300, -1e300, 1e300, -20, 20, -5.6, 5.6, 30, -30}
	for range 600 {
		x = append(x, 8*rng.NormFloat64(), rng.NormFloat64())
	}
	g := make([]float64, len(x))
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
	for _, n := range []int{len(x), 7, 8, 9, 33, 256, 257, 600} {
		got, want := make([]float64, n), make([]float64, n)
		geluTanhKernel(got, x[:n])
		geluTanhGeneric(want, x[:n])
		for i := range want {
			if !same(got[i], want[i]) {
				t.Fatalf("n=%d: GELUTanh(%v): kernel %v, Go %v", n, x[i], got[i], want[i])
			}
		}
		geluTanhVJPKernel(got, g[:n], x[:n])
		geluTanhVJPGeneric(want, g[:n], x[:n])
		for i := range want {
			if !same(got[i], want[i]) {
				t.Fatalf("n=%d: GELUTanh′(%v)·%v: kernel %v, Go %v", n, x[i], g[i], got[i], want[i])
			}
		}
	}
}
