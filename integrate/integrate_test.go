package integrate

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// growth is dx/dt = x·cos t, solved by x₀·exp(sin t); a batch of three
// starting values.
func growth(dst []float64, t float64, x []float64) {
	for i, v := range x {
		dst[i] = v * math.Cos(t)
	}
}

func growthError(tb Tableau, n int) float64 {
	x := []float64{1, -0.5, 2}
	x0 := append([]float64(nil), x...)
	Solve(tb, growth, x, 0, 2, n)
	e := 0.0
	for i, v := range x {
		e = math.Max(e, math.Abs(v-x0[i]*math.Exp(math.Sin(2))))
	}
	return e
}

// TestConvergenceOrder: halving the step divides the error by 2^order; the
// measured order must be within 0.35 of the method's.
func TestConvergenceOrder(t *testing.T) {
	for _, c := range []struct {
		tb Tableau
		n  int // coarse steps: fine enough to be asymptotic, coarse enough to stay above rounding
	}{
		{Euler, 64}, {Midpoint, 32}, {Heun, 32}, {RK4, 16}, {RK38, 16},
		{AdaptiveHeun, 32}, {BogackiShampine, 16}, {DormandPrince, 8}, {DormandPrince853, 4},
	} {
		e1, e2 := growthError(c.tb, c.n), growthError(c.tb, 2*c.n)
		if got := math.Log2(e1 / e2); math.Abs(got-float64(c.tb.Order)) > 0.35 {
			t.Errorf("%s: measured order %.2f (errors %.3g, %.3g), want %d", c.tb.Name, got, e1, e2, c.tb.Order)
		}
	}
}

// relax is dx/dt = −50(x − cos t): a fast transient, then a slow drift.
func relax(dst []float64, t float64, x []float64) {
	for i, v := range x {
		dst[i] = -50 * (v - math.Cos(t))
	}
}

// relaxExact solves relax from x(0) = x₀ in closed form.
func relaxExact(x0, t float64) float64 {
	const k = 50.0
	// x = A e^{−kt} + (k² cos t + k sin t)/(k² + 1)
	p := func(t float64) float64 { return (k*k*math.Cos(t) + k*math.Sin(t)) / (k*k + 1) }
	return (x0-p(0))*math.Exp(-k*t) + p(t)
}

// TestAdaptiveBeatsFixed: Dormand–Prince with error control meets its
// tolerance with fewer evaluations than fixed-step RK4 needs for the same
// accuracy, and tighter tolerances give smaller errors.
func TestAdaptiveBeatsFixed(t *testing.T) {
	errAt := func(x []float64) float64 { return math.Abs(x[0] - relaxExact(3, 3)) }
	x := []float64{3}
	st, err := SolveAdaptive(DormandPrince, relax, x, 0, 3, Adaptive{RTol: 1e-7, ATol: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	ea := errAt(x)
	if ea > 1e-5 {
		t.Fatalf("adaptive error %.3g with tolerance 1e-7", ea)
	}
	n := 16
	for ; n < 1<<20; n *= 2 {
		y := []float64{3}
		Solve(RK4, relax, y, 0, 3, n)
		if errAt(y) <= ea {
			break
		}
	}
	if fixed := 4 * n; st.Evals >= fixed {
		t.Errorf("adaptive used %d evaluations, fixed RK4 %d for the same accuracy", st.Evals, fixed)
	}
	// Tighter tolerance, smaller error, for every embedded pair.
	for _, tb := range []Tableau{AdaptiveHeun, BogackiShampine, DormandPrince} {
		loose, tight := []float64{3}, []float64{3}
		SolveAdaptive(tb, relax, loose, 0, 3, Adaptive{RTol: 1e-4, ATol: 1e-6})
		SolveAdaptive(tb, relax, tight, 0, 3, Adaptive{RTol: 1e-7, ATol: 1e-9})
		if !(errAt(tight) < errAt(loose)) || errAt(tight) > 1e-4 {
			t.Errorf("%s: errors %.3g (loose) and %.3g (tight)", tb.Name, errAt(loose), errAt(tight))
		}
	}
	// Integrating backwards returns to the start.
	y := []float64{relaxExact(3, 1)}
	SolveAdaptive(DormandPrince, growth, y, 1, 0, Adaptive{})
	if math.Abs(y[0]-relaxExact(3, 1)*math.Exp(math.Sin(0)-math.Sin(1))) > 1e-6 {
		t.Errorf("backward solve: %g", y[0])
	}
}

// TestOrnsteinUhlenbeck: dx = −θx dt + σ dW from x₀ has mean x₀e^{−θT} and
// variance σ²(1 − e^{−2θT})/(2θ); Euler–Maruyama with 200 steps over 20000
// paths matches both within 5 standard errors plus its O(h) bias.
func TestOrnsteinUhlenbeck(t *testing.T) {
	const theta, sigma, x0, T, paths, steps = 1.5, 0.8, 2.0, 1.0, 20000, 200
	x := make([]float64, paths)
	for i := range x {
		x[i] = x0
	}
	f := func(dst []float64, _ float64, x []float64) {
		for i, v := range x {
			dst[i] = -theta * v
		}
	}
	g := func(dst []float64, _ float64, _ []float64) {
		for i := range dst {
			dst[i] = sigma
		}
	}
	if _, err := EulerMaruyama(f, g, x, 0, T, steps, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	mean, m2 := 0.0, 0.0
	for _, v := range x {
		mean += v / paths
	}
	for _, v := range x {
		m2 += (v - mean) * (v - mean) / (paths - 1)
	}
	wantMean := x0 * math.Exp(-theta*T)
	wantVar := sigma * sigma * (1 - math.Exp(-2*theta*T)) / (2 * theta)
	h := T / steps
	if math.Abs(mean-wantMean) > 5*math.Sqrt(wantVar/paths)+theta*h*x0 {
		t.Errorf("mean %.4f, want %.4f", mean, wantMean)
	}
	if math.Abs(m2-wantVar) > 5*wantVar*math.Sqrt(2.0/paths)+theta*h*wantVar {
		t.Errorf("variance %.4f, want %.4f", m2, wantVar)
	}
}

func TestInvalid(t *testing.T) {
	x := []float64{1}
	if _, err := Solve(RK4, growth, x, 0, 1, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 steps: %v", err)
	}
	if _, err := SolveAdaptive(RK4, growth, x, 0, 1, Adaptive{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("RK4 has no error estimate: %v", err)
	}
	if _, err := SolveAdaptive(DormandPrince, relax, x, 0, 100, Adaptive{MaxSteps: 5}); !errors.Is(err, ErrInvalid) {
		t.Errorf("step budget: %v", err)
	}
	if len(Methods) != 9 {
		t.Errorf("%d methods listed", len(Methods))
	}
}

// TestBackwardEuler: as an ODE method it is of order 1 on growth; on the
// Ornstein–Uhlenbeck SDE dx = −θx dt + σ dW its stationary variance is
// σ²/(θ(2 + θh)) exactly (x' = (x + σΔW)/(1 + θh)), below the true σ²/(2θ)
// where explicit Euler–Maruyama's σ²/(θ(2 − θh)) is above it; at θh = ½
// the three differ by far more than the Monte-Carlo error of 20000 paths.
func TestBackwardEuler(t *testing.T) {
	errAt := func(n int) float64 {
		x := []float64{1, -0.5, 2}
		if _, err := BackwardEulerMaruyama(growth, nil, x, 0, 2, n, nil, Implicit{}); err != nil {
			t.Fatal(err)
		}
		e := 0.0
		for i, v := range x {
			e = math.Max(e, math.Abs(v-[]float64{1, -0.5, 2}[i]*math.Exp(math.Sin(2))))
		}
		return e
	}
	if got := math.Log2(errAt(64) / errAt(128)); math.Abs(got-1) > 0.35 {
		t.Errorf("backward Euler: measured order %.2f, want 1", got)
	}
	const theta, sigma, h, paths = 5.0, 1.0, 0.1, 20000
	x := make([]float64, paths)
	f := func(dst []float64, _ float64, x []float64) {
		for i, v := range x {
			dst[i] = -theta * v
		}
	}
	g := func(dst []float64, _ float64, _ []float64) {
		for i := range dst {
			dst[i] = sigma
		}
	}
	if _, err := BackwardEulerMaruyama(f, g, x, 0, 100*h, 100, rand.New(rand.NewPCG(2, 2)), Implicit{}); err != nil {
		t.Fatal(err)
	}
	v := 0.0
	for _, xi := range x {
		v += xi * xi / paths
	}
	want := sigma * sigma / (theta * (2 + theta*h))
	if math.Abs(v-want) > 5*want*math.Sqrt(2.0/paths) {
		t.Errorf("stationary variance %.5f, want %.5f (exact OU %.5f)", v, want, sigma*sigma/(2*theta))
	}
	// θh = 2 is beyond the fixed-point iteration's reach: an error, not garbage.
	if _, err := BackwardEulerMaruyama(f, nil, []float64{1}, 0, 0.4, 1, nil, Implicit{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a step the iteration cannot solve: %v", err)
	}
}
