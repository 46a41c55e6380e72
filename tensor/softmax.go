package tensor

import (
	"fmt"
	"math"
)

// Softmax returns exp(x) / Σ exp(x) along axis, computed stably by shifting
// each line by its maximum. A line whose entries are all −∞ (every choice
// masked out) gives zeros, where PyTorch gives NaN. Its vector-Jacobian
// product is y ⊙ (g − Σ_axis g ⊙ y), written with tape ops.
func (tp *Tape) Softmax(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "Softmax")
	y := tp.make(x.shape, tp.alloc(len(x.data)))
	softmaxKernel(tp.cores(), y.data, x.data, x.shape, axis, false)
	return tp.record(y, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.softmaxVJP(y, g, axis)}
	})
}

// softmaxVJP returns y ⊙ (g − Σ_axis g ⊙ y), the gradient of a softmax y
// along axis for the output gradient g. Without the subtraction it would be
// the gradient of exp, not of the normalised exp.
func (tp *Tape) softmaxVJP(y, g *Tensor, axis int) *Tensor {
	keep := cloneInts(y.shape)
	keep[axis] = 1
	s := tp.SumTo(tp.Mul(g, y), keep)
	return tp.Mul(y, tp.Sub(g, s))
}

// LogSoftmax returns x − log Σ exp(x) along axis, computed stably. A line of
// all −∞ stays −∞. Its vector-Jacobian product is g − exp(y) ⊙ Σ_axis g.
func (tp *Tape) LogSoftmax(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "LogSoftmax")
	y := tp.make(x.shape, tp.alloc(len(x.data)))
	softmaxKernel(tp.cores(), y.data, x.data, x.shape, axis, true)
	return tp.record(y, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		keep := cloneInts(y.shape)
		keep[axis] = 1
		return []*Tensor{tp.Sub(g, tp.Mul(tp.Exp(y), tp.SumTo(g, keep)))}
	})
}

// softmaxKernel writes the (log-)softmax of src along axis into dst.
func softmaxKernel(cores int, dst, src []float64, shape []int, axis int, log bool) {
	outer, n, inner := splitAt(shape, axis)
	if len(dst) == 0 {
		return
	}
	parallelRows(cores, outer, n*inner, func(o0, o1 int) {
		for o := o0; o < o1; o++ {
			for in := range inner {
				off := o*n*inner + in
				softmaxLine(dst[off:], src[off:], n, inner, log)
			}
		}
	})
}

// softmaxLine writes the (log-)softmax of the n elements src[0], src[s],
// src[2s], … into the same places of dst, which may be src. The softmax's
// exponentials are expSoft's (sigmoid's polynomial, within 3 ulp of
// math.Exp; terms below e^−708 of the largest are 0), through expBlock's
// vector kernel on a contiguous line: the same bits either way.
func softmaxLine(dst, src []float64, n, s int, log bool) {
	m := math.Inf(-1)
	for k := range n {
		if v := src[k*s]; v > m {
			m = v
		}
	}
	if math.IsInf(m, -1) {
		v := 0.0
		if log {
			v = m
		}
		for k := range n {
			dst[k*s] = v
		}
		return
	}
	sum := 0.0
	if log {
		for k := range n {
			sum += math.Exp(src[k*s] - m)
		}
		ls := math.Log(sum) // subtracted after m: exact at the maximum
		for k := range n {
			dst[k*s] = (src[k*s] - m) - ls
		}
		return
	}
	if s == 1 { // a contiguous line: its exponentials in vector blocks
		line := dst[:n]
		for k, v := range src[:n] {
			line[k] = v - m
		}
		expBlock(line, line)
		for _, e := range line {
			sum += e
		}
	} else {
		for k := range n {
			e := expSoft(src[k*s] - m)
			dst[k*s] = e
			sum += e
		}
	}
	inv := 1 / sum
	for k := range n {
		dst[k*s] *= inv
	}
}

// Max returns the maximum of x along axis, removing it. Its gradient goes
// to the first position of the maximum in each line (as ArgMax picks it),
// through ScatterAdd, so it is differentiable again.
func (tp *Tape) Max(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "Max")
	if x.shape[axis] == 0 {
		panic(fmt.Sprintf("tensor: Max over the empty axis %d of shape %v", axis, x.shape))
	}
	idx := ArgMax(nil, x, axis)
	outer, n, inner := splitAt(x.shape, axis)
	out := tp.make(removeAxis(x.shape, axis), tp.alloc(outer*inner))
	for o := range outer {
		for in := range inner {
			out.data[o*inner+in] = x.data[(o*n+idx[o*inner+in])*inner+in]
		}
	}
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		keep := cloneInts(x.shape)
		keep[axis] = 1
		zero := tp.make(x.shape, tp.allocZero(len(x.data)))
		return []*Tensor{tp.ScatterAdd(zero, axis, idx, tp.Reshape(g, keep...))}
	})
}

// ArgMax writes into dst, for each line of x along axis, the index of its
// largest element, the first one on ties, and returns dst. The lines are in
// the row-major order of x's shape without axis. dst is allocated when nil
// and must otherwise have that many elements. NaNs are skipped unless the
// line starts with one.
func ArgMax(dst []int, x *Tensor, axis int) []int {
	axis = x.axis(axis, "ArgMax")
	outer, n, inner := splitAt(x.shape, axis)
	if dst == nil {
		dst = make([]int, outer*inner)
	}
	if len(dst) != outer*inner {
		panic(fmt.Sprintf("tensor: ArgMax: %d places for the %d lines of axis %d of shape %v", len(dst), outer*inner, axis, x.shape))
	}
	if n == 0 {
		panic(fmt.Sprintf("tensor: ArgMax over the empty axis %d of shape %v", axis, x.shape))
	}
	for o := range outer {
		for in := range inner {
			line := x.data[o*n*inner+in:]
			best, m := 0, line[0]
			for k := 1; k < n; k++ {
				if v := line[k*inner]; v > m {
					best, m = k, v
				}
			}
			dst[o*inner+in] = best
		}
	}
	return dst
}
