//go:build !openblas

package tensor

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLAS names the matrix-product implementation this build uses: "goebm"
// (its own assembly kernels, gemm.go) or "gonum" in the pure-Go build,
// "openblas" with -tags openblas.
var BLAS = func() string {
	if haveKernel {
		return "goebm"
	}
	return "gonum"
}()

// HasFloat32 reports whether Float32 products run in float32 in this build
// on this CPU; where they do not, they compute in float64.
var HasFloat32 = haveKernel

// packedProduct says whether blasGemm computes in precision p with
// goebm's own kernels, whose every element is summed the same way
// however C is split.
func packedProduct(Precision) bool { return haveKernel }

// blasGemm computes c = op(a)·op(b) + beta·c in precision p, c row-major
// with row length ldc. Without the AVX2 kernel, gonum computes in float64.
func blasGemm(p Precision, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	switch {
	case haveKernel && p == Float32:
		sgemmPacked(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	case haveKernel:
		dgemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	default:
		gonum.Implementation{}.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
	}
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
