package tensor

import "fmt"

// Gather picks elements of x along axis by index, as PyTorch's gather: the
// result has x's shape except that axis has size k, and
//
//	out[o, j, i] = x[o, idx[o, j, i], i]
//
// where o runs over the axes before axis, i over those after, and idx holds
// one index per element of the result, row-major (so k = len(idx) divided by
// the product of the other axes). Picking the logit of each sample's label
// from [n, classes] logits is Gather(logits, 1, labels) with k = 1. Its
// gradient adds each element's gradient back at its source (ScatterAdd).
func (tp *Tape) Gather(x *Tensor, axis int, idx []int) *Tensor {
	axis = x.axis(axis, "Gather")
	k := gatherLen("Gather", x.shape, axis, len(idx))
	shape := cloneInts(x.shape)
	shape[axis] = k
	out := tp.make(shape, tp.alloc(len(idx)))
	gatherWalk("Gather", x.shape, axis, k, idx, func(p, src int) { out.data[p] = x.data[src] })
	idx = append([]int(nil), idx...) // the caller may reuse its slice
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		zero := tp.make(x.shape, tp.allocZero(len(x.data)))
		return []*Tensor{tp.ScatterAdd(zero, axis, idx, g)}
	})
}

// ScatterAdd returns a copy of dst with each element of src added at the
// place along axis that idx gives, as PyTorch's scatter_add: for src of
// dst's shape except that axis has size k, and idx of src's length,
//
//	out[o, idx[o, j, i], i] += src[o, j, i].
//
// Indices may repeat; their contributions add up. It is the adjoint of
// Gather: the gradient for dst is the output gradient, the gradient for src
// gathers it at idx.
func (tp *Tape) ScatterAdd(dst *Tensor, axis int, idx []int, src *Tensor) *Tensor {
	axis = dst.axis(axis, "ScatterAdd")
	ok := len(src.shape) == len(dst.shape) && len(idx) == len(src.data)
	for i := range src.shape {
		ok = ok && (i == axis || src.shape[i] == dst.shape[i])
	}
	if !ok {
		panic(fmt.Sprintf("tensor: ScatterAdd: %d indices and src of shape %v along axis %d of shape %v", len(idx), src.shape, axis, dst.shape))
	}
	k := src.shape[axis]
	out := tp.make(dst.shape, tp.alloc(len(dst.data)))
	copy(out.data, dst.data)
	gatherWalk("ScatterAdd", dst.shape, axis, k, idx, func(p, at int) { out.data[at] += src.data[p] })
	idx = append([]int(nil), idx...)
	return tp.record(out, []*Tensor{dst, src}, func(g *Tensor, need []bool) []*Tensor {
		var gs *Tensor
		if need[1] {
			gs = tp.Gather(g, axis, idx)
		}
		return []*Tensor{g, gs}
	})
}

// gatherWalk calls fn(p, at) for each index p of idx, which addresses
// element at of a tensor of shape along axis: the index arithmetic Gather
// and ScatterAdd share. k is the size of the indexed tensor's axis.
func gatherWalk(op string, shape []int, axis, k int, idx []int, fn func(p, at int)) {
	outer, n, inner := splitAt(shape, axis)
	for o := range outer {
		for j := range k {
			for i := range inner {
				p := (o*k+j)*inner + i
				v := idx[p]
				if v < 0 || v >= n {
					panic(fmt.Sprintf("tensor: %s: index %d out of range for axis %d of shape %v", op, v, axis, shape))
				}
				fn(p, (o*n+v)*inner+i)
			}
		}
	}
}

// gatherLen returns the size k along axis of Gather's result for nidx
// indices, panicking when nidx does not fit the other axes.
func gatherLen(op string, shape []int, axis, nidx int) int {
	rest := numel(removeAxis(shape, axis))
	if rest == 0 {
		if nidx != 0 {
			panic(fmt.Sprintf("tensor: %s: %d indices for shape %v", op, nidx, shape))
		}
		return 0
	}
	if nidx%rest != 0 {
		panic(fmt.Sprintf("tensor: %s: %d indices do not fill the other axes of shape %v along axis %d", op, nidx, shape, axis))
	}
	return nidx / rest
}

// Where returns a where cond is nonzero and b elsewhere, element-wise, with
// cond, a and b broadcast together as in Add. cond carries no gradient; the
// gradient for a is the output gradient where cond holds (summed over a's
// broadcast axes), zero elsewhere, and the other way round for b. Unlike
// a·m + b·(1−m), it leaves b's value alone where cond holds, so a −∞ there
// (a masked attention score) does not turn into NaN.
func (tp *Tape) Where(cond, a, b *Tensor) *Tensor {
	ab, ok1 := broadcastShape(a.shape, b.shape)
	shape, ok2 := broadcastShape(cond.shape, ab)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("tensor: Where: shapes %v, %v and %v do not broadcast", cond.shape, a.shape, b.shape))
	}
	out := tp.make(shape, tp.alloc(numel(shape)))
	whereKernel(tp.cores(), out.data, shape, cond, a, b)
	return tp.record(out, []*Tensor{a, b}, func(g *Tensor, need []bool) []*Tensor {
		zero := tp.make(nil, tp.allocZero(1))
		var ga, gb *Tensor
		if need[0] {
			ga = tp.SumTo(tp.Where(cond, g, zero), a.shape)
		}
		if need[1] {
			gb = tp.SumTo(tp.Where(cond, zero, g), b.shape)
		}
		return []*Tensor{ga, gb}
	})
}

// whereKernel writes Where's result into dst of the broadcast shape.
func whereKernel(cores int, dst []float64, shape []int, cond, a, b *Tensor) {
	if len(dst) == 0 {
		return
	}
	r := len(shape)
	if r == 0 {
		dst[0] = b.data[0]
		if cond.data[0] != 0 {
			dst[0] = a.data[0]
		}
		return
	}
	st := [][]int{bstrides(cond.shape, shape), bstrides(a.shape, shape), bstrides(b.shape, shape)}
	inner := shape[r-1]
	sc, sa, sb := st[0][r-1], st[1][r-1], st[2][r-1]
	parallelRows(cores, len(dst)/inner, inner, func(r0, r1 int) {
		permWalkRows(shape, st, r0, r1, func(row int, offs []int) {
			d := dst[row*inner : (row+1)*inner]
			for j := range d {
				if cond.data[offs[0]+j*sc] != 0 {
					d[j] = a.data[offs[1]+j*sa]
				} else {
					d[j] = b.data[offs[2]+j*sb]
				}
			}
		})
	})
}

// Embedding returns the rows of table ([rows, dim]) at ids, as [len(ids),
// dim]: a learned vector per class or token. Its gradient adds each looked-up
// row's gradient into its row of the table (rows looked up twice get both).
func (tp *Tape) Embedding(table *Tensor, ids []int) *Tensor {
	if len(table.shape) != 2 {
		panic(fmt.Sprintf("tensor: Embedding: table of shape %v, want [rows, dim]", table.shape))
	}
	for _, id := range ids {
		if id < 0 || id >= table.shape[0] {
			panic(fmt.Sprintf("tensor: Embedding: id %d for a table of shape %v", id, table.shape))
		}
	}
	return tp.GatherRows(table, ids)
}
