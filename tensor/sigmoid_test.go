package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestSigmoidAccuracy compares σ with a reference from math.Exp in its
// stable form: within 4 ulp (the polynomial exp is good to about 2).
func TestSigmoidAccuracy(t *testing.T) {
	ref := func(x float64) float64 {
		if x >= 0 {
			return 1 / (1 + math.Exp(-x))
		}
		e := math.Exp(x)
		return e / (1 + e)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 200000 {
		x := 60 * (2*rng.Float64() - 1)
		if i%2 == 0 {
			x /= 30
		}
		got, want := sigmoid(x), ref(x)
		if math.Abs(got-want) > 4*ulp(want) {
			t.Fatalf("σ(%v) = %v, want %v (%.1f ulp)", x, got, want, math.Abs(got-want)/ulp(want))
		}
	}
	for _, c := range []struct{ x, want float64 }{
		{0, 0.5}, {math.Copysign(0, -1), 0.5}, {40, 1}, {1e300, 1}, {math.Inf(1), 1},
		{-700, math.Exp(-700)}, {-1e300, math.Exp(-708)}, {math.Inf(-1), math.Exp(-708)},
	} {
		if got := sigmoid(c.x); math.Abs(got-c.want) > 4*ulp(c.want) {
			t.Errorf("σ(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if !math.IsNaN(sigmoid(math.NaN())) {
		t.Error("σ(NaN) is not NaN")
	}
}

func ulp(v float64) float64 { return math.Nextafter(math.Abs(v), math.Inf(1)) - math.Abs(v) }

// TestSiLUBlockMatchesGeneric: the vector kernels (where the CPU has them)
// and the Go code give identical bits, for every length's tail and edge
// values.
func TestSiLUBlockMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	specials := []float64{0, math.Copysign(0, -1), 1e-310, -1e-310, 37, -37, 50, -50, 708, -708, 709, -745,
		1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN(), 0.5, -0.5}
	for n := range 100 { // blocks of 32 (AVX-512), lanes of 4 (AVX2) and tails
		x := make([]float64, n)
		for i := range x {
			x[i] = 8 * rng.NormFloat64()
		}
		if n > 30 { // the specials, somewhere in the first blocks
			off := rng.IntN(n - len(specials) + 1)
			copy(x[off:], specials)
		}
		s1, y1 := make([]float64, n), make([]float64, n)
		s2, y2 := make([]float64, n), make([]float64, n)
		siluBlock(s1, y1, x)
		siluGeneric(s2, y2, x)
		for i := range x {
			same := func(a, b float64) bool {
				return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
			}
			if !same(s1[i], s2[i]) || !same(y1[i], y2[i]) {
				t.Fatalf("n=%d x=%v: kernel (%v, %v), Go (%v, %v)", n, x[i], s1[i], y1[i], s2[i], y2[i])
			}
		}
		// s and y may share storage, and x's (in place; planted: the AVX2
		// kernel reading x back after storing s, which failed).
		y3 := make([]float64, n)
		siluBlock(y3, y3, x)
		in := slices.Clone(x)
		siluBlock(in, in, in)
		for i := range x {
			if math.Float64bits(y3[i]) != math.Float64bits(y1[i]) && !math.IsNaN(y1[i]) {
				t.Fatalf("aliased s and y: %v, want %v", y3[i], y1[i])
			}
			if math.Float64bits(in[i]) != math.Float64bits(y1[i]) && !math.IsNaN(y1[i]) {
				t.Fatalf("in place: %v, want %v", in[i], y1[i])
			}
		}
	}
}

// TestSiLUGradBlockMatchesGeneric: g·SiLU′(x) from the AVX-512 kernel has
// the Go loop's bits, on lengths 0–99 (blocks of 16 and tails), with the
// specials (NaN, infinities, huge values) among random points and random
// g.
func TestSiLUGradBlockMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	specials := []float64{0, math.Copysign(0, -1), 1e-310, 37, -37, 709, -745, 1e300, -1e300,
		math.Inf(1), math.Inf(-1), math.NaN(), 0.5}
	for n := range 100 {
		x, g := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], g[i] = 8*rng.NormFloat64(), rng.NormFloat64()
		}
		if n > 20 {
			copy(x[rng.IntN(n-len(specials)+1):], specials)
		}
		s, y := make([]float64, n), make([]float64, n)
		siluGeneric(s, y, x)
		d1, d2 := make([]float64, n), make([]float64, n)
		siluGradBlock(d1, g, x, s)
		siluGradGeneric(d2, g, x, s)
		for i := range x {
			if math.Float64bits(d1[i]) != math.Float64bits(d2[i]) && !(math.IsNaN(d1[i]) && math.IsNaN(d2[i])) {
				t.Fatalf("n=%d x=%v g=%v: kernel %v, Go %v", n, x[i], g[i], d1[i], d2[i])
			}
		}
	}
}

// TestSiLUGrad12SameBits: the first-order VJP's two gradients in one pass
// (siluGrad12Block: h·SiLU′(x) and (h·g)·SiLU″(x), AVX-512 eight lanes a
// step and the tail in Go) have the bits of the two passes they replace
// (siluGradInto of orders 1 and 2), on lengths 0–99 with the specials
// among random points. Planted: SiLU″'s 1 − 2s computed as 1 − s, and dx
// taken as h·SiLU″ without g — both failed.
func TestSiLUGrad12SameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	specials := []float64{0, math.Copysign(0, -1), 1e-310, 37, -37, 709, -745, 1e300, -1e300,
		math.Inf(1), math.Inf(-1), math.NaN(), 0.5}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	for n := range 100 {
		x, h, g := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], h[i], g[i] = 8*rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		}
		if n > 20 {
			copy(x[rng.IntN(n-len(specials)+1):], specials)
		}
		s, y := make([]float64, n), make([]float64, n)
		siluGeneric(s, y, x)
		dg, dx, wantG, wantX := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		siluGrad12Block(dg, dx, h, g, x, s)
		siluGradInto(runtime.GOMAXPROCS(0), wantG, nil, h, x, s, 1)
		siluGradInto(runtime.GOMAXPROCS(0), wantX, h, g, x, s, 2)
		for i := range x {
			if !same(dg[i], wantG[i]) || !same(dx[i], wantX[i]) {
				t.Fatalf("n=%d x=%v: (%v, %v), want (%v, %v)", n, x[i], dg[i], dx[i], wantG[i], wantX[i])
			}
		}
	}
}

// TestExpBlock: the vector exponential gives expSoft's bits on every lane
// (edges included: −∞, the cut at −708, overflow clamped at 708, NaN), and
// expSoft is within 3 ulp of math.Exp on [−708, 708].
func TestExpBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := []float64{math.Inf(-1), -745, -708.0000001, -708, -707.9, -50, -1e-300, 0, 1e-300, 0.5, 708, 709, math.Inf(1), math.NaN()}
	for range 1000 {
		x = append(x, -40*rng.Float64(), 1416*rng.Float64()-708)
	}
	x = append(x, 0.25) // a tail lane past the last block of eight
	y := make([]float64, len(x))
	expBlock(y, x)
	for i, v := range x {
		want := expSoft(v)
		if math.Float64bits(y[i]) != math.Float64bits(want) && !(math.IsNaN(y[i]) && math.IsNaN(want)) {
			t.Fatalf("exp(%v): block %v, expSoft %v", v, y[i], want)
		}
		switch {
		case math.IsNaN(v):
			if !math.IsNaN(want) {
				t.Fatalf("exp(NaN) = %v", want)
			}
		case v < -708:
			if want != 0 {
				t.Fatalf("exp(%v) = %v, want 0", v, want)
			}
		case v <= 708:
			if e := math.Exp(v); math.Abs(want-e) > 3*ulp(e) {
				t.Fatalf("exp(%v) = %v, math.Exp %v: %.1f ulp", v, want, e, math.Abs(want-e)/ulp(e))
			}
		default:
			if want != expSoft(708) {
				t.Fatalf("exp(%v) = %v, want the clamp's %v", v, want, expSoft(708))
			}
		}
	}
}

// TestSiLUBlock32: σ computed in float32 (siluBlock32, for Float32
// tensors) is within 3·2⁻²⁴ of float64's σ of x rounded to float32,
// relative to it (division and the exponential's rounding, a few units of
// float32's), where σ is a normal float32, and within 2⁻¹²⁶ where it is
// smaller; y = x·σ to the same relative error; NaN gives NaN and ±∞ gives ±∞·σ; every length from
// 0 to 40 (the masked last values) with s apart from y and in place. Planted:
// the polynomial's c6 term dropped, the exponent shift by 22, and the tail
// masks one lane short — each failed.
func TestSiLUBlock32(t *testing.T) {
	if !haveAVX512 {
		t.Skip("σ in float32 needs AVX-512; siluBlock32 is siluBlock here")
	}
	rng := rand.New(rand.NewPCG(9, 13))
	var xs []float64
	for range 20000 {
		xs = append(xs, 40*rng.NormFloat64())
	}
	for i := range 2000 {
		xs = append(xs, float64(i-1000)/10)
	}
	xs = append(xs, 0, math.Copysign(0, -1), 87, 88, 89, -87, -88, -89, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN())
	s, y := make([]float64, len(xs)), make([]float64, len(xs))
	siluBlock32(s, y, xs)
	for i, x := range xs {
		want := sigmoid(float64(float32(x)))
		switch {
		case math.IsNaN(x):
			if !math.IsNaN(y[i]) {
				t.Fatalf("SiLU(NaN) = %v, want NaN", y[i])
			}
			continue
		case math.IsInf(x, 0):
			if y[i] != x*s[i] || s[i] != float64(float32(s[i])) {
				t.Fatalf("x = %v: σ = %v, SiLU = %v", x, s[i], y[i])
			}
			continue
		}
		tol := 3 * 0x1p-24 * want
		if want < 0x1p-126 {
			tol = 0x1p-126
		}
		if d := math.Abs(s[i] - want); d > tol || s[i] != float64(float32(s[i])) {
			t.Fatalf("x = %v: σ = %v, want %v (difference %.3g, tolerance %.3g)", x, s[i], want, d, tol)
		}
		if d := math.Abs(y[i] - x*want); d > math.Abs(x)*tol+1e-300 {
			t.Fatalf("x = %v: SiLU = %v, want %v", x, y[i], x*want)
		}
	}
	for n := range 81 {
		x := xs[:n]
		s, y := make([]float64, n+1), make([]float64, n+1)
		s[n], y[n] = 7, 7
		siluBlock32(s[:n], y[:n], x)
		same := make([]float64, n+1)
		same[n] = 7
		copy(same, x)
		siluBlock32(same[:n], same[:n], same[:n]) // in place
		for i := range n {
			want := y[i]
			siluBlock32(s[i:i+1], y[i:i+1], x[i:i+1]) // on its own: the first lane of a masked step
			if y[i] != want || same[i] != want {
				t.Fatalf("n=%d: value %d is %v alone and %v in place, %v in the run", n, i, y[i], same[i], want)
			}
		}
		if s[n] != 7 || y[n] != 7 || same[n] != 7 {
			t.Fatalf("n=%d: wrote past the values", n)
		}
	}
}

// TestSiLUGradBlock32: the first-order VJP with σ recomputed in float32
// (siluGradBlock32) has the bits of siluGradBlock given the σ siluBlock32
// stores, its double backward (siluGrad12Block32) those of the Go loop
// given it, and sigmaBlock32 stores that σ, on lengths 0 to 40 (the masked
// last values) and in place, with the specials among random points.
// Planted: the derivative's s·x taken as s·s, the gradient's last eight
// lanes stored under the first eight's mask, and SiLU″'s 2 + x(1 − 2s) as
// 2 + x(1 − s) — each failed.
func TestSiLUGradBlock32(t *testing.T) {
	if !haveAVX512 {
		t.Skip("σ in float32 needs AVX-512")
	}
	rng := rand.New(rand.NewPCG(9, 14))
	for n := range 81 {
		x, g := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], g[i] = 30*rng.NormFloat64(), rng.NormFloat64()
		}
		if n > 8 {
			x[3], x[5], x[7] = math.Inf(1), math.Inf(-1), 0
		}
		s, y := make([]float64, n), make([]float64, n)
		siluBlock32(s, y, x)
		want := make([]float64, n)
		siluGradBlock(want, g, x, s)
		got, sig := make([]float64, n+1), make([]float64, n+1)
		got[n], sig[n] = 7, 7
		siluGradBlock32(got[:n], g, x)
		sigmaBlock32(sig[:n], x)
		inG, inX := slices.Clone(g), slices.Clone(x)
		siluGradBlock32(inG, inG, x)
		sigmaBlock32(inX, inX)
		h := make([]float64, n)
		for i := range h {
			h[i] = rng.NormFloat64()
		}
		wantG, wantX := make([]float64, n), make([]float64, n)
		siluGrad12Generic(wantG, wantX, h, g, x, s)
		gotG, gotX := make([]float64, n+1), make([]float64, n+1)
		gotG[n], gotX[n] = 7, 7
		siluGrad12Block32(gotG[:n], gotX[:n], h, g, x)
		for i := range n {
			same := func(a, b float64) bool {
				return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
			}
			if !same(got[i], want[i]) || !same(inG[i], want[i]) {
				t.Fatalf("n=%d x=%v: gradient %v (in place %v), want %v", n, x[i], got[i], inG[i], want[i])
			}
			if !same(sig[i], s[i]) || !same(inX[i], s[i]) {
				t.Fatalf("n=%d x=%v: σ %v (in place %v), want %v", n, x[i], sig[i], inX[i], s[i])
			}
			if !same(gotG[i], wantG[i]) || !same(gotX[i], wantX[i]) {
				t.Fatalf("n=%d x=%v: double backward (%v, %v), want (%v, %v)", n, x[i], gotG[i], gotX[i], wantG[i], wantX[i])
			}
		}
		if got[n] != 7 || sig[n] != 7 || gotG[n] != 7 || gotX[n] != 7 {
			t.Fatalf("n=%d: wrote past the values", n)
		}
	}
}
