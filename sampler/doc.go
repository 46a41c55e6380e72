// Package sampler draws from densities p(x) ∝ exp(−E(x)) given by an
// energy.Energy, with Markov chain Monte Carlo and its relatives:
//
//	Langevin            unadjusted Langevin dynamics, any step and temperature schedules,
//	                    or step and noise scales set apart: x ← x − η∇E(x) + σξ
//	MALA                Metropolis-adjusted Langevin, optionally preconditioned and adapted
//	HMC                 Hamiltonian Monte Carlo, diagonal or dense mass, adapted or given
//	NUTS                the No-U-Turn Sampler with Stan's warm-up, unit, diagonal or dense metric
//	RMHMC               Riemannian-manifold HMC with a user-given metric
//	MCLMC               microcanonical Langevin (isokinetic dynamics, partial velocity refresh),
//	                    step size, L and diagonal metric tuned as BlackJAX tunes them
//	RWM                 random-walk Metropolis, scale (and diagonal metric) adapted; no gradients
//	Slice               slice sampling per coordinate, stepping out and shrinkage; no gradients
//	EllipticalSlice     elliptical slice sampling for a Gaussian prior × likelihood; no gradients
//	ParallelTempering   replica exchange across a temperature ladder
//	AIS                 annealed importance sampling: log Z with a standard error;
//	                    Reverse anneals from draws to the base, an upper bound
//	SMC                 tempered sequential Monte Carlo: adaptive temperatures, resampling,
//	                    MALA or HMC moves; log Z with a standard error over independent groups
//	GradientDescent, Nesterov   deterministic descent, to find modes
//
// Every sampler is a settings struct whose zero value means documented
// defaults, with one method, Sample(ctx, energy, Options). Options says how
// many chains, where they start, how long to warm up and run, what to keep,
// and the seed; Result returns the draws (Chain(j) gives coordinate j in the
// layout package diag takes), per-chain diagnostics (acceptance,
// divergences, energies, gradient counts), the tuned step sizes and metric,
// and with Trajectory the kernel's report on every kept draw. Parallel
// tempering's swap rates (Temper), AIS's log Z (Anneal) and SMC's (Temper)
// come in result types of their own.
//
// # The seam: kernel, driver, adaptation, info
//
// Every sampler above is built from the same exported pieces, which a new
// sampler written outside the package uses too (see the random-walk
// Metropolis example):
//
//   - A Kernel is a Markov transition over a block of chains: Init once,
//     then Step(state, tuning, info) per step, as BlackJAX's init and step.
//     The State holds the block's positions X, energies E, gradients
//     G = ∇E and one random stream per chain; Tuning holds what the kernel is
//     tuned by, each chain's step size h and, for kernels with one, its
//     diagonal or dense inverse metric M⁻¹; the kernel writes a StepInfo
//     per chain. State.Accept is the one Metropolis test,
//     min(1, exp(−ΔH)) with bad proposals rejected and counted as
//     divergent.
//   - Run is the one driver: it makes a kernel per block of BlockSize
//     chains (fewer for an IndependentChains kernel, so that every worker
//     has a block), runs the blocks on Options.Workers goroutines, handles
//     warm-up, thinning, trajectories and cancellation, counts gradients,
//     and returns the final state and the tuned parameters (Result.Tuned),
//     which Options.Tuned takes to continue a run without adapting again. It
//     bounds every size it allocates and warm-up + steps (package limit);
//     a panic in a kernel or energy on one of its goroutines is raised
//     again on the caller's, with the stack where it happened.
//   - Adaptation wraps any kernel tuned by a step size (and a diagonal
//     metric) with Stan's warm-up. Dual averaging (Nesterov 2009; Hoffman
//     and Gelman 2014) drives the mean acceptance statistic ā towards a
//     target δ: with H̄ₘ = (1 − 1/(m+t₀))H̄ₘ₋₁ + (δ − aₘ)/(m+t₀),
//     log hₘ = μ − (√m/γ)H̄ₘ and the average log h̄ₘ = m^(−κ)log hₘ +
//     (1 − m^(−κ))log h̄ₘ₋₁, where μ = log 10h₀, γ = 0.05, t₀ = 10, κ = 0.75;
//     warm-up ends at h̄. In slow windows that double from 25 steps between
//     a fast initial buffer (75) and a final one (50), each chain's draws
//     estimate M⁻¹ as their variance shrunk towards 10⁻³,
//     (n/(n+5))·s² + 10⁻³·5/(n+5), or for a dense metric (MetricDense,
//     Tuning.InvMassDense) as their covariance shrunk towards 10⁻³·I,
//     (n/(n+5))·Σ̂ + 10⁻³·(5/(n+5))·I, Stan's dense_e; per chain, as Stan
//     does, so that chains stay independent. Each new metric restarts the
//     dual averaging, centred at log(10·ε) of the step the kernel's own
//     search finds if it is a StepSearcher (NUTS's init_stepsize); before
//     the first, as in Stan, the search sets only the first step and the
//     centre is log(10·ε₀) of the step given (NUTS's default ε₀ is Stan's 1).
//     Stan's base_nuts is followed check for check (the U-turn criterion
//     over the whole tree and across each merge of subtrees, uniform
//     multinomial choice inside subtrees and biased at the top,
//     accept_stat__ over every leapfrog step of the last tree, treedepth__
//     the doublings kept).
//   - A GradientFree kernel (RWM, Slice, EllipticalSlice) reads no gradients: Run evaluates
//     only the starting energies, State.G stays zero, and the kernel
//     evaluates through State.EnergyChains, counted in StepInfo.EnergyEvals
//     and Info.EnergyEvals, with no gradient counted. An Adaptation is
//     gradient-free when its kernel is.
//   - StepInfo carries Stan's per-draw sampler columns: accept_stat__
//     (AcceptStat), stepsize__, treedepth__, n_leapfrog__, divergent__ and
//     energy__ (the Hamiltonian at the new state).
//
// MALA, RWM, HMC and NUTS are kernels wrapped in an Adaptation when they
// adapt (RWM towards an acceptance of 0.234, Roberts, Gelman and Gilks 1997);
// Slice has no acceptance to adapt to, and its interval width is a setting;
// EllipticalSlice has no step at all, the prior's covariance sets its scale.
// NUTS and HMC can jitter each transition's step uniformly within
// ε·(1 ± StepJitter), from the chain's own stream (Stan's stepsize_jitter):
// the mean step stays ε, and HMC's trajectory length εL varies, which stops
// a fixed length near a period of the target from sending a chain back to
// where it started. HMC can jitter its number of steps instead
// (LeapfrogJitter: round(L·(1 ± j)), at least 1), each chain then running
// its own trajectory.
// HMC, NUTS and RMHMC integrate with integrate's Leapfrog and
// GeneralisedLeapfrog. MALA's kernel is one Langevin move at temperature T,
// y = x − hM⁻¹∇E(x) + √(2hT)·M^(−1/2)ξ, accepted with probability
// min(1, exp((E(x) − E(y))/T + (‖u‖²_M − ‖v‖²_M)/(4hT))), u = y − x + hM⁻¹∇E(x),
// v = x − y + hM⁻¹∇E(y). Parallel tempering runs it on every chain's
// replicas, each at its own T, and adds the swap moves; AIS runs it on the
// annealed energies (1 − β)‖x‖²/(2σ²) + βE(x) and adds the weight updates;
// SMC runs MALA or HMC on the same energies between its adaptive
// temperatures and resamplings, preconditioned by the particles' spread.
// MCLMC tunes itself in warm-up (no Adaptation: it has no acceptance, and
// its step size follows the energy error's variance) and keeps its L apart
// from Tuning, which carries its step sizes and diagonal metric σ².
// Their extra outputs come in TemperingResult and AISResult.
//
// # Bounds
//
// Options.Bounds keeps every chain in a box lo ≤ x ≤ hi (per coordinate,
// given or taken from data by BoundsOf; ±Inf leaves a side open), by
// reflection (the default) or clamping. Chains start inside: Run folds (or
// clamps) the starting points in. Reflection folds a point past a face back
// in, as a ray between mirrors: past hi by δ it returns to hi − δ, until
// inside. It keeps the Metropolis samplers exact for the density restricted
// to the box:
//
//   - HMC and NUTS reflect inside the leapfrog (integrate.Box.Reflect, the
//     leapfrog's wall): after each drift a coordinate folded an odd number of
//     times has its momentum negated. Per coordinate that is an isometry on
//     each piece, so the step stays volume-preserving, and the reflected path
//     run backwards retraces itself, so it stays reversible: the Metropolis
//     test (and NUTS's tree) need nothing else (Neal 2011, §5.1). The energy
//     error near a wall is of order ε per hit, not ε², so acceptance drops a
//     little near the faces. A dense mass matrix moves the coordinates
//     together, which a per-coordinate fold cannot follow: refused.
//   - MALA folds its proposal z ~ N(m, 2hT·M⁻¹), m = x − hM⁻¹∇E(x), and uses
//     the folded proposal's density in its test: per coordinate (the metric
//     is diagonal) the sum of the Gaussian's density over every z that
//     folds to y, the images y + 2kw and 2lo − y + 2kw (w = hi − lo), summed
//     directly when the proposal's scale s is below w and by Poisson summation,
//     (1/2w)(1 + 2Σₙ e^(−2π²n²s²/(2w)²) cos(2πn(z − m)/2w)), above.
//     Parallel tempering's moves are MALA's, and its swaps need nothing.
//   - RWM folds its Gaussian step, which stays symmetric (each image of a
//     fold from x to y is one from y to x), so its test is unchanged. Slice
//     treats a point outside the box as outside the slice (the target is
//     zero there), in either mode, so it is exact and never clamps.
//   - RMHMC, whose implicit steps cannot fold, rejects a proposal outside
//     the box (the target is zero there), which is exact in either mode.
//
// With bounds, MALA, RWM, HMC and NUTS cap each chain's step where a move's
// spread reaches 4 box widths in some closed coordinate (a reflected move is
// uniform over the box by then): on a target nearly flat in the box every
// move is accepted, and adaptation would otherwise raise the step until
// the fold lost all precision in floating point. The capped kernel is the
// same exact kernel at a smaller step, and Result reports the capped step.
//
// Unadjusted Langevin reflected is the reflected diffusion with ULA's O(η)
// bias. Clamping projects a point outside onto the nearest face (HMC and
// NUTS also stop that momentum); nothing corrects it, so draws pile up on
// the faces as atoms and the spread is overstated (tested for ULA: the sd
// of N(0.2, 0.5²) on [0, 1] comes out 0.305 against 0.263, 18% of the draws
// on a face, at η = 0.02). It suits training chains that must not run off,
// not inference. AIS refuses bounds: its base density would no longer be
// normalised.
//
// # Conditioning
//
// Options.Condition gives every chain its own observation, so that one call
// inpaints or denoises many images: a mask of observed coordinates held at
// their values, p(x_free | x_obs) ∝ exp(−E(x)), and optionally a noisy
// observation y with noise σ, p(x | y) ∝ exp(−E(x) − ‖x − y‖²/(2σ²)) over
// the free coordinates. The energy cannot tell the chains apart, so
// State.Grad, which every kernel evaluates through (GradChains for kernels
// that move one chain at a time, EnergyChains for gradient-free ones),
// conditions: it writes each chain's observed values into its point,
// evaluates, adds the noise term and zeroes the gradient at the observed
// coordinates. A proposal that moved an
// observed coordinate is thus put back before its energy is taken, and
// contributes nothing to MALA's test (its forward and reverse terms are both
// zero); HMC and NUTS also draw zero momentum there (diagonal metric), so
// that only the free coordinates move, carry kinetic energy and enter the
// U-turn criterion; Slice skips them. Each kernel is then exactly itself on the conditional
// density. RMHMC refuses observed coordinates (its metric couples them to
// the free ones); AIS refuses conditions.
//
// # Parallel and reproducible
//
// Chains are split into blocks; each block's chains share one batched
// energy call per evaluation, and blocks run concurrently, each from start
// to end without waiting for the others. Blocks hold BlockSize chains, or,
// for a kernel whose chains never meet (IndependentChains: every kernel
// here but parallel tempering's, whose swap rates are summed per block),
// ⌈chains/workers⌉ when that is fewer, so that 4 chains use 4 cores. Chain c
// draws its random numbers from its own stream, rand.NewPCG(Seed,
// FirstStream + c) (Langevin's noise and HMC's momenta from a bulk normal
// generator that the kernel seeds from that stream when it starts: package
// internal/normal), so the draws are identical on any number of cores
// (tested bit for bit; cut finer, a chain's draws stay the same because the
// energies evaluate each point of a batch on its own), and a run
// split into calls by chains, each with FirstStream its first chain's index,
// draws what one call would (conditioned: one call per image, or all images
// in one). An energy whose rows interact (energy.Joint, such as
// energy.Interaction's repulsion) gets all chains in one block, and only
// an Unadjusted kernel (Langevin, gradient descent, Nesterov) may move
// them: an accept test per chain would judge a move of every chain by one
// chain's energy, so the others are refused.
//
// # Errors
//
// Invalid settings (no chains, a dimension mismatch, a step size that is not
// positive at some step, an invalid mass matrix or tuning) return errors
// wrapping ErrInvalid before anything runs. A non-finite energy or gradient
// at a chain's current state stops the run with an error wrapping
// ErrNonFinite that names the chain and step. In Metropolis-corrected
// samplers a proposal that lands on a non-finite energy is rejected and
// counted as a divergence, never clamped or zeroed.
package sampler
