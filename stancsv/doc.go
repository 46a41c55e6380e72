// Package stancsv reads and writes MCMC draws in CmdStan's CSV layout, so
// that the tools Stan users already have (stansummary, ArviZ's and
// posterior's CmdStan readers, rstan's read_stan_csv) read goebm's chains,
// and goebm reads theirs; and it summarises such files as stansummary and
// CmdStan's diagnose do.
//
// # The layout
//
// One file holds one chain. Comment lines start with '#': first the run's
// settings, nested as CmdStan prints its arguments ("# model = …",
// "#     num_samples = 1000", "#   seed = 1", "# id = 1"); then the header
// line
//
//	lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,x.1,x.2,…
//
// then the adaptation's result as comments ("# Step size = 0.88", and
// "# Diagonal elements of inverse mass matrix:" with the values on the next
// comment line), then one row per kept draw, and the elapsed times
// ("# Elapsed Time: …", which rstan's reader requires). Booleans are
// written 0 and 1, as CmdStan wrote them before 2.33 and as rstan reads
// them. The sampler columns are Stan's per-draw report (sampler.StepInfo):
//
//	lp__           the log density up to a constant: −E(x) for an energy E
//	               (for a Bayesian model, the log posterior up to a constant)
//	accept_stat__  the acceptance statistic (NUTS: the mean over the tree)
//	stepsize__     the step size used
//	treedepth__    NUTS's tree depth; 0 for other kernels
//	n_leapfrog__   integration steps (gradients) taken
//	divergent__    1 for a divergent transition, else 0
//	energy__       the Hamiltonian at the draw, E(x) + ½pᵀM⁻¹p with the
//	               momentum the kernel kept (Stan's definition); E(x) for
//	               kernels without momentum
//
// Parameters are named as CmdStan names the elements of a vector: x.1 …
// x.d for goebm's coordinates x0 … x(d−1), so that the readers see one
// vector x. Write writes every number in the shortest form that reads back
// exactly (CmdStan rounds to 6 significant digits), so that a chain read
// back is bit for bit the chain written.
//
// Read takes CmdStan's files (any number of parameter columns, save_warmup
// rows dropped), rstan's sample_file= files (key=value settings, iter
// counting the warm-up), and goebm's own draws CSV (columns chain, draw, x0, …, as
// ebm sample writes by default), which holds several chains. It finds
// columns by name, and refuses with an error naming the line a ragged or
// truncated file, a field that is not a number (Stan's nan and inf are
// numbers), and a file with fewer draws than its header announces.
//
// # Summaries and warnings
//
// Summarize merges chains with the same columns and draws (from one run, or
// from machines that each ran a slice of the chains) and gives each column
// stansummary's statistics: mean, MCSE of the mean, standard deviation, MAD,
// the 5%, 50% and 95% quantiles, bulk and tail ESS and R-hat (package diag's
// definitions, which match Stan's tests; the MCSE column is CmdStan's,
// SD/√ESS of the unsplit chains, and every column matches CmdStan's own
// stansummary test to the 6 digits it prints), with E-BFMI per chain
// (diag.EBFMI) and Stan's warnings: divergent transitions, transitions at the maximum tree depth,
// E-BFMI below 0.3 in a chain, R-hat above 1.01, and bulk or tail ESS below
// 100 per chain.
package stancsv
