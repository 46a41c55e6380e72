// Command eightschools fits Rubin's eight schools, the hierarchical model
// of the effects of coaching on SAT scores in eight schools (Gelman et al.,
// Bayesian Data Analysis, §5.5), with package bayes and NUTS (the models
// are package bayes/models'), and prints its posterior summary by name:
//
//	go run ./examples/eightschools                      # non-centred
//	go run ./examples/eightschools -model centred -out draws.csv
//
// Both forms are posteriordb's (eight_schools_centered and
// eight_schools_noncentered): y_j ~ N(θ_j, σ_j) with known σ_j,
// μ ~ N(0, 5), τ ~ half-Cauchy(0, 5), and
//
//   - centred: θ_j ~ N(μ, τ), the parameters (μ, τ, θ);
//   - non-centred: θ̃_j ~ N(0, 1) and θ_j = μ + τ·θ̃_j, the parameters
//     (μ, τ, θ̃), θ derived from each draw.
//
// The two have the same posterior of (μ, τ, θ), but the centred one is
// Neal's funnel: as τ → 0 the θ_j are squeezed together, a region NUTS
// with one step size cannot enter, so it reports divergences and its
// draws of τ are biased upwards. The non-centred form has none of that.
//
// The test checks the posterior means of both forms against Stan's: a
// long run of the non-centred model (4 chains × 50,000 draws, reference.R)
// whose means and sds are kept in testdata/reference.csv.
package main
