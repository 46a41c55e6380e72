package integrate

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// StochasticHeun integrates the SDE dx = f(t, x)dt + g(t, x)⊙dW from x (in
// place) at t0 to t1 in n steps, g diagonal (written into dst like f), the
// Wiener increments ΔW drawn from rng, by the stochastic Heun method: an
// Euler–Maruyama predictor and a trapezoidal corrector that reuses its
// increment,
//
//	x̃  = x + h·f(t, x) + ḡ⊙ΔW
//	x′ = x + (h/2)·(f(t, x) + f(t + h, x̃)) + ḡ⊙ΔW,   ḡ = ½(g(t, x) + g(t + h, x)).
//
// For additive noise (g independent of x) it is of strong order 1 and weak
// order 2, where Euler–Maruyama's weak order is 1; with g = 0 it is Heun's
// method. The noise coefficient is taken at the step's starting state (at
// both ends of the step in time), so with multiplicative noise it still
// solves the Itô equation, at strong order ½, rather than the Stratonovich
// one that averaging g over x̃ would give. TorchEBM's Heun adds its noise
// after a noiseless Heun step instead, which keeps strong order 1 but only
// weak order 1.
func StochasticHeun(f, g Drift, x []float64, t0, t1 float64, n int, rng *rand.Rand) (Stats, error) {
	if rng == nil {
		return Stats{}, fmt.Errorf("integrate: stochastic Heun needs an rng: %w", ErrInvalid)
	}
	return stochasticHeun(f, g, x, t0, t1, n, func(z []float64) {
		for m := range z {
			z[m] = rng.NormFloat64()
		}
	})
}

// stochasticHeun is StochasticHeun with the standard normal draws z of each
// step (ΔW = √|h|·z) written by normals, so that tests can drive it along
// a given Brownian path.
func stochasticHeun(f, g Drift, x []float64, t0, t1 float64, n int, normals func(z []float64)) (Stats, error) {
	if n < 1 || math.IsNaN(t0) || math.IsNaN(t1) {
		return Stats{}, fmt.Errorf("integrate: %d steps from %g to %g: %w", n, t0, t1, ErrInvalid)
	}
	h := (t1 - t0) / float64(n)
	sq := math.Sqrt(math.Abs(h))
	f0, f1, g0, g1, z, pred := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	for i := range n {
		t := t0 + float64(i)*h
		f(f0, t, x)
		g(g0, t, x)
		g(g1, t+h, x)
		normals(z)
		for m := range x {
			// z becomes the noise term ḡ⊙ΔW.
			z[m] *= 0.5 * (g0[m] + g1[m]) * sq
			pred[m] = x[m] + h*f0[m] + z[m]
		}
		f(f1, t+h, pred)
		for m := range x {
			x[m] += 0.5*h*(f0[m]+f1[m]) + z[m]
		}
	}
	return Stats{Steps: n, Evals: 4 * n}, nil
}
