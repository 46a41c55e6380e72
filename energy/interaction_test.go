package energy

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestInteraction checks the interacting energy against Wᵢ written out as
// its sum over pairs, and the gradient against central differences of the
// batch's summed energy (the gradient the samplers follow), to 1e-6
// relative: differences of step 1e-5 on values of order 10 are good to
// about 1e-9 absolute.
func TestInteraction(t *testing.T) {
	const n, d, s, sigma = 5, 3, 0.3, 1.5
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	v := DoubleWell{}
	in, err := NewInteraction(v, s, sigma)
	if err != nil {
		t.Fatal(err)
	}
	if !IsJoint(in) || IsJoint(Interaction{V: v, Bandwidth: 1}) {
		t.Errorf("Joint: %v with strength %g, %v with 0", IsJoint(in), s, IsJoint(Interaction{V: v, Bandwidth: 1}))
	}
	e, g := make([]float64, n), make([]float64, n*d)
	in.Grad(e, g, x, d)
	base := make([]float64, n)
	v.Energy(base, x, d)
	for i := range n {
		w := 0.0
		for j := range n {
			for k := range d {
				r := x[i*d+k] - x[j*d+k]
				w += r * r
			}
		}
		want := base[i] - 0.5*s/(sigma*sigma)*w
		if math.Abs(e[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("E[%d] = %.15g, want V − W = %.15g", i, e[i], want)
		}
	}
	e2 := make([]float64, n)
	in.Energy(e2, x, d)
	for i := range e {
		if e2[i] != e[i] {
			t.Errorf("Energy[%d] = %g, Grad's %g", i, e2[i], e[i])
		}
	}
	sum := func() float64 {
		in.Energy(e2, x, d)
		t := 0.0
		for _, v := range e2 {
			t += v
		}
		return t
	}
	const h = 1e-5
	for j := range x {
		x0 := x[j]
		x[j] = x0 + h
		up := sum()
		x[j] = x0 - h
		down := sum()
		x[j] = x0
		fd := (up - down) / (2 * h)
		if math.Abs(g[j]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂ΣE/∂x[%d] = %.10g, finite difference %.10g", j, g[j], fd)
		}
	}
	for _, c := range []struct{ s, sigma float64 }{{-1, 1}, {1, 0}, {1, -2}, {math.NaN(), 1}, {1, math.Inf(1)}, {math.Inf(1), 1}} {
		if _, err := NewInteraction(v, c.s, c.sigma); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewInteraction(s %g, σ %g): %v, want ErrInvalid", c.s, c.sigma, err)
		}
	}
	if _, err := NewInteraction(nil, 1, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewInteraction without V: %v, want ErrInvalid", err)
	}
	sumE, _ := NewSum([]Energy{in, Harmonic{}}, []float64{1, 1})
	if !IsJoint(sumE) || !IsJoint(Tempered{E: in, T: 2}) || IsJoint(Tempered{E: v, T: 2}) {
		t.Error("Sum and Tempered do not pass Joint on")
	}
}
