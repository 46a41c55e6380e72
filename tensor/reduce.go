package tensor

import (
	"fmt"
	"math"
)

// Elements per piece in parallel sums: fixed, so that sums do not depend on
// the number of cores.
const sumChunk = 1 << 14

// SumTo sums x over its broadcast axes so that the result has shape, which x's
// shape must broadcast from. It is the gradient of BroadcastTo, and how
// binary ops reduce gradients to their operands' shapes.
func (tp *Tape) SumTo(x *Tensor, shape []int) *Tensor {
	if sameShape(x.shape, shape) {
		return x
	}
	if bs, ok := broadcastShape(shape, x.shape); !ok || !sameShape(bs, x.shape) {
		panic(fmt.Sprintf("tensor: SumTo: shape %v does not broadcast to %v", shape, x.shape))
	}
	out := tp.make(shape, tp.allocZero(numel(shape)))
	sumToKernel(tp.cores(), out.data, shape, x.data, x.shape)
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.BroadcastTo(g, x.shape)}
	})
}

// BroadcastTo repeats x along stretched axes to the given shape (NumPy rules).
func (tp *Tape) BroadcastTo(x *Tensor, shape []int) *Tensor {
	if sameShape(x.shape, shape) {
		return x
	}
	if bs, ok := broadcastShape(x.shape, shape); !ok || !sameShape(bs, shape) {
		panic(fmt.Sprintf("tensor: BroadcastTo: shape %v does not broadcast to %v", x.shape, shape))
	}
	out := tp.make(shape, tp.alloc(numel(shape)))
	zero := []float64{0}
	broadcastApply(tp.cores(), opAdd, out.data, shape, x.data, x.shape, zero, nil)
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.SumTo(g, x.shape)}
	})
}

// sumToKernel adds x (shape xs) into dst (shape ds, broadcasting to xs).
func sumToKernel(cores int, dst []float64, ds []int, x []float64, xs []int) {
	n := len(x)
	if n == 0 {
		return
	}
	if len(dst) == 1 {
		dst[0] = sumAll(cores, x)
		return
	}
	r := len(xs)
	st := bstrides(ds, xs)
	inner := xs[r-1]
	rows := n / inner
	switch {
	case st[r-1] == 1 && len(dst) == inner: // column sums: [rows, inner] → [inner]
		colSums(cores, dst, x, rows, inner)
		return
	case st[r-1] == 0 && len(dst) == rows: // row sums: [rows, inner] → [rows, 1]
		parallelRows(cores, rows, inner, func(r0, r1 int) {
			for r := r0; r < r1; r++ {
				dst[r] = sumSeq(x[r*inner : (r+1)*inner])
			}
		})
		return
	}
	// Any other pattern (a broadcast over a middle axis, as adaLN's [n, 1, D]
	// modulations over [n, L, D] tokens), row by row of x: each element of
	// dst gets x's values in x's order, as one pass over x element by
	// element would add them.
	idx := make([]int, r-1)
	off := 0 // dst's offset of x's current row
	for row := range rows {
		xr := x[row*inner : (row+1)*inner]
		if st[r-1] == 1 {
			addTo(dst[off:off+inner], xr)
		} else {
			d := dst[off]
			for _, v := range xr {
				d += v
			}
			dst[off] = d
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			off += st[ax]
			if idx[ax] < xs[ax] {
				break
			}
			off -= idx[ax] * st[ax]
			idx[ax] = 0
		}
	}
}

func sumSeq(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

// sumAll sums x in fixed pieces, then the pieces in order.
func sumAll(cores int, x []float64) float64 {
	pieces := (len(x) + sumChunk - 1) / sumChunk
	part := make([]float64, max(pieces, 1))
	chunked(coresFor(cores, len(x)), len(x), sumChunk, func(c, lo, hi int) { part[c] = sumSeq(x[lo:hi]) })
	s := 0.0
	for _, v := range part {
		s += v
	}
	return s
}

// colSums writes the sums of the columns of the rows×cols matrix x into dst.
func colSums(cores int, dst, x []float64, rows, cols int) {
	rowChunk := max(1, sumChunk/max(cols, 1))
	pieces := (rows + rowChunk - 1) / rowChunk
	if pieces <= 1 {
		addRows(dst, x[:rows*cols])
		return
	}
	part := make([]float64, pieces*cols)
	chunked(coresFor(cores, rows*cols), rows, rowChunk, func(c, lo, hi int) {
		addRows(part[c*cols:(c+1)*cols], x[lo*cols:hi*cols])
	})
	for c := range pieces {
		addTo(dst, part[c*cols:(c+1)*cols])
	}
}

// addRowsGo adds the rows of x [rows, len(dst)] to dst one after the
// other with addTo.
func addRowsGo(dst, x []float64) {
	cols := len(dst)
	for r := 0; r+cols <= len(x) && cols > 0; r += cols {
		addTo(dst, x[r:r+cols])
	}
}

// addTo adds x to dst element by element: runBinary's addition, in place.
func addTo(dst, x []float64) { runBinary(opAdd, dst, dst, 1, x[:len(dst)], 1) }

// Sum returns the sum of all elements as a scalar (shape []).
func (tp *Tape) Sum(x *Tensor) *Tensor { return tp.SumTo(x, []int{}) }

// Mean returns the mean of all elements as a scalar.
func (tp *Tape) Mean(x *Tensor) *Tensor {
	return tp.Scale(tp.Sum(x), 1/float64(len(x.data)))
}

// SumAxis sums along axis, removing it; negative axis counts from the end.
func (tp *Tape) SumAxis(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "SumAxis")
	keep := cloneInts(x.shape)
	keep[axis] = 1
	return tp.Reshape(tp.SumTo(x, keep), removeAxis(x.shape, axis)...)
}

// SumAxes sums x over the given axes, which stay as axes of size 1
// (keepdim), like MeanAxes: reducing [n, d] over axis 1 gives [n, 1], which
// broadcasts back against x row by row. Negative axes count from the end; no
// axes means all. SumAxis removes the axis instead.
func (tp *Tape) SumAxes(x *Tensor, axes ...int) *Tensor {
	_, keep, _ := normReduced(x.shape, axes, "SumAxes")
	return tp.SumTo(x, keep)
}

// MeanAxis averages along axis, removing it.
func (tp *Tape) MeanAxis(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "MeanAxis")
	return tp.Scale(tp.SumAxis(x, axis), 1/float64(x.shape[axis]))
}

// LogSumExp returns log Σ exp(x) along axis, removing it, computed stably by
// shifting by the maximum. Its gradient is the softmax along that axis.
func (tp *Tape) LogSumExp(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "LogSumExp")
	outer, n, inner := splitAt(x.shape, axis)
	shape := removeAxis(x.shape, axis)
	out := tp.make(shape, tp.alloc(outer*inner))
	for o := range outer {
		for in := range inner {
			m := math.Inf(-1)
			for k := range n {
				m = math.Max(m, x.data[(o*n+k)*inner+in])
			}
			s := 0.0
			if !math.IsInf(m, 0) {
				for k := range n {
					s += math.Exp(x.data[(o*n+k)*inner+in] - m)
				}
			} else {
				s = 1
			}
			out.data[o*inner+in] = m + math.Log(s)
		}
	}
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		keep := cloneInts(x.shape)
		keep[axis] = 1
		soft := tp.Exp(tp.Sub(x, tp.Reshape(out, keep...)))
		return []*Tensor{tp.Mul(tp.Reshape(g, keep...), soft)}
	})
}

// axis resolves a possibly negative axis, panicking when out of range.
func (t *Tensor) axis(axis int, op string) int {
	if axis < 0 {
		axis += len(t.shape)
	}
	if axis < 0 || axis >= len(t.shape) {
		panic(fmt.Sprintf("tensor: %s: axis out of range for shape %v", op, t.shape))
	}
	return axis
}

func removeAxis(s []int, axis int) []int {
	return append(cloneInts(s[:axis]), s[axis+1:]...)
}

// splitAt views shape as [outer, shape[axis], inner].
func splitAt(shape []int, axis int) (outer, n, inner int) {
	return numel(shape[:axis]), shape[axis], numel(shape[axis+1:])
}
