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
// layout package diag takes) and per-chain diagnostics: acceptance,
// divergences, adapted step sizes, energies, gradient counts.
//
// # Parallel and reproducible
//
// Chains are split into blocks of fixed size; each block's chains share one
// batched energy call per step, and blocks run concurrently, each from start
// to end without waiting for the others. Chain c draws its random numbers
// from its own stream, rand.NewPCG(Seed, c), so the draws are identical on
// any number of cores (tested bit for bit).
//
// # Errors
//
// Invalid settings (no chains, a dimension mismatch, a step size that is not
// positive at some step, an invalid mass matrix) return errors wrapping
// ErrInvalid before anything runs. A non-finite energy or gradient at a
// chain's current state stops the run with an error wrapping ErrNonFinite
// that names the chain and step. In Metropolis-corrected samplers a proposal
// that lands on a non-finite energy is rejected and counted as a divergence,
// never clamped or zeroed.
package sampler
