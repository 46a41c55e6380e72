// Package normflow holds small normalising flows: invertible maps x = f(z)
// of a standard normal z ~ N(0, I), whose log density
//
//	log q(x) = log N(f⁻¹(x); 0, I) + log |det ∂f⁻¹/∂x|
//
// and whose draws are both exact and recorded on a tensor.Tape, so that a
// loss can differentiate them with respect to the flow's parameters (and a
// draw with respect to them too, by reparameterisation). Flow contrastive
// estimation (loss.FCE) trains one as the learned noise of NCE; a flow here
// is a density in its own right, not a generator of images.
//
// A Flow is a stack of Layers, applied to z in order. Two layers exist:
//
//   - Affine, x = μ + Lz with L lower-triangular and a positive diagonal
//     held as its logarithm: alone, it is the full-covariance Gaussian
//     N(μ, LLᵀ), whose density the tests check against the closed form.
//     log |det| = Σ log Lᵢᵢ.
//   - Coupling, RealNVP's affine coupling (Dinh et al. 2017): the
//     coordinates are split in two halves a and b; b ↦ b·exp(s(a)) + t(a)
//     with s = tanh of an MLP's output (bounded, so one step cannot blow
//     up the scale) and t its other output; a passes unchanged, so the
//     inverse is b = (b′ − t(a))·exp(−s(a)) and log |det| = Σ s(a). The
//     MLP's last layer starts at zero, so a new coupling is the identity.
//     Flip swaps which half conditions the other.
//
// NewGaussian makes the one-layer Gaussian flow; NewRealNVP puts couplings
// (alternately flipped) before an Affine fitted to the data's mean and
// covariance, so that it starts as that Gaussian and learns the rest in
// whitened coordinates.
//
// Draws take d normal variates per row from the given *rand.Rand, row by
// row, and nothing else: the same seed gives the same points, on any number
// of cores, and the same points as loss.GaussianNoise's Sample for a
// Gaussian flow of the same mean and covariance.
package normflow
