package integrate

import (
	"math"
	"testing"
)

// TestFold: reflections at one face, at both, many times, and at an open side.
func TestFold(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		x, lo, hi, want float64
		flip            bool
	}{
		{0.4, 0, 1, 0.4, false},
		{1.3, 0, 1, 0.7, true},
		{-0.2, 0, 1, 0.2, true},
		{2.3, 0, 1, 0.3, false},  // off 1, then off 0
		{-1.4, 0, 1, 0.6, false}, // off 0, then off 1
		{3.25, 0, 1, 0.75, true},
		{-3, -1, inf, 1, true},
		{5, -inf, 2, -1, true},
		{-7, -inf, inf, -7, false},
	} {
		got, flip := fold(c.x, c.lo, c.hi)
		if math.Abs(got-c.want) > 1e-12 || flip != c.flip {
			t.Errorf("fold(%g, [%g, %g]) = %g, %v; want %g, %v", c.x, c.lo, c.hi, got, flip, c.want, c.flip)
		}
	}
}

// TestReflectedLeapfrog: an oscillator centred in the unit square, with
// momenta large enough to hit the walls several times per trajectory. The
// reflected leapfrog is reversible to rounding (−h undoes h) and preserves
// volume: the Jacobian of one step, by central differences, has determinant
// ±1. Its energy error is of order h per wall hit (the two half kicks around
// a hit no longer cancel) rather than h², so it shrinks tenfold with h.
func TestReflectedLeapfrog(t *testing.T) {
	box := Box{Lo: []float64{0, 0}, Hi: []float64{1, 1}}
	drift, _ := oscillator()
	grad := func(g, x []float64) {
		for j := range x {
			g[j] = 10 * (x[j] - 0.5)
		}
	}
	energy := func(x, p []float64) float64 {
		h := 0.0
		for j := range x {
			h += 5*(x[j]-0.5)*(x[j]-0.5) + p[j]*p[j]/2
		}
		return h
	}
	x, p := []float64{0.3, 0.9}, []float64{7, -5}
	g := make([]float64, 2)
	grad(g, x)
	h0 := energy(x, p)
	hits := 0
	wall := func(x, p []float64) {
		for _, v := range x {
			if v < 0 || v > 1 {
				hits++
			}
		}
		box.Reflect(x, p)
	}
	for _, h := range []float64{0.001, 0.0001} {
		x, p := []float64{0.3, 0.9}, []float64{7, -5}
		grad(g, x)
		Leapfrog(x, p, g, []float64{h}, int(3/h), drift, wall, grad)
		if e := math.Abs(energy(x, p) - h0); e > 400*h {
			t.Errorf("energy error %.3g after time 3 in reflected steps of %g", e, h)
		}
	}
	hits = 0
	grad(g, x)
	Leapfrog(x, p, g, []float64{0.01}, 300, drift, wall, grad)
	if hits < 4 {
		t.Fatalf("only %d wall hits: the test does not exercise the wall", hits)
	}
	Leapfrog(x, p, g, []float64{-0.01}, 300, drift, wall, grad)
	if d := math.Abs(x[0]-0.3) + math.Abs(x[1]-0.9) + math.Abs(p[0]-7) + math.Abs(p[1]+5); d > 1e-9 {
		t.Errorf("300 steps forward and back end %.3g away: %v, %v", d, x, p)
	}

	// One step in 1-D from a point that crosses the face at 1.
	step := func(z [2]float64) [2]float64 {
		x, p := []float64{z[0]}, []float64{z[1]}
		g := make([]float64, 1)
		grad(g, x)
		Leapfrog(x, p, g, []float64{0.1}, 1, drift, Box{Lo: []float64{0}, Hi: []float64{1}}.Reflect, grad)
		return [2]float64{x[0], p[0]}
	}
	z := [2]float64{0.95, 2}
	if out := step(z); out[1] > 0 {
		t.Fatalf("step from %v did not reflect: %v", z, out)
	}
	var jac [2][2]float64
	const eps = 1e-6
	for c := range 2 {
		zp, zm := z, z
		zp[c] += eps
		zm[c] -= eps
		a, b := step(zp), step(zm)
		for r := range 2 {
			jac[r][c] = (a[r] - b[r]) / (2 * eps)
		}
	}
	if det := jac[0][0]*jac[1][1] - jac[0][1]*jac[1][0]; math.Abs(math.Abs(det)-1) > 1e-6 {
		t.Errorf("Jacobian determinant %.9f, want ±1", det)
	}
}

// TestClamp puts coordinates outside onto the faces and stops their momenta.
func TestClamp(t *testing.T) {
	b := Box{Lo: []float64{0, math.Inf(-1)}, Hi: []float64{1, 2}}
	x, p := []float64{1.5, -9, -0.5, 3}, []float64{1, 1, 1, 1}
	b.Clamp(x, p)
	if want := []float64{1, -9, 0, 2}; x[0] != want[0] || x[1] != want[1] || x[2] != want[2] || x[3] != want[3] {
		t.Errorf("clamped to %v, want %v", x, want)
	}
	if p[0] != 0 || p[1] != 1 || p[2] != 0 || p[3] != 0 {
		t.Errorf("momenta %v, want 0 where clamped", p)
	}
}
