package interpolant

import (
	"fmt"
	"math"
)

// Interpolant gives the path's coefficients at a time t ∈ [0, 1].
type Interpolant interface {
	// Coefficients returns α(t), σ(t), α′(t) and σ′(t).
	Coefficients(t float64) (alpha, sigma, dAlpha, dSigma float64)
}

// Linear is the straight path α = t, σ = 1 − t (rectified flow, flow matching).
type Linear struct{}

// Coefficients of the straight path.
func (Linear) Coefficients(t float64) (float64, float64, float64, float64) { return t, 1 - t, 1, -1 }

// Cosine is the trigonometric path α = sin(πt/2), σ = cos(πt/2), with
// α² + σ² = 1.
type Cosine struct{}

// Coefficients of the cosine path.
func (Cosine) Coefficients(t float64) (float64, float64, float64, float64) {
	s, c := math.Sincos(math.Pi * t / 2)
	return s, c, math.Pi / 2 * c, -math.Pi / 2 * s
}

// VariancePreserving is the path of the VP diffusion (Song et al. 2021)
// with a linear noise schedule from SigmaMin to SigmaMax (zero values: 0.1
// and 20), α² + σ² = 1.
type VariancePreserving struct{ SigmaMin, SigmaMax float64 }

// Coefficients of the VP path.
func (v VariancePreserving) Coefficients(t float64) (float64, float64, float64, float64) {
	b0, b1 := v.SigmaMin, v.SigmaMax
	if b0 == 0 && b1 == 0 {
		b0, b1 = 0.1, 20
	}
	s := 1 - t
	m := -0.25*s*s*(b1-b0) - 0.5*s*b0
	alpha := math.Exp(m)
	// dm/dt = −dm/ds = ½s(β₁ − β₀) + ½β₀
	dm := 0.5*s*(b1-b0) + 0.5*b0
	dAlpha := alpha * dm
	sigma := math.Sqrt(math.Max(0, 1-alpha*alpha))
	dSigma := 0.0
	if sigma > 0 {
		dSigma = -alpha * dAlpha / sigma
	}
	return alpha, sigma, dAlpha, dSigma
}

// Interpolate writes x_t and its velocity u_t for each row i of the noise x0
// and data x1 ([n, d] row-major) at time t[i].
func Interpolate(p Interpolant, xt, ut, x0, x1, t []float64, d int) error {
	n := len(t)
	if d <= 0 || len(x0) != n*d || len(x1) != n*d || len(xt) != n*d || len(ut) != n*d {
		return fmt.Errorf("interpolant: buffers of %d, %d, %d, %d values for %d rows of dimension %d", len(x0), len(x1), len(xt), len(ut), n, d)
	}
	for i, ti := range t {
		if !(ti >= 0 && ti <= 1) {
			return fmt.Errorf("interpolant: time %g of row %d is outside [0, 1]", ti, i)
		}
		a, s, da, ds := p.Coefficients(ti)
		for j := i * d; j < (i+1)*d; j++ {
			xt[j] = a*x1[j] + s*x0[j]
			ut[j] = da*x1[j] + ds*x0[j]
		}
	}
	return nil
}

var (
	_ Interpolant = Linear{}
	_ Interpolant = Cosine{}
	_ Interpolant = VariancePreserving{}
)
