//go:build openblas

package tensor

import (
	"github.com/goebm/goebm/internal/openblas"
	"gonum.org/v1/gonum/blas"
)

// BLAS names the matrix-product implementation this build uses.
var BLAS = "openblas"

// dgemm computes c = op(a)·op(b) + beta·c through OpenBLAS.
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	openblas.Implementation{}.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
