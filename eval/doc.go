// Package eval measures how well a trained energy fits data. For 2-D models
// the normalising constant is computed by quadrature, so the average
// negative log-likelihood of held-out data is exact up to the grid's error;
// the maximum mean discrepancy compares model samples with data in any
// dimension; for higher dimensions AISLogZ estimates log Z by annealed
// importance sampling.
//
//	log Z ≈ log Σ_cells exp(−E(cell centre))·area   (midpoint rule, via log-sum-exp)
//	NLL   = mean E(x) + log Z                      (nats per point)
//	MMD²  = E k(x,x′) + E k(y,y′) − 2E k(x,y), k(a,b) = exp(−‖a−b‖²/(2h²)),
//	        unbiased, h the median pairwise distance of the pooled points
package eval
