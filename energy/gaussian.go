package energy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Gaussian is ½(x−μ)ᵀΣ⁻¹(x−μ), the energy of N(μ, Σ). It works through the
// Cholesky factor Σ = LLᵀ: with zᵢ = L⁻¹(xᵢ − μ), E = ½‖z‖² and ∇E = L⁻ᵀz,
// two triangular solves per batch and no explicit inverse.
type Gaussian struct {
	mean   []float64
	l      blas64.Triangular // lower Cholesky factor of Σ
	logDet float64
}

var _ Energy = (*Gaussian)(nil)

// NewGaussian returns the Gaussian energy with the given mean and covariance
// (d×d, row-major). It returns an error when the sizes disagree, a value is
// not finite, or the covariance is not symmetric positive-definite.
func NewGaussian(mean, cov []float64) (*Gaussian, error) {
	d := len(mean)
	if d == 0 || len(cov) != d*d {
		return nil, fmt.Errorf("energy: Gaussian with %d mean values and %d covariance values: %w", d, len(cov), ErrInvalid)
	}
	for i, v := range append(append([]float64{}, mean...), cov...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("energy: Gaussian parameter %d is %g: %w", i, v, ErrInvalid)
		}
	}
	if i, j, ok := symmetric(cov, d); !ok {
		return nil, fmt.Errorf("energy: Gaussian covariance is not symmetric at (%d, %d): %g vs %g: %w", i, j, cov[i*d+j], cov[j*d+i], ErrInvalid)
	}
	var ch mat.Cholesky
	if ok := ch.Factorize(mat.NewSymDense(d, append([]float64(nil), cov...))); !ok {
		return nil, fmt.Errorf("energy: Gaussian covariance is not positive-definite: %w", ErrInvalid)
	}
	var l mat.TriDense
	ch.LTo(&l)
	return &Gaussian{mean: append([]float64(nil), mean...), l: l.RawTriangular(), logDet: ch.LogDet()}, nil
}

// Dim returns the dimension of the mean.
func (g *Gaussian) Dim() int { return len(g.mean) }

// LogZ returns log ∫exp(−E) = (d/2)·log 2π + ½·log|Σ|, for checking
// estimates of normalising constants.
func (g *Gaussian) LogZ() float64 {
	return 0.5*float64(len(g.mean))*math.Log(2*math.Pi) + 0.5*g.logDet
}

// Energy evaluates the Gaussian energy.
func (g *Gaussian) Energy(e, x []float64, d int) {
	g.Grad(e, make([]float64, len(x)), x, d)
}

// Grad evaluates the energy and its gradient Σ⁻¹(x − μ).
func (g *Gaussian) Grad(e, grad, x []float64, d int) {
	checkBatch(e, grad, x, d)
	if d != len(g.mean) {
		panic(fmt.Sprintf("energy: Gaussian of dimension %d given points of dimension %d", len(g.mean), d))
	}
	n := len(e)
	if n == 0 {
		return
	}
	for i := range n {
		for j := range d {
			grad[i*d+j] = x[i*d+j] - g.mean[j]
		}
	}
	z := blas64.General{Rows: n, Cols: d, Stride: d, Data: grad}
	blas64.Trsm(blas.Right, blas.Trans, 1, g.l, z) // rows zᵢ = L⁻¹(xᵢ − μ)
	for i := range n {
		s := 0.0
		for _, v := range grad[i*d : (i+1)*d] {
			s += v * v
		}
		e[i] = 0.5 * s
	}
	blas64.Trsm(blas.Right, blas.NoTrans, 1, g.l, z) // rows L⁻ᵀzᵢ
}

// Metric writes the precision Σ⁻¹ (d×d) into gm and, when dg is not nil,
// zeros into dg: the constant metric under which Riemannian-manifold HMC
// (sampler.RMHMC) of this Gaussian is HMC with the ideal mass matrix.
func (g *Gaussian) Metric(gm, dg, _ []float64) {
	d := len(g.mean)
	clear(gm[:d*d])
	for i := range d {
		gm[i*d+i] = 1
	}
	p := blas64.General{Rows: d, Cols: d, Stride: d, Data: gm}
	blas64.Trsm(blas.Right, blas.Trans, 1, g.l, p)   // I·L⁻ᵀ
	blas64.Trsm(blas.Right, blas.NoTrans, 1, g.l, p) // L⁻ᵀL⁻¹ = Σ⁻¹
	clear(dg)
}

// symmetric reports whether the d×d row-major matrix a is symmetric to
// 1e-12 relative, and otherwise the first pair (i, j), j < i, that is not.
func symmetric(a []float64, d int) (i, j int, ok bool) {
	for i := range d {
		for j := range i {
			if u, v := a[i*d+j], a[j*d+i]; math.Abs(u-v) > 1e-12*math.Max(math.Abs(u), math.Abs(v)) {
				return i, j, false
			}
		}
	}
	return 0, 0, true
}
