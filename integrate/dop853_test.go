package integrate

import (
	"math"
	"testing"
)

// TestDOP853Tableau: each row of A sums to its node, and the method and
// both embedded solutions are consistent (weights sum to 1).
func TestDOP853Tableau(t *testing.T) {
	tb := DormandPrince853
	for i, row := range tb.A {
		s := 0.0
		for _, v := range row {
			s += v
		}
		if math.Abs(s-tb.C[i]) > 1e-14 {
			t.Errorf("row %d sums to %.17g, node %.17g", i, s, tb.C[i])
		}
	}
	for name, w := range map[string][]float64{"b": tb.B, "b̂₅": tb.BHat, "b̂₃": tb.BHat2} {
		s := 0.0
		for _, v := range w {
			s += v
		}
		if math.Abs(s-1) > 1e-14 {
			t.Errorf("%s sums to %.17g", name, s)
		}
	}
}

// rotation is the 2-D rotation x′ = −y, y′ = x, solved by turning the
// start through the angle t.
func rotation(dst []float64, _ float64, x []float64) {
	for i := 0; i < len(x); i += 2 {
		dst[i], dst[i+1] = -x[i+1], x[i]
	}
}

// TestDOP853Order: on the rotation over [0, 4], halving the fixed step
// divides the error by 2⁸ (measured order within 0.35 of 8; growth's is
// checked with the other methods in TestConvergenceOrder).
func TestDOP853Order(t *testing.T) {
	errAt := func(n int) float64 {
		x := []float64{1, 0.5}
		if _, err := Solve(DormandPrince853, rotation, x, 0, 4, n); err != nil {
			t.Fatal(err)
		}
		s, c := math.Sincos(4)
		return math.Hypot(x[0]-(c-0.5*s), x[1]-(s+0.5*c))
	}
	for _, n := range []int{4, 8} {
		e1, e2 := errAt(n), errAt(2*n)
		if got := math.Log2(e1 / e2); math.Abs(got-8) > 0.35 {
			t.Errorf("%d → %d steps: measured order %.2f (errors %.3g, %.3g), want 8", n, 2*n, got, e1, e2)
		}
	}
}

// TestDOP853Adaptive: with error control DOP853 meets rtol = 1e-10 on
// x′ = −x over [0, 10] and on the rotation over [0, 20] (error against the
// closed form within 100·tol, a global error accumulating local ones),
// and at that tolerance takes far fewer steps than Dormand–Prince 5(4):
// under a third as many.
func TestDOP853Adaptive(t *testing.T) {
	const tol = 1e-10
	decay := func(dst []float64, _ float64, x []float64) {
		for i, v := range x {
			dst[i] = -v
		}
	}
	for _, c := range []struct {
		name  string
		f     Drift
		x0    []float64
		T     float64
		exact func(T float64) []float64
	}{
		{"decay", decay, []float64{1, -3}, 10, func(T float64) []float64 { return []float64{math.Exp(-T), -3 * math.Exp(-T)} }},
		{"rotation", rotation, []float64{1, 0.5}, 20, func(T float64) []float64 {
			s, c := math.Sincos(T)
			return []float64{c - 0.5*s, s + 0.5*c}
		}},
	} {
		steps := map[string]int{}
		for _, tb := range []Tableau{DormandPrince853, DormandPrince} {
			x := append([]float64(nil), c.x0...)
			st, err := SolveAdaptive(tb, c.f, x, 0, c.T, Adaptive{RTol: tol, ATol: tol})
			if err != nil {
				t.Fatalf("%s, %s: %v", c.name, tb.Name, err)
			}
			steps[tb.Name] = st.Steps
			want := c.exact(c.T)
			e := 0.0
			for i := range x {
				e = math.Max(e, math.Abs(x[i]-want[i]))
			}
			if e > 100*tol {
				t.Errorf("%s, %s: error %.3g with tolerance %g", c.name, tb.Name, e, tol)
			}
			t.Logf("%s, %s: %d steps (%d rejected, %d evaluations), error %.3g", c.name, tb.Name, st.Steps, st.Rejected, st.Evals, e)
		}
		if 3*steps["dop853"] >= steps["dopri5"] {
			t.Errorf("%s: dop853 took %d steps, dopri5 %d", c.name, steps["dop853"], steps["dopri5"])
		}
	}
}
