// Package bijector maps a model's unconstrained parameters to constrained
// ones: positive scales, probabilities in an interval, ordered cut points,
// simplexes, unit vectors and Cholesky factors of correlation matrices. A
// sampler moves freely on ℝⁿ; a transform x = f(y) carries each point to
// the constrained space, and the density of y is that of x times the
// Jacobian's volume factor,
//
//	log p_Y(y) = log p_X(f(y)) + log |det J_f(y)|,
//
// which Constrain returns beside x. The transforms are Stan's, so that
// draws, step sizes and divergences can be compared with Stan's.
//
// A Constraint is a plain description (a Kind and its bounds), made by
// Positive, Lower, Upper, Interval, Ordered, Simplex, UnitVector and
// CholeskyCorr. Constrain is written once, generic over scalar.Ops, so the
// same code runs on scalar.Tape (fast first-order gradients for samplers),
// on tensor.Tape (derivatives of any order; the tests check the first two
// against finite differences) and on scalar.Float (mapping draws back).
// Unconstrain is its inverse on plain float64s, for starting points.
//
// # The transforms
//
// For a vector of n constrained values, with y the unconstrained ones:
//
//   - Real: x = y, log|J| = 0.
//   - Lower(a), Positive() = Lower(0): x = a + eʸ, log|J| = y.
//   - Upper(b): x = b − eʸ, log|J| = y.
//   - Interval(a, b): x = a + (b − a)·σ(y) with σ the logistic function;
//     log|J| = log(b − a) + log σ(y) + log σ(−y), computed as
//     log(b − a) − softplus(−y) − softplus(y), which neither overflows nor
//     loses precision in the tails.
//   - Ordered: x₁ = y₁, xₖ = xₖ₋₁ + e^{yₖ}; log|J| = Σ_{k≥2} yₖ (the
//     Jacobian is triangular).
//   - Simplex, n = K values from K − 1 free ones, by stick breaking: for
//     k = 1…K−1, zₖ = σ(yₖ − log(K − k)), xₖ = ℓₖ·zₖ with ℓ₁ = 1 and
//     ℓₖ₊₁ = ℓₖ − xₖ the stick left; x_K = ℓ_K. The offset log(K − k)
//     maps y = 0 to the centre (1/K, …, 1/K). The Jacobian of y ↦
//     (x₁…x_{K−1}) is triangular: log|J| = Σₖ log ℓₖ + log zₖ + log(1 − zₖ).
//     A flat density on y with this term is the uniform (Dirichlet(1))
//     density on the simplex.
//   - UnitVector, n values from n free ones: x = y/‖y‖. This is not a
//     bijection (every ray maps to one point), so, as Stan does, the
//     "log-Jacobian" is −½‖y‖²: it gives y a standard normal radial part
//     that keeps ‖y‖ away from 0 and ∞, and leaves the density of x
//     unchanged because a standard normal's direction is uniform on the
//     sphere. Unconstrain returns y = x.
//   - CholeskyCorr, a K×K lower-triangular L with positive diagonal and
//     rows of unit norm (so LLᵀ is a correlation matrix), from K(K−1)/2
//     free values taken row by row: each zᵢⱼ = tanh yᵢⱼ ∈ (−1, 1) is a
//     canonical partial correlation; L₁₁ = 1, and in row i
//     Lᵢ₁ = zᵢ₁, Lᵢⱼ = zᵢⱼ·√(1 − Σ_{k<j} L²ᵢₖ) for 1 < j < i, and
//     Lᵢᵢ = √(1 − Σ_{k<i} L²ᵢₖ). The Jacobian of y ↦ (Lᵢⱼ)_{i>j} is
//     triangular: log|J| = Σ log(1 − z²ᵢⱼ) + ½ Σ_{j>1} log(1 − Σ_{k<j} L²ᵢₖ),
//     with log(1 − tanh²y) = 2(log 2 − y − softplus(−2y)). L comes back
//     row-major in K² values, its upper triangle zero.
//
// # Sizes
//
// Sizes gives the free and constrained lengths of a vector of n values:
// n and n for the element-wise kinds, Ordered and UnitVector; K − 1 and K
// for a Simplex of K; K(K−1)/2 and K² for the K×K CholeskyCorr.
package bijector
