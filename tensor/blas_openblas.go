//go:build openblas

package tensor

import (
	"sync"

	"github.com/goebm/goebm/internal/openblas"
	"gonum.org/v1/gonum/blas"
)

// BLAS names the matrix-product implementation this build uses.
var BLAS = "openblas"

// HasFloat32 reports whether Float32 products run in float32 in this build:
// OpenBLAS's sgemm always does.
var HasFloat32 = true

// packedProduct says whether blasGemm computes in precision p with
// goebm's packed kernels, whose every element is summed the same way
// however C is split: float32 where the CPU has them.
func packedProduct(p Precision) bool { return haveKernel && p == Float32 }

// blasGemm computes c = op(a)·op(b) + beta·c in precision p, c row-major
// with row length ldc: float64 through OpenBLAS's dgemm; float32 through
// goebm's packed float32 product where the CPU has it (it rounds the
// operands as it packs them, where sgemm would need float32 copies of
// whole operands first: measured 1.7× slower on CD-10 at the medium
// scale), else through sgemm on operands rounded into scratch buffers, the
// product added to beta·c in float64.
func blasGemm(p Precision, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	switch {
	case p != Float32:
		openblas.Implementation{}.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
		return
	case haveKernel:
		sgemmPacked(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	buf := sgemmPool.Get().(*sgemmBufs)
	defer sgemmPool.Put(buf)
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	a32 := round32(&buf.a, a, ar, ac, lda)
	b32 := round32(&buf.b, b, br, bc, ldb)
	c32 := grow(&buf.c, m*n)
	openblas.Implementation{}.Sgemm(trans(tA), trans(tB), m, n, k, 1, a32, ac, b32, bc, 0, c32, n)
	for i := range m {
		row, src := c[i*ldc:i*ldc+n], c32[i*n:(i+1)*n]
		for j, v := range src {
			if beta == 0 {
				row[j] = float64(v)
			} else {
				row[j] = beta*row[j] + float64(v)
			}
		}
	}
}

// round32 copies the r×c matrix x (row length ld) into dst as float32.
func round32(dst *[]float32, x []float64, r, c, ld int) []float32 {
	out := grow(dst, r*c)
	for i := range r {
		for j, v := range x[i*ld : i*ld+c] {
			out[i*c+j] = float32(v)
		}
	}
	return out
}

type sgemmBufs struct{ a, b, c []float32 }

var sgemmPool = sync.Pool{New: func() any { return new(sgemmBufs) }}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
