// Package neuralsampler trains generative networks to sample exp(−E(x))
// from the energy alone, with no data: iterated denoising energy matching
// (iDEM; Akhound-Sadegh et al. 2024) and iterated energy-based flow
// matching (iEFM; Woo and Ahn 2024), both on the variance-exploding path
// x_t = x₀ + σ(t)ε with DEM's geometric schedule (Geometric).
//
// # The shared parts
//
// Posterior is the one Monte Carlo estimator both methods use: for a noised
// point x it draws K points yₖ = x + σεₖ and weighs them by
// softmax(−E(yₖ)) (a log-sum-exp), which estimates the posterior over the
// clean point. Its gradient form −Σwₖ∇E(yₖ) is ∇ₓlog Σₖexp(−E(x + σεₖ)),
// the score of the noised density (iDEM's target); its mean form Σwₖyₖ is
// E[x₀|x], which Tweedie's formula turns into the score (x̂₀ − x)/σ² and
// the probability-flow velocity ½(dσ²/dt)(x − x̂₀)/σ² (iEFM's target,
// energies only). Sampler.Train is the one outer loop: fill a replay
// buffer by simulating the current network from N(0, σ²(1)I) to t = 0,
// regress the network on targets at buffer points noised to t ~ U(0, 1)
// (Inner Adam steps), refill, Outer times.
//
// # The methods
//
//	idem   the network is the score; loss (σ² + 10⁻³)·‖s − S_K‖²; buffer by
//	       the reverse SDE dy = −g²s dt + g dW̄ (Euler–Maruyama)
//	iefm   the network is the velocity; loss ‖v − V_K‖²; buffer by the
//	       probability-flow ODE (RK4)
//
// Either network gives both samplers, since on this path the velocity is
// −½g²(t) times the score. Config.MaxScore clips the target's norm, in
// score units, as DEM does; Config.Scale runs the sampler on x/Scale, as
// DEM normalises GMM-40 by 50.
//
// # Scores
//
// LogDensity gives log q of the ODE sampler by flow.LogDensity's change of
// variables; LogZ estimates log Z by importance sampling with it,
// log (1/n)Σexp(−E(xᵢ) − log q(xᵢ)) over ODE draws, with the weights'
// effective sample size. Benchmarks with exact draws and log Z are
// energy.Exact (energy.NewGMM40, energy.ManyWell); bench/neural scores
// both methods on them by MMD² and the log Z error.
//
// # Known answers (tests)
//
// The estimator against the closed-form score and posterior mean of a
// noised Gaussian and mixture, its error shrinking with K; the targets
// against a noised Gaussian's score and velocity; with the exact noised
// score in place of the network, the reverse SDE and the ODE draw a
// two-mode mixture (MMD² within 0.003 of two exact sets', mode weights
// within 4 MCSE); the ODE density integrates to 1 and has its samples'
// moments; a short training of either method learns the two-mode mixture
// (MMD² below 0.1, log Ẑ within 0.4); one seed gives the same numbers on
// any number of cores.
package neuralsampler
