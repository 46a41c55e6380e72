// Package interpolant defines the paths between noise and data along which
// flow-based models are trained: x_t = α(t)·x₁ + σ(t)·x₀ for noise x₀ and data
// x₁, t ∈ [0, 1] (TorchEBM's convention: t = 0 is noise, t = 1 is data), and
// their velocities dx_t/dt = α′(t)·x₁ + σ′(t)·x₀, which flow matching
// regresses on.
//
//	Linear              α = t,            σ = 1 − t
//	Cosine              α = sin(πt/2),    σ = cos(πt/2)
//	VariancePreserving  α = e^{m(1−t)},   σ = √(1 − α²), m(s) = −¼s²(β₁ − β₀) − ½sβ₀,
//	                    β₀ = SigmaMin, β₁ = SigmaMax (0.1 and 20): the VP diffusion's mean
//	                    coefficient, with t = 1 at the data
//
// ByName looks a path up by name (variance-preserving, vp), and Names lists
// them with a line each.
package interpolant
