// Package bayes turns a Bayesian model, written as a log density over
// named, constrained parameters, into an energy that goebm's samplers draw
// from, and maps the draws back to the parameters as the model names them.
//
// A Model declares each parameter once: its name, its size (0 for a
// scalar, n for a vector, K for a K-simplex or a K×K Cholesky factor) and
// its bijector.Constraint. Its LogDensity receives the constrained values,
// p[k] for parameter k, as scalar.Vars on a scalar.Tape:
//
//	m := bayes.Model{
//		Params: []bayes.Param{{Name: "mu"}, {Name: "tau", Constraint: bijector.Positive()}, {Name: "theta", Size: 8}},
//		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var { … },
//	}
//	post, err := bayes.New(m)
//	fit, err := post.Sample(ctx, sampler.NUTS{}, sampler.Options{Chains: 4, Warmup: 1000, Steps: 1000, Seed: 1})
//	fit.Summary().Print(os.Stdout) // rows mu, tau, theta[1], …
//	fit.Save("draws.csv")          // columns chain, draw, mu, tau, theta[1], …
//
// # The posterior as an energy
//
// A Posterior is an energy.Energy on the unconstrained space: for free
// values y it constrains each parameter, x = f(y), and returns
//
//	E(y) = −(log p(f(y)) + Σₖ log|det J_fₖ(yₖ)|),
//
// so that exp(−E) is the density of y and the constrained draws f(y)
// follow p. Each point is evaluated on a scalar.Tape taken from a
// sync.Pool (samplers call the energy from several goroutines at once, and
// the pool serves each core without a lock); once the tapes have grown to
// the model, a gradient allocates nothing.
//
// Names follow Stan: "mu" for a scalar, "theta[1]"… (1-based) for a
// vector, "L[1,1]", "L[1,2]"… row by row for the K×K Cholesky factor, whose
// values p[k] hold row-major (the upper triangle is zero). Summary and Save
// use package diag's SummarizeDraws and package dataset's DrawsTable and
// Save, with these names in place of x0, x1, …; SaveCmdStan writes a
// CmdStan CSV per chain (package stancsv), with Stan's sampler columns and
// CmdStan's names (theta.1, L.2.1), for rstan, ArviZ and ebm diag.
//
// Fit.Derive appends values computed from each draw (Stan's transformed
// parameters and generated quantities, such as θ = μ + τ·θ̃), named, so
// that they are summarised and saved with the rest.
//
// ReadReference reads reference posterior moments (a long run of a trusted
// sampler, as posteriordb keeps Stan's) and Fit.Against scores a fit's
// means against them in reference sds; Stan's benchmark suite asks
// |z| ≤ 0.25 of every value, which the examples' tests check.
//
// A log density with nothing to declare, a plain function of a vector, is
// wrapped by Density in one line.
package bayes
