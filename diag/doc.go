// Package diag holds the diagnostics that say whether MCMC draws can be
// trusted: split R-hat, bulk and tail effective sample size (ESS), Monte
// Carlo standard errors, autocorrelation, and a summary table, as Stan
// defines them (Vehtari, Gelman, Simpson, Carpenter and Bürkner 2021,
// "Rank-normalization, folding, and localization: an improved R-hat",
// Bayesian Analysis 16(2)).
//
// Draws of one scalar quantity are given as chains: chains[c][i] is draw i
// of chain c; every chain has the same length. SummarizeDraws takes a
// sampler's draws as they come, all coordinates interleaved, and returns a
// Table of one Summary per coordinate, which prints for a terminal and
// marshals to JSON (NaN as null).
//
// # ESS
//
// With M chains of N draws, per-chain autocovariances γ̂ₘ(t) (biased, by
// FFT), the within-chain variance W = mean over chains of γ̂ₘ(0)·N/(N−1),
// var⁺ = W(N−1)/N + B (B the variance of the chain means), and the combined
// autocorrelation ρ̂ₜ = 1 − (W − mean γ̂ₘ(t))/var⁺, the effective sample size
// is MN/τ̂ with τ̂ = −1 + 2Σρ̂ₜ summed over Geyer's initial positive sequence
// (pairs ρ̂₂ₖ + ρ̂₂ₖ₊₁ while positive), made monotone. τ̂ is floored at
// 1/log₁₀(MN), capping the ESS at MN·log₁₀(MN) for antithetic chains.
//
// Bulk ESS applies that to split chains (each halved, so 2M chains of N/2)
// after rank normalisation: draws are replaced by Φ⁻¹((r − 3/8)/(S + 1/4)) of
// their pooled average ranks r, S the number of draws. Tail ESS is the
// smaller ESS of the indicators x ≤ q₀.₀₅ and x ≥ q₀.₉₅ on split chains.
//
// # R-hat
//
// R̂ = √((B/W + N − 1)/N) with B = N·var(chain means); reported is the larger
// of the bulk R̂ (rank-normalised split chains) and the tail R̂ (the same
// after folding the draws about their median). Values above 1.01 say the
// chains disagree.
//
// # E-BFMI and MAD
//
// EBFMI is a chain's energy Bayesian fraction of missing information from
// the Hamiltonians of successive draws (Stan's energy__): the mean squared
// difference of successive energies over their variance, below 0.3
// (EBFMIThreshold) a warning that momentum resampling explores the energy
// levels too slowly. MAD is the median absolute deviation scaled by 1.4826,
// stansummary's MAD column.
//
// A chain with fewer than 4 draws, a non-finite draw, or draws that never
// vary give NaN: there is nothing to diagnose.
package diag
