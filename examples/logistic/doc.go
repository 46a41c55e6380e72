// Command logistic fits a Bayesian logistic regression that tells the
// digit 0 from the digit 1 by the 64 pixels of the UCI digits shipped with
// goebm (the 360 images of those two digits, pixels divided by 16), with
// package bayes and NUTS, and prints its posterior summary by name:
//
//	go run ./examples/logistic -out draws.csv
//
// The model: y_i ~ Bernoulli(σ(α + x_i·β)), with α and each β_j
// independent N(0, 1). The two digits are linearly separable, so the data
// alone would send β to infinity; the prior keeps the posterior proper.
// Pixels that are 0 in every image leave their β_j at the prior.
//
// The test checks its 65 posterior means against Stan's, from a long run
// of the same model (reference.R) whose means and sds are kept in
// testdata/reference.csv.
package main
