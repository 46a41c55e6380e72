// Command nutsstan compares goebm's NUTS with Stan's on 100-dimensional
// Gaussians: the standard normal (iso), one with condition number 100,
// diagonal (which Stan's adapted diagonal metric makes well conditioned),
// and the same correlated (which it cannot). The figure is the bulk ESS of the slowest
// coordinate per post-warm-up gradient, computed with goebm's diag (which
// matches Stan's own reference values) for both samplers' draws.
//
//	go run ./bench/peer/nutsstan -dir /tmp/ns -write   # the targets, as Cholesky factors
//	Rscript bench/peer/nutsstan/stan_nuts.R /tmp/ns     # Stan (Debian r-cran-rstan)
//	go run ./bench/peer/nutsstan -dir /tmp/ns           # goebm, and the comparison
//
// With a dense metric on both sides (goebm's MetricDense, Stan's dense_e),
// over seeds 1…5, the figures being means over seeds:
//
//	Rscript bench/peer/nutsstan/stan_nuts.R /tmp/ns dense_e 5
//	go run ./bench/peer/nutsstan -dir /tmp/ns -metric dense -seeds 5
//
// Both sides also report their mean adapted step size, mean acceptance
// statistic after warm-up and leapfrog steps per draw, and the ratio's
// standard error from the seed-to-seed spread. To compare the transitions
// alone, without warm-up, fix the step size and the unit metric on both:
//
//	NUTSSTAN_STEP=0.45 Rscript bench/peer/nutsstan/stan_nuts.R /tmp/ns unit_e 10
//	go run ./bench/peer/nutsstan -dir /tmp/ns -metric unit -step 0.45 -seeds 10
package main
