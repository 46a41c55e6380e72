// Package models holds reference Bayesian models, written once with
// packages bayes and dist, for the examples, the tests and the side-by-side
// runs against Stan: eight schools, centred and non-centred (posteriordb's
// eight_schools_centered and eight_schools_noncentered), and a GARCH(1,1)
// (the garch11 of Stan's benchmark suite).
//
// Eight schools (Rubin 1981): school j's estimated coaching effect y_j has
// a known standard error σ_j, and
//
//	μ ~ N(0, 5),  τ ~ half-Cauchy(0, 5),  θ_j ~ N(μ, τ),  y_j ~ N(θ_j, σ_j);
//
// the non-centred form samples θ̃_j ~ N(0, 1) and sets θ_j = μ + τ·θ̃_j, which
// removes the funnel between τ and θ that makes the centred form diverge.
//
// GARCH(1,1): y_t ~ N(μ, σ_t) with σ_1 given and
//
//	σ_t² = α₀ + α₁ (y_{t−1} − μ)² + β₁ σ_{t−1}²,
//
// flat priors on μ, α₀ > 0, α₁ ∈ (0, 1) and β₁ ∈ (0, 1 − α₁). The last bound
// depends on α₁, so the model declares the share β₁/(1 − α₁) ∈ (0, 1) and
// adds the log-Jacobian of the scaling, log(1 − α₁); GARCHBeta1 adds β₁ to
// the draws.
package models
