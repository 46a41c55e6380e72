package integrate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// ErrInvalid is wrapped by errors about invalid settings.
var ErrInvalid = errors.New("invalid integration setting")

// Drift is the right-hand side f of dx/dt = f(t, x): it writes f(t, x) into
// dst for the batched state x (len(dst) == len(x)).
type Drift func(dst []float64, t float64, x []float64)

// Tableau is an explicit Runge–Kutta method: stages cᵢ, coefficients aᵢⱼ
// (j < i), weights b, and for embedded pairs the weights bHat of the
// lower-order solution used to estimate the error.
//
// A method may carry a second embedded solution, BHat2, of a still lower
// order, as Hairer's DOP853 does (orders 5 and 3 under 8). Its error
// estimate is then the two combined, ‖e₅‖²/√(‖e₅‖² + 0.01‖e₃‖²): with
// e₅ = O(h⁶) and e₃ = O(h⁴) it behaves as O(h⁸), so it measures the
// order-8 solution's error rather than over-stating it as e₅ alone would,
// and the step is steered with the exponent 1/Order rather than
// 1/(LowerOrder+1) (Hairer, Nørsett and Wanner, Solving ODEs I, §II.10;
// Hairer's code DOP853).
type Tableau struct {
	Name       string
	Order      int // of the solution the method advances
	LowerOrder int // of the embedded solution; 0 when there is none
	C          []float64
	A          [][]float64
	B, BHat    []float64
	// BHat2 are the weights of a second embedded solution (nil: none).
	BHat2 []float64
}

// The methods.
var (
	Euler    = Tableau{Name: "euler", Order: 1, C: []float64{0}, A: [][]float64{{}}, B: []float64{1}}
	Midpoint = Tableau{Name: "midpoint", Order: 2, C: []float64{0, 0.5}, A: [][]float64{{}, {0.5}}, B: []float64{0, 1}}
	Heun     = Tableau{Name: "heun", Order: 2, C: []float64{0, 1}, A: [][]float64{{}, {1}}, B: []float64{0.5, 0.5}}
	RK4      = Tableau{Name: "rk4", Order: 4, C: []float64{0, 0.5, 0.5, 1},
		A: [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}}, B: []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}}
	RK38 = Tableau{Name: "rk38", Order: 4, C: []float64{0, 1.0 / 3, 2.0 / 3, 1},
		A: [][]float64{{}, {1.0 / 3}, {-1.0 / 3, 1}, {1, -1, 1}}, B: []float64{1.0 / 8, 3.0 / 8, 3.0 / 8, 1.0 / 8}}
	AdaptiveHeun = Tableau{Name: "adaptive_heun", Order: 2, LowerOrder: 1, C: []float64{0, 1},
		A: [][]float64{{}, {1}}, B: []float64{0.5, 0.5}, BHat: []float64{1, 0}}
	BogackiShampine = Tableau{Name: "bosh3", Order: 3, LowerOrder: 2, C: []float64{0, 0.5, 0.75, 1},
		A:    [][]float64{{}, {0.5}, {0, 0.75}, {2.0 / 9, 1.0 / 3, 4.0 / 9}},
		B:    []float64{2.0 / 9, 1.0 / 3, 4.0 / 9, 0},
		BHat: []float64{7.0 / 24, 0.25, 1.0 / 3, 0.125}}
	DormandPrince = Tableau{Name: "dopri5", Order: 5, LowerOrder: 4, C: []float64{0, 0.2, 0.3, 0.8, 8.0 / 9, 1, 1},
		A: [][]float64{{}, {0.2}, {3.0 / 40, 9.0 / 40}, {44.0 / 45, -56.0 / 15, 32.0 / 9},
			{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
			{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
			{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}},
		B:    []float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0},
		BHat: []float64{5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40}}
	// DormandPrince853 is Dormand and Prince's order-8 method with Hairer's
	// embedded solutions of orders 5 and 3 (DOP853), twelve stages a step.
	DormandPrince853 = dop853()
)

// Methods lists the tableaux by name.
var Methods = map[string]Tableau{}

func init() {
	for _, t := range []Tableau{Euler, Midpoint, Heun, RK4, RK38, AdaptiveHeun, BogackiShampine, DormandPrince, DormandPrince853} {
		Methods[t.Name] = t
	}
}

// Stats reports a solve.
type Stats struct {
	Steps, Rejected, Evals int
}

// workspace holds the stage slopes and the trial state.
type workspace struct {
	k   [][]float64
	tmp []float64
}

func newWorkspace(stages, n int) *workspace {
	w := &workspace{tmp: make([]float64, n)}
	for range stages {
		w.k = append(w.k, make([]float64, n))
	}
	return w
}

// step computes the stages of one step of size h from (t, x) and writes the
// method's solution into out and, for embedded pairs, the error estimate
// (solution minus embedded solution) into errOut and, where the method has
// a second embedded solution, its estimate into errOut2.
func (tb Tableau) step(f Drift, t, h float64, x, out, errOut, errOut2 []float64, w *workspace) {
	for i := range tb.C {
		copy(w.tmp, x)
		for j, a := range tb.A[i] {
			if a != 0 {
				for m := range w.tmp {
					w.tmp[m] += h * a * w.k[j][m]
				}
			}
		}
		f(w.k[i], t+tb.C[i]*h, w.tmp)
	}
	copy(out, x)
	for i, b := range tb.B {
		if b != 0 {
			for m := range out {
				out[m] += h * b * w.k[i][m]
			}
		}
	}
	w.estimate(errOut, tb.B, tb.BHat, h)
	w.estimate(errOut2, tb.B, tb.BHat2, h)
}

// estimate writes h·Σᵢ (bᵢ − b̂ᵢ)kᵢ, the difference of two solutions from
// the stages in w, into dst (nil: nothing).
func (w *workspace) estimate(dst, b, bHat []float64, h float64) {
	if dst == nil {
		return
	}
	clear(dst)
	for i := range b {
		if d := b[i] - bHat[i]; d != 0 {
			for m := range dst {
				dst[m] += h * d * w.k[i][m]
			}
		}
	}
}

// errorRatio is the step's estimated error relative to the tolerance
// atol + rtol·max(|x|, |out|) in the root-mean-square norm: ‖e‖, or with a
// second estimate e₂ the combination ‖e‖²/√(‖e‖² + 0.01‖e₂‖²).
func errorRatio(x, out, e, e2 []float64, rtol, atol float64) float64 {
	r, r2 := 0.0, 0.0
	for m := range e {
		sc := atol + rtol*math.Max(math.Abs(x[m]), math.Abs(out[m]))
		r += (e[m] / sc) * (e[m] / sc)
		if e2 != nil {
			r2 += (e2[m] / sc) * (e2[m] / sc)
		}
	}
	r /= float64(len(e))
	if e2 == nil {
		return math.Sqrt(r)
	}
	r2 /= float64(len(e))
	if r == 0 {
		return 0
	}
	return r / math.Sqrt(r+0.01*r2)
}

// errorExponent is the power of the error ratio by which the step size
// scales: 1/(q+1) for the lower order q, or 1/Order when two estimates are
// combined.
func (tb Tableau) errorExponent() float64 {
	if tb.BHat2 != nil {
		return 1 / float64(tb.Order)
	}
	return 1 / float64(tb.LowerOrder+1)
}

// Solve integrates from x (updated in place) at time t0 to t1 in n equal
// steps (t1 < t0 integrates backwards).
func Solve(tb Tableau, f Drift, x []float64, t0, t1 float64, n int) (Stats, error) {
	if n < 1 || math.IsNaN(t0) || math.IsNaN(t1) {
		return Stats{}, fmt.Errorf("integrate: %d steps from %g to %g: %w", n, t0, t1, ErrInvalid)
	}
	w := newWorkspace(len(tb.C), len(x))
	out := make([]float64, len(x))
	h := (t1 - t0) / float64(n)
	for i := range n {
		tb.step(f, t0+float64(i)*h, h, x, out, nil, nil, w)
		copy(x, out)
	}
	return Stats{Steps: n, Evals: n * len(tb.C)}, nil
}

// Adaptive sets the error control of SolveAdaptive.
type Adaptive struct {
	// RTol and ATol bound each step's estimated error; 0 means 1e-6 and
	// 1e-9.
	RTol, ATol float64
	// H0 is the first step's size; 0 means (t1 − t0)/100.
	H0 float64
	// MaxSteps bounds the accepted and rejected steps; 0 means 100000.
	MaxSteps int
}

// SolveAdaptive integrates from x (in place) at t0 to t1 with an embedded
// pair, choosing step sizes so that each step's estimated error stays within
// the tolerances.
func SolveAdaptive(tb Tableau, f Drift, x []float64, t0, t1 float64, a Adaptive) (Stats, error) {
	if tb.LowerOrder == 0 {
		return Stats{}, fmt.Errorf("integrate: %s has no embedded error estimate: %w", tb.Name, ErrInvalid)
	}
	rtol, atol, maxSteps := a.RTol, a.ATol, a.MaxSteps
	if rtol == 0 {
		rtol = 1e-6
	}
	if atol == 0 {
		atol = 1e-9
	}
	if maxSteps == 0 {
		maxSteps = 100000
	}
	if rtol < 0 || atol < 0 || math.IsNaN(t0) || math.IsNaN(t1) {
		return Stats{}, fmt.Errorf("integrate: tolerances %g, %g: %w", rtol, atol, ErrInvalid)
	}
	dir := math.Copysign(1, t1-t0)
	h := a.H0
	if h == 0 {
		h = (t1 - t0) / 100
	}
	h = dir * math.Abs(h)
	w := newWorkspace(len(tb.C), len(x))
	out, est := make([]float64, len(x)), make([]float64, len(x))
	var est2 []float64
	if tb.BHat2 != nil {
		est2 = make([]float64, len(x))
	}
	var st Stats
	t := t0
	for dir*(t1-t) > 0 {
		if st.Steps+st.Rejected >= maxSteps {
			return st, fmt.Errorf("integrate: %d steps reached at t = %g of %g: %w", maxSteps, t, t1, ErrInvalid)
		}
		if dir*(t+h-t1) > 0 {
			h = t1 - t
		}
		tb.step(f, t, h, x, out, est, est2, w)
		st.Evals += len(tb.C)
		ratio := errorRatio(x, out, est, est2, rtol, atol)
		if math.IsNaN(ratio) {
			return st, fmt.Errorf("integrate: non-finite state at t = %g: %w", t, ErrInvalid)
		}
		if ratio <= 1 {
			t += h
			copy(x, out)
			st.Steps++
		} else {
			st.Rejected++
		}
		fac := 5.0
		if ratio > 0 {
			fac = math.Min(5, math.Max(0.2, 0.9*math.Pow(ratio, -tb.errorExponent())))
		}
		h *= fac
	}
	return st, nil
}

// EulerMaruyama integrates the SDE dx = f(t, x)dt + g(t, x)⊙dW from x (in
// place) at t0 to t1 in n steps, g diagonal (written into dst like f), the
// Wiener increments drawn from rng.
func EulerMaruyama(f, g Drift, x []float64, t0, t1 float64, n int, rng *rand.Rand) (Stats, error) {
	if n < 1 {
		return Stats{}, fmt.Errorf("integrate: %d steps: %w", n, ErrInvalid)
	}
	h := (t1 - t0) / float64(n)
	sq := math.Sqrt(math.Abs(h))
	drift, diff := make([]float64, len(x)), make([]float64, len(x))
	for i := range n {
		t := t0 + float64(i)*h
		f(drift, t, x)
		g(diff, t, x)
		for m := range x {
			x[m] += h*drift[m] + diff[m]*sq*rng.NormFloat64()
		}
	}
	return Stats{Steps: n, Evals: 2 * n}, nil
}

// Implicit sets the fixed-point solve of BackwardEulerMaruyama.
type Implicit struct {
	// MaxIter bounds the iterations per step; 0 means 50.
	MaxIter int
	// Tol is the largest change of any coordinate at convergence; 0 means
	// 1e-12.
	Tol float64
}

// BackwardEulerMaruyama integrates dx = f(t, x)dt + g(t, x)⊙dW from x (in
// place) at t0 to t1 in n steps, implicit in the drift and explicit in the
// noise:
//
//	x' = x + h·f(t + h, x') + g(t, x)⊙ΔW,
//
// solved by fixed-point iteration from the explicit step. It stays stable
// on stiff, strongly contracting drifts where the explicit method blows up
// (for dx = −λx dt it contracts for any h > 0), but the iteration itself
// converges only when h times the drift's Lipschitz constant is below 1; an
// error says when it did not. With g nil it is the backward Euler method for
// ODEs (and draws nothing from rng, which may then be nil).
func BackwardEulerMaruyama(f, g Drift, x []float64, t0, t1 float64, n int, rng *rand.Rand, im Implicit) (Stats, error) {
	maxIter, tol := im.MaxIter, im.Tol
	if maxIter == 0 {
		maxIter = 50
	}
	if tol == 0 {
		tol = 1e-12
	}
	if n < 1 || maxIter < 1 || !(tol > 0) || (g != nil && rng == nil) {
		return Stats{}, fmt.Errorf("integrate: %d steps, %d iterations, tolerance %g (noise needs an rng): %w", n, maxIter, tol, ErrInvalid)
	}
	h := (t1 - t0) / float64(n)
	sq := math.Sqrt(math.Abs(h))
	base, next, drift, diff := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	var st Stats
	for i := range n {
		t := t0 + float64(i)*h
		copy(base, x)
		if g != nil {
			g(diff, t, x)
			st.Evals++
			for m := range base {
				base[m] += diff[m] * sq * rng.NormFloat64()
			}
		}
		f(drift, t, x)
		st.Evals++
		for m := range next {
			next[m] = base[m] + h*drift[m]
		}
		converged := false
		for range maxIter {
			f(drift, t+h, next)
			st.Evals++
			change := 0.0
			for m := range next {
				v := base[m] + h*drift[m]
				change = math.Max(change, math.Abs(v-next[m]))
				next[m] = v
			}
			if change <= tol {
				converged = true
				break
			}
			if math.IsNaN(change) || math.IsInf(change, 0) {
				break
			}
		}
		if !converged {
			return st, fmt.Errorf("integrate: the implicit step at t = %g did not converge in %d iterations (step %g too large for the drift's Lipschitz constant?): %w", t, maxIter, h, ErrInvalid)
		}
		copy(x, next)
		st.Steps++
	}
	return st, nil
}
