// Package dist is goebm's library of log densities for Bayesian models,
// written once, generic over scalar.Ops, so that each runs on the lean
// scalar tape (Hamiltonian samplers), on plain float64s (scalar.Float), and
// on package tensor's tape, element-wise with broadcasting, where
// derivatives of every order are available and are checked.
//
// Every density is the full log density, normalising constants included
// (Stan's *_lpdf and *_lpmf with constants): the values can be compared
// across models and with other software. Continuous densities take their
// argument x as a T, so it may be a parameter; pass data as o.Const(v),
// which costs no node on the scalar tape. Discrete ones take their counts as
// ints, whose constants (log k!, log C(n, k)) are computed in float64 and
// cost nothing on the tape; a count outside the support gives −∞.
// Continuous arguments are not checked (the ops cannot branch on values): a
// parameter outside its support gives NaN or a meaningless value, so declare
// constrained parameters with their transforms. Vector densities panic on
// mismatched lengths, a programmer's error.
//
// # Densities
//
// With z = (x − μ)/σ:
//
//	Normal(x | μ, σ)          = −z²/2 − log σ − log(2π)/2
//	Cauchy(x | μ, σ)          = −log π − log σ − log1p(z²)
//	StudentT(x | ν, μ, σ)     = log Γ((ν+1)/2) − log Γ(ν/2) − log(νπ)/2 − log σ − (ν+1)/2 · log1p(z²/ν)
//	LogNormal(x | μ, σ)       = −w²/2 − log σ − log x − log(2π)/2,   w = (log x − μ)/σ
//	Exponential(x | λ)        = log λ − λx
//	Gamma(x | α, β)           = α log β − log Γ(α) + (α−1) log x − βx      (β a rate)
//	InvGamma(x | α, β)        = α log β − log Γ(α) − (α+1) log x − β/x    (β a scale)
//	Beta(x | a, b)            = (a−1) log x + (b−1) log1p(−x) − log B(a, b)
//	BernoulliLogit(y | η)     = log σ(η) if y = 1, log(1 − σ(η)) if y = 0
//	BinomialLogit(k | n, η)   = log C(n, k) + k log σ(η) + (n−k) log(1 − σ(η))
//	PoissonLog(k | α)         = kα − eᵅ − log k!
//	NegBinomial2(k | μ, φ)    = log Γ(k+φ) − log Γ(φ) − log k! + k (log μ − log(μ+φ)) − φ log1p(μ/φ)
//	Dirichlet(x | α)          = log Γ(Σα) − Σ log Γ(αᵢ) + Σ (αᵢ−1) log xᵢ
//	MultiNormalCholesky(x | μ, L) = −|z|²/2 − Σ log Lᵢᵢ − (n/2) log(2π),   L z = x − μ
//
// where log σ(η) = −softplus(−η) and log(1 − σ(η)) = −softplus(η) have no
// overflow or cancellation at any η. NegBinomial2 is Stan's neg_binomial_2:
// mean μ, variance μ + μ²/φ. MultiNormalCholesky takes the lower Cholesky
// factor L of the covariance, Σ = L Lᵀ, flat and row-major (its upper
// triangle is not read), and solves for z by forward substitution.
//
// # Helpers
//
// LogAddExp (log(eᵃ + eᵇ), Stan's log_sum_exp of two values), LogInvLogit
// (log σ(x)), Log1mInvLogit (log(1 − σ(x))) and Lbeta (log B(a, b)) are
// composed of ops; log1p_exp is Ops' Softplus. LogAddExp computes
// a + softplus(b − a), exact in its gradient and, in its value, to the
// rounding of b − a. Lbeta subtracts log-gamma values, so its absolute
// error grows like ε·log Γ(a + b) for large arguments.
//
// # Speed
//
// On the scalar tape a density is a handful of nodes, and the terms of
// constant arguments (data, fixed hyperparameters) fold into constants.
// Normal is one node, its value and three partials computed together
// (scalar.Fuse3), however many of its arguments are data; on package
// tensor's tape, and for second derivatives, it is its composition of ops,
// which the tests check it against. Nothing allocates, except
// MultiNormalCholesky above 16 dimensions (its z).
package dist
