// Package energy defines energy functions E(x), the unnormalised negative
// log densities p(x) ∝ exp(−E(x)) that samplers draw from and losses train.
//
// An Energy is batched: it evaluates n points of dimension d at once, stored
// row-major in one slice (point i is x[i·d : (i+1)·d]), and writes energies
// and gradients ∇ₓE into buffers the caller owns, so a sampler's loop
// allocates nothing. Implementations must be safe for concurrent calls on
// disjoint batches: samplers split their chains across cores.
//
// Analytic energies (closed-form gradients, TorchEBM's defaults):
//
//	Gaussian        ½(x−μ)ᵀΣ⁻¹(x−μ), through the Cholesky factor of Σ
//	DoubleWell      h·Σᵢ(xᵢ² − b²)², h = 2, b = 1: wells at ±b, barrier h·b⁴ per axis
//	Harmonic        ½k·Σᵢxᵢ², k = 1
//	Rosenbrock      Σᵢ[(a − xᵢ)² + b(xᵢ₊₁ − xᵢ²)²], a = 1, b = 100
//	Ackley          −a·exp(−b√(mean x²)) − exp(mean cos(cx)) + a + e, a = 20, b = 0.2, c = 2π
//	Rastrigin       a·d + Σᵢ(xᵢ² − a·cos(2πxᵢ)), a = 10
//	Mixture         −log Σₖ wₖ N(x; μₖ, σₖ²I), isotropic components
//	Funnel          Neal's funnel: v ~ N(0, σ²), zᵢ | v ~ N(0, eᵛ)
//	Quadratic       ½xᵀAx, A symmetric (NewQuadratic); the zero value is A = I
//	Himmelblau      (x² + y − 11)² + (x + y² − 7)², 2-D: four minima of value 0
//	Booth           (x + 2y − 7)² + (2x + y − 5)², 2-D: a Gaussian at (1, 3)
//	StyblinskiTang  ½Σᵢ(xᵢ⁴ − 16xᵢ² + 5xᵢ): lowest at xᵢ = −2.903534, −39.16617·d
//	ManyWell        FAB's many-well: pairs x₁⁴ − 6x₁² − 0.5x₁ + ½x₂², 16 pairs by default
//	NewGMM40        FAB's and DEM's 2-D mixture of 40 Gaussians, means in [−40, 40]²
//
// Mixture and ManyWell are Exact: they know log Z (ManyWell by Gauss–Legendre
// quadrature of its 1-D well) and draw exactly (ManyWell's wells by
// rejection), which is what samplers trained from the energy alone are
// scored against (package neuralsampler).
//
// ByName looks the analytic energies up by name (with the aliases dataset
// names take: "double-well", "double_well"), and Names lists them.
// Sum weights several energies and Tempered divides one by a temperature.
// Interaction adds a repulsion between the points of a batch, Eᵢ = V(xᵢ) −
// ½(s/σ²)Σⱼ‖xᵢ − xⱼ‖² (Energy Matching's, for diverse samples): an energy
// whose rows interact says so (Joint), and samplers then keep all chains
// in one batch and move them only with unadjusted kernels.
// Model turns any nn.Module with one output into an Energy, its gradient by
// the tensor engine. A user's own energy needs only the interface's three
// methods; see the example.
package energy
