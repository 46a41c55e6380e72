package interpolant

import (
	"math"
	"testing"
)

// TestCoefficients: endpoints, derivatives against central differences, and
// α² + σ² = 1 for the variance-preserving paths.
func TestCoefficients(t *testing.T) {
	for name, p := range map[string]Interpolant{"linear": Linear{}, "cosine": Cosine{}, "vp": VariancePreserving{}} {
		a1, s1, _, _ := p.Coefficients(1)
		if math.Abs(a1-1) > 1e-12 || math.Abs(s1) > 1e-12 {
			t.Errorf("%s at t=1: α %g σ %g, want 1 and 0 (data)", name, a1, s1)
		}
		a0, s0, _, _ := p.Coefficients(0)
		if a0 > 0.01 || math.Abs(s0-1) > 1e-4 {
			t.Errorf("%s at t=0: α %g σ %g, want ≈0 and ≈1 (noise)", name, a0, s0)
		}
		for _, tt := range []float64{0.1, 0.37, 0.5, 0.83} {
			const h = 1e-6
			a, s, da, ds := p.Coefficients(tt)
			ap, sp, _, _ := p.Coefficients(tt + h)
			am, sm, _, _ := p.Coefficients(tt - h)
			if math.Abs(da-(ap-am)/(2*h)) > 1e-6*math.Max(1, math.Abs(da)) || math.Abs(ds-(sp-sm)/(2*h)) > 1e-6*math.Max(1, math.Abs(ds)) {
				t.Errorf("%s at %g: derivatives (%g, %g), finite differences (%g, %g)", name, tt, da, ds, (ap-am)/(2*h), (sp-sm)/(2*h))
			}
			if name != "linear" && math.Abs(a*a+s*s-1) > 1e-12 {
				t.Errorf("%s at %g: α² + σ² = %g", name, tt, a*a+s*s)
			}
		}
	}
}

func TestInterpolate(t *testing.T) {
	x0 := []float64{1, 2, -1, 0}
	x1 := []float64{3, 0, 1, 1}
	xt, ut := make([]float64, 4), make([]float64, 4)
	if err := Interpolate(Linear{}, xt, ut, x0, x1, []float64{0.25, 1}, 2); err != nil {
		t.Fatal(err)
	}
	want := []float64{1.5, 1.5, 1, 1}
	for i := range want {
		if math.Abs(xt[i]-want[i]) > 1e-15 || math.Abs(ut[i]-(x1[i]-x0[i])) > 1e-15 {
			t.Fatalf("x_t %v u_t %v", xt, ut)
		}
	}
	if err := Interpolate(Linear{}, xt, ut, x0, x1, []float64{0.5, 1.5}, 2); err == nil {
		t.Error("t = 1.5 accepted")
	}
	if err := Interpolate(Linear{}, xt, ut, x0, x1, []float64{0.5}, 2); err == nil {
		t.Error("mismatched buffers accepted")
	}
}
