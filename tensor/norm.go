package tensor

import (
	"fmt"
	"math"
	"slices"
)

// Axis-wise statistics and normalisation: MeanAxes, VarAxes, Moments,
// Normalize, LayerNorm and GroupNorm. The statistics keep the reduced axes
// with size 1, so they broadcast straight back against their input.

// MeanAxes returns the mean of x over the given axes, which stay as axes of
// size 1 (keepdim). Negative axes count from the end; no axes means all.
func (tp *Tape) MeanAxes(x *Tensor, axes ...int) *Tensor {
	red, keep, n := normReduced(x.shape, axes, "MeanAxes")
	out := tp.make(keep, tp.allocZero(numel(keep)))
	normSumKernel(out.data, x.data, x.shape, red)
	normScale(out.data, 1/float64(n))
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Scale(tp.BroadcastTo(g, x.shape), 1/float64(n))}
	})
}

// VarAxes returns the biased variance (divided by the count, as PyTorch's
// normalisation layers use) of x over the given axes, kept with size 1.
func (tp *Tape) VarAxes(x *Tensor, axes ...int) *Tensor {
	_, v := tp.Moments(x, axes...)
	return v
}

// Moments returns the mean and the biased variance of x over the given axes,
// both kept with size 1: the batch statistics of batch normalisation when the
// axes are all but the channel axis. The variance is summed as Σ(x − μ)²
// around the mean, not as Σx² − nμ², which loses digits when |μ| ≫ σ.
//
// The variance's VJP is g·2(x − μ)/n, written with the recorded mean, so it
// is right as a function of x and every order of derivative follows.
func (tp *Tape) Moments(x *Tensor, axes ...int) (mean, variance *Tensor) {
	red, keep, n := normReduced(x.shape, axes, "Moments")
	mean = tp.MeanAxes(x, axes...)
	v := tp.make(keep, tp.allocZero(numel(keep)))
	normVarKernel(v.data, x.data, mean.data, x.shape, red, n)
	variance = tp.record(v, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Scale(tp.Mul(tp.Sub(x, mean), g), 2/float64(n))}
	})
	return mean, variance
}

// Normalize returns (x − mean)/√(variance + eps), broadcasting mean and
// variance against x. It is batch normalisation's transform: with the batch
// statistics of Moments in training (gradients then flow through them), with
// running statistics, held as leaves, in evaluation.
func (tp *Tape) Normalize(x, mean, variance *Tensor, eps float64) *Tensor {
	return tp.Mul(tp.Sub(x, mean), tp.Pow(tp.AddScalar(variance, eps), -0.5))
}

// LayerNorm normalises x over its last dims axes, as PyTorch's layer_norm
// with normalized_shape = x.shape[len−dims:]:
//
//	y = (x − μ)/√(σ² + eps) ⊙ weight + bias
//
// with μ and the biased σ² taken over those axes for each index of the
// others. weight and bias have shape x.shape[len−dims:], or are nil (no
// affine part). dims must be between 1 and the rank of x.
func (tp *Tape) LayerNorm(x *Tensor, dims int, weight, bias *Tensor, eps float64) *Tensor {
	r := len(x.shape)
	if dims < 1 || dims > r {
		panic(fmt.Sprintf("tensor: LayerNorm: %d normalised axes for shape %v", dims, x.shape))
	}
	tail := x.shape[r-dims:]
	for _, p := range []*Tensor{weight, bias} {
		if p != nil && !sameShape(p.shape, tail) {
			panic(fmt.Sprintf("tensor: LayerNorm: weight or bias of shape %v for input %v normalised over %v", p.shape, x.shape, tail))
		}
	}
	m := numel(tail)
	rows := numel(x.shape[:r-dims])
	xh, _ := tp.normRows(tp.Reshape(x, rows, m), eps)
	return tp.normAffine(tp.Reshape(xh, x.shape...), weight, bias, rows, m, 1)
}

// GroupNorm normalises x of shape [N, C, ...] within groups of channels, as
// PyTorch's group_norm: the C channels are split into groups of C/groups
// consecutive channels, and each sample's group is standardised over its
// channels and all trailing (spatial) axes; then channel c is scaled by
// weight[c] and shifted by bias[c]. weight and bias have shape [C] or are nil.
// groups must divide C. GroupNorm with one group is LayerNorm over all axes
// but the first with a per-channel affine part; with C groups it is instance
// normalisation.
func (tp *Tape) GroupNorm(x *Tensor, groups int, weight, bias *Tensor, eps float64) *Tensor {
	if len(x.shape) < 2 {
		panic(fmt.Sprintf("tensor: GroupNorm: input of shape %v, want [N, C, ...]", x.shape))
	}
	n, c := x.shape[0], x.shape[1]
	if groups < 1 || c%groups != 0 {
		panic(fmt.Sprintf("tensor: GroupNorm: %d groups do not divide the %d channels of shape %v", groups, c, x.shape))
	}
	for _, p := range []*Tensor{weight, bias} {
		if p != nil && !sameShape(p.shape, []int{c}) {
			panic(fmt.Sprintf("tensor: GroupNorm: weight or bias of shape %v for %d channels", p.shape, c))
		}
	}
	rows := n * groups
	m := 0
	if rows > 0 {
		m = len(x.data) / rows
	}
	xh, _ := tp.normRows(tp.Reshape(x, rows, m), eps)
	return tp.normAffine(tp.Reshape(xh, x.shape...), weight, bias, n, c, numel(x.shape[2:]))
}

// normAffine returns xh ⊙ weight + bias in one pass, with xh viewed as
// [outer, p, inner] and weight and bias (p elements each, either may be nil)
// varying along the middle axis: [rows, m, 1] for LayerNorm, [N, C, H·W] for
// GroupNorm. Its VJP is g ⊙ weight for xh, and sums over the outer and inner
// axes of g ⊙ xh and g for weight and bias.
func (tp *Tape) normAffine(xh, weight, bias *Tensor, outer, p, inner int) *Tensor {
	if weight == nil && bias == nil {
		return xh
	}
	var wd, bd []float64
	ins := []*Tensor{xh}
	if weight != nil {
		wd = weight.data
		ins = append(ins, weight)
	}
	if bias != nil {
		bd = bias.data
		ins = append(ins, bias)
	}
	y := tp.make(xh.shape, tp.alloc(len(xh.data)))
	normAffineApply(tp.cores(), y.data, xh.data, wd, bd, outer, p, inner)
	return tp.record(y, ins, func(g *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, len(ins))
		view := []int{outer, p, inner}
		if need[0] {
			switch {
			case weight == nil:
				gs[0] = g
			case !tp.recording():
				d := tp.make(xh.shape, tp.alloc(len(xh.data)))
				normAffineApply(tp.cores(), d.data, g.data, wd, nil, outer, p, inner)
				d.prec = lowest(g, weight)
				gs[0] = d
			default:
				gv := tp.Reshape(g, view...)
				gs[0] = tp.Reshape(tp.Mul(gv, tp.Reshape(weight, p, 1)), xh.shape...)
			}
		}
		// ∂/∂weight and ∂/∂bias: sums over the outer and inner axes.
		if weight != nil && need[1] {
			gw := tp.normSum(tp.Reshape(tp.Mul(g, xh), view...), 0, 2)
			gs[1] = tp.Reshape(gw, weight.shape...)
		}
		if k := len(ins) - 1; bias != nil && need[k] {
			gs[k] = tp.Reshape(tp.normSum(tp.Reshape(g, view...), 0, 2), bias.shape...)
		}
		return gs
	})
}

// normAffineApply writes x ⊙ w + b into dst, all viewed as [outer, p, inner]
// with w and b (nil: 1 and 0) indexed by the middle axis.
func normAffineApply(cores int, dst, x, w, b []float64, outer, p, inner int) {
	width := p * inner
	parallelRows(cores, outer, width, func(r0, r1 int) {
		for o := r0; o < r1; o++ {
			for c := range p {
				wc, bc := 1.0, 0.0
				if w != nil {
					wc = w[c]
				}
				if b != nil {
					bc = b[c]
				}
				lo := o*width + c*inner
				d, xs := dst[lo:lo+inner], x[lo:lo+inner]
				for i, v := range xs {
					d[i] = v*wc + bc
				}
			}
		}
	})
}

// normSum returns the sum of x over axes, kept with size 1: MeanAxes without
// the division, for the gradients of the affine parameters.
func (tp *Tape) normSum(x *Tensor, axes ...int) *Tensor {
	red, keep, _ := normReduced(x.shape, axes, "normSum")
	out := tp.make(keep, tp.allocZero(numel(keep)))
	normSumKernel(out.data, x.data, x.shape, red)
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.BroadcastTo(g, x.shape)}
	})
}

// normRows standardises each row of the [rows, m] tensor x in one fused
// pass per row: x̂ = (x − μ)·r with r = 1/√(σ² + eps), μ and the biased σ²
// over the row. It returns x̂ and r ([rows, 1]), each recorded as an op of x.
//
// The VJP of x̂ is r ⊙ (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)), means over the row,
// written with the recorded r and x̂; the VJP of r is −g r² x̂/m. Both are
// right as functions of x, so differentiating them gives every higher order.
// Without recording, x̂'s VJP runs as one fused kernel.
func (tp *Tape) normRows(x *Tensor, eps float64) (xhat, rstd *Tensor) {
	rows, m := x.shape[0], x.shape[1]
	xh := tp.make(x.shape, tp.alloc(len(x.data)))
	rs := tp.make([]int{rows, 1}, tp.alloc(rows))
	if m > 0 {
		parallelRows(tp.cores(), rows, m, func(r0, r1 int) {
			for r := r0; r < r1; r++ {
				rs.data[r] = normRowKernel(xh.data[r*m:(r+1)*m], x.data[r*m:(r+1)*m], eps)
			}
		})
	}
	rstd = tp.record(rs, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Mul(xhat, tp.Scale(tp.Mul(g, tp.Square(rstd)), -1/float64(m)))}
	})
	xhat = tp.record(xh, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		if !tp.recording() {
			d := tp.make(x.shape, tp.alloc(len(x.data)))
			parallelRows(tp.cores(), rows, m, func(r0, r1 int) {
				for r := r0; r < r1; r++ {
					lo, hi := r*m, (r+1)*m
					normRowVJPKernel(d.data[lo:hi], g.data[lo:hi], xhat.data[lo:hi], rstd.data[r])
				}
			})
			d.prec = lowest(g, x)
			return []*Tensor{d}
		}
		gMean := tp.MeanAxes(g, 1)
		gxMean := tp.MeanAxes(tp.Mul(g, xhat), 1)
		return []*Tensor{tp.Mul(tp.Sub(tp.Sub(g, gMean), tp.Mul(xhat, gxMean)), rstd)}
	})
	return xhat, rstd
}

// normRowKernel writes the standardised x into dst and returns 1/√(σ² + eps).
// The row is read three times while it sits in cache: for μ, for Σ(x − μ)²
// (exact where Σx² − mμ² would cancel), and to write x̂. The sums run in
// four interleaved partial sums (sums4's order): a row in cache is bound by
// the latency of its additions, and four independent chains take a
// quarter of one.
func normRowKernel(dst, x []float64, eps float64) float64 {
	x = x[:len(dst)]
	m := float64(len(x))
	sx, _ := sums4(x, x)
	mu := sx / m
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := x[i]-mu, x[i+1]-mu, x[i+2]-mu, x[i+3]-mu
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := x[i] - mu
		s0 += d * d
	}
	r := 1 / math.Sqrt(((s0+s1)+(s2+s3))/m+eps)
	for i, v := range x {
		dst[i] = (v - mu) * r
	}
	return r
}

// sums4 returns Σx and Σx·y, each in four interleaved partial sums (element
// i into sum i mod 4, the tail past the last four into the first) combined
// as (s0 + s1) + (s2 + s3). A norm's row sits in cache, so its sums are
// bound by the latency of their additions, and independent chains take a
// fraction of one; a caller that needs only Σx gets Σx·y almost free.
func sums4(x, y []float64) (sx, sxy float64) {
	y = y[:len(x)]
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a0 += x[i]
		a1 += x[i+1]
		a2 += x[i+2]
		a3 += x[i+3]
		b0 += x[i] * y[i]
		b1 += x[i+1] * y[i+1]
		b2 += x[i+2] * y[i+2]
		b3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		a0 += x[i]
		b0 += x[i] * y[i]
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

// normRowVJPKernel writes r·(g − mean(g) − x̂·mean(g·x̂)) into dst, its two
// sums sums4's.
func normRowVJPKernel(dst, g, xh []float64, r float64) {
	g, xh = g[:len(dst)], xh[:len(dst)]
	sg, sgx := sums4(g, xh)
	m := float64(len(dst))
	a, b := sg/m, sgx/m
	for i, v := range g {
		dst[i] = r * (v - a - xh[i]*b)
	}
}

// normReduced resolves axes for shape: which axes are reduced, the keepdim
// shape of the statistics, and the number of elements each one summarises.
func normReduced(shape []int, axes []int, op string) (red []bool, keep []int, n int) {
	red = make([]bool, len(shape))
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		ax := a
		if ax < 0 {
			ax += len(shape)
		}
		if ax < 0 || ax >= len(shape) || red[ax] {
			panic(fmt.Sprintf("tensor: %s: axes %v out of range or repeated for shape %v", op, axes, shape))
		}
		red[ax] = true
	}
	keep = slices.Clone(shape)
	n = 1
	for i, r := range red {
		if r {
			n *= shape[i]
			keep[i] = 1
		}
	}
	return red, keep, n
}

// normBlocks walks x (shape, with reduced axes red) in contiguous blocks and
// calls fn(xo, so, l, inner) for each: xo is the block's offset in x and l its
// length. When inner is true the block lies along reduced axes and all its
// elements belong to statistic so; otherwise element i belongs to statistic
// so+i. Adjacent axes of the same kind are merged and size-1 axes dropped
// first, so that blocks are as long as the layout allows: a row for layer
// statistics, a spatial plane for batch statistics over [N, C, H, W].
func normBlocks(shape []int, red []bool, fn func(xo, so, l int, inner bool)) {
	var dims []int
	var rd []bool
	for i, d := range shape {
		if d == 1 {
			continue
		}
		if k := len(dims) - 1; k >= 0 && rd[k] == red[i] {
			dims[k] *= d
			continue
		}
		dims = append(dims, d)
		rd = append(rd, red[i])
	}
	if len(dims) == 0 { // one element
		fn(0, 0, 1, true)
		return
	}
	last := len(dims) - 1
	l := dims[last]
	if l == 0 {
		return
	}
	// Statistic strides of the outer runs: 0 along reduced runs.
	st := make([]int, last)
	acc := 1
	if !rd[last] {
		acc = l
	}
	for k := last - 1; k >= 0; k-- {
		if !rd[k] {
			st[k] = acc
			acc *= dims[k]
		}
	}
	idx := make([]int, last)
	blocks := numel(dims[:last])
	for b := range blocks {
		so := 0
		for k, i := range idx {
			so += i * st[k]
		}
		fn(b*l, so, l, rd[last])
		for k := last - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < dims[k] {
				break
			}
			idx[k] = 0
		}
	}
}

// normSumKernel adds the sums of x over the reduced axes into dst.
func normSumKernel(dst, x []float64, shape []int, red []bool) {
	normBlocks(shape, red, func(xo, so, l int, inner bool) {
		if inner {
			dst[so] += sumSeq(x[xo : xo+l])
		} else {
			addTo(dst[so:so+l], x[xo:xo+l])
		}
	})
}

// normVarKernel writes the biased variances of x around mean into dst (zeroed).
func normVarKernel(dst, x, mean []float64, shape []int, red []bool, n int) {
	normBlocks(shape, red, func(xo, so, l int, inner bool) {
		xs := x[xo : xo+l]
		if inner {
			mu, s := mean[so], 0.0
			for _, v := range xs {
				s += (v - mu) * (v - mu)
			}
			dst[so] += s
			return
		}
		d, mu := dst[so:so+l], mean[so:so+l]
		for i, v := range xs {
			d[i] += (v - mu[i]) * (v - mu[i])
		}
	})
	normScale(dst, 1/float64(n))
}

func normScale(x []float64, c float64) {
	for i := range x {
		x[i] *= c
	}
}
