package interpolant

import (
	"fmt"
	"math"
)

// Latent is the latent noise of a stochastic interpolant (Albergo, Boffi
// and Vanden-Eijnden 2023): x_t = α(t)x₁ + σ(t)x₀ + γ(t)z with
// z ~ N(0, I) drawn independently of x₀ and x₁, and
//
//	γ(t) = √(Scale·t(1 − t)),
//
// the paper's choice γ = √(a t(1−t)), which vanishes at both ends so that
// the endpoints are untouched. On the straight path with Scale = σ² it is
// the Brownian bridge of a Wiener process of variance σ² between x₀ and x₁
// ([SF]²M's path; Tong et al. 2024). The velocity target gains γ′(t)z with
// γ′ = Scale(1 − 2t)/(2γ), singular at t = 0 and 1 (its square integrates
// to a logarithm), which is why the losses draw t on [LatentEps, 1 − LatentEps].
//
// Scale is used as it is: 0 is no latent noise (the plain interpolant),
// which a caller may ask for explicitly; a negative Scale is refused.
type Latent struct {
	// Scale is a in γ(t) = √(a·t(1 − t)).
	Scale float64
}

// LatentEps is how far the losses keep t from the ends where γ′ is
// infinite: t is drawn on [LatentEps, 1 − LatentEps].
const LatentEps = 1e-3

// Gamma returns γ(t) and γ′(t) (±Inf at an end where Scale > 0, 0 where
// Scale = 0).
func (l Latent) Gamma(t float64) (gamma, dGamma float64) {
	if l.Scale == 0 {
		return 0, 0
	}
	q := l.Scale * t * (1 - t)
	gamma = math.Sqrt(math.Max(q, 0))
	num := l.Scale * (1 - 2*t) / 2
	if gamma == 0 {
		return 0, math.Copysign(math.Inf(1), num)
	}
	return gamma, num / gamma
}

// Check refuses a negative, infinite or NaN Scale, wrapping ErrInvalid.
func (l Latent) Check() error {
	if !(l.Scale >= 0) || math.IsInf(l.Scale, 0) {
		return fmt.Errorf("interpolant: latent noise scale %g: want it finite and not negative: %w", l.Scale, ErrInvalid)
	}
	return nil
}

// AddLatent adds the latent noise to points and velocities made by
// Interpolate: x_t += γ(t)z and u_t += γ′(t)z for each row i of z ([n, d]
// row-major) at time t[i], which must lie inside (0, 1) where Scale > 0.
func AddLatent(l Latent, xt, ut, z, t []float64, d int) error {
	n := len(t)
	if err := l.Check(); err != nil {
		return err
	}
	if d <= 0 || len(z) != n*d || len(xt) != n*d || len(ut) != n*d {
		return fmt.Errorf("interpolant: buffers of %d, %d, %d values for %d rows of dimension %d: %w", len(xt), len(ut), len(z), n, d, ErrInvalid)
	}
	for i, ti := range t {
		g, dg := l.Gamma(ti)
		if l.Scale > 0 && !(ti > 0 && ti < 1) {
			return fmt.Errorf("interpolant: latent noise at t = %g (row %d), where γ′ is infinite: %w", ti, i, ErrInvalid)
		}
		for j := i * d; j < (i+1)*d; j++ {
			xt[j] += g * z[j]
			ut[j] += dg * z[j]
		}
	}
	return nil
}

// Marginal is the interpolant with the marginals of Base plus latent noise
// when x₀ ~ N(0, I) is independent of x₁: σ(t)x₀ + γ(t)z is then one
// Gaussian of standard deviation σ̃ = √(σ² + γ²), so x_t = αx₁ + σ̃ε with
// the coefficients
//
//	α, σ̃ = √(σ² + γ²), α′, σ̃′ = (σσ′ + γγ′)/σ̃,
//
// (γγ′ = Scale(1 − 2t)/2 is finite), and the velocity E[α′x₁ + σ′x₀ + γ′z | x_t]
// is the same as Marginal's E[α′x₁ + σ̃′ε | x_t] (given x_t and x₁, x₀ and z
// are the fractions σ/σ̃ and γ/σ̃ of ε). A flow trained with latent noise
// therefore converts its velocity to the score on Marginal (flow.Generator's
// SDE). With a coupling that makes x₀ depend on x₁ this is an approximation,
// as it is for the plain interpolants.
type Marginal struct {
	Base   Interpolant
	Latent Latent
}

// Coefficients returns α, σ̃, α′, σ̃′ (σ̃′ is −Inf at the data end, where
// σ̃ vanishes like √(1 − t)).
func (m Marginal) Coefficients(t float64) (float64, float64, float64, float64) {
	base := m.Base
	if base == nil {
		base = Linear{}
	}
	a, s, da, ds := base.Coefficients(t)
	if m.Latent.Scale == 0 {
		return a, s, da, ds
	}
	gg := m.Latent.Scale * t * (1 - t)
	st := math.Sqrt(math.Max(s*s+gg, 0))
	num := s*ds + m.Latent.Scale*(1-2*t)/2
	if st == 0 {
		return a, 0, da, math.Copysign(math.Inf(1), num)
	}
	return a, st, da, num / st
}

var _ Interpolant = Marginal{}
