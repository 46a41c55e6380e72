package tensor

import "fmt"

// MulAdd returns a⊙b + c, b and c broadcasting to a's shape (NumPy rules):
// the values and gradients of Add(Mul(a, b), c), as adaLN's modulation
// x·(1 + scale) + shift and its gated residual h·gate + x use it, with the
// scale, shift and gate one row per sample ([n, 1, D] against tokens
// [n, L, D]). Where b and c keep a's last axis, it runs as one pass over
// a's rows instead of two over the whole tensor, and its backward pass,
// when not recorded, as one pass that writes a's gradient and adds up b's
// and c's along the way, where the composition took three or four; each
// value is the same IEEE operations in the same order, so the same bits.
// Recorded, its gradients are the composition's tape ops, so that every
// order is available.
func (tp *Tape) MulAdd(a, b, c *Tensor) *Tensor {
	for _, t := range []*Tensor{b, c} {
		if s, ok := broadcastShape(a.shape, t.shape); !ok || !sameShape(s, a.shape) {
			panic(fmt.Sprintf("tensor: MulAdd: shape %v does not broadcast to a's %v", t.shape, a.shape))
		}
	}
	r := len(a.shape)
	if r == 0 || a.shape[r-1] < 2 || dimFromEnd(b.shape, 0) == 1 || dimFromEnd(c.shape, 0) == 1 {
		return tp.Add(tp.Mul(a, b), c)
	}
	width := a.shape[r-1]
	rows := len(a.data) / width
	sb, sc := bstrides(b.shape, a.shape), bstrides(c.shape, a.shape)
	out := tp.make(a.shape, tp.alloc(len(a.data)))
	parallelRows(tp.cores(), rows, width, func(r0, r1 int) {
		for row := r0; row < r1; row++ {
			d := out.data[row*width : (row+1)*width]
			ob, oc := rowOffset(row, a.shape, sb), rowOffset(row, a.shape, sc)
			runBinary(opMul, d, a.data[row*width:(row+1)*width], 1, b.data[ob:ob+width], 1)
			runBinary(opAdd, d, d, 1, c.data[oc:oc+width], 1)
		}
	})
	return tp.record(out, []*Tensor{a, b, c}, func(g *Tensor, need []bool) []*Tensor {
		if !tp.recording() && mulAddFusable(a, b) && mulAddFusable(a, c) {
			return tp.mulAddGrads(g, a, b, c, need)
		}
		var ga, gb *Tensor
		if need[0] {
			ga = tp.SumTo(tp.Mul(g, b), a.shape)
		}
		if need[1] {
			gb = tp.SumTo(tp.Mul(g, a), b.shape)
		}
		return []*Tensor{ga, gb, tp.sumToIf(need[2], g, c.shape)}
	})
}

// rowOffset returns where row row of a tensor of shape shape (its last
// axis the row) starts in an operand with broadcast strides st.
func rowOffset(row int, shape, st []int) int {
	off := 0
	for ax := len(shape) - 2; ax >= 0 && row > 0; ax-- {
		off += (row % shape[ax]) * st[ax]
		row /= shape[ax]
	}
	return off
}

// mulAddFusable reports whether MulAdd's fused backward pass gives t's
// gradient SumTo's bits: t is a's shape, or SumTo would add a's rows into
// it one by one in order (its general path), not as column sums in pieces
// (t a single row) or a total (t a single value).
func mulAddFusable(a, t *Tensor) bool {
	return sameShape(a.shape, t.shape) || (len(t.data) != 1 && len(t.data) != a.shape[len(a.shape)-1])
}

// mulAddGrads is MulAdd's backward pass in one pass over a's rows: a's
// gradient g·b row by row, b's g·a and c's g added row by row into their
// rows in a's row order (as SumTo adds them), or b's g·a whole and c's g
// itself where they are a's shape. Samples (a's first axis) run
// concurrently: no two share a row of b or c unless b or c is broadcast
// over that axis, and then one goroutine takes them all.
func (tp *Tape) mulAddGrads(g, a, b, c *Tensor, need []bool) []*Tensor {
	r := len(a.shape)
	width := a.shape[r-1]
	rows := len(a.data) / width
	sb, sc := bstrides(b.shape, a.shape), bstrides(c.shape, a.shape)
	fullB, fullC := sameShape(a.shape, b.shape), sameShape(a.shape, c.shape)
	var ga, gb, gc *Tensor
	if need[0] {
		ga = tp.make(a.shape, tp.alloc(len(a.data)))
		ga.prec = lowest(g, b)
	}
	if need[1] {
		if fullB {
			gb = tp.make(b.shape, tp.alloc(len(b.data)))
		} else {
			gb = tp.make(b.shape, tp.allocZero(len(b.data)))
		}
		gb.prec = lowest(g, a)
	}
	switch {
	case !need[2]:
	case fullC:
		gc = g
	default:
		gc = tp.make(c.shape, tp.allocZero(len(c.data)))
		gc.prec = g.prec
	}
	samples, per := a.shape[0], rows/max(a.shape[0], 1)
	if r == 1 || (!fullB && sb[0] == 0) || (!fullC && sc[0] == 0) {
		samples, per = 1, rows // every row may share b's or c's
	}
	body := func(lo, hi int) {
		tmp := make([]float64, width)
		for row := lo * per; row < hi*per; row++ {
			gr, ar := g.data[row*width:(row+1)*width], a.data[row*width:(row+1)*width]
			ob := rowOffset(row, a.shape, sb)
			if ga != nil {
				runBinary(opMul, ga.data[row*width:(row+1)*width], gr, 1, b.data[ob:ob+width], 1)
			}
			if gb != nil {
				if fullB {
					runBinary(opMul, gb.data[row*width:(row+1)*width], gr, 1, ar, 1)
				} else {
					runBinary(opMul, tmp, gr, 1, ar, 1)
					addTo(gb.data[ob:ob+width], tmp)
				}
			}
			if gc != nil && !fullC {
				oc := rowOffset(row, a.shape, sc)
				addTo(gc.data[oc:oc+width], gr)
			}
		}
	}
	if samples == 1 {
		body(0, 1)
	} else {
		parallelRows(tp.cores(), samples, per*width, body)
	}
	return []*Tensor{ga, gb, gc}
}
