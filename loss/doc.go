// Package loss holds the objectives that train a network from data. Each is
// a Loss[N]: a scalar built on a tensor.Tape from a network of type N and a
// batch, whose gradient with respect to the parameters Tape.Grad gives.
//
// The type of network is part of the type of loss, so a mismatch does not
// compile. An EnergyLoss trains an energy E_θ(x), an nn.Module mapping
// [n, d] to [n, 1]; a TimeLoss trains a time-conditioned network v_θ(x, t),
// an nn.TimeModule.
//
//	energy networks (EnergyLoss)
//	ContrastiveDivergence  mean E(data) − mean E(model samples) + α·(mean E(data)² + mean E(samples)²),
//	                       samples from any sampler: CD-k, persistent CD with a replay buffer,
//	                       parallel-tempering CD
//	ScoreMatching          E[½‖∇ₓE‖² − tr ∇²ₓE] (Hyvärinen 2005), the trace exact (d extra
//	                       backward passes), by Hutchinson's estimator vᵀ∇ₓ(vᵀ∇ₓE), or by
//	                       central differences of ∇ₓE along probes
//	SlicedScoreMatching    E_v[½(vᵀ∇ₓE)² − vᵀ∇ₓ(vᵀ∇ₓE)] (Song et al. 2019), v Rademacher,
//	                       Gaussian or uniform on the sphere of radius √d
//	DenoisingScoreMatching E[½‖∇ₓE(x̃) − (x̃ − x)/σ²‖²], x̃ = x + σε (Vincent 2011),
//	                       at one σ or a geometric ladder weighted by σ²
//	                       (the three score-matching losses take a Penalty λ·mean ‖∇ₓE(x)‖²
//	                       on the data, TorchEBM's default regulariser; off by default)
//	NCE                    noise-contrastive estimation against a Noise density, with a
//	                       learned log Z (Gutmann and Hyvärinen 2010): an isotropic Gaussian
//	                       by default, a full-covariance GaussianNoise or a MixtureNoise
//	FCE                    flow contrastive estimation (Gao et al. 2020): NCE's loss against a
//	                       normflow.Flow that learns, max over θ, c and min over the flow of
//	                       V = E_data log D + E_q log(1 − D), D = p_θ/(p_θ + q); each training
//	                       call steps the flow (its own Adam, slower) before the energy's loss
//	EnergyMatching         a flow term for −∇ₓE, then a contrastive one (Balcerak et al. 2025)
//	EnergyDiscrepancy      mean log(w/M + (1/M)Σⱼ exp(E(x) − E(x′ⱼ))), x′ⱼ = x + √t(ξ + ξⱼ)
//	                       (Schröder et al. 2023): no score, no MCMC; at w = 1 a conditional
//	                       NCE whose minimiser is −log p + c for any M
//
//	time-conditioned networks (TimeLoss)
//	FlowMatching           mean ‖v(x_t, t) − u_t‖² along a path from noise to data, or with
//	                       Prediction the noise, mean ‖f − x₀‖², or the score, mean ‖σf + x₀‖²;
//	                       with Latent the stochastic interpolant's latent noise γz, γ = √(a t(1−t))
//	SF2M                   [SF]²M (Tong et al. 2024): entropic-OT pairs (ε = 2σ²), the Brownian
//	                       bridge (FlowMatching's latent noise, a = σ²), one net of velocity and
//	                       score, mean ‖v − u_t‖² + ‖γs + z‖²
//	EquilibriumMatching    a time-invariant field f(x) regressed on −u_t·c(t) (Wang and Du 2025),
//	                       or the gradient of an energy g(x) = x·f(x) or −½‖f(x)‖² (Explicit,
//	                       Form), from N(0, I) or any Source; c(t) truncated, linear or
//	                       piecewise (Scale); or FlowMatching's noise or score targets
//	                       (Prediction), weighted by t (Weighting); plus a dispersive term
//	                       w·log mean exp(−‖h_i − h_j‖²/τ) over the batch (Dispersion, Dispersive)
//	MultiNoiseDSM          a noise-conditional energy E(x, σ) (NCSN; Song and Ermon 2019):
//	                       mean ½‖σ∇ₓE(x̃, σ) − ε‖², x̃ = x + σε, σ drawn per row from a
//	                       geometric ladder σ₁ > … > σ_L told to the network as the time
//	                       t = log(σ₁/σ)/log(σ₁/σ_L); Generate samples it by annealed Langevin,
//	                       x ← x − (αᵢ/2)∇ₓE(x, σᵢ) + √αᵢ·z, αᵢ = ε·σᵢ²/σ_L², T steps per level
//	DiffusionRecovery      a time-conditioned energy E(x, tₖ) per level of a Gaussian diffusion
//	                       (Gao et al. 2021), each trained by CD on p(xₖ | x_{k+1}) ∝
//	                       exp(−E(xₖ, tₖ) − ‖x_{k+1}/a − xₖ‖²/(2(σ/a)²)), negatives by MALA
//	                       through sampler.Condition; Generate chains the conditionals from
//	                       N(0, I), and E(·, t₀) is the data's energy
//
// Signs matter and are tested against closed forms: for E = ½xᵀPx on data
// of covariance S, score matching is minimised at P = S⁻¹, denoising score
// matching at P = (S + σ²I)⁻¹ (TorchEBM's has the sign of ∇E inverted), and
// NCE recovers P and log Z, and so does FCE, whose Gaussian flow meets the
// data's Gaussian at the game's fixed point; so does energy discrepancy at w = 1, the
// mean as well, and with w = 0 and M = 1 it has no minimum. For the levels
// of a Gaussian diffusion of N(μ, s²I), recovery likelihood's loss with
// exact negatives is 0 at the exact level energies, and with unadjusted
// Langevin it takes the value that the chains' linear recursion gives. For
// data N(0, s²I) the multi-noise loss of the
// optimal E(x, σ) = ‖x‖²/(2(s² + σ²)) is (d/2)·mean s²/(s² + σ²), and
// annealed Langevin on it draws the variance that the chain's linear
// recursion V ← (1 − αᵢ/(2(s² + σᵢ²)))²V + αᵢ gives exactly (6% above s² at
// the defaults: the chains lag behind the shrinking σ).
//
// # Labels
//
// Losses that learn from labels implement LabelLoss as well, and a trainer
// given labels calls LossLabels with each batch's: CrossEntropy trains a
// classifier (nn.Classifier) by mean −log softmax(f(x))[y]; JEM (Grathwohl
// et al. 2019) adds persistent CD on the classifier's energy
// E(x) = −logsumexp_y f(x)[y], weighted by GenWeight, optionally after a
// warm-up of cross-entropy alone; FlowMatching and EquilibriumMatching train
// a label-conditional network (nn.LabelTimeModule), each label dropped to
// the null label with probability LabelDrop so that one network is
// conditional and unconditional (classifier-free guidance). Labels follow
// their rows through a coupling's pairing. Without labels, CrossEntropy and
// JEM return errors wrapping ErrNeedsLabels.
//
// # Settings and state
//
// A loss value holds settings only, and can be used for any number of runs.
// What a run carries from step to step (persistent CD's replay buffer,
// NCE's log Z, energy matching's step count) is a State, made by the
// loss's Start (the Stateful interface) together with the loss that uses
// it. A trainer optimises the State's Params with the network's and saves
// the rest in its checkpoints, whatever the loss; Restore refuses saved
// state that does not fit the settings, changing nothing. Loss called on
// the settings themselves is the first step of a fresh run.
//
// Some settings take a schedule.Schedule of the training step as well as a
// constant (TorchEBM's Schedulable): DSM's σ (SigmaSchedule), the score
// penalty (PenaltySchedule) and CD's sampler step size (StepSchedule). A
// run reads them at the step its SetStep (the Scheduled interface) was
// given; a trainer gives its own step, which its checkpoint restores, so a
// resumed run continues the schedule.
//
// # Shared pieces
//
// The flow losses draw their points on the path in one way: noise
// x₀ ~ N(0, I) for the data rows x₁, paired by a coupling.Coupling, times t,
// and x_t, u_t = dx_t/dt from an interpolant.Interpolant. The contrastive
// losses draw their negatives in one way: chains of any sampler.Sampler on
// the model's energy, started from noise, from data rows, or from a replay
// buffer that each step continues and writes back.
//
// Randomness (probes, noise, times, model samples) comes from the
// *rand.Rand passed to each call, and from nothing else.
package loss
