package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/goebm/goebm/tensor"
)

// FrechetDistance returns the Fréchet distance between Gaussians fitted to
// two sets of feature rows a [n, k] and b [m, k] (n, m ≥ 2):
//
//	‖μa − μb‖² + tr(Σa + Σb − 2(Σa Σb)^{1/2})
//
// the squared 2-Wasserstein distance between N(μa, Σa) and N(μb, Σb), with
// the sample means and unbiased covariances. On a classifier's features of
// generated and real images it is the FID of Heusel et al. (2017).
func FrechetDistance(a, b *tensor.Tensor) (float64, error) {
	ma, sa, err := Moments(a)
	if err != nil {
		return 0, err
	}
	mb, sb, err := Moments(b)
	if err != nil {
		return 0, err
	}
	return FrechetFromMoments(ma, sa, mb, sb)
}

// Moments returns the mean and the unbiased covariance of the rows of x
// [n, k], n ≥ 2, all finite.
func Moments(x *tensor.Tensor) ([]float64, *mat.SymDense, error) {
	if x.Rank() != 2 || x.Dim(0) < 2 || x.Dim(1) < 1 {
		return nil, nil, fmt.Errorf("eval: moments of features of shape %v: want [n, k] with n ≥ 2: %w", x.Shape(), ErrInvalid)
	}
	for i, v := range x.Data() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("eval: feature %d of row %d is %g: %w", i%x.Dim(1), i/x.Dim(1), v, ErrInvalid)
		}
	}
	n, k := x.Dim(0), x.Dim(1)
	m := mat.NewDense(n, k, x.Data())
	cov := mat.NewSymDense(k, nil)
	stat.CovarianceMatrix(cov, m, nil)
	mean := make([]float64, k)
	for j := range k {
		mean[j] = stat.Mean(mat.Col(nil, j, m), nil)
	}
	return mean, cov, nil
}

// FrechetFromMoments returns the Fréchet distance between N(m1, s1) and
// N(m2, s2), so that a reference set's moments are computed once. The
// trace of (s1 s2)^{1/2} is that of the symmetric (s1^{1/2} s2 s1^{1/2})^{1/2},
// whose eigenvalues are found stably (round-off below zero counts as
// zero).
func FrechetFromMoments(m1 []float64, s1 *mat.SymDense, m2 []float64, s2 *mat.SymDense) (float64, error) {
	k := len(m1)
	if len(m2) != k || s1.SymmetricDim() != k || s2.SymmetricDim() != k {
		return 0, fmt.Errorf("eval: Fréchet distance of %d- and %d-dimensional moments: %w", k, len(m2), ErrInvalid)
	}
	root, err := sqrtSym(s1)
	if err != nil {
		return 0, err
	}
	var inner mat.Dense
	inner.Mul(root, s2)
	inner.Mul(&inner, root)
	sym := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			sym.SetSym(i, j, (inner.At(i, j)+inner.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, fmt.Errorf("eval: Fréchet distance: the eigen-decomposition did not converge: %w", ErrInvalid)
	}
	var trRoot float64
	for _, v := range eig.Values(nil) {
		trRoot += math.Sqrt(math.Max(v, 0))
	}
	var d float64
	for i := range k {
		d += (m1[i]-m2[i])*(m1[i]-m2[i]) + s1.At(i, i) + s2.At(i, i)
	}
	return math.Max(d-2*trRoot, 0), nil
}

// sqrtSym returns the symmetric square root of the positive semi-definite
// s, round-off below zero counting as zero.
func sqrtSym(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("eval: Fréchet distance: the eigen-decomposition did not converge: %w", ErrInvalid)
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	k := len(vals)
	scaled := mat.NewDense(k, k, nil)
	for j, v := range vals {
		r := math.Sqrt(math.Max(v, 0))
		for i := range k {
			scaled.Set(i, j, vecs.At(i, j)*r)
		}
	}
	var out mat.Dense
	out.Mul(scaled, vecs.T())
	return &out, nil
}
