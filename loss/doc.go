// Package loss holds the objectives that train an energy network E_θ(x)
// from data. Each is a Loss: a scalar built on a tensor.Tape from the network
// and a batch, whose gradient with respect to the parameters Tape.Grad gives.
//
//	ContrastiveDivergence  mean E(data) − mean E(model samples) + α·(mean E(data)² + mean E(samples)²),
//	                       samples from any sampler: CD-k, persistent CD with a replay buffer,
//	                       parallel-tempering CD
//	ScoreMatching          E[½‖∇ₓE‖² − tr ∇²ₓE] (Hyvärinen 2005), the trace exact (d extra
//	                       backward passes), by Hutchinson's estimator vᵀ∇ₓ(vᵀ∇ₓE), or by
//	                       central differences of ∇ₓE along probes
//	SlicedScoreMatching    E_v[½(vᵀ∇ₓE)² − vᵀ∇ₓ(vᵀ∇ₓE)] (Song et al. 2019)
//	DenoisingScoreMatching E[½‖∇ₓE(x̃) − (x̃ − x)/σ²‖²], x̃ = x + σε (Vincent 2011),
//	                       at one σ or a geometric ladder weighted by σ²
//	NCE                    noise-contrastive estimation against a Gaussian, with a learned
//	                       log Z (Gutmann and Hyvärinen 2010)
//
// Signs matter and are tested against closed forms: for E = ½xᵀPx on data
// of covariance S, score matching is minimised at P = S⁻¹, denoising score
// matching at P = (S + σ²I)⁻¹ (TorchEBM's has the sign of ∇E inverted), and
// NCE recovers P and log Z.
//
// Randomness (probes, noise, model samples) comes from the *rand.Rand passed
// to each call. The network must map [n, d] to [n, 1] energies.
package loss
