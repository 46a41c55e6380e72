// Package dataset provides training data: TorchEBM's eight 2-D synthetic
// distributions, shuffled mini-batches, and points read from and written to
// CSV or NumPy .npy files (Load and Save, which round-trip exactly).
// DrawsTable lays a sampler's draws out as such rows, with chain and draw
// columns.
//
// Each generator is a settings struct whose zero value means TorchEBM's
// defaults, drawing from an injected *rand.Rand, so the same seed gives the
// same points:
//
//	GaussianMixture  8 components of sd 0.05 evenly on the unit circle
//	EightGaussians   the 8 Gaussians of the EBM literature: sd 0.02, centres scaled by 2
//	TwoMoons         two interleaving half circles, noise 0.05
//	SwissRoll        a spiral over 3π, noise 0.05, standardised
//	Circle           the unit circle, noise 0.05
//	Checkerboard     uniform on the dark squares of [−4, 4]², noise 0.01
//	Pinwheel         5 curved blades, radial scale 2, angular sd 0.1, spiral 5, noise 0.05
//	Grid             a 10×10 grid on [−1, 1]², noise 0.01
//
// Two departures from TorchEBM, for honest held-out data: TwoMoons draws its
// angles independently (TorchEBM spaces them evenly), and Grid cycles through
// its points for any n (TorchEBM returns exactly one per point).
package dataset
