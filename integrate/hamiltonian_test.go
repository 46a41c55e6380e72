package integrate

import (
	"math"
	"slices"
	"testing"
)

// oscillator is H = ½x² + ½p² in any dimension (x = cos t, p = −sin t from
// (1, 0)), for Leapfrog: ∇U(x) = x and drift x ← x + hp.
func oscillator() (drift func(x, p, h []float64), grad func(g, x []float64)) {
	drift = func(x, p, h []float64) {
		d := len(x) / len(h)
		for i, hi := range h {
			for j := i * d; j < (i+1)*d; j++ {
				x[j] += hi * p[j]
			}
		}
	}
	return drift, func(g, x []float64) { copy(g, x) }
}

// TestLeapfrog on the oscillator: order 2 at t = 2, reversibility to
// rounding, and, being symplectic, an energy error that stays below h² over
// 10⁴ steps instead of drifting.
func TestLeapfrog(t *testing.T) {
	drift, grad := oscillator()
	run := func(h float64, n int, x, p []float64) {
		Leapfrog(x, p, slices.Clone(x), []float64{h}, n, drift, nil, grad)
	}
	errAt := func(n int) float64 {
		x, p := []float64{1}, []float64{0}
		run(2/float64(n), n, x, p)
		return math.Hypot(x[0]-math.Cos(2), p[0]+math.Sin(2))
	}
	if got := math.Log2(errAt(32) / errAt(64)); math.Abs(got-2) > 0.35 {
		t.Errorf("measured order %.2f, want 2", got)
	}
	x, p := []float64{0.3, -1}, []float64{0.7, 0.2}
	run(0.1, 50, x, p)
	run(-0.1, 50, x, p)
	if math.Abs(x[0]-0.3)+math.Abs(x[1]+1)+math.Abs(p[0]-0.7)+math.Abs(p[1]-0.2) > 1e-12 {
		t.Errorf("50 steps forward and back end at %v, %v", x, p)
	}
	const h = 0.1
	x, p = []float64{1}, []float64{0}
	g := []float64{1}
	worst := 0.0
	for range 10000 {
		Leapfrog(x, p, g, []float64{h}, 1, drift, nil, grad)
		worst = math.Max(worst, math.Abs(0.5*(x[0]*x[0]+p[0]*p[0])-0.5))
	}
	if worst > h*h {
		t.Errorf("energy error up to %.3g over 10⁴ steps of %g", worst, h)
	}
}

// TestLeapfrogBatch: points of a batch move as they would alone, each with
// its own step, and L fused steps agree with L single ones to rounding.
func TestLeapfrogBatch(t *testing.T) {
	drift, grad := oscillator()
	x, p := []float64{1, 0.5, -0.3, 2}, []float64{0, 0.1, 0.4, -1}
	h := []float64{0.1, -0.05}
	xb, pb := slices.Clone(x), slices.Clone(p)
	Leapfrog(xb, pb, slices.Clone(xb), h, 7, drift, nil, grad)
	for i, hi := range h {
		xs, ps := slices.Clone(x[2*i:2*i+2]), slices.Clone(p[2*i:2*i+2])
		g := slices.Clone(xs)
		for range 7 {
			Leapfrog(xs, ps, g, []float64{hi}, 1, drift, nil, grad)
		}
		for j := range 2 {
			if math.Abs(xs[j]-xb[2*i+j]) > 1e-14 || math.Abs(ps[j]-pb[2*i+j]) > 1e-14 {
				t.Errorf("point %d: batch (%v, %v), alone (%v, %v)", i, xb[2*i:2*i+2], pb[2*i:2*i+2], xs, ps)
			}
		}
		// The exact solution, within the method's O(h²) error.
		c, s := math.Cos(7*hi), math.Sin(7*hi)
		want := x[2*i]*c + p[2*i]*s
		if math.Abs(xb[2*i]-want) > hi*hi {
			t.Errorf("point %d: x = %g, want %g", i, xb[2*i], want)
		}
	}
}

// riemann is the 1-D Hamiltonian H = ½x² + ½log G(x) + ½p²/G(x) with
// G(x) = 1 + c·x², Riemannian HMC's for a standard normal target; c = 0
// makes it the separable oscillator.
type riemann struct {
	c, x float64
	full bool
}

func (r *riemann) G() float64 { return 1 + r.c*r.x*r.x }

func (r *riemann) MoveTo(x []float64, full bool) bool { r.x, r.full = x[0], full; return true }
func (r *riemann) GradP(dst, p []float64)             { dst[0] = p[0] / r.G() }
func (r *riemann) GradX(dst, p []float64) {
	dg := 2 * r.c * r.x
	dst[0] = r.x + 0.5*dg/r.G() - 0.5*p[0]*p[0]*dg/(r.G()*r.G())
}
func (r *riemann) H(x, p float64) float64 {
	r.x = x
	return 0.5*x*x + 0.5*math.Log(r.G()) + 0.5*p*p/r.G()
}

// TestGeneralisedLeapfrog: on a separable H it is the leapfrog (the
// oscillator's cos t to order 2); on a position-dependent one it is
// reversible to the fixed point's tolerance and its energy error is of
// order 2 (H is conserved by the exact flow).
func TestGeneralisedLeapfrog(t *testing.T) {
	gl := &GeneralisedLeapfrog{FixedPoint: 40}
	errAt := func(n int) float64 {
		x, p := []float64{1}, []float64{0}
		H := &riemann{}
		H.MoveTo(x, true)
		if !gl.Integrate(x, p, 2/float64(n), n, H) {
			t.Fatal("undefined H")
		}
		return math.Hypot(x[0]-math.Cos(2), p[0]+math.Sin(2))
	}
	if got := math.Log2(errAt(32) / errAt(64)); math.Abs(got-2) > 0.35 {
		t.Errorf("separable: measured order %.2f, want 2", got)
	}
	const c = 0.8
	x, p := []float64{0.7}, []float64{1.1}
	H := &riemann{c: c}
	H.MoveTo(x, true)
	gl.Integrate(x, p, 0.1, 30, H)
	gl.Integrate(x, p, -0.1, 30, H)
	if math.Abs(x[0]-0.7)+math.Abs(p[0]-1.1) > 1e-10 {
		t.Errorf("30 steps forward and back end at %v, %v, want 0.7, 1.1", x, p)
	}
	energyErr := func(n int) float64 {
		x, p := []float64{0.7}, []float64{1.1}
		H := &riemann{c: c}
		h0 := H.H(x[0], p[0])
		H.MoveTo(x, true)
		gl.Integrate(x, p, 1.5/float64(n), n, H)
		return math.Abs(H.H(x[0], p[0]) - h0)
	}
	if got := math.Log2(energyErr(20) / energyErr(40)); math.Abs(got-2) > 0.35 {
		t.Errorf("position-dependent: energy error order %.2f, want 2", got)
	}
}
