package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestDgemmPacked compares the packed product with gonum's Dgemm on shapes
// that hit every edge: sizes not multiples of the 4×8 block, more than one
// kc/mc/nc block, both transposes, beta 0, 1 and 0.5, and row lengths larger
// than the matrices. Agreement within 1e-13 relative to the sum of |terms|
// (different summation orders round differently).
func TestDgemmPacked(t *testing.T) {
	if !haveKernel {
		t.Skip("no AVX2+FMA kernel in this build or on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, sz := range [][3]int{{1, 1, 1}, {4, 8, 3}, {5, 9, 7}, {3, 17, 1}, {67, 13, 300}, {130, 520, 20}, {64, 128, 128}, {1, 1, 600}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, beta := range []float64{0, 1, 0.5} {
					ar, ac := m, k
					if tA {
						ar, ac = k, m
					}
					br, bc := k, n
					if tB {
						br, bc = n, k
					}
					lda, ldb, ldc := ac+2, bc+1, n+3
					a := randSlice(rng, ar*lda)
					b := randSlice(rng, br*ldb)
					c := randSlice(rng, m*ldc)
					want := append([]float64(nil), c...)
					absSum := make([]float64, len(c))
					ta, tb := blas.NoTrans, blas.NoTrans
					if tA {
						ta = blas.Trans
					}
					if tB {
						tb = blas.Trans
					}
					gonum.Implementation{}.Dgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, want, ldc)
					abs := func(s []float64) []float64 {
						o := make([]float64, len(s))
						for i, v := range s {
							o[i] = math.Abs(v)
						}
						return o
					}
					copy(absSum, abs(c))
					gonum.Implementation{}.Dgemm(ta, tb, m, n, k, 1, abs(a), lda, abs(b), ldb, math.Abs(beta), absSum, ldc)
					dgemmPacked(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
					for i := range m {
						for j := range ldc {
							idx := i*ldc + j
							tol := 1e-13 * absSum[idx]
							if j >= n {
								tol = 0 // outside C: must be untouched
							}
							if math.Abs(c[idx]-want[idx]) > tol {
								t.Fatalf("m,n,k=%v tA=%v tB=%v beta=%v: c[%d][%d] = %v, want %v", sz, tA, tB, beta, i, j, c[idx], want[idx])
							}
						}
					}
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	return s
}
