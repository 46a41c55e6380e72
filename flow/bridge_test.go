package flow

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/interpolant"
)

// bridgeFields are the exact velocity and score of the Schrödinger bridge
// of a Wiener process of variance σ² from N(0, 1) to N(m, b) in each
// coordinate: the static bridge pairs x₀, x₁ with the entropic plan's
// cross-covariance c = (√(16b + ε²) − ε)/4, ε = 2σ², and the Brownian
// bridge between them makes x_t ~ N(tm, V), V = (1 − t)² + t²b +
// 2t(1 − t)c + σ²t(1 − t), whose velocity is m + V′/(2V)(x − tm) and
// score −(x − tm)/V.
func bridgeFields(m, b, sigma float64) (v, s integrate.Drift) {
	eps := 2 * sigma * sigma
	c := (math.Sqrt(16*b+eps*eps) - eps) / 4
	vr := func(t float64) (float64, float64) {
		return (1-t)*(1-t) + t*t*b + 2*t*(1-t)*c + sigma*sigma*t*(1-t),
			-2*(1-t) + 2*t*b + 2*(1-2*t)*c + sigma*sigma*(1-2*t)
	}
	v = func(dst []float64, t float64, x []float64) {
		V, dV := vr(t)
		for i := range x {
			dst[i] = m + dV/(2*V)*(x[i]-t*m)
		}
	}
	s = func(dst []float64, t float64, x []float64) {
		V, _ := vr(t)
		for i := range x {
			dst[i] = -(x[i] - t*m) / V
		}
	}
	return v, s
}

// TestBridgeSDE: generating with the bridge's SDE
// dx = [v + (σ²/2)s]dt + σ dW (SDE.Score set, the constant form with Norm
// σ²/2), ended by an Euler step of the ODE (the mean step, which drops
// the last step's noise σ²h but keeps the score's pull, would end with
// the variance σ²h short), and with its probability-flow ODE (v
// alone) carries N(0, 1) to N(m, b): mean and variance of 20000 points
// within 5 standard errors plus 0.01 (the SDE's O(h) bias in 400 steps).
// LastTweedie is refused with a Score of its own.
func TestBridgeSDE(t *testing.T) {
	const m, b, sigma, n = 1.5, 0.36, 0.9, 20000
	v, s := bridgeFields(m, b, sigma)
	for name, g := range map[string]Generator{
		"sde": {Field: v, Steps: 400, SDE: &SDE{Norm: sigma * sigma / 2, Score: s, Last: LastEuler}},
		"ode": {Field: v, Steps: 40},
	} {
		x, _, err := g.Generate(context.Background(), n, 1, 3)
		if err != nil {
			t.Fatal(err)
		}
		mean, sd := moments(x, 1, 0)
		vr := sd * sd
		if math.Abs(mean-m) > 5*math.Sqrt(b/n)+0.01 || math.Abs(vr-b) > 5*b*math.Sqrt(2.0/n)+0.01 {
			t.Errorf("%s: mean %.4f variance %.4f, want %g and %g", name, mean, vr, m, b)
		}
	}
	g := Generator{Field: v, SDE: &SDE{Score: s, Last: LastTweedie}}
	if _, _, err := g.Generate(context.Background(), 4, 1, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("tweedie with a score of its own: %v", err)
	}
}

// TestLatentMarginalSDE: a velocity trained with latent noise γ² =
// a·t(1 − t) on the straight path (here its closed form for N(0, 1) to
// N(m, s²): m + C/V·(x − tm), V = t²s² + (1 − t)² + a·t(1 − t),
// C = ts² − (1 − t) + a(1 − 2t)/2) generates by its ODE and, its score
// converted on interpolant.Marginal, by the SDE with g = 1, both ending in
// N(m, s²) within 5 standard errors plus 0.01; converted on the straight
// path instead (the latent noise forgotten), the SDE misses the variance.
func TestLatentMarginalSDE(t *testing.T) {
	const m, s, a, n = -1, 0.6, 1.5, 20000
	v := func(dst []float64, t float64, x []float64) {
		vr := t*t*s*s + (1-t)*(1-t) + a*t*(1-t)
		c := t*s*s - (1 - t) + a*(1-2*t)/2
		for i := range x {
			dst[i] = m + c/vr*(x[i]-t*m)
		}
	}
	path := interpolant.Marginal{Base: interpolant.Linear{}, Latent: interpolant.Latent{Scale: a}}
	for name, c := range map[string]struct {
		g  Generator
		ok bool
	}{
		"ode":            {Generator{Field: v, Interpolant: path, Steps: 40}, true},
		"sde":            {Generator{Field: v, Interpolant: path, Steps: 400, SDE: &SDE{Norm: 0.5, Last: LastEuler}}, true},
		"sde, no latent": {Generator{Field: v, Steps: 400, SDE: &SDE{Norm: 0.5, Last: LastEuler}}, false},
	} {
		x, _, err := c.g.Generate(context.Background(), n, 1, 5)
		if err != nil {
			t.Fatal(err)
		}
		mean, sd := moments(x, 1, 0)
		vr := sd * sd
		ok := math.Abs(mean-m) <= 5*s/math.Sqrt(n)+0.01 && math.Abs(vr-s*s) <= 5*s*s*math.Sqrt(2.0/n)+0.01
		if ok != c.ok {
			t.Errorf("%s: mean %.4f variance %.4f (want %g and %g): within the tolerance %v, want %v", name, mean, vr, float64(m), s*s, ok, c.ok)
		}
	}
}
