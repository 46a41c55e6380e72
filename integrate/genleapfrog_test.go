package integrate

import (
	"errors"
	"math"
	"testing"
)

// metric2 is a Hamiltonian on R² with a position-dependent metric
// G(x) = diag(1 + x₂², 1 + x₁²) coupling the coordinates:
// H = ½|x|² + ½log|G(x)| + ½pᵀG(x)⁻¹p.
func metric2H(x, p []float64) float64 {
	g1, g2 := 1+x[1]*x[1], 1+x[0]*x[0]
	return 0.5*(x[0]*x[0]+x[1]*x[1]) + 0.5*math.Log(g1*g2) + 0.5*(p[0]*p[0]/g1+p[1]*p[1]/g2)
}

var metric2 = Partials{
	GradX: func(dst, x, p []float64) {
		g1, g2 := 1+x[1]*x[1], 1+x[0]*x[0]
		dst[0] = x[0] + x[0]/g2 - p[1]*p[1]*x[0]/(g2*g2)
		dst[1] = x[1] + x[1]/g1 - p[0]*p[0]*x[1]/(g1*g1)
	},
	GradP: func(dst, x, p []float64) {
		dst[0] = p[0] / (1 + x[1]*x[1])
		dst[1] = p[1] / (1 + x[0]*x[0])
	},
}

// TestMetric2Partials: the partials are those of metric2H (central
// differences, 1e-7).
func TestMetric2Partials(t *testing.T) {
	x, p := []float64{0.3, -1.2}, []float64{0.8, 0.5}
	gx, gp := make([]float64, 2), make([]float64, 2)
	metric2.GradX(gx, x, p)
	metric2.GradP(gp, x, p)
	const h = 1e-6
	for j := range 2 {
		for _, c := range []struct {
			v    []float64
			want float64
		}{{x, gx[j]}, {p, gp[j]}} {
			v0 := c.v[j]
			c.v[j] = v0 + h
			up := metric2H(x, p)
			c.v[j] = v0 - h
			down := metric2H(x, p)
			c.v[j] = v0
			if fd := (up - down) / (2 * h); math.Abs(fd-c.want) > 1e-7 {
				t.Errorf("coordinate %d: partial %g, finite difference %g", j, c.want, fd)
			}
		}
	}
}

// TestGeneralisedLeapfrogSolve: on metric2, solved to Tol 1e-14, the map
// is reversible (forward, flip the momentum, forward, flip: the start to
// 1e-10), symplectic (its Jacobian J by central differences keeps
// JᵀΩJ = Ω to 1e-6) and of order 2 in the energy (halving the step over
// [0, 1.5] divides |ΔH| by 4: measured order within 0.3 of 2).
func TestGeneralisedLeapfrogSolve(t *testing.T) {
	gl := &GeneralisedLeapfrog{Tol: 1e-14}
	x0, p0 := []float64{0.7, -0.4}, []float64{1.1, 0.6}
	x, p := append([]float64(nil), x0...), append([]float64(nil), p0...)
	if err := gl.Solve(metric2, x, p, 0.1, 40); err != nil {
		t.Fatal(err)
	}
	p[0], p[1] = -p[0], -p[1]
	if err := gl.Solve(metric2, x, p, 0.1, 40); err != nil {
		t.Fatal(err)
	}
	p[0], p[1] = -p[0], -p[1]
	if d := math.Abs(x[0]-x0[0]) + math.Abs(x[1]-x0[1]) + math.Abs(p[0]-p0[0]) + math.Abs(p[1]-p0[1]); d > 1e-10 {
		t.Errorf("40 steps, flip, 40 steps, flip: %v, %v, %.3g from the start", x, p, d)
	}

	// Symplecticity: the flow map z = (x, p) ↦ Φ(z) over 10 steps.
	flow := func(z []float64) []float64 {
		x, p := []float64{z[0], z[1]}, []float64{z[2], z[3]}
		if err := gl.Solve(metric2, x, p, 0.1, 10); err != nil {
			t.Fatal(err)
		}
		return []float64{x[0], x[1], p[0], p[1]}
	}
	z0 := []float64{x0[0], x0[1], p0[0], p0[1]}
	var J [4][4]float64
	const eps = 1e-5
	for k := range 4 {
		up, down := append([]float64(nil), z0...), append([]float64(nil), z0...)
		up[k] += eps
		down[k] -= eps
		fu, fd := flow(up), flow(down)
		for i := range 4 {
			J[i][k] = (fu[i] - fd[i]) / (2 * eps)
		}
	}
	// Ω = [[0, I], [−I, 0]]; (JᵀΩJ)ₐᵦ = Σᵢ J_{i,a}J_{i+2,b} − J_{i+2,a}J_{i,b}.
	for a := range 4 {
		for b := range 4 {
			got := 0.0
			for i := range 2 {
				got += J[i][a]*J[i+2][b] - J[i+2][a]*J[i][b]
			}
			want := 0.0
			if b == a+2 {
				want = 1
			} else if a == b+2 {
				want = -1
			}
			if math.Abs(got-want) > 1e-6 {
				t.Errorf("(JᵀΩJ)[%d][%d] = %.9f, want %g", a, b, got, want)
			}
		}
	}

	energyErr := func(n int) float64 {
		x, p := append([]float64(nil), x0...), append([]float64(nil), p0...)
		if err := gl.Solve(metric2, x, p, 1.5/float64(n), n); err != nil {
			t.Fatal(err)
		}
		return math.Abs(metric2H(x, p) - metric2H(x0, p0))
	}
	for _, n := range []int{20, 40} {
		e1, e2 := energyErr(n), energyErr(2*n)
		got := math.Log2(e1 / e2)
		t.Logf("%d → %d steps: |ΔH| %.4g → %.4g, order %.3f", n, 2*n, e1, e2, got)
		if math.Abs(got-2) > 0.3 {
			t.Errorf("%d → %d steps: energy error order %.3f, want 2", n, 2*n, got)
		}
	}
}

// TestGeneralisedLeapfrogSolveInvalid: bad arguments, a fixed point that
// cannot converge, and a blow-up are errors wrapping ErrInvalid.
func TestGeneralisedLeapfrogSolveInvalid(t *testing.T) {
	x, p := []float64{0.7, -0.4}, []float64{1.1, 0.6}
	for name, err := range map[string]error{
		"no partials":       (&GeneralisedLeapfrog{}).Solve(Partials{GradX: metric2.GradX}, x, p, 0.1, 1),
		"lengths":           (&GeneralisedLeapfrog{}).Solve(metric2, x, p[:1], 0.1, 1),
		"steps":             (&GeneralisedLeapfrog{}).Solve(metric2, x, p, 0.1, -1),
		"tolerance unmet":   (&GeneralisedLeapfrog{Tol: 1e-14, FixedPoint: 3}).Solve(metric2, []float64{0.7, -0.4}, []float64{1.1, 0.6}, 0.1, 5),
		"non-finite states": (&GeneralisedLeapfrog{}).Solve(metric2, []float64{0.7, -0.4}, []float64{1e200, 0.6}, 0.1, 5),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
