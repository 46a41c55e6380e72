package interpolant

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLatentCoefficients: γ′ against central differences of γ, Marginal's
// σ̃′ against differences of σ̃ = √(σ² + γ²), Marginal with Scale 0 is its
// base, and a negative Scale is refused.
func TestLatentCoefficients(t *testing.T) {
	const h = 1e-6
	l := Latent{Scale: 0.7}
	for _, tt := range []float64{0.05, 0.3, 0.5, 0.81} {
		g, dg := l.Gamma(tt)
		gp, _ := l.Gamma(tt + h)
		gm, _ := l.Gamma(tt - h)
		if math.Abs(g-math.Sqrt(0.7*tt*(1-tt))) > 1e-15 || math.Abs(dg-(gp-gm)/(2*h)) > 1e-6 {
			t.Errorf("γ at %g: %g, γ′ %g, differences %g", tt, g, dg, (gp-gm)/(2*h))
		}
		for name, p := range paths {
			m := Marginal{Base: p, Latent: l}
			a, st, da, dst := m.Coefficients(tt)
			ab, sb, dab, _ := p.Coefficients(tt)
			_, sp, _, _ := m.Coefficients(tt + h)
			_, sm, _, _ := m.Coefficients(tt - h)
			if a != ab || da != dab || math.Abs(st-math.Hypot(sb, g)) > 1e-15 || math.Abs(dst-(sp-sm)/(2*h)) > 1e-6 {
				t.Errorf("%s at %g: σ̃ %g σ̃′ %g, differences %g", name, tt, st, dst, (sp-sm)/(2*h))
			}
			a0, s0, da0, ds0 := Marginal{Base: p}.Coefficients(tt)
			if a1, s1, da1, ds1 := p.Coefficients(tt); a0 != a1 || s0 != s1 || da0 != da1 || ds0 != ds1 {
				t.Errorf("%s at %g: Marginal of Scale 0 is not its base", name, tt)
			}
		}
	}
	if g, dg := l.Gamma(0); g != 0 || !math.IsInf(dg, 1) {
		t.Errorf("at t = 0: γ %g, γ′ %g; want 0, +Inf", g, dg)
	}
	if err := (Latent{Scale: -1}).Check(); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative scale: %v", err)
	}
	buf := make([]float64, 2)
	if err := AddLatent(l, buf, buf, buf, []float64{0, 0.5}, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("latent noise at t = 0: %v", err)
	}
}

// gaussPair is x₀ ~ N(m0, s0²), x₁ ~ N(m1, s1²), independent, per
// coordinate, with latent noise: x_t is N(μ, V), μ = αm1 + σm0,
// V = α²s1² + σ²s0² + γ², and the velocity's conditional mean is
// E[u | x_t = x] = μ′ + C/V·(x − μ), C = Cov(u, x_t) = αα′s1² + σσ′s0² + γγ′
// (= V′/2): linear in x.
type gaussPair struct{ m0, s0, m1, s1 float64 }

func (g gaussPair) moments(p Interpolant, l Latent, t float64) (mu, v, dmu, c float64) {
	// γ² = a·t(1 − t) and γγ′ = a(1 − 2t)/2 written out, not from Gamma.
	a, s, da, ds := p.Coefficients(t)
	mu = a*g.m1 + s*g.m0
	v = a*a*g.s1*g.s1 + s*s*g.s0*g.s0 + l.Scale*t*(1-t)
	dmu = da*g.m1 + ds*g.m0
	c = a*da*g.s1*g.s1 + s*ds*g.s0*g.s0 + l.Scale*(1-2*t)/2
	return
}

// TestLatentMomentsAndVelocity: at fixed t, 200000 draws of x_t
// (Interpolate, then AddLatent) from Gaussian endpoints have the mean μ
// and variance V of gaussPair within 4 standard errors; and the least-
// squares fit of u_t on (1, x_t) — the best velocity linear in x, which for
// Gaussians is the conditional mean — has the closed form's intercept
// μ′ − (C/V)μ and slope C/V within 4 standard errors.
func TestLatentMomentsAndVelocity(t *testing.T) {
	g := gaussPair{m0: 0.5, s0: 1.2, m1: -1, s1: 0.6}
	const n = 200000
	for name, p := range paths {
		for _, tt := range []float64{0.1, 0.4, 0.75} {
			l := Latent{Scale: 0.8}
			rng := rand.New(rand.NewPCG(5, uint64(100*tt)))
			x0, x1, z, ts := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range x0 {
				x0[i], x1[i], z[i], ts[i] = g.m0+g.s0*rng.NormFloat64(), g.m1+g.s1*rng.NormFloat64(), rng.NormFloat64(), tt
			}
			xt, ut := make([]float64, n), make([]float64, n)
			if err := Interpolate(p, xt, ut, x0, x1, ts, 1); err != nil {
				t.Fatal(err)
			}
			if err := AddLatent(l, xt, ut, z, ts, 1); err != nil {
				t.Fatal(err)
			}
			mu, v, dmu, c := g.moments(p, l, tt)
			mx, vx := meanVar(xt)
			if math.Abs(mx-mu) > 4*math.Sqrt(v/n) || math.Abs(vx-v) > 4*v*math.Sqrt(2.0/n) {
				t.Errorf("%s at %g: x_t mean %.4f variance %.4f; want %.4f, %.4f", name, tt, mx, vx, mu, v)
			}
			mu2, _ := meanVar(ut)
			cov := 0.0
			for i := range xt {
				cov += (xt[i] - mx) * (ut[i] - mu2)
			}
			cov /= n - 1
			slope := cov / vx
			icpt := mu2 - slope*mx
			res := 0.0
			for i := range xt {
				r := ut[i] - icpt - slope*xt[i]
				res += r * r
			}
			res /= n - 2
			seSlope := math.Sqrt(res / (n * vx))
			seIcpt := math.Sqrt(res * (1.0/n + mx*mx/(n*vx)))
			wantSlope := c / v
			wantIcpt := dmu - wantSlope*mu
			if math.Abs(slope-wantSlope) > 4*seSlope || math.Abs(icpt-wantIcpt) > 4*seIcpt {
				t.Errorf("%s at %g: least squares u ≈ %.4f + %.4f x (± %.4f, %.4f); closed form %.4f + %.4f x", name, tt, icpt, slope, seIcpt, seSlope, wantIcpt, wantSlope)
			}
		}
	}
}

// TestMarginalVelocity: with x₀ ~ N(0, I) the closed-form velocity of the
// latent-noise path equals the one of Marginal's path without latent
// noise (what lets generation convert it to the score on Marginal), and
// Marginal's variance α²s1² + σ̃² is the latent path's.
func TestMarginalVelocity(t *testing.T) {
	g := gaussPair{m0: 0, s0: 1, m1: 1.3, s1: 0.5}
	l := Latent{Scale: 1.5}
	for name, p := range paths {
		for _, tt := range []float64{0.05, 0.5, 0.9} {
			mu, v, dmu, c := g.moments(p, l, tt)
			mu2, v2, dmu2, c2 := g.moments(Marginal{Base: p, Latent: l}, Latent{}, tt)
			if math.Abs(mu-mu2) > 1e-12 || math.Abs(v-v2) > 1e-12 || math.Abs(dmu-dmu2) > 1e-12 || math.Abs(c-c2) > 1e-12 {
				t.Errorf("%s at %g: latent (%g, %g, %g, %g), Marginal (%g, %g, %g, %g)", name, tt, mu, v, dmu, c, mu2, v2, dmu2, c2)
			}
		}
	}
}

func meanVar(x []float64) (m, v float64) {
	for _, u := range x {
		m += u
	}
	m /= float64(len(x))
	for _, u := range x {
		v += (u - m) * (u - m)
	}
	return m, v / float64(len(x)-1)
}
