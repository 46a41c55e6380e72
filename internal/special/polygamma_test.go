package special

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mathext"
)

const (
	eulerGamma = 0.57721566490153286060651209008240243
	zeta3      = 1.20205690315959428539973816151144999
)

func near(got, want, rtol float64) bool {
	return math.Abs(got-want) <= rtol*math.Max(1, math.Abs(want))
}

// TestPolygammaConstants: known values at 1, ½ and 2, to 2e-15.
func TestPolygammaConstants(t *testing.T) {
	for _, c := range []struct {
		n       int
		x, want float64
	}{
		{0, 1, -eulerGamma},
		{0, 0.5, -eulerGamma - 2*math.Ln2},
		{0, 2, 1 - eulerGamma},
		{1, 1, math.Pi * math.Pi / 6},
		{1, 0.5, math.Pi * math.Pi / 2},
		{2, 1, -2 * zeta3},
		{2, 0.5, -14 * zeta3},
		{3, 1, math.Pow(math.Pi, 4) / 15},
		{0, -0.5, 2 - eulerGamma - 2*math.Ln2}, // ψ(½) = ψ(−½) + 1/(−½)
		{1, -0.5, math.Pi*math.Pi/2 + 4},       // ψ′(½) = ψ′(−½) − 4
	} {
		if got := Polygamma(c.n, c.x); !near(got, c.want, 2e-15) {
			t.Errorf("ψ⁽%d⁾(%v) = %.17g, want %.17g", c.n, c.x, got, c.want)
		}
	}
}

// TestPolygammaReference: values of ψ⁽ⁿ⁾, n = 0 … 3, computed with 30
// digits by mpmath, to 4e-15 relative (absolute near ψ's root).
func TestPolygammaReference(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want [4]float64
	}{
		{0.001, [4]float64{-1000.5755719318103005, 1000001.642533195869, -2000000002.3976322897, 6000000000006.4691141}},
		{0.37, [4]float64{-2.7953014108905639616, 8.3604738277990979087, -40.53032699757738573, 322.11657831743210981}},
		{1.4616321449683623, [4]float64{-3.9928730412463132477e-17, 0.96767224544762120697, -0.88552633796718427618, 1.5509985657339062261}},
		{2.9, [4]float64{0.88249995063774392975, 0.41096374799332813602, -0.16672512382974245016, 0.13366505354131523332}},
		{7.5, [4]float64{1.9467574842460867881, 0.14261589669670379977, -0.020305252536644664065, 0.0057724366565786937067}},
		{23.25, [4]float64{3.1246456237788213965, 0.043948971321641624077, -0.0019312015646532956532, 0.00016969409902855782805}},
		{150.0, [4]float64{5.00729825707567927, 0.0066889382711659947299, -0.000044741728380430462784, 5.9854485538183623423e-7}},
		{-0.3, [4]float64{2.1133097796353987186, 13.945160267805721738, 67.639081199883151529, 766.61989041916847231}},
		{-3.7, [4]float64{-0.84507685887041671807, 14.842421864124267711, -68.893454688673410848, 768.99464944086428232}},
	} {
		for n, want := range c.want {
			got := Polygamma(n, c.x)
			tol := 4e-15 * math.Abs(want)
			if n == 0 {
				tol = 4e-15 * math.Max(1, math.Abs(want))
			}
			if !(math.Abs(got-want) <= tol) {
				t.Errorf("ψ⁽%d⁾(%v) = %.17g, want %.17g (%.2g relative)", n, c.x, got, want, math.Abs(got-want)/math.Abs(want))
			}
		}
	}
}

// TestPolygammaAgainstZeta compares with gonum's Hurwitz zeta,
// ψ⁽ⁿ⁾(x) = (−1)ⁿ⁺¹ n! ζ(n+1, x), and ψ with gonum's Digamma, to 1e-13.
func TestPolygammaAgainstZeta(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		x := math.Exp(8 * (rng.Float64() - 0.4)) // 0.04 … 400
		// gonum's Digamma is good to about 1e-11 (TestPolygammaReference
		// checks ψ itself more tightly).
		if got, want := Polygamma(0, x), mathext.Digamma(x); math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
			t.Errorf("ψ(%v) = %.17g, gonum %.17g", x, got, want)
		}
		for n := 1; n <= 5; n++ {
			want := factorial(n) * mathext.Zeta(float64(n+1), x)
			if n%2 == 0 {
				want = -want
			}
			if got := Polygamma(n, x); !(math.Abs(got-want) <= 1e-13*math.Abs(want)) {
				t.Errorf("ψ⁽%d⁾(%v) = %.17g, from ζ %.17g", n, x, got, want)
			}
		}
	}
}

// TestPolygammaDerivatives: each order is the central difference of the one
// below (log Γ below ψ), to 1e-8 relative, on both sides of 0.
func TestPolygammaDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lower := func(n int, x float64) float64 {
		if n == 0 {
			v, _ := math.Lgamma(x)
			return v
		}
		return Polygamma(n-1, x)
	}
	for range 300 {
		x := 0.2 + 30*rng.Float64()
		if rng.IntN(3) == 0 {
			x = -6*rng.Float64() - 0.1
			if math.Abs(x-math.Round(x)) < 0.1 {
				continue
			}
		}
		for n := range 5 {
			// The step shrinks with the distance to the nearest pole, which
			// sets the size of the higher derivatives (truncation error).
			d := x
			if x < 0 {
				d = math.Abs(x - math.Round(x))
			}
			h := 1e-5 * math.Min(d, 1)
			fd := (lower(n, x+h) - lower(n, x-h)) / (2 * h)
			got := Polygamma(n, x)
			// The difference quotient's own rounding: ε·|f|/h.
			tol := 1e-8*math.Abs(got) + 1e-15*math.Abs(lower(n, x))/h + 1e-9
			if math.Abs(got-fd) > tol {
				t.Errorf("ψ⁽%d⁾(%v) = %.15g, central difference of the order below %.15g", n, x, got, fd)
			}
		}
	}
}

// TestPolygammaRecurrence: ψ⁽ⁿ⁾(x+1) = ψ⁽ⁿ⁾(x) + (−1)ⁿ n!/xⁿ⁺¹ across the
// reflection (negative x) and the shift (small x), to 1e-12.
func TestPolygammaRecurrence(t *testing.T) {
	for _, x := range []float64{-7.3, -2.5, -1.01, -0.7, -0.01, 0.01, 0.3, 3.7, 9.5, 15.2} {
		for n := range 5 {
			step := factorial(n) / powi(x, n+1)
			if n%2 == 1 {
				step = -step
			}
			lhs, rhs := Polygamma(n, x+1), Polygamma(n, x)+step
			if math.Abs(lhs-rhs) > 1e-12*math.Max(math.Abs(lhs), math.Abs(step)) {
				t.Errorf("n=%d x=%v: ψ(x+1) = %.17g, ψ(x) + step = %.17g", n, x, lhs, rhs)
			}
		}
	}
}

func TestPolygammaEdges(t *testing.T) {
	for _, x := range []float64{0, -1, -2, math.Inf(-1), math.NaN()} {
		for n := range 3 {
			if v := Polygamma(n, x); !math.IsNaN(v) {
				t.Errorf("ψ⁽%d⁾(%v) = %v, want NaN", n, x, v)
			}
		}
	}
	if v := Polygamma(0, math.Inf(1)); !math.IsInf(v, 1) {
		t.Errorf("ψ(+∞) = %v", v)
	}
	if v := Polygamma(2, math.Inf(1)); v != 0 {
		t.Errorf("ψ″(+∞) = %v", v)
	}
	if v, want := Polygamma(0, 1e300), math.Log(1e300); !near(v, want, 1e-15) {
		t.Errorf("ψ(1e300) = %v, want %v", v, want)
	}
	if v, want := Polygamma(1, 1e-100), 1e200; !near(v, want, 1e-15) {
		t.Errorf("ψ′(1e-100) = %v, want %v", v, want)
	}
}

func BenchmarkDigamma(b *testing.B) {
	s := 0.0
	for i := 0; b.Loop(); i++ {
		s += Digamma(0.5 + float64(i%16))
	}
	_ = s
}
