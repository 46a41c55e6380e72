package tensor

import "fmt"

// Permute returns x with its axes reordered: axis i of the result is axis
// axes[i] of x, as NumPy's transpose(x, axes). A negative axis counts from
// the end. Its gradient is the inverse permutation of the output gradient.
// The identity permutation returns x itself.
func (tp *Tape) Permute(x *Tensor, axes ...int) *Tensor {
	r := len(x.shape)
	if len(axes) != r {
		panic(fmt.Sprintf("tensor: Permute: axes %v for shape %v", axes, x.shape))
	}
	ax := make([]int, r)
	inv := make([]int, r)
	for i := range inv {
		inv[i] = -1
	}
	identity := true
	for i, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r || inv[a] >= 0 {
			panic(fmt.Sprintf("tensor: Permute: axes %v are not a permutation for shape %v", axes, x.shape))
		}
		ax[i], inv[a] = a, i
		identity = identity && a == i
	}
	if identity {
		return x
	}
	shape := make([]int, r)
	xst := rowMajorStrides(x.shape)
	st := make([]int, r)
	for i, a := range ax {
		shape[i], st[i] = x.shape[a], xst[a]
	}
	out := tp.make(shape, tp.alloc(len(x.data)))
	permuteKernel(tp.cores(), out.data, shape, x.data, st)
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Permute(g, inv...)}
	})
}

// rowMajorStrides returns the element strides of a contiguous row-major
// tensor of shape s.
func rowMajorStrides(s []int) []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= s[i]
	}
	return st
}

// permuteKernel writes into dst, contiguous of shape shape, the elements of
// src read with strides st (one per axis of shape).
func permuteKernel(cores int, dst []float64, shape []int, src []float64, st []int) {
	r := len(shape)
	if len(dst) == 0 {
		return
	}
	if r == 0 {
		dst[0] = src[0]
		return
	}
	inner, s := shape[r-1], st[r-1]
	parallelRows(cores, len(dst)/inner, inner, func(r0, r1 int) {
		permWalkRows(shape, [][]int{st}, r0, r1, func(row int, offs []int) {
			d, o := dst[row*inner:(row+1)*inner], offs[0]
			if s == 1 {
				copy(d, src[o:o+inner])
				return
			}
			for j := range d {
				d[j] = src[o+j*s]
			}
		})
	})
}

// permWalkRows calls fn for each row in [r0, r1) of the last axis of shape,
// with offs[j] the offset of the row's first element in operand j, whose
// element strides along the axes of shape are st[j]. It is how permutes and
// three-way broadcasts (Where) read operands that are not contiguous.
func permWalkRows(shape []int, st [][]int, r0, r1 int, fn func(row int, offs []int)) {
	if r0 >= r1 {
		return
	}
	r := len(shape)
	idx := make([]int, r-1)
	rem := r0
	for ax := r - 2; ax >= 0; ax-- {
		idx[ax] = rem % shape[ax]
		rem /= shape[ax]
	}
	offs := make([]int, len(st))
	for row := r0; row < r1; row++ {
		for j, s := range st {
			o := 0
			for ax := range r - 1 {
				o += idx[ax] * s[ax]
			}
			offs[j] = o
		}
		fn(row, offs)
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			if idx[ax] < shape[ax] {
				break
			}
			idx[ax] = 0
		}
	}
}

// Split cuts x along axis into pieces of the given sizes, which must add up
// to the axis's size: the inverse of Concat. Each piece is a Slice, so the
// gradient of x gathers the pieces' gradients back in place.
func (tp *Tape) Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	axis = x.axis(axis, "Split")
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("tensor: Split: negative size in %v", sizes))
		}
		total += s
	}
	if total != x.shape[axis] {
		panic(fmt.Sprintf("tensor: Split: sizes %v along axis %d of shape %v", sizes, axis, x.shape))
	}
	out := make([]*Tensor, len(sizes))
	lo := 0
	for i, s := range sizes {
		out[i] = tp.Slice(x, axis, lo, lo+s)
		lo += s
	}
	return out
}

// BatchMatMul returns the batched matrix product op(a)·op(b) of a [..., m, k]
// and b [..., k, n], where op transposes the last two axes when the matching
// flag is set. The leading (batch) axes broadcast as in Add, so a rank-2
// operand is shared by every batch. Each batch is one call of the package's
// gemm; batches are spread over the cores in pieces of fixed size, so the
// result does not depend on their number. The gradients are batched products
// too, summed over the batch axes an operand was broadcast along. A rank-2 b
// (a weight shared by every batch, as a Linear on sequences) is multiplied
// as one matrix product with the batches folded into rows.
func (tp *Tape) BatchMatMul(a, b *Tensor, transA, transB bool) *Tensor {
	batch, m, k, n := bmmDims(a, b, transA, transB)
	shape := append(batch, m, n)
	if len(b.shape) == 2 && !transA && len(a.shape) > 2 {
		// A matrix shared by every batch: fold the batches into the rows of
		// one product, so that b's gradient is one product too, not a
		// product per batch summed afterwards.
		prod := tp.MatMulT(tp.Reshape(a, numel(batch)*m, k), b, false, transB)
		return tp.Reshape(prod, shape...)
	}
	out := tp.make(shape, tp.alloc(numel(shape)))
	bmmKernel(tp.cores(), out.data, batch, m, n, k, a, b, transA, transB, lowest(a, b))
	return tp.record(out, []*Tensor{a, b}, func(g *Tensor, need []bool) []*Tensor {
		ga, gb := productGrads(func(x, y *Tensor, tx, ty bool) *Tensor {
			return tp.BatchMatMul(x, y, tx, ty)
		}, a, b, g, transA, transB, need[0], need[1])
		if ga != nil {
			ga = tp.SumTo(ga, a.shape)
		}
		if gb != nil {
			gb = tp.SumTo(gb, b.shape)
		}
		return []*Tensor{ga, gb}
	})
}

// bmmDims checks the operands of BatchMatMul and returns the broadcast batch
// shape and the sizes of the product.
func bmmDims(a, b *Tensor, tA, tB bool) (batch []int, m, k, n int) {
	ra, rb := len(a.shape), len(b.shape)
	if ra < 2 || rb < 2 {
		panic(fmt.Sprintf("tensor: BatchMatMul: tensors of rank ≥ 2 wanted, got shapes %v and %v", a.shape, b.shape))
	}
	m, k = a.shape[ra-2], a.shape[ra-1]
	if tA {
		m, k = k, m
	}
	k2, n := b.shape[rb-2], b.shape[rb-1]
	if tB {
		k2, n = n, k2
	}
	batch, ok := broadcastShape(a.shape[:ra-2], b.shape[:rb-2])
	if k != k2 || !ok {
		panic(fmt.Sprintf("tensor: BatchMatMul: shapes %v and %v (transposed %v, %v) do not multiply", a.shape, b.shape, tA, tB))
	}
	return batch, m, k, n
}

// bmmWork is about the number of multiply-adds a piece of a batched product
// gets: enough that a goroutine pays for itself. It depends on the sizes
// only, never on the number of cores.
const bmmWork = 1 << 16

// bmmKernel writes op(a)·op(b) for every batch into dst ([batch..., m, n]).
func bmmKernel(cores int, dst []float64, batch []int, m, n, k int, a, b *Tensor, tA, tB bool, p Precision) {
	nb := numel(batch)
	if nb == 0 || m == 0 || n == 0 {
		return
	}
	ra, rb := len(a.shape), len(b.shape)
	lda, ldb := a.shape[ra-1], b.shape[rb-1]
	if nb == 1 {
		gemm(cores, p, tA, tB, m, n, k, a.data, lda, b.data, ldb, 0, dst)
		return
	}
	sa, sb := bstrides(a.shape[:ra-2], batch), bstrides(b.shape[:rb-2], batch)
	asz, bsz := m*k, k*n
	chunked(cores, nb, max(1, bmmWork/max(m*n*k, 1)), func(_, lo, hi int) {
		idx := make([]int, len(batch))
		for bi := lo; bi < hi; bi++ {
			rem, ao, bo := bi, 0, 0
			for ax := len(batch) - 1; ax >= 0; ax-- {
				idx[ax] = rem % batch[ax]
				rem /= batch[ax]
				ao += idx[ax] * sa[ax]
				bo += idx[ax] * sb[ax]
			}
			bmmOne(p, tA, tB, m, n, k, a.data[ao*asz:], lda, b.data[bo*bsz:], ldb, dst[bi*m*n:(bi+1)*m*n], n)
		}
	})
}

// bmmOne computes c = op(a)·op(b), c's rows ldc apart, for one batch on the
// calling goroutine.
func bmmOne(p Precision, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
		return
	}
	blasGemm(p, tA, tB, m, n, k, a, max(lda, 1), b, max(ldb, 1), 0, c, ldc)
}
