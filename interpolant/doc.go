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
// A network trained along a path may predict the velocity, the score, the
// noise or the data point at (x_t, t); each is affine in x_t and the
// expected noise, so Conversion gives the coefficients that turn one into
// another at a time (where α, σ ≠ 0 as each needs) and Convert applies
// them to a batch. Drift is the probability-flow ODE in terms of the
// score. A Diffusion form w(t) (TorchEBM's constant, SBDM, sigma, linear,
// decreasing, increasing-decreasing) chooses among the SDEs
// dx = [v + w·s]dt + √(2w)dW that keep the path's marginals.
//
// Latent adds the latent noise of a stochastic interpolant (Albergo, Boffi
// and Vanden-Eijnden 2023), x_t = αx₁ + σx₀ + γz with γ = √(a·t(1 − t)) and
// z ~ N(0, I) independent (AddLatent adds γz to x_t and γ′z to u_t); on the
// straight path it is the Brownian bridge of [SF]²M. For Gaussian x₀
// independent of x₁ such a path has the marginals, and the same velocity,
// as Marginal: α and σ̃ = √(σ² + γ²), on which generation converts the
// velocity to the score.
//
// ByName looks a path up by name (variance-preserving, vp), and Names lists
// them with a line each; DiffusionByName and DiffusionNames do the same
// for the diffusion forms, PredictionByName and PredictionNames for the
// predictions a flow network may be trained for.
package interpolant
