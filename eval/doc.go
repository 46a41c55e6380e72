// Package eval measures how well a trained energy fits data. For 2-D models
// the normalising constant is computed by quadrature, so the average
// negative log-likelihood of held-out data is exact up to the grid's error;
// the maximum mean discrepancy compares model samples with data in any
// dimension; for higher dimensions AISLogZ estimates log Z by annealed
// importance sampling, and AISCheck says whether to trust the estimate.
//
//	log Z ≈ log Σ_cells exp(−E(cell centre))·area   (midpoint rule, via log-sum-exp)
//	NLL   = mean E(x) + log Z                      (nats per point)
//	MMD²  = E k(x,x′) + E k(y,y′) − 2E k(x,y), k(a,b) = exp(−‖a−b‖²/(2h²)),
//	        unbiased, h the median pairwise distance of the pooled points
//
// AIS's forward estimate is a stochastic lower bound on log Z, and too low
// by far more than its standard error when the annealing is too short for
// its chains, which that error does not show. AISCheck therefore anneals
// forward at K and Factor·K steps and in reverse (sampler.AIS.Reverse, an
// upper bound from exact draws) at both, from a Gaussian base fitted to
// held-out points moved towards the model by a pilot MALA run (the
// whitened energy E(m + σLz), log Z = log Z_z + d·log σ + log|L|), and
// reports the estimate as converged only when
//
//	|F(4K) − F(K)| ≤ tol,  |F(4K) − R(4K)| ≤ tol,  SE(F(4K)), SE(R(4K)) ≤ tol/2
//
// (tol 1 nat by default), with every run's figures either way.
//
// FrechetDistance compares two sets of feature rows by the Gaussians fitted
// to them, ‖μa − μb‖² + tr(Σa + Σb − 2(Σa Σb)^{1/2}) (the squared
// 2-Wasserstein distance; on a classifier's features of generated and real
// images, Heusel et al. 2017's FID), the square root's trace taken stably
// from the symmetric Σa^{1/2} Σb Σa^{1/2}.
package eval
