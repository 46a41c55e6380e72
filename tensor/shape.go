package tensor

import "fmt"

// Reshape returns x with a new shape of the same number of elements, sharing
// its storage. One dimension may be -1, inferred from the others. With no
// dimensions it makes a scalar of a one-element tensor.
func (tp *Tape) Reshape(x *Tensor, shape ...int) *Tensor {
	shape = cloneInts(shape)
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 && infer < 0 {
			infer = i
		} else {
			known *= d
		}
	}
	if infer >= 0 && known > 0 {
		shape[infer] = len(x.data) / known
	}
	if numel(shape) != len(x.data) {
		panic(fmt.Sprintf("tensor: Reshape: %v to %v", x.shape, shape))
	}
	out := tp.make(shape, x.data)
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Reshape(g, x.shape...)}
	})
}

// Transpose returns the transpose of a rank-2 tensor.
func (tp *Tape) Transpose(x *Tensor) *Tensor {
	if len(x.shape) != 2 {
		panic(fmt.Sprintf("tensor: Transpose: rank-2 tensor wanted, got shape %v", x.shape))
	}
	m, n := x.shape[0], x.shape[1]
	out := tp.make([]int{n, m}, tp.alloc(m*n))
	const blk = 32 // cache-sized tiles
	for i0 := 0; i0 < m; i0 += blk {
		for j0 := 0; j0 < n; j0 += blk {
			for i := i0; i < min(i0+blk, m); i++ {
				for j := j0; j < min(j0+blk, n); j++ {
					out.data[j*m+i] = x.data[i*n+j]
				}
			}
		}
	}
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Transpose(g)}
	})
}

// Concat joins tensors along axis; their other dimensions must agree.
func (tp *Tape) Concat(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("tensor: Concat of nothing")
	}
	xs = append([]*Tensor(nil), xs...) // the graph keeps them: not the caller's array
	axis = xs[0].axis(axis, "Concat")
	shape := cloneInts(xs[0].shape)
	shape[axis] = 0
	for _, x := range xs {
		if len(x.shape) != len(shape) {
			panic(fmt.Sprintf("tensor: Concat: shapes %v and %v", xs[0].shape, x.shape))
		}
		for i := range shape {
			if i != axis && x.shape[i] != shape[i] {
				panic(fmt.Sprintf("tensor: Concat along %d: shapes %v and %v", axis, xs[0].shape, x.shape))
			}
		}
		shape[axis] += x.shape[axis]
	}
	outer, total, inner := splitAt(shape, axis)
	out := tp.make(shape, tp.alloc(numel(shape)))
	off := 0
	for _, x := range xs {
		w := x.shape[axis] * inner
		for o := range outer {
			copy(out.data[o*total*inner+off:], x.data[o*w:(o+1)*w])
		}
		off += w
	}
	return tp.record(out, xs, func(g *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, len(xs))
		lo := 0
		for i, x := range xs {
			hi := lo + x.shape[axis]
			if need[i] {
				gs[i] = tp.Slice(g, axis, lo, hi)
			}
			lo = hi
		}
		return gs
	})
}

// Slice returns the part of x with index in [lo, hi) along axis.
func (tp *Tape) Slice(x *Tensor, axis, lo, hi int) *Tensor {
	axis = x.axis(axis, "Slice")
	if lo < 0 || hi > x.shape[axis] || lo > hi {
		panic(fmt.Sprintf("tensor: Slice [%d, %d) of axis %d of shape %v", lo, hi, axis, x.shape))
	}
	outer, n, inner := splitAt(x.shape, axis)
	shape := cloneInts(x.shape)
	shape[axis] = hi - lo
	out := tp.make(shape, tp.alloc(numel(shape)))
	w := (hi - lo) * inner
	for o := range outer {
		copy(out.data[o*w:(o+1)*w], x.data[(o*n+lo)*inner:])
	}
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.unslice(g, x.shape, axis, lo)}
	})
}

// SliceCols returns columns [lo, hi) of a rank-2 tensor.
func (tp *Tape) SliceCols(x *Tensor, lo, hi int) *Tensor {
	if len(x.shape) != 2 {
		panic(fmt.Sprintf("tensor: SliceCols: rank-2 tensor wanted, got shape %v", x.shape))
	}
	return tp.Slice(x, 1, lo, hi)
}

// unslice places g at offset lo along axis in zeros of shape: Slice's adjoint.
func (tp *Tape) unslice(g *Tensor, shape []int, axis, lo int) *Tensor {
	if tp.sums != nil { // a first-order Grad: lazily, see gradSums
		return tp.sums.slice(g, shape, axis, lo)
	}
	outer, n, inner := splitAt(shape, axis)
	hi := lo + g.shape[axis]
	out := tp.make(shape, tp.allocZero(numel(shape)))
	w := (hi - lo) * inner
	for o := range outer {
		copy(out.data[(o*n+lo)*inner:], g.data[o*w:(o+1)*w])
	}
	return tp.record(out, []*Tensor{g}, func(gg *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Slice(gg, axis, lo, hi)}
	})
}

// GatherRows returns the rows of x (along axis 0) at idx, in order; an index
// may repeat. Its gradient adds each row's gradient back into its source row.
func (tp *Tape) GatherRows(x *Tensor, idx []int) *Tensor {
	if len(x.shape) == 0 {
		panic("tensor: GatherRows of a scalar")
	}
	m := x.shape[0]
	w := numel(x.shape[1:])
	shape := append([]int{len(idx)}, x.shape[1:]...)
	out := tp.make(shape, tp.alloc(numel(shape)))
	for i, r := range idx {
		if r < 0 || r >= m {
			panic(fmt.Sprintf("tensor: GatherRows: row %d of %d", r, m))
		}
		copy(out.data[i*w:(i+1)*w], x.data[r*w:(r+1)*w])
	}
	idx = append([]int(nil), idx...)
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.scatterAddRows(g, idx, x.shape)}
	})
}

// scatterAddRows adds row i of g into row idx[i] of zeros of shape: the
// adjoint of GatherRows.
func (tp *Tape) scatterAddRows(g *Tensor, idx []int, shape []int) *Tensor {
	w := numel(shape[1:])
	out := tp.make(shape, tp.allocZero(numel(shape)))
	for i, r := range idx {
		addTo(out.data[r*w:(r+1)*w], g.data[i*w:(i+1)*w])
	}
	return tp.record(out, []*Tensor{g}, func(gg *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.GatherRows(gg, idx)}
	})
}
