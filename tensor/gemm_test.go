package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestGemmPacked compares the packed products with gonum's Dgemm on shapes
// that hit every edge: sizes not multiples of the 4×8 or 6×16 block, more
// than one kc/mc/nc block, both transposes, beta 0, 1 and 0.5, and row
// lengths larger than the matrices. The float64 product agrees within 1e-13
// relative to the sum of |terms| (different summation orders round
// differently). The float32 product rounds each operand (relative error
// 2⁻²⁴) and sums blocks of at most kc = 256 terms in float32, so its error
// is below (2 + 256)·2⁻²⁴ ≈ 1.5e-5 of the sum of |terms|; the test asks
// for that bound.
func TestGemmPacked(t *testing.T) {
	if !haveKernel {
		t.Skip("no AVX2+FMA kernel in this build or on this CPU")
	}
	for _, tc := range []struct {
		name string
		mul  func(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
		tol  float64
	}{
		{"float64", dgemm, 1e-13}, // this CPU's kernel
		{"float64-avx2", func(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			dgemm256(tA, tB, m, n, k, a, lda, b, ldb, nil, beta, c, ldc)
		}, 1e-13},
		{"float64-avx512", func(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			dgemm512(tA, tB, m, n, k, a, lda, b, ldb, nil, beta, c, ldc)
		}, 1e-13},
		{"float32", sgemmPacked, 258 * 0x1p-24}, // this CPU's kernel
		{"float32-avx2", sgemm256, 258 * 0x1p-24},
		{"float32-avx512", sgemm512, 258 * 0x1p-24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasSuffix(tc.name, "-avx512") && !haveAVX512 {
				t.Skip("no AVX-512 on this CPU")
			}
			testGemmPacked(t, tc.mul, tc.tol)
		})
	}
}

// TestSgemmKernelsAgree: the AVX2 and AVX-512 float32 products sum each
// element in the same order, so they give the same bits, on every shape of
// TestGemmPacked's kind, with more than one block of depth and of columns.
// With beta 0 the AVX-512 kernel sets C from zeros with the first block of
// sums where the AVX2 product clears C and adds: C starts as NaN, so every
// element must be set. Planted: the set mode's third row stored over its
// second (one row step left out): failed.
func TestSgemmKernelsAgree(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, sz := range [][3]int{{1, 1, 1}, {6, 32, 5}, {13, 33, 257}, {67, 100, 300}, {200, 40, 64}, {7, 1100, 520}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			a, b := randSlice(rng, m*k), randSlice(rng, k*n)
			lda, ldb := k, n
			if tr[0] {
				lda = m
			}
			if tr[1] {
				ldb = k
			}
			c1, c2 := make([]float64, m*n), make([]float64, m*n)
			for i := range c2 {
				c1[i], c2[i] = math.NaN(), math.NaN()
			}
			sgemm256(tr[0], tr[1], m, n, k, a, lda, b, ldb, 0, c1, n)
			sgemm512(tr[0], tr[1], m, n, k, a, lda, b, ldb, 0, c2, n)
			for i := range c1 {
				if c1[i] != c2[i] {
					t.Fatalf("m,n,k=%v transposes %v: element %d: AVX2 %v, AVX-512 %v", sz, tr, i, c1[i], c2[i])
				}
			}
		}
	}
}

// TestDgemmKernelsAgree: the AVX-512 float64 product, which reads its
// operands in place, and the AVX2 one, which packs them, sum each element
// in the same order, so they give the same bits: on shapes with partial
// panels of A's rows and B's columns, more than one kc, mc and nc block,
// both transposes, B's rows at offsets (overlapping, as a convolution's
// are), beta 0 and 0.5, and row lengths past the matrices (C's extra
// columns must stay untouched).
func TestDgemmKernelsAgree(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for _, sz := range [][3]int{{1, 1, 1}, {6, 16, 5}, {7, 17, 3}, {13, 33, 257}, {97, 100, 300}, {200, 530, 64}, {32, 128, 128}, {5, 15, 600}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tr := range [][3]bool{{false, false, false}, {true, false, false}, {false, true, false}, {true, true, false}, {false, false, true}, {true, false, true}} {
			tA, tB, offsets := tr[0], tr[1], tr[2]
			lda, ldb := k+3, n+1
			if tA {
				lda = m + 2
			}
			if tB {
				ldb = k + 1
			}
			rowsA, rowsB := m, k
			if tA {
				rowsA = k
			}
			if tB {
				rowsB = n
			}
			a, b := randSlice(rng, rowsA*lda), randSlice(rng, rowsB*ldb)
			var boff []int
			if offsets { // rows of width n, each 3 values after the last: they overlap
				b = randSlice(rng, 3*k+n)
				boff = make([]int, k)
				for p := range boff {
					boff[p] = 3 * p
				}
			}
			for _, beta := range []float64{0, 0.5} {
				ldc := n + 2
				c1 := randSlice(rng, m*ldc)
				c2 := append([]float64(nil), c1...)
				dgemm256(tA, tB, m, n, k, a, lda, b, ldb, boff, beta, c1, ldc)
				dgemm512(tA, tB, m, n, k, a, lda, b, ldb, boff, beta, c2, ldc)
				for i := range c1 {
					if c1[i] != c2[i] && !(math.IsNaN(c1[i]) && math.IsNaN(c2[i])) {
						t.Fatalf("m,n,k=%v tA=%v tB=%v offsets=%v beta=%v: element %d: AVX2 %v, AVX-512 %v", sz, tA, tB, offsets, beta, i, c1[i], c2[i])
					}
				}
			}
		}
	}
}

func testGemmPacked(t *testing.T, mul func(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int), rtol float64) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, sz := range [][3]int{{1, 1, 1}, {4, 8, 3}, {5, 9, 7}, {3, 17, 1}, {67, 13, 300}, {130, 520, 20}, {64, 128, 128}, {1, 1, 600}, {6, 16, 5}, {13, 33, 257}, {200, 40, 64}} {
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
					mul(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
					for i := range m {
						for j := range ldc {
							idx := i*ldc + j
							tol := rtol * absSum[idx]
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

// BenchmarkGemmPacked times the two packed products on network shapes
// (m×n×k, T marking a transposed operand): a 128-wide MLP layer on a batch
// of 1024; and for the 3×3 convolutions of a 32→64 channel layer on one
// 28×28 image, its forward product (weights by im2col columns), its
// adjoint (transposed weights by the output gradient) and its weight
// gradient (output gradient by transposed columns).
func BenchmarkGemmPacked(b *testing.B) {
	if !haveKernel {
		b.Skip("no AVX2+FMA kernel in this build or on this CPU")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range []struct {
		m, n, k int
		tA, tB  bool
	}{{1024, 128, 128, false, false}, {64, 784, 288, false, false}, {288, 784, 64, true, false}, {64, 288, 784, false, true}} {
		m, n, k := sz.m, sz.n, sz.k
		a, x, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float64, m*n)
		lda, ldb := k, n
		if sz.tA {
			lda = m
		}
		if sz.tB {
			ldb = k
		}
		name := fmt.Sprintf("%dx%dx%d", m, n, k)
		if sz.tA {
			name += "/tA"
		}
		if sz.tB {
			name += "/tB"
		}
		for _, p := range []struct {
			name string
			mul  func(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
		}{{"float64", func(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			dgemm256(tA, tB, m, n, k, a, lda, b, ldb, nil, beta, c, ldc)
		}}, {"float64-avx512", dgemm}, {"float32", sgemm256}, {"float32-avx512", sgemm512}} {
			b.Run(name+"/"+p.name, func(b *testing.B) {
				if strings.HasSuffix(p.name, "-avx512") && !haveAVX512 {
					b.Skip("no AVX-512 on this CPU")
				}
				for b.Loop() {
					p.mul(sz.tA, sz.tB, m, n, k, a, lda, x, ldb, 0, c, n)
				}
				b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestProductsSameBitsOnAnyCores: a product split into one block of C per
// core (gemmChunk) gives the bits it gives on one core, in both
// precisions, for a tall C (split by rows) and a wide one (by columns),
// with and without transposes, and with k past one kc block.
func TestProductsSameBitsOnAnyCores(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for _, p := range []Precision{Float64, Float32} {
		for _, sz := range [][3]int{{517, 130, 300}, {70, 650, 129}} {
			m, n, k := sz[0], sz[1], sz[2]
			a, b := Randn(rng, m, k), Randn(rng, n, k)
			a.SetPrecision(p)
			b.SetPrecision(p)
			sameBits(t, fmt.Sprintf("%v product %dx%dx%d", p, m, n, k), func() []float64 {
				tp := NewNoGradTape()
				out := append([]float64(nil), tp.MatMulT(a, b, false, true).Data()...)
				return append(out, tp.MatMulT(b, tp.MatMulT(a, b, false, true), true, true).Data()...)
			})
		}
	}
}

// TestPackA6Float32 checks a six-row float32 panel of A, packed eight
// columns at a time with AVX-512 where the CPU has it and the rest in Go,
// value by value against float32(a[i·lda + p]), for every column count up
// to 41 (none, some and all of the columns in the AVX-512 part), rows
// longer than the panel, and values that round, overflow float32, are
// infinite or NaN.
func TestPackA6Float32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for kb := 1; kb <= 41; kb++ {
		lda, off := kb+3, 5
		a := randSlice(rng, off+6*lda)
		a[off], a[off+lda+1], a[off+2*lda] = math.NaN(), math.Inf(-1), 1e300
		pan := make([]float32, 6*kb+1) // one more, which must stay 0
		packA6(pan[:6*kb], a, off, lda, kb)
		for p := range kb {
			for i := range 6 {
				want := float32(a[off+i*lda+p])
				if got := pan[6*p+i]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("kb %d: column %d row %d: %v, want %v", kb, p, i, got, want)
				}
			}
		}
		if pan[6*kb] != 0 {
			t.Fatalf("kb %d: wrote past the panel", kb)
		}
	}
}

// TestPackTransposedFloat32 checks the float32 panels of transposed
// operands, packed with AVX-512 where the CPU has it (A: six stored
// columns through a mask; B: 8×8 blocks transposed, the last kb mod 8 rows
// in Go), value by value against float32 of the stored value, for every
// depth up to 41, panels of A and B with partial panels among them, rows
// longer than the panel, and values that round, overflow float32, are
// infinite or NaN. Planted: packAT6's mask one lane short (0x1f), and
// packT8F32's third dst row stored at the second's place — both failed.
func TestPackTransposedFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 9))
	special := func(x []float64) {
		x[0], x[len(x)/2], x[len(x)-1] = math.NaN(), math.Inf(-1), 1e300
	}
	for kb := 1; kb <= 41; kb++ {
		// A stored [kb rows, lda], op(A) = Aᵀ: a panel of rows i0..i0+mb of
		// op(A) is columns of the stored A.
		const mb, i0 = 13, 2 // two full six-row panels and a partial one
		lda := i0 + mb + 3
		a := randSlice(rng, kb*lda)
		special(a)
		pan := make([]float32, 18*kb+1) // one more, which must stay 0
		packA(pan[:18*kb], 6, true, a, lda, i0, mb, 0, kb)
		for ip := 0; ip < mb; ip += 6 {
			for p := range kb {
				for ii := range 6 {
					var want float32
					if ip+ii < mb {
						want = float32(a[p*lda+i0+ip+ii])
					}
					if got := pan[ip*kb+6*p+ii]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("A kb %d: panel row %d, depth %d: %v, want %v", kb, ip+ii, p, got, want)
					}
				}
			}
		}
		if pan[18*kb] != 0 {
			t.Fatalf("A kb %d: wrote past the panels", kb)
		}
		// B stored [n rows, ldb], op(B) = Bᵀ: panel columns are stored rows.
		const nb, j0, p0 = 45, 3, 2 // one full 32-column panel and a partial one
		ldb := p0 + kb + 4
		b := randSlice(rng, (j0+nb)*ldb)
		special(b)
		bp := make([]float32, 64*kb+1)
		packB(bp[:64*kb], 32, true, b, ldb, nil, p0, kb, j0, nb)
		for jp := 0; jp < nb; jp += 32 {
			for p := range kb {
				for jj := range 32 {
					var want float32
					if jp+jj < nb {
						want = float32(b[(j0+jp+jj)*ldb+p0+p])
					}
					if got := bp[jp*kb+32*p+jj]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("B kb %d: depth %d, panel column %d: %v, want %v", kb, p, jp+jj, got, want)
					}
				}
			}
		}
		if bp[64*kb] != 0 {
			t.Fatalf("B kb %d: wrote past the panels", kb)
		}
	}
}

// TestGemmGridSameBits: the float32 product that reads a float32 B in
// place at row offsets (gemmGrid, a convolution's grid) gives the same bits
// as the packed product of the same rows at the same offsets (packB
// rounds them to float32 as the grid holds them) on C filled with the
// initial rows (gemmGrid sets C from them): rows that overlap, more than
// one depth and column block, partial panels of rows and columns, initial
// rows given and zero; rows past the last whole 6-row panel (one or two
// at a time, 128 columns a step and the last 1–16 under masks; three or
// four through the 4-row kernel, 32 columns a step, the last block under
// masks), with C's rows wider than the product and nothing written outside
// it. Planted: the row kernel's eighth 16 columns summing the seventh's B,
// its tail storing the last eight columns under the first eight's mask,
// and its tail's initial value left out of the last eight columns; the
// 4-row kernel's later depth blocks setting C instead of adding to it, and
// its last eight columns stored under the first eight's mask — each
// failed.
func TestGemmGridSameBits(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := rand.New(rand.NewPCG(5, 8))
	for _, sz := range [][3]int{{1, 1, 1}, {6, 32, 7}, {32, 225, 512}, {13, 1100, 300}, {64, 33, 9}, {2, 141, 300}, {1, 5, 9}, {7, 300, 20}, {3, 128, 288}, {5, 40, 10}, {9, 70, 100}, {10, 32, 600}, {4, 257, 31}, {64, 33, 600}} {
		m, n, k := sz[0], sz[1], sz[2]
		span := 3*k + n + 31
		b := randSlice(rng, span)
		b32 := make([]float32, span)
		for i, v := range b {
			b32[i] = float32(v)
		}
		off := make([]int, k)
		for p := range off {
			off[p] = rng.IntN(3*k + 1) // overlapping rows
		}
		a := randSlice(rng, m*k)
		for _, withInit := range []bool{false, true} {
			ldc := n + 3 // three values between rows, and three past the last, to stay as they are
			want, got := make([]float64, m*ldc), make([]float64, m*ldc)
			var init []float64
			if withInit {
				init = randSlice(rng, m)
				for i, v := range init {
					fill(want[i*ldc:i*ldc+n], v)
				}
			}
			for i := range got {
				got[i] = math.NaN() // every element must be set
				if i%ldc >= n {
					got[i], want[i] = 7, 7
				}
			}
			gemmPacked(6, 32, sgemmKernel6x32, true, false, false, m, n, k, a, k, b, 0, off, 1, nil, want, ldc)
			gemmGrid(m, n, k, a, k, b32, off, init, got, ldc)
			equalBits(t, fmt.Sprintf("m,n,k=%v init %v", sz, withInit), got, want)
		}
	}
}

// TestGemmGridPosSameBits: the product at listed grid positions only
// (gemmGridPos: positions six at a time by 32 rows, the depth's blocks in
// the kernel) gives gemmGrid's bits at those columns and leaves the others
// as they were: rows in partial panels, depths of one block, of a block
// and a part, and of several, partial tiles of positions, initial rows
// given and zero. Planted: the sixth position broadcast from the fifth's,
// the depth blocks of 255 terms, and the tile's initial values set in its
// first row only — each failed.
func TestGemmGridPosSameBits(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := rand.New(rand.NewPCG(6, 8))
	for _, sz := range [][3]int{{1, 40, 9}, {5, 100, 256}, {32, 77, 300}, {33, 60, 1024}, {64, 25, 64}} {
		m, n, k := sz[0], sz[1], sz[2]
		span := 3*k + n + 31
		b32 := make([]float32, span)
		for i := range b32 {
			b32[i] = float32(rng.NormFloat64())
		}
		off := make([]int, k)
		for p := range off {
			off[p] = rng.IntN(3*k + 1)
		}
		var pos []int
		for q := range n {
			if rng.IntN(3) > 0 {
				pos = append(pos, q)
			}
		}
		pos = append(pos, n-1) // the last column twice: a position may repeat
		a := randSlice(rng, m*k)
		for _, withInit := range []bool{false, true} {
			var init []float64
			if withInit {
				init = randSlice(rng, m)
			}
			want, got := make([]float64, m*n), make([]float64, m*n)
			for i := range got {
				got[i] = math.NaN()
			}
			listed := make([]bool, n)
			for _, q := range pos {
				listed[q] = true
			}
			gemmGrid(m, n, k, a, k, b32, off, init, want, n)
			gemmGridPos(m, pos, k, a, k, b32, off, init, got, n)
			for i := range m {
				for q := range n {
					g, w := got[i*n+q], want[i*n+q]
					if !listed[q] {
						w = math.NaN()
					}
					if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w) && !listed[q]) {
						t.Fatalf("m,n,k=%v init %v: row %d column %d (listed %v) is %v, want %v", sz, withInit, i, q, listed[q], g, w)
					}
				}
			}
		}
	}
}

// TestGemmInitSameBits: a product with initial columns (a Linear's bias:
// gemmAt with init), which the AVX-512 float32 kernel sets C from with its
// first block of sums, gives the same bits as C filled with the bias row
// by row and the product added (beta 1), in both precisions: partial
// panels, several depth and column blocks, and products large enough to be
// split over the cores by rows and by columns (run with -cpu 1,2). C starts
// as NaN, so every element must be set. Planted: the set mode's second 16
// columns given the first 16's initial values, and the column split
// passing init whole instead of init[lo:hi] — both failed.
func TestGemmInitSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 11))
	for _, p := range []Precision{Float64, Float32} {
		for _, sz := range [][3]int{{1, 1, 1}, {6, 32, 5}, {13, 33, 257}, {7, 1100, 300}, {800, 200, 64}, {100, 2000, 64}, {5, 3, 0}} {
			m, n, k := sz[0], sz[1], sz[2]
			a, b, init := randSlice(rng, m*k), randSlice(rng, k*n), randSlice(rng, n)
			got, want := make([]float64, m*n), make([]float64, m*n)
			for i := range got {
				got[i] = math.NaN()
			}
			for i := range m {
				copy(want[i*n:(i+1)*n], init)
			}
			gemm(runtime.GOMAXPROCS(0), p, false, false, m, n, k, a, k, b, n, 1, want)
			gemmAt(runtime.GOMAXPROCS(0), p, false, false, m, n, k, a, k, b, n, nil, 0, init, got)
			equalBits(t, fmt.Sprintf("%v m,n,k=%v", p, sz), got, want)
		}
	}
}

// TestSdotGrid: the products of rows with rows read in place (sdotGrid, a
// convolution's weight gradient in float32) match the float64 sums of the
// same float32 values, within the float32 rounding of each lane's sum:
// (min(⌈k/16⌉, gemmDepth) + 1)·2⁻²⁴ of Σ|terms| (one rounding per fused
// multiply-add, the lanes then added in float64, and so the depth blocks).
// Sizes cover whole 4×4 blocks, edge rows and columns (fewer than four
// rows, and the last four rows recomputed), depths with and without a tail
// of k mod 16, more than one depth block and overlapping rows of b; C is
// added to. Planted: the third B row read for the second, a tail mask one
// lane short, and an edge block adding the rows it recomputes — each
// failed.
func TestSdotGrid(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rng := rand.New(rand.NewPCG(9, 4))
	f32 := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, sz := range [][3]int{{1, 1, 1}, {4, 4, 16}, {4, 4, 17}, {5, 7, 33}, {3, 5, 15}, {32, 12, 1800}, {8, 4, 16 * gemmDepth}, {6, 9, 200}, {32, 9, 6272}, {7, 13, 2*16*gemmDepth + 5}, {64, 1024, 140}} {
		m, n, k := sz[0], sz[1], sz[2]
		lda := k + 3
		a, b := f32(m*lda), f32(3*k+1)
		off := make([]int, n)
		for j := range off {
			off[j] = rng.IntN(2*k + 2) // overlapping rows
		}
		c0 := randSlice(rng, m*n)
		got := append([]float64(nil), c0...)
		sdotGrid(m, n, k, a, lda, b, off, got, n)
		for i := range m {
			for j := range n {
				want, bound := c0[i*n+j], 0.0
				for p := range k {
					v := float64(a[i*lda+p]) * float64(b[off[j]+p])
					want += v
					bound += math.Abs(v)
				}
				tol := float64(min((k+15)/16, gemmDepth)+1) * 0x1p-24 * bound
				if d := math.Abs(got[i*n+j] - want); !(d <= tol) {
					t.Fatalf("m,n,k=%v: c[%d,%d] = %v, want %v (difference %.3g, bound %.3g)", sz, i, j, got[i*n+j], want, d, tol)
				}
			}
		}
	}
}

// TestSgemmSmallSameBits: the small-product kernel (at most 32 columns, one
// depth block) gives gemmPacked's blocked product's bits, with and without
// initial columns, for every transposition, row counts that leave 1–3
// rows for the last step, depths up to gemmDepth and a C wider than the
// product, whose other columns, and a row past its last, must keep their
// values. A holds −0 and zeros, so that the set from zeros (0 + −0 = +0)
// is checked too. Planted: the column mask one lane short, the initial
// values left out, and the last step storing all four rows — each failed.
func TestSgemmSmallSameBits(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512: sgemmSmall declines")
	}
	rng := rand.New(rand.NewPCG(5, 13))
	for _, sz := range [][3]int{{1, 1, 1}, {16, 16, 32}, {16, 32, 16}, {5, 7, 3}, {7, 32, 256}, {66, 17, 100}, {3, 31, 9}, {2, 24, 255}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				a, b := randSlice(rng, m*k), randSlice(rng, k*n)
				a[0], a[len(a)/2] = math.Copysign(0, -1), 0
				lda, ldb := k, n
				if tA {
					lda = m
				}
				if tB {
					ldb = k
				}
				for _, withInit := range []bool{false, true} {
					var init []float64
					if withInit {
						init = randSlice(rng, n)
					}
					ldc := n + 3
					want, got := make([]float64, (m+1)*ldc), make([]float64, (m+1)*ldc)
					for i := range got {
						want[i], got[i] = float64(i), float64(i) // the columns past n must stay
					}
					gemmPackedBlocks(6, 32, sgemmKernel6x32, true, tA, tB, m, n, k, a, lda, b, ldb, nil, 0, init, want, ldc)
					if !sgemmSmall(tA, tB, m, n, k, a, lda, b, ldb, init, got, ldc) {
						t.Fatalf("m,n,k=%v: sgemmSmall declined", sz)
					}
					equalBits(t, fmt.Sprintf("m,n,k=%v tA %v tB %v init %v", sz, tA, tB, withInit), got, want)
				}
			}
		}
	}
	if sgemmSmall(false, false, 1, 33, 1, []float64{1}, 1, make([]float64, 33), 33, nil, make([]float64, 33), 33) ||
		sgemmSmall(false, false, 1, 1, gemmDepth+1, make([]float64, gemmDepth+1), gemmDepth+1, make([]float64, gemmDepth+1), 1, nil, make([]float64, 1), 1) {
		t.Error("sgemmSmall took a product of 33 columns or two depth blocks")
	}
}
