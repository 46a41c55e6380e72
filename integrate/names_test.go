package integrate

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestByName(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"euler", "euler"}, {"Midpoint", "midpoint"}, {"heun", "heun"}, {"RK4", "rk4"}, {"rk-38", "rk38"},
		{"adaptive_heun", "adaptive_heun"}, {"AdaptiveHeun", "adaptive_heun"},
		{"bosh3", "bosh3"}, {"bogacki-shampine", "bosh3"},
		{"dopri5", "dopri5"}, {"DormandPrince", "dopri5"}, {"dop853", "dop853"}, {"dormand-prince-853", "dop853"},
	} {
		if got, err := ByName(c.name); err != nil || got.Name != c.want {
			t.Errorf("ByName(%q) = %q, %v; want %q", c.name, got.Name, err, c.want)
		}
	}
	// Every tableau is listed under its own name, and every ODE integrator
	// Lookup knows is a tableau ByName finds.
	odes := 0
	for _, nd := range Names() {
		in, err := Lookup(nd[0])
		if err != nil || in.Name != nd[0] || nd[1] == "" {
			t.Errorf("listed name %q (%q): integrator %q, %v", nd[0], nd[1], in.Name, err)
			continue
		}
		if in.Kind == ODE {
			odes++
			if tb, err := ByName(nd[0]); err != nil || tb.Name != nd[0] || in.Tableau.Name != nd[0] {
				t.Errorf("ODE integrator %q: ByName %q, %v; Lookup's tableau %q", nd[0], tb.Name, err, in.Tableau.Name)
			}
		}
	}
	if odes != len(Methods) {
		t.Errorf("%d ODE integrators listed for %d methods", odes, len(Methods))
	}
	_, err := ByName("rk45")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "euler, midpoint, heun, rk4, rk38, adaptive_heun, bosh3, dopri5, dop853") {
		t.Errorf("ByName(unknown): %v, want ErrInvalid listing the names", err)
	}
	_, err = ByName("stochastic-heun")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "stochastic_heun is an SDE integrator, not a Runge–Kutta method (valid: euler,") {
		t.Errorf("ByName(an SDE integrator): %v", err)
	}
	_, err = ByName("generalized-leapfrog")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "generalised_leapfrog is a symplectic integrator") {
		t.Errorf("ByName(a symplectic integrator): %v", err)
	}
	_, err = Lookup("rk45")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "dop853, euler_maruyama, backward_euler_maruyama, stochastic_heun, leapfrog, generalised_leapfrog") {
		t.Errorf("Lookup(unknown): %v, want ErrInvalid listing the names", err)
	}
}

// TestLookupRuns: every integrator found by name runs as its kind says.
// The SDE ones, on dx = −x dt + √2 dW from 1 over [0, 1] in 100 steps and
// 20000 paths, give the mean e⁻¹ and variance 1 − e⁻² within 4 standard
// errors plus 0.02 of step bias; the symplectic ones, on the oscillator
// H = ½(x² + p²) from (1, 0) over [0, 2] in 200 steps, end at
// (cos 2, −sin 2) within 1e-4.
func TestLookupRuns(t *testing.T) {
	kinds := map[Kind]int{}
	for _, nd := range Names() {
		in, err := Lookup(nd[0])
		if err != nil {
			t.Fatal(err)
		}
		kinds[in.Kind]++
		switch in.Kind {
		case SDE:
			const paths = 20000
			x := make([]float64, paths)
			for i := range x {
				x[i] = 1
			}
			if _, err := in.SDE(ouDrift, ouNoise, x, 0, 1, 100, rand.New(rand.NewPCG(5, 6))); err != nil {
				t.Fatalf("%s: %v", in.Name, err)
			}
			m, v := 0.0, 0.0
			for _, y := range x {
				m += y
			}
			m /= paths
			for _, y := range x {
				v += (y - m) * (y - m)
			}
			v /= paths - 1
			wantV := -math.Expm1(-2)
			if math.Abs(m-math.Exp(-1)) > 4*math.Sqrt(wantV/paths)+0.02 || math.Abs(v-wantV) > 4*wantV*math.Sqrt(2.0/paths)+0.02 {
				t.Errorf("%s: mean %.4f, variance %.4f; want %.4f, %.4f", in.Name, m, v, math.Exp(-1), wantV)
			}
		case Symplectic:
			osc := Partials{
				GradX: func(dst, x, _ []float64) { copy(dst, x) },
				GradP: func(dst, _, p []float64) { copy(dst, p) },
			}
			x, p := []float64{1}, []float64{0}
			if err := in.Symplectic(osc, x, p, 0.01, 200); err != nil {
				t.Fatalf("%s: %v", in.Name, err)
			}
			if math.Abs(x[0]-math.Cos(2))+math.Abs(p[0]+math.Sin(2)) > 1e-4 {
				t.Errorf("%s: ends at (%g, %g), want (%g, %g)", in.Name, x[0], p[0], math.Cos(2), -math.Sin(2))
			}
		case ODE:
			if len(in.Tableau.B) == 0 {
				t.Errorf("%s: empty tableau", in.Name)
			}
		default:
			t.Errorf("%s: kind %v", in.Name, in.Kind)
		}
	}
	if kinds[ODE] != 9 || kinds[SDE] != 3 || kinds[Symplectic] != 2 {
		t.Errorf("kinds %v", kinds)
	}
	if Symplectic.String() != "symplectic" || Kind(7).String() != "Kind(7)" {
		t.Errorf("Kind.String: %v, %v", Symplectic, Kind(7))
	}
}

// TestSeparableLeapfrog: it is Leapfrog (the same numbers), and rejects
// bad arguments.
func TestSeparableLeapfrog(t *testing.T) {
	quartic := Partials{
		GradX: func(dst, x, _ []float64) {
			for j, v := range x {
				dst[j] = v * v * v
			}
		},
		GradP: func(dst, _, p []float64) { copy(dst, p) },
	}
	x, p := []float64{1, -0.5}, []float64{0.3, 0.2}
	if err := SeparableLeapfrog(quartic, x, p, 0.05, 30); err != nil {
		t.Fatal(err)
	}
	y, q := []float64{1, -0.5}, []float64{0.3, 0.2}
	g := []float64{1, -0.125}
	Leapfrog(y, q, g, []float64{0.05}, 30, func(x, p, h []float64) {
		for j := range x {
			x[j] += h[0] * p[j]
		}
	}, nil, func(g, x []float64) { quartic.GradX(g, x, nil) })
	for j := range x {
		if x[j] != y[j] || p[j] != q[j] {
			t.Fatalf("SeparableLeapfrog (%v, %v), Leapfrog (%v, %v)", x, p, y, q)
		}
	}
	if err := SeparableLeapfrog(quartic, x, p[:1], 0.1, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("mismatched lengths: %v", err)
	}
	if err := SeparableLeapfrog(quartic, x, p, 0.1, 0); err != nil || x[0] != y[0] {
		t.Errorf("0 steps: %v, moved to %v", err, x)
	}
}
