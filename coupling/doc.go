// Package coupling pairs a batch of noise x₀ with a batch of data x₁ for
// flow-matching losses: independently (as drawn), by an exact optimal
// transport assignment, by entropic (Sinkhorn) optimal transport, balanced or
// unbalanced, greedily, or by reflow (the data paired with where a trained
// flow takes the noise). Straighter pairings give straighter paths, which
// integrate in fewer steps (Tong et al. 2023; Liu et al. 2022).
//
// Costs are squared Euclidean distances ‖x₀ᵢ − x₁ⱼ‖². Sinkhorn's Reg is
// relative to the batch's largest cost unless Absolute is set; with
// Absolute and Reg = 2σ² its plan is the static Schrödinger bridge of a
// Wiener process of variance σ² ([SF]²M), checked against the closed-form
// entropic plan between Gaussians.
//
// Two optional interfaces widen the seam, as TorchEBM's CouplingResult
// does: a Weighted coupling (unbalanced Sinkhorn) gives each pair a weight,
// its noise row's mass in the plan over the mean, which the flow losses
// use to down-weight outliers; a Transport coupling (ReflowCoupling) makes
// each noise row's partner itself instead of choosing a data row.
//
// ByName looks a coupling up by name (exact-ot, exact_ot and ExactOT are
// one), and Names lists them with a line each.
package coupling
