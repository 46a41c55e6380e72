// Package sampler draws from densities p(x) ∝ exp(−E(x)) given by an
// energy.Energy, with Markov chain Monte Carlo and its relatives:
//
//	Langevin            unadjusted Langevin dynamics, any step or temperature schedule
//	MALA                Metropolis-adjusted Langevin, optionally preconditioned and adapted
//	HMC                 Hamiltonian Monte Carlo, diagonal or dense mass, adaptation
//	NUTS                the No-U-Turn Sampler with Stan's warm-up
//	RMHMC               Riemannian-manifold HMC with a user-given metric
//	ParallelTempering   replica exchange across a temperature ladder
//	AIS                 annealed importance sampling: log Z with a standard error
//	GradientDescent, Nesterov   deterministic descent, to find modes
//
// Every sampler is a settings struct whose zero value means documented
// defaults, with one method, Sample(ctx, energy, Options). Options says how
// many chains, where they start, how long to warm up and run, what to keep,
// and the seed; Result returns the draws (Chain(j) gives coordinate j in the
// layout package diag takes), per-chain diagnostics (acceptance,
// divergences, energies, gradient counts), the tuned step sizes and metric,
// and with Trajectory the kernel's report on every kept draw. Parallel
// tempering's swap rates (Temper) and AIS's log Z (Anneal) come in result
// types of their own.
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
//     diagonal inverse metric M⁻¹; the kernel writes a StepInfo per chain.
//     State.Accept is the one Metropolis test, min(1, exp(−ΔH)) with bad
//     proposals rejected and counted as divergent.
//   - Run is the one driver: it makes a kernel per block of BlockSize
//     chains, runs the blocks on Options.Workers goroutines, handles warm-up,
//     thinning, trajectories and cancellation, counts gradients, and returns
//     the final state and the tuned parameters (Result.Tuned), which
//     Options.Tuned takes to continue a run without adapting again. It
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
//     (n/(n+5))·s² + 10⁻³·5/(n+5), and each new metric restarts the dual
//     averaging, after the kernel's own step-size search if it is a
//     StepSearcher (NUTS's init_stepsize).
//   - StepInfo carries Stan's per-draw sampler columns: accept_stat__
//     (AcceptStat), stepsize__, treedepth__, n_leapfrog__, divergent__ and
//     energy__ (the Hamiltonian at the new state).
//
// MALA, HMC and NUTS are kernels wrapped in an Adaptation when they adapt;
// HMC, NUTS and RMHMC integrate with integrate's Leapfrog and
// GeneralisedLeapfrog. MALA's kernel is one Langevin move at temperature T,
// y = x − hM⁻¹∇E(x) + √(2hT)·M^(−1/2)ξ, accepted with probability
// min(1, exp((E(x) − E(y))/T + (‖u‖²_M − ‖v‖²_M)/(4hT))), u = y − x + hM⁻¹∇E(x),
// v = x − y + hM⁻¹∇E(y). Parallel tempering runs it on every chain's
// replicas, each at its own T, and adds the swap moves; AIS runs it on the
// annealed energies (1 − β)‖x‖²/(2σ²) + βE(x) and adds the weight updates.
// Their extra outputs come in TemperingResult and AISResult.
//
// # Parallel and reproducible
//
// Chains are split into blocks of fixed size; each block's chains share one
// batched energy call per evaluation, and blocks run concurrently, each from
// start to end without waiting for the others. Chain c draws its random
// numbers from its own stream, rand.NewPCG(Seed, c), so the draws are
// identical on any number of cores (tested bit for bit).
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
