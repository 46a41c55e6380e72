package tensor

import (
	"fmt"
)

// MatMul returns the matrix product a·b of rank-2 tensors [m, k]·[k, n].
func (tp *Tape) MatMul(a, b *Tensor) *Tensor { return tp.MatMulT(a, b, false, false) }

// MatMulT returns op(a)·op(b), where op transposes its argument when the
// matching flag is set, without forming the transpose. Gradients are
// themselves such products, through BLAS.
func (tp *Tape) MatMulT(a, b *Tensor, transA, transB bool) *Tensor {
	m, k, n := mmDims("MatMulT", a, b, transA, transB)
	out := tp.make([]int{m, n}, tp.alloc(m*n))
	gemm(tp.cores(), lowest(a, b), transA, transB, m, n, k, a.data, a.shape[1], b.data, b.shape[1], 0, out.data)
	return tp.record(out, []*Tensor{a, b}, func(g *Tensor, need []bool) []*Tensor {
		ga, gb := tp.matmulGrads(a, b, g, transA, transB, need[0], need[1])
		return []*Tensor{ga, gb}
	})
}

// Linear returns x·w + bias, with x [m, k], w [k, n] and bias [n] or nil,
// in one BLAS call: the bias rows are written first and the product is added.
func (tp *Tape) Linear(x, w, bias *Tensor) *Tensor {
	m, k, n := mmDims("Linear", x, w, false, false)
	out := tp.make([]int{m, n}, tp.alloc(m*n))
	var init []float64
	if bias != nil {
		if len(bias.data) != n || len(bias.shape) != 1 {
			panic(fmt.Sprintf("tensor: Linear: bias of shape %v for %d outputs", bias.shape, n))
		}
		init = bias.data
	}
	gemmAt(tp.cores(), lowest(x, w), false, false, m, n, k, x.data, k, w.data, n, nil, 0, init, out.data)
	ins := []*Tensor{x, w}
	if bias != nil {
		ins = append(ins, bias)
	}
	return tp.record(out, ins, func(g *Tensor, need []bool) []*Tensor {
		gx, gw := tp.matmulGrads(x, w, g, false, false, need[0], need[1])
		gs := []*Tensor{gx, gw}
		if bias != nil {
			gs = append(gs, tp.sumToIf(need[2], g, bias.shape))
		}
		return gs
	})
}

// matmulGrads returns the gradients of op(a)·op(b) given the output gradient g.
func (tp *Tape) matmulGrads(a, b, g *Tensor, tA, tB, needA, needB bool) (ga, gb *Tensor) {
	return productGrads(tp.MatMulT, a, b, g, tA, tB, needA, needB)
}

// productGrads returns the gradients of mul(a, b, tA, tB) = op(a)·op(b)
// given the output gradient g, as products made by mul: MatMulT for
// matrices, BatchMatMul for batches of them.
func productGrads(mul func(x, y *Tensor, tx, ty bool) *Tensor, a, b, g *Tensor, tA, tB, needA, needB bool) (ga, gb *Tensor) {
	if needA {
		switch {
		case !tA && !tB: // C = AB: dA = G·Bᵀ
			ga = mul(g, b, false, true)
		case !tA && tB: // C = ABᵀ: dA = G·B
			ga = mul(g, b, false, false)
		case tA && !tB: // C = AᵀB: dA = B·Gᵀ
			ga = mul(b, g, false, true)
		default: // C = AᵀBᵀ: dA = Bᵀ·Gᵀ
			ga = mul(b, g, true, true)
		}
	}
	if needB {
		switch {
		case !tA && !tB: // dB = Aᵀ·G
			gb = mul(a, g, true, false)
		case !tA && tB: // dB = Gᵀ·A
			gb = mul(g, a, true, false)
		case tA && !tB: // dB = A·G
			gb = mul(a, g, false, false)
		default: // dB = Gᵀ·Aᵀ
			gb = mul(g, a, true, true)
		}
	}
	return ga, gb
}

func mmDims(op string, a, b *Tensor, tA, tB bool) (m, k, n int) {
	if len(a.shape) != 2 || len(b.shape) != 2 {
		panic(fmt.Sprintf("tensor: %s: rank-2 tensors wanted, got shapes %v and %v", op, a.shape, b.shape))
	}
	m, k = a.shape[0], a.shape[1]
	if tA {
		m, k = k, m
	}
	k2, n := b.shape[0], b.shape[1]
	if tB {
		k2, n = n, k2
	}
	if k != k2 {
		panic(fmt.Sprintf("tensor: %s: shapes %v and %v (transposed %v, %v) do not multiply", op, a.shape, b.shape, tA, tB))
	}
	return m, k, n
}

// gemmBlock is the width, in rows or columns of C, of the blocks a large
// product is split into and spread over the cores. It is fixed, so each
// element of C is computed by the same BLAS call however many cores run.
const gemmBlock = 64

// gemmChunk is the width of the blocks of C, along a side of the given
// length, that a product in precision p run on cores goroutines is split
// into. goebm's packed
// kernels sum every element the same way however C is split, so they take
// one block per core (a multiple of gemmBlock): each block packs the whole
// other operand, and at blocks of 64 rows a [256, 128]·[128, 128] product
// packed its B four times, a sixth of a score-matching step. Other BLAS
// get gemmBlock.
func gemmChunk(p Precision, side, cores int) int {
	if !packedProduct(p) {
		return gemmBlock
	}
	per := (side + cores - 1) / cores
	return max(gemmBlock, (per+gemmBlock-1)/gemmBlock*gemmBlock)
}

// gemm computes c = op(a)·op(b) + beta·c in precision p for row-major c of shape [m, n],
// with lda and ldb the row lengths of a and b as stored. Large products are
// split into blocks of C along its longer side, computed on as many
// goroutines as the core limit cores allows (0: every core).
func gemm(cores int, p Precision, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64) {
	gemmAt(cores, p, tA, tB, m, n, k, a, lda, b, ldb, nil, beta, nil, c)
}

// gemmAt is gemm whose b, where boff is not nil, has its rows at the
// offsets boff (see gemmPacked) instead of ldb apart; it then needs
// packedProduct(p). With init not nil (n values), c = op(a)·op(b) plus
// init[j] on column j (a Linear's bias), and beta is ignored.
func gemmAt(cores int, p Precision, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, init, c []float64) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		switch {
		case init != nil:
			for i := range m {
				copy(c[i*n:(i+1)*n], init)
			}
		case beta == 0:
			clear(c)
		}
		return
	}
	lda, ldb = max(lda, 1), max(ldb, 1)
	if m*n*k < 1<<18 || max(m, n) < 2*gemmBlock {
		gemmCall(p, tA, tB, m, n, k, a, lda, b, ldb, boff, beta, init, c, n)
		return
	}
	if m*n*k < parallelMACs {
		cores = 1
	} else {
		cores = resolveCores(cores)
	}
	if m >= n { // blocks of rows of C: rows of op(a)
		chunked(cores, m, gemmChunk(p, m, cores), func(_, lo, hi int) {
			off := lo * lda // row lo of a
			if tA {
				off = lo // column lo of a
			}
			gemmCall(p, tA, tB, hi-lo, n, k, a[off:], lda, b, ldb, boff, beta, init, c[lo*n:], n)
		})
		return
	}
	chunked(cores, n, gemmChunk(p, n, cores), func(_, lo, hi int) { // blocks of columns of C: columns of op(b)
		off, bo := lo, boff // column lo of b
		switch {
		case tB && boff != nil:
			off, bo = 0, boff[lo:]
		case tB:
			off = lo * ldb // row lo of b
		}
		var in []float64
		if init != nil {
			in = init[lo:hi]
		}
		gemmCall(p, tA, tB, m, hi-lo, k, a, lda, b[off:], ldb, bo, beta, in, c[lo:], n)
	})
}

// gemmCall is one BLAS call of gemmAt. The AVX-512 float32 kernel sets C
// from init itself (where b's rows lie ldb apart, as a Linear's weight's
// do); other products have C's rows filled with it first.
func gemmCall(p Precision, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, init, c []float64, ldc int) {
	if init != nil {
		if p == Float32 && haveAVX512 && boff == nil {
			gemmPacked(6, 32, sgemmKernel6x32, true, tA, tB, m, n, k, a, lda, b, ldb, boff, 0, init, c, ldc)
			return
		}
		for i := range m {
			copy(c[i*ldc:i*ldc+n], init)
		}
		beta = 1
	}
	if boff != nil {
		packedGemm(p, tA, tB, m, n, k, a, lda, b, ldb, boff, beta, c, ldc)
		return
	}
	blasGemm(p, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}
