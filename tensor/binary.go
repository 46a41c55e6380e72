package tensor

import "fmt"

// Binary element-wise ops broadcast as NumPy does: shapes are aligned at the
// trailing axis, a missing leading axis counts as size 1, and an axis of size
// 1 stretches to match the other. So a [n, d] tensor combines with a scalar
// (shape [] or [1]), a row vector ([d] or [1, d], e.g. a bias), a column
// vector ([n, 1], e.g. a per-row weight), or another [n, d] tensor. The
// gradient with respect to a broadcast operand sums over the stretched axes.

type binKind int

const (
	opAdd binKind = iota
	opSub
	opMul
	opDiv
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div"}

// Add returns a + b with broadcasting.
func (tp *Tape) Add(a, b *Tensor) *Tensor {
	return tp.binary(opAdd, a, b, func(g *Tensor, need []bool) []*Tensor {
		return []*Tensor{tp.sumToIf(need[0], g, a.shape), tp.sumToIf(need[1], g, b.shape)}
	})
}

// Sub returns a − b with broadcasting.
func (tp *Tape) Sub(a, b *Tensor) *Tensor {
	return tp.binary(opSub, a, b, func(g *Tensor, need []bool) []*Tensor {
		var gb *Tensor
		if need[1] {
			gb = tp.SumTo(tp.Neg(g), b.shape)
		}
		return []*Tensor{tp.sumToIf(need[0], g, a.shape), gb}
	})
}

// Mul returns the element-wise product a ⊙ b with broadcasting.
func (tp *Tape) Mul(a, b *Tensor) *Tensor {
	return tp.binary(opMul, a, b, func(g *Tensor, need []bool) []*Tensor {
		var ga, gb *Tensor
		if need[0] {
			ga = tp.SumTo(tp.Mul(g, b), a.shape)
		}
		if need[1] {
			gb = tp.SumTo(tp.Mul(g, a), b.shape)
		}
		return []*Tensor{ga, gb}
	})
}

// Div returns the element-wise quotient a / b with broadcasting.
func (tp *Tape) Div(a, b *Tensor) *Tensor {
	var out *Tensor
	out = tp.binary(opDiv, a, b, func(g *Tensor, need []bool) []*Tensor {
		var ga, gb *Tensor
		gOverB := tp.Div(g, b)
		if need[0] {
			ga = tp.SumTo(gOverB, a.shape)
		}
		if need[1] { // ∂(a/b)/∂b = −(a/b)/b
			gb = tp.SumTo(tp.Neg(tp.Mul(gOverB, out)), b.shape)
		}
		return []*Tensor{ga, gb}
	})
	return out
}

func (tp *Tape) sumToIf(need bool, g *Tensor, shape []int) *Tensor {
	if !need {
		return nil
	}
	return tp.SumTo(g, shape)
}

// broadcastShape returns the shape a and b broadcast to, or false.
func broadcastShape(a, b []int) ([]int, bool) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := range r {
		da, db := dimFromEnd(a, r-1-i), dimFromEnd(b, r-1-i)
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// dimFromEnd returns the size of the axis k places before the last, 1 if absent.
func dimFromEnd(s []int, k int) int {
	if k >= len(s) {
		return 1
	}
	return s[len(s)-1-k]
}

// bstrides returns the element strides of a tensor of shape s read as the
// broadcast shape out: 0 along stretched or missing axes.
func bstrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		k := len(out) - 1 - i
		if d := dimFromEnd(s, k); k < len(s) && d != 1 {
			st[i] = acc
			acc *= d
		}
	}
	return st
}

func (tp *Tape) binary(k binKind, a, b *Tensor, vjp func(g *Tensor, need []bool) []*Tensor) *Tensor {
	shape, ok := broadcastShape(a.shape, b.shape)
	if !ok {
		panic(fmt.Sprintf("tensor: %s: shapes %v and %v do not broadcast", binNames[k], a.shape, b.shape))
	}
	out := tp.make(shape, tp.alloc(numel(shape)))
	broadcastApply(tp.cores(), k, out.data, shape, a.data, a.shape, b.data, b.shape)
	return tp.record(out, []*Tensor{a, b}, vjp)
}

// broadcastApply writes a ∘ b into dst of shape shape. The work is split
// into runs along the last axis in which each operand is either contiguous
// or a single repeated value.
func broadcastApply(cores int, k binKind, dst []float64, shape []int, a []float64, as []int, b []float64, bs []int) {
	n := len(dst)
	if n == 0 {
		return
	}
	switch {
	case len(a) == n && len(b) == n:
		parallelFor(cores, n, func(lo, hi int) { runBinary(k, dst[lo:hi], a[lo:hi], 1, b[lo:hi], 1) })
		return
	case len(b) == 1 && len(a) == n:
		parallelFor(cores, n, func(lo, hi int) { runBinary(k, dst[lo:hi], a[lo:hi], 1, b, 0) })
		return
	case len(a) == 1 && len(b) == n:
		parallelFor(cores, n, func(lo, hi int) { runBinary(k, dst[lo:hi], a, 0, b[lo:hi], 1) })
		return
	}
	r := len(shape)
	sa, sb := bstrides(as, shape), bstrides(bs, shape)
	inner := shape[r-1]
	parallelRows(cores, n/inner, inner, func(r0, r1 int) {
		idx := make([]int, r-1)
		rem := r0
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax] = rem % shape[ax]
			rem /= shape[ax]
		}
		for row := r0; row < r1; row++ {
			oa, ob := 0, 0
			for ax := 0; ax < r-1; ax++ {
				oa += idx[ax] * sa[ax]
				ob += idx[ax] * sb[ax]
			}
			var ra, rb []float64
			if sa[r-1] == 0 {
				ra = a[oa : oa+1]
			} else {
				ra = a[oa : oa+inner]
			}
			if sb[r-1] == 0 {
				rb = b[ob : ob+1]
			} else {
				rb = b[ob : ob+inner]
			}
			runBinary(k, dst[row*inner:(row+1)*inner], ra, sa[r-1], rb, sb[r-1])
			for ax := r - 2; ax >= 0; ax-- {
				idx[ax]++
				if idx[ax] < shape[ax] {
					break
				}
				idx[ax] = 0
			}
		}
	})
}

// runBinary computes dst[i] = a[i·sa] ∘ b[i·sb] with strides 0 or 1:
// blocks of 32 with AVX-512 where the CPU has it, the rest in Go, the same
// bits.
func runBinary(k binKind, dst, a []float64, sa int, b []float64, sb int) {
	if sa == 1 || sb == 1 {
		if n := binaryVec(k, dst, a, sa, b, sb); n > 0 {
			dst, a, b = dst[n:], a[n*sa:], b[n*sb:]
		}
	}
	switch {
	case sa == 1 && sb == 1:
		a, b = a[:len(dst)], b[:len(dst)]
		switch k {
		case opAdd:
			for i := range dst {
				dst[i] = a[i] + b[i]
			}
		case opSub:
			for i := range dst {
				dst[i] = a[i] - b[i]
			}
		case opMul:
			for i := range dst {
				dst[i] = a[i] * b[i]
			}
		case opDiv:
			for i := range dst {
				dst[i] = a[i] / b[i]
			}
		}
	case sa == 1:
		a, s := a[:len(dst)], b[0]
		switch k {
		case opAdd:
			for i := range dst {
				dst[i] = a[i] + s
			}
		case opSub:
			for i := range dst {
				dst[i] = a[i] - s
			}
		case opMul:
			for i := range dst {
				dst[i] = a[i] * s
			}
		case opDiv:
			for i := range dst {
				dst[i] = a[i] / s
			}
		}
	case sb == 1:
		s, b := a[0], b[:len(dst)]
		switch k {
		case opAdd:
			for i := range dst {
				dst[i] = s + b[i]
			}
		case opSub:
			for i := range dst {
				dst[i] = s - b[i]
			}
		case opMul:
			for i := range dst {
				dst[i] = s * b[i]
			}
		case opDiv:
			for i := range dst {
				dst[i] = s / b[i]
			}
		}
	default:
		var v float64
		switch k {
		case opAdd:
			v = a[0] + b[0]
		case opSub:
			v = a[0] - b[0]
		case opMul:
			v = a[0] * b[0]
		case opDiv:
			v = a[0] / b[0]
		}
		fill(dst, v)
	}
}
