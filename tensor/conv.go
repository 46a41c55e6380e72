package tensor

import (
	"fmt"
	"sync"
)

// ConvOptions sets the geometry of Conv2d and ConvTranspose2d, per axis
// (height, width), with PyTorch's meanings. The zero value is stride 1, no
// padding, dilation 1, one group.
type ConvOptions struct {
	// Stride is the step of the kernel over the input; zero entries mean 1.
	Stride [2]int
	// Padding is the number of zeros added on both sides of each axis (for
	// ConvTranspose2d, removed from both sides of the output).
	Padding [2]int
	// Dilation is the spacing of the kernel's taps; zero entries mean 1.
	Dilation [2]int
	// OutputPadding adds rows and columns at the end of ConvTranspose2d's
	// output, to pick among the input sizes a strided Conv2d maps to the
	// same output size; it must be below the stride or the dilation.
	// Conv2d ignores it.
	OutputPadding [2]int
	// Groups splits the channels into Groups independent convolutions; 0
	// means 1. Input and output channels must be multiples of it.
	Groups int
}

// convGeom is a convolution from x [n, c, h, w] to y [n, o, p, q] with a
// weight [o, c/groups, kh, kw]. The sizes p, q are stored, not derived, so
// that the same geometry serves Conv2d, its adjoint ConvTranspose2d (whose
// output is the conv's input), and the weight gradient, at any output
// padding: each op reads or writes only the taps that fall inside x.
type convGeom struct {
	n, c, h, w     int
	o, p, q        int
	kh, kw         int
	sh, sw, ph, pw int
	dh, dw         int
	groups         int
	prec           Precision // of the products: set by each op from its operands
	cores          int       // its kernels' core limit: each op's tape's (0: every core; 1: a piece of a lazy adjoint, convLazy)
}

// chunked is chunked for g's kernels, under g's core limit.
func (g *convGeom) chunked(n, chunk int, fn func(c, lo, hi int)) {
	chunked(g.cores, n, chunk, fn)
}

func (g *convGeom) xShape() []int { return []int{g.n, g.c, g.h, g.w} }
func (g *convGeom) yShape() []int { return []int{g.n, g.o, g.p, g.q} }
func (g *convGeom) wShape() []int { return []int{g.o, g.c / g.groups, g.kh, g.kw} }

// rows is the height of a sample's column matrix, c·kh·kw; pq its width.
func (g *convGeom) rows() int { return g.c * g.kh * g.kw }
func (g *convGeom) pq() int   { return g.p * g.q }

// direct says that the column matrix of a sample is the sample itself (a
// 1×1 kernel that visits every pixel once), so im2col can be skipped.
func (g *convGeom) direct() bool {
	return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.p == g.h && g.q == g.w
}

// convResolve fills in the defaults of opts and checks it, for op.
func convResolve(op string, opts ConvOptions) (s, p, d [2]int, groups int) {
	for i := range 2 {
		s[i], p[i], d[i] = opts.Stride[i], opts.Padding[i], opts.Dilation[i]
		if s[i] == 0 {
			s[i] = 1
		}
		if d[i] == 0 {
			d[i] = 1
		}
		if s[i] < 0 || p[i] < 0 || d[i] < 0 || opts.OutputPadding[i] < 0 {
			panic(fmt.Sprintf("tensor: %s: negative stride, padding, dilation or output padding in %+v", op, opts))
		}
	}
	groups = opts.Groups
	if groups == 0 {
		groups = 1
	}
	if groups < 0 {
		panic(fmt.Sprintf("tensor: %s: %d groups", op, groups))
	}
	return s, p, d, groups
}

// convOutSize is the number of kernel positions along an axis of size n.
func convOutSize(n, k, s, p, d int) int {
	span := d*(k-1) + 1
	if n+2*p < span {
		return 0
	}
	return (n+2*p-span)/s + 1
}

func convCheckRank4(op string, x, w *Tensor) {
	if len(x.shape) != 4 || len(w.shape) != 4 {
		panic(fmt.Sprintf("tensor: %s: input %v and weight %v must both have rank 4", op, x.shape, w.shape))
	}
}

func convCheckBias(op string, bias *Tensor, ch int, x, w *Tensor) {
	if bias != nil && (len(bias.shape) != 1 || bias.shape[0] != ch) {
		panic(fmt.Sprintf("tensor: %s: bias %v for %d output channels (input %v, weight %v)", op, bias.shape, ch, x.shape, w.shape))
	}
}

// Conv2d returns the 2-D cross-correlation of x [N, C, H, W] with the
// weight w [O, C/groups, kH, kW], plus bias [O] unless nil, as PyTorch's
// conv2d:
//
//	y[n,o,i,j] = b[o] + Σ_{c,u,v} x[n, g·C/G + c, i·s − p + u·d, j·s − p + v·d] · w[o, c, u, v]
//
// over the group g = o / (O/G) of o, with x zero outside the image. The
// output is [N, O, H', W'] with H' = ⌊(H + 2p − d(kH−1) − 1)/s⌋ + 1.
// It is computed as im2col and one matrix product per sample and group;
// its input gradient is ConvTranspose2d's op, its weight gradient a
// correlation of x with the output gradient, each an op of its own.
func (tp *Tape) Conv2d(x, w, bias *Tensor, opts ConvOptions) *Tensor {
	return tp.conv2d("Conv2d", x, w, bias, opts, nil)
}

// conv2d is Conv2d for op, with post applied to each piece of outputs as
// convFwd applies it.
func (tp *Tape) conv2d(op string, x, w, bias *Tensor, opts ConvOptions, post func(off int, y []float64)) *Tensor {
	convCheckRank4(op, x, w)
	g := conv2dGeom(x.shape, w.shape, opts)
	convCheckBias(op, bias, g.o, x, w)
	return tp.convFwd(x, w, bias, g, post)
}

// Conv2dSiLU returns SiLU(Conv2d(x, w, bias, opts)): the same values and,
// when recording, the same two ops. SiLU is applied to each piece of
// samples' outputs as the convolution writes it, while it is in cache,
// rather than in a pass of its own that reads the whole output back: in
// place on a tape that does not record (an energy evaluated for an accept
// test, say), and into SiLU's own output when recording, where the
// convolution's output is kept for SiLU's gradient.
func (tp *Tape) Conv2dSiLU(x, w, bias *Tensor, opts ConvOptions) *Tensor {
	prec := lowest(x, w, bias) // the conv's output's precision, which SiLU keeps
	if !tp.recording() {
		block := siluBlock
		if prec == Float32 {
			block = siluBlock32
		}
		return tp.conv2d("Conv2dSiLU", x, w, bias, opts, func(_ int, p []float64) { block(p, p, p) })
	}
	convCheckRank4("Conv2dSiLU", x, w)
	g := conv2dGeom(x.shape, w.shape, opts)
	y := tp.alloc(numel(g.yShape()))
	sg := tp.newSiLUSigma(prec, len(y))
	z := tp.conv2d("Conv2dSiLU", x, w, bias, opts, func(off int, p []float64) { sg.forward(off, y[off:off+len(p)], p) })
	return tp.siluRecord(z, tp.make(z.shape, y), sg)
}

// conv2dGeom returns the geometry of Conv2d for input and weight shapes x
// and w (rank 4), or panics where they do not fit.
func conv2dGeom(x, w []int, opts ConvOptions) convGeom {
	s, p, d, groups := convResolve("Conv2d", opts)
	g := convGeom{
		n: x[0], c: x[1], h: x[2], w: x[3],
		o: w[0], kh: w[2], kw: w[3],
		sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], groups: groups,
	}
	if g.c != w[1]*groups || g.o%groups != 0 || g.kh == 0 || g.kw == 0 {
		panic(fmt.Sprintf("tensor: Conv2d: input %v, weight %v and %d groups do not fit", x, w, groups))
	}
	g.p, g.q = convOutSize(g.h, g.kh, g.sh, g.ph, g.dh), convOutSize(g.w, g.kw, g.sw, g.pw, g.dw)
	if g.p <= 0 || g.q <= 0 {
		panic(fmt.Sprintf("tensor: Conv2d: kernel %v with %+v does not fit input %v", w, opts, x))
	}
	return g
}

// ConvTranspose2d returns the transposed convolution of x [N, Cin, H, W]
// with w [Cin, Cout/groups, kH, kW], plus bias [Cout] unless nil, as
// PyTorch's conv_transpose2d: the adjoint of Conv2d with the same weight
// and options, mapping [N, Cout, H', W'] back to [N, Cin, H, W], so that
//
//	y[n, g·Cout/G + o, i·s − p + u·d, j·s − p + v·d] += x[n, c, i, j] · w[c, o, u, v]
//
// for c in group g. The output has H' = (H−1)s − 2p + d(kH−1) + op + 1 with
// op the output padding. Its gradients are Conv2d and the weight
// correlation op.
func (tp *Tape) ConvTranspose2d(x, w, bias *Tensor, opts ConvOptions) *Tensor {
	convCheckRank4("ConvTranspose2d", x, w)
	g := convTranspose2dGeom(x.shape, w.shape, opts)
	convCheckBias("ConvTranspose2d", bias, g.c, x, w)
	return tp.convAdj(x, w, bias, g)
}

// convTranspose2dGeom returns the geometry of the conv whose adjoint is
// ConvTranspose2d for input and weight shapes x and w (rank 4): from its
// output to x. It panics where they do not fit.
func convTranspose2dGeom(x, w []int, opts ConvOptions) convGeom {
	s, p, d, groups := convResolve("ConvTranspose2d", opts)
	op := opts.OutputPadding
	for i := range 2 {
		if op[i] >= s[i] && op[i] >= d[i] {
			panic(fmt.Sprintf("tensor: ConvTranspose2d: output padding %v must be below the stride %v or the dilation %v", op, s, d))
		}
	}
	g := convGeom{
		n: x[0], c: w[1] * groups, o: x[1], p: x[2], q: x[3],
		kh: w[2], kw: w[3],
		sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], groups: groups,
	}
	if w[0] != g.o || g.o%groups != 0 || g.kh == 0 || g.kw == 0 {
		panic(fmt.Sprintf("tensor: ConvTranspose2d: input %v, weight %v and %d groups do not fit", x, w, groups))
	}
	g.h = (g.p-1)*g.sh - 2*g.ph + g.dh*(g.kh-1) + op[0] + 1
	g.w = (g.q-1)*g.sw - 2*g.pw + g.dw*(g.kw-1) + op[1] + 1
	if g.h <= 0 || g.w <= 0 || g.p == 0 || g.q == 0 {
		panic(fmt.Sprintf("tensor: ConvTranspose2d: input %v, weight %v and %+v give no output", x, w, opts))
	}
	return g
}

// convFwd records y = conv(x, w) + bias for the geometry g, with post
// (unless nil) applied to each piece of outputs as convForwardKernel
// applies it. What it records is the conv alone: post may change y only
// where the tape does not record.
func (tp *Tape) convFwd(x, w, bias *Tensor, g convGeom, post func(off int, y []float64)) *Tensor {
	g.prec, g.cores = lowest(x, w), tp.cores()
	y := tp.make(g.yShape(), tp.alloc(g.n*g.o*g.pq()))
	var b []float64
	if bias != nil {
		b = bias.data
	}
	convForwardKernel(y.data, convSource{x: x.data}, w.data, b, &g, post)
	ins := []*Tensor{x, w}
	if bias != nil {
		ins = append(ins, bias)
	}
	y = tp.record(y, ins, func(gy *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, len(ins))
		if tp.sums.isSiLU(gy) { // y went through a SiLU: its gradient is lazy
			if need[0] && !need[1] && (bias == nil || !need[2]) {
				if gs[0] = tp.convAdjSiLU(gy, w, g); gs[0] != nil {
					return gs
				}
			}
			tp.sums.hand(tp, gy)
		}
		if need[0] {
			gs[0] = tp.convAdj(gy, w, nil, g)
		}
		if need[1] {
			gs[1] = tp.convWeight(x, gy, g)
		}
		if bias != nil && need[2] {
			gs[2] = tp.convBiasGrad(gy)
		}
		return gs
	})
	tp.takesLazy(y, takesSiLU)
	return y
}

// convAdjSiLU is convAdj (unrecorded, without a bias) of a lazy SiLU
// gradient gy, computed a piece at a time as the adjoint pads it, where
// the adjoint runs as a forward conv reading its grid in place (flipped or
// phased), the same bits as convAdj of gy written whole; else nil, gy left
// as it was. A large adjoint is itself left lazy (convLazy) where gy's
// gradient was not one.
func (tp *Tape) convAdjSiLU(gy, w *Tensor, g convGeom) *Tensor {
	g.prec, g.cores = lowest(gy, w), tp.cores()
	if !g.adjointPadsGrid() {
		return nil
	}
	l, _ := tp.sums.takeSiLU(gy)
	if n := g.n * g.c * g.h * g.w; l.gl == nil && n >= convLazyValues {
		x := &Tensor{shape: g.xShape(), prec: g.prec} // convAdj's op's
		wf := tp.alloc(len(w.data))
		convFlip(wf, w.data, &g)
		tp.sums.lazyConv(x, &convLazy{src: convSource{silu: l}, wf: wf, g: g})
		return x
	}
	x := tp.make(g.xShape(), tp.alloc(g.n*g.c*g.h*g.w))
	x.prec = g.prec // convAdj's op's
	convAdjointKernel(x.data, convSource{silu: l}, w.data, nil, &g)
	tp.sums.done(l)
	return x
}

// convAdj records x = convᵀ(y, w) + bias: the adjoint of the conv of
// geometry g applied to y [n, o, p, q], giving [n, c, h, w]; bias is [c].
func (tp *Tape) convAdj(y, w, bias *Tensor, g convGeom) *Tensor {
	g.prec, g.cores = lowest(y, w), tp.cores()
	x := tp.make(g.xShape(), tp.alloc(g.n*g.c*g.h*g.w))
	var b []float64
	if bias != nil {
		b = bias.data
	}
	convAdjointKernel(x.data, convSource{x: y.data}, w.data, b, &g)
	ins := []*Tensor{y, w}
	if bias != nil {
		ins = append(ins, bias)
	}
	return tp.record(x, ins, func(gx *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, len(ins))
		if need[0] {
			gs[0] = tp.convFwd(gx, w, nil, g, nil)
		}
		if need[1] { // ∂⟨gx, convᵀ(y, w)⟩/∂w = the correlation of gx with y
			gs[1] = tp.convWeight(gx, y, g)
		}
		if bias != nil && need[2] {
			gs[2] = tp.convBiasGrad(gx)
		}
		return gs
	})
}

// convWeight records the weight gradient of the conv of geometry g,
//
//	dw[o, c, u, v] = Σ_{n,i,j} y[n, o, i, j] · x[n, g·C/G + c, i·s − p + u·d, j·s − p + v·d],
//
// bilinear in x [n, c, h, w] and y [n, o, p, q]; its gradients are the conv
// and its adjoint with the incoming gradient as weight.
func (tp *Tape) convWeight(x, y *Tensor, g convGeom) *Tensor {
	g.prec, g.cores = lowest(x, y), tp.cores()
	dw := tp.make(g.wShape(), tp.alloc(numel(g.wShape())))
	cs := g.weightChunk()
	chunks := (g.n + cs - 1) / cs
	var part []float64
	if chunks > 1 {
		part = tp.alloc(chunks * len(dw.data))
	}
	convWeightKernel(dw.data, part, x.data, y.data, &g)
	return tp.record(dw, []*Tensor{x, y}, func(gw *Tensor, need []bool) []*Tensor {
		gs := make([]*Tensor, 2)
		if need[0] {
			gs[0] = tp.convAdj(y, gw, nil, g)
		}
		if need[1] {
			gs[1] = tp.convFwd(x, gw, nil, g, nil)
		}
		return gs
	})
}

// convBiasGrad sums g [n, ch, a, b] over all but the channel axis, giving
// [ch]: as row sums, then column sums, the two reductions SumTo has fast
// paths for.
func (tp *Tape) convBiasGrad(g *Tensor) *Tensor {
	n, ch := g.shape[0], g.shape[1]
	r := tp.SumTo(tp.Reshape(g, n, ch, -1), []int{n, ch, 1})
	return tp.SumTo(tp.Reshape(r, n, ch), []int{ch})
}

// convBatchChunk is the least number of samples whose weight gradients are
// summed together before the chunks' sums are added in order (see
// weightChunk): fixed, so that the sum is the same bits on any number of
// cores.
const convBatchChunk = 8

// weightChunk returns the samples of a chunk of g's weight gradient:
// convBatchChunk, or in place enough samples for convBatchCols grid
// positions, so that a deep layer's small grids make one product deep
// enough for its sums (4×4 stride 2 from 14×14 to 7×7 1.2× faster in
// float32, on one core and on two), but no more than a quarter of the
// batch, so that the chunks still spread over the cores. It depends on the
// geometry alone. im2col keeps convBatchChunk: larger chunks of 7×7 to 3×3
// measured slower.
func (g *convGeom) weightChunk() int {
	if !g.weightInPlace() {
		return convBatchChunk
	}
	return max(convBatchChunk, min(convBatchCols/g.grid().plane, (g.n+3)/4))
}

// convColPool holds im2col buffers, so that a loop of convolutions does not
// allocate them.
var convColPool = sync.Pool{New: func() any { return new([]float64) }}

func convGetCol(n int) *[]float64 {
	b := convColPool.Get().(*[]float64)
	grow(b, n)
	return b
}

// convWeightInPlaceCols is the least number of output positions for which
// convWeightIm2col takes one sample at a time, its output gradient's rows
// read in place rather than copied next to another sample's.
const convWeightInPlaceCols = 512

// convBatchCols is the least number of columns, samples times output
// positions, that the products of the forward and adjoint kernels aim for:
// deep layers have few output positions per sample, and a product per sample
// would pack the whole weight for a handful of columns.
const convBatchCols = 2048

// convSamples returns how many samples one product of the forward and
// adjoint kernels takes: enough for convBatchCols columns, but no more than
// leaves 8 pieces of the batch to spread over the cores. It depends on the
// geometry alone, and each output element is the same sum whichever block
// of columns it falls in, so the result is the same bits on any number of
// cores.
func (g *convGeom) convSamples() int {
	return max(1, min(convBatchCols/max(g.pq(), 1), g.n/8))
}

// convForwardKernel writes y = conv(x, w) + b for geometry g; b may be nil:
// in place (conv_inplace.go) where g.padsGrid, else straight into y for a
// shallow float32 layer, else through im2col. They give the same bits. x
// may be computed (a lazy SiLU gradient) only where g.padsGrid.
//
// post, unless nil, is applied to each piece of samples' outputs once they
// are written, while they are in cache (Conv2dSiLU's activation), with the
// piece's offset in y.
func convForwardKernel(y []float64, x convSource, w, b []float64, g *convGeom, post func(off int, y []float64)) {
	if g.padsGrid() {
		convForwardInPlace(y, x, w, b, g, post)
		return
	}
	if g.shallow32() {
		convForwardShallow32(y, x.plain(), w, b, g, post)
		return
	}
	convForwardIm2col(y, x.plain(), w, b, g, post)
}

// padsGrid says whether convForwardKernel computes g through its padded
// grid (convForwardGrid), which is where its input may be computed.
func (g *convGeom) padsGrid() bool { return !g.shallow32() && g.forwardInPlace() }

// adjointPadsGrid says whether convAdjointKernel computes g's adjoint as a
// forward conv through its padded grid (flipped or phased), which is where
// its output gradient may be computed.
func (g *convGeom) adjointPadsGrid() bool {
	if f, ok := g.flipped(); ok {
		return f.padsGrid()
	}
	f, ok := g.phased()
	return ok && f.forwardInPlace()
}

// withFlipped calls do with the weight of the forward conv that computes
// g's adjoint (convFlip), in a pooled buffer.
func withFlipped(w []float64, g *convGeom, do func(wf []float64)) {
	buf := convGetCol(len(w))
	wf := (*buf)[:len(w)]
	convFlip(wf, w, g)
	do(wf)
	convColPool.Put(buf)
}

// convForwardIm2col is convForwardKernel through im2col. Samples are
// independent and run concurrently in pieces of convSamples, each computed
// by the same calls on any number of cores: the pieces' column matrices
// side by side, [c·kh·kw, samples·p·q], times the weight.
func convForwardIm2col(y, x, w, b []float64, g *convGeom, post func(off int, y []float64)) {
	og, cg := g.o/g.groups, g.c/g.groups
	kk := cg * g.kh * g.kw // the depth of each group's product
	pq, xs, ys := g.pq(), g.c*g.h*g.w, g.o*g.pq()
	ns := g.convSamples()
	g.chunked(g.n, ns, func(_, lo, hi int) {
		if ns == 1 {
			convForwardSample(y[lo*ys:hi*ys], x[lo*xs:hi*xs], w, b, g)
			if post != nil {
				post(lo*ys, y[lo*ys:hi*ys])
			}
			return
		}
		ld := (hi - lo) * pq
		cbuf, obuf := convGetCol(g.rows()*ld), convGetCol(g.o*ld)
		col, out := (*cbuf)[:g.rows()*ld], (*obuf)[:g.o*ld]
		for s := lo; s < hi; s++ {
			convIm2col(col[(s-lo)*pq:], ld, x[s*xs:(s+1)*xs], g)
		}
		beta := 0.0
		if b != nil { // the bias first, then the product added, as per sample
			for o := range g.o {
				fill(out[o*ld:(o+1)*ld], b[o])
			}
			beta = 1
		}
		for gi := range g.groups {
			gemm(g.cores, g.prec, false, false, og, ld, kk, w[gi*og*kk:], kk, col[gi*kk*ld:], ld, beta, out[gi*og*ld:(gi+1)*og*ld])
		}
		for s := lo; s < hi; s++ {
			for o := range g.o {
				copy(y[s*ys+o*pq:s*ys+(o+1)*pq], out[o*ld+(s-lo)*pq:])
			}
		}
		if post != nil {
			post(lo*ys, y[lo*ys:hi*ys])
		}
		convColPool.Put(cbuf)
		convColPool.Put(obuf)
	})
}

// convForwardSample is convForwardKernel for one sample, whose column
// matrix is the sample itself when the geometry is direct.
func convForwardSample(ysmp, xsmp, w, b []float64, g *convGeom) {
	og, cg := g.o/g.groups, g.c/g.groups
	kk := cg * g.kh * g.kw
	pq := g.pq()
	col := xsmp
	var buf *[]float64
	if !g.direct() {
		buf = convGetCol(g.rows() * pq)
		col = (*buf)[:g.rows()*pq]
		convIm2col(col, pq, xsmp, g)
	}
	beta := 0.0
	if b != nil {
		for o := range g.o {
			fill(ysmp[o*pq:(o+1)*pq], b[o])
		}
		beta = 1
	}
	for gi := range g.groups {
		gemm(g.cores, g.prec, false, false, og, pq, kk, w[gi*og*kk:], kk, col[gi*kk*pq:], pq, beta, ysmp[gi*og*pq:(gi+1)*og*pq])
	}
	if buf != nil {
		convColPool.Put(buf)
	}
}

// convAdjointKernel writes x = convᵀ(y, w) + b for geometry g; b ([c]) may
// be nil: as a forward conv where flipped or phased applies (each element
// summed in its own order), else with the column rows added back in place
// where g.inPlace, else through col2im (those two give the same bits). y
// may be computed (a lazy SiLU gradient) only where g.adjointPadsGrid.
func convAdjointKernel(x []float64, y convSource, w, b []float64, g *convGeom) {
	if g.adjointForward() {
		withFlipped(w, g, func(wf []float64) { convAdjointForward(x, y, wf, b, g) })
		return
	}
	if g.inPlace() {
		convAdjointInPlace(x, y.plain(), w, b, g)
		return
	}
	convAdjointCol2im(x, y.plain(), w, b, g)
}

// adjointForward says whether g's adjoint runs as a forward conv, flipped
// or phased (convAdjointForward).
func (g *convGeom) adjointForward() bool {
	if _, ok := g.flipped(); ok {
		return true
	}
	_, ok := g.phased()
	return ok
}

// convAdjointForward writes x = convᵀ(y, w) + b as the forward conv that
// computes it, flipped or phased, given its weight wf (convFlip of w);
// g.adjointForward.
func convAdjointForward(x []float64, y convSource, wf, b []float64, g *convGeom) {
	if f, ok := g.flipped(); ok {
		convForwardKernel(x, y, wf, b, &f, nil)
		return
	}
	f, _ := g.phased()
	convAdjointPhased(x, y, wf, b, g, &f)
}

// flipped returns the convolution that computes g's adjoint as a forward
// pass, where g has stride 1: the adjoint of a stride-1 conv is the conv of
// its output gradient with the weight flipped in space and its channel
// axes swapped, padded by the kernel's extent less g's padding,
//
//	x̄[c, a, b] = Σ_{o,u,v} ȳ[o, a − ((kH−1)d − p) + u·d, …] · w[o, c, kH−1−u, kW−1−v],
//
// so that no column matrix is written and added back: the forward kernel
// reads ȳ in place. ok is false where that padding would be negative or the
// sizes do not close up (output padding).
func (g *convGeom) flipped() (f convGeom, ok bool) {
	if g.sh != 1 || g.sw != 1 {
		return f, false
	}
	ph, pw := (g.kh-1)*g.dh-g.ph, (g.kw-1)*g.dw-g.pw
	f = convGeom{
		n: g.n, c: g.o, h: g.p, w: g.q, o: g.c, p: g.h, q: g.w,
		kh: g.kh, kw: g.kw, sh: 1, sw: 1, ph: ph, pw: pw, dh: g.dh, dw: g.dw,
		groups: g.groups, prec: g.prec, cores: g.cores,
	}
	ok = ph >= 0 && pw >= 0 && g.p+2*ph-(g.kh-1)*g.dh == g.h && g.q+2*pw-(g.kw-1)*g.dw == g.w
	// A float32 grid's product (gemmGrid) takes the rows past its 6-row
	// panels one at a time, at the cost of one each: a first layer's
	// adjoint, 3×3 from 32 channels of 28×28 to one, batch 128, took 3.3 ms
	// this way against 4.5 through col2im's product. (The phased adjoint of
	// a 4×4 stride-2 first layer, four rows, was slower, 1.30 ms against
	// 1.17, and is not taken.)
	return f, ok && (f.o/f.groups >= convAsForwardRows || f.grid32() && f.forwardInPlace())
}

// convAsForwardRows is the fewest output channels per group that the
// forward conv computing an adjoint (flipped, phased) may have: they are
// the rows of its product, and the micro-kernels' blocks of 4 or 6 rows
// waste most of their work on fewer (a first layer's one input channel),
// where col2im's product has the channels times the taps as rows. A
// stride-1 adjoint on a float32 grid is exempt (see flipped).
const convAsForwardRows = 8

// phased returns the stride-1 convolution that computes the adjoint of g,
// whose stride is above 1, for all of the stride's phases at once (the
// sub-pixel form of a transposed convolution): padded input row
// Y′ = q·sh + r receives from the taps u ≡ r (mod sh), u = r + sh·τ, of
// output rows q − τ, so phase r is the full stride-1 correlation of the
// output gradient with the taps r, r + sh, … flipped, and likewise along
// the width. Stacking the sh·sw phases as output channels makes it one
// forward conv, read in place, whose output is then interleaved into x.
// ok is false for dilated kernels and for kernels that are not a multiple
// of the stride (phases of unequal taps).
func (g *convGeom) phased() (f convGeom, ok bool) {
	if g.sh*g.sw == 1 || g.dh != 1 || g.dw != 1 || g.kh%g.sh != 0 || g.kw%g.sw != 0 {
		return f, false
	}
	th, tw := g.kh/g.sh, g.kw/g.sw
	if g.sh*g.sw*g.c/g.groups < convAsForwardRows {
		return f, false
	}
	return convGeom{
		n: g.n, c: g.o, h: g.p, w: g.q, o: g.sh * g.sw * g.c, p: g.p + th - 1, q: g.q + tw - 1,
		kh: th, kw: tw, sh: 1, sw: 1, ph: th - 1, pw: tw - 1, dh: 1, dw: 1,
		groups: g.groups, prec: g.prec, cores: g.cores,
	}, true
}

// convAdjointPhased writes x = convᵀ(y, w) + b through g's phased
// convolution f, given its weight wp (convFlip of w). y is computed (a
// lazy SiLU gradient) only where f reads its grid in place.
func convAdjointPhased(x []float64, y convSource, wp, b []float64, g, f *convGeom) {
	if f.forwardInPlace() { // interleaved straight from each piece's output grid
		convForwardGrid(y, wp, nil, f, func(lo, hi int, out []float64, gr convGrid) {
			ld := (hi - lo) * gr.plane
			convInterleave(x[lo*g.c*g.h*g.w:hi*g.c*g.h*g.w], g, f, b, out, gr.plane, ld, gr.ws)
		})
		return
	}
	zs := f.o * f.pq()
	zb := convGetCol(g.n * zs)
	z := (*zb)[:g.n*zs]
	convForwardKernel(z, y, wp, nil, f, nil)
	xs := g.c * g.h * g.w
	parallelFor(g.cores, g.n, func(lo, hi int) {
		convInterleave(x[lo*xs:hi*xs], g, f, b, z[lo*zs:], zs, f.pq(), f.q)
	})
	convColPool.Put(zb)
}

// convInterleave writes x [n, c, h, w] (plus the bias b, unless nil) from
// the output z of g's phased convolution f, whose channel ch of sample s
// starts at z[s·sstride + ch·cstride], rows ld apart: padded pixel (q·sh +
// r, qx·sw + rv) of channel c is position (q, qx) of c's phase (r, rv),
// and zero past f's output. Stride 2 both ways takes a plane a call
// (mergePlane2) where it can: its rows are short.
func convInterleave(x []float64, g, f *convGeom, b, z []float64, sstride, cstride, ld int) {
	cg, phases, hw := g.c/g.groups, g.sh*g.sw, g.h*g.w
	n := len(x) / (g.c * hw)
	var tab [64]uint16
	var masks []uint16
	if g.sh == 2 && g.sw == 2 {
		masks = mergeMasks(tab[:0], g.w, f.q, g.pw)
	}
	planes := make([][]float64, phases) // channel c's phases, found once per channel: rows are short
	for sc := range n * g.c {
		s, c := sc/g.c, sc%g.c
		gi, ci := c/cg, c%cg
		xc := x[sc*hw : (sc+1)*hw]
		if masks != nil {
			var bias *float64
			if b != nil {
				bias = &b[c]
			}
			if mergePlane2(xc, z[s*sstride+gi*phases*cg*cstride+ci*cstride:], masks, g.h, g.w, cg*cstride, ld, f.p, f.q, g.ph, g.pw, bias) {
				continue
			}
		}
		for ph := range planes {
			planes[ph] = z[s*sstride+((gi*phases+ph)*cg+ci)*cstride:]
		}
		r, q := g.ph%g.sh, g.ph/g.sh // padded row yy + ph = q·sh + r, stepped along
		for yy := range g.h {
			row := xc[yy*g.w : (yy+1)*g.w]
			if q >= f.p { // past the last output's taps (output padding)
				clear(row)
			} else if g.sw == 2 { // column xx from phase rv ≡ xx + pw (mod 2), position (xx + pw) div 2
				ev, od := planes[r*2+g.pw%2][q*ld:][:f.q], planes[r*2+(g.pw+1)%2][q*ld:][:f.q]
				interleaveRow2(row, ev[min(g.pw/2, f.q):], od[min((g.pw+1)/2, f.q):])
			} else {
				for rv := range g.sw {
					xx := ((rv-g.pw)%g.sw + g.sw) % g.sw // padded column xx + pw ≡ rv
					src := planes[r*g.sw+rv][q*ld:][:f.q]
					for qx := (xx + g.pw) / g.sw; xx < g.w; xx, qx = xx+g.sw, qx+1 {
						if qx < f.q {
							row[xx] = src[qx]
						} else {
							row[xx] = 0
						}
					}
				}
			}
			if b != nil {
				addScalarTo(row, b[c])
			}
			if r++; r == g.sh {
				r, q = 0, q+1
			}
		}
	}
}

// mergeMasks appends to buf, for each run of sixteen padded columns of an
// image row w wide (image column xx at padded column xx + pw), the masks
// mergePlane2 applies: the run's eight columns of each column phase below
// fq, the first eight and the last eight of its padded columns inside the
// image, and a zero.
func mergeMasks(buf []uint16, w, fq, pw int) []uint16 {
	for j := 0; 16*j < w+pw; j++ {
		var load, store uint32
		for t := range 8 {
			if 8*j+t < fq {
				load |= 1 << t
			}
		}
		for l := range 16 {
			if xx := 16*j + l - pw; 0 <= xx && xx < w {
				store |= 1 << l
			}
		}
		buf = append(buf, uint16(load), uint16(store&0xff), uint16(store>>8), 0)
	}
	return buf
}

// interleaveRow2 writes row[xx] = ev[xx/2] for even xx and od[xx/2] for
// odd, 0 past their ends: a row of a stride-2 adjoint from its two column
// phases.
func interleaveRow2(row, ev, od []float64) {
	m := min(len(ev), len(od), len(row)/2)
	mergeRow(row[:2*m], ev[:m], od[:m])
	for xx := 2 * m; xx < len(row); xx++ {
		src := ev
		if xx%2 == 1 {
			src = od
		}
		if k := xx / 2; k < len(src) {
			row[xx] = src[k]
		} else {
			row[xx] = 0
		}
	}
}

// convFlip writes into wf the weight of the forward conv that computes g's
// adjoint (flipped, phased): per group, phase (r, rv) of the stride and
// channels c, o, wf[(phase·C/G + c)·O/G + o, τ, τ′] =
// w[o, c, r + sh·(T−1−τ), rv + sw·(T′−1−τ′)] with T = kH/sh taps of each
// phase; with stride 1, the kernel flipped with its channel axes swapped.
func convFlip(wf, w []float64, g *convGeom) {
	og, cg, phases := g.o/g.groups, g.c/g.groups, g.sh*g.sw
	th, tw, kk := g.kh/g.sh, g.kw/g.sw, g.kh*g.kw
	// Where each tap of a phase comes from in its kernel, worked out once
	// per phase rather than per pair of channels (a sampler flips every
	// adjoint's weight at every step: 2.6 ns a value this way before).
	var tab [64]int
	idx := tab[:0]
	if th*tw > len(tab) {
		idx = make([]int, 0, th*tw)
	}
	for gi := range g.groups {
		for r := range g.sh {
			for rv := range g.sw {
				idx = idx[:0]
				for t := range th {
					for tt := range tw {
						idx = append(idx, (r+g.sh*(th-1-t))*g.kw+rv+g.sw*(tw-1-tt))
					}
				}
				for c := range cg {
					dst := wf[((gi*phases+r*g.sw+rv)*cg+c)*og*th*tw:][:og*th*tw]
					for o := range og {
						src := w[((gi*og+o)*cg+c)*kk:][:kk]
						d := dst[o*th*tw:][:len(idx)]
						for i, s := range idx {
							d[i] = src[s]
						}
					}
				}
			}
		}
	}
}

// convAdjointCol2im is convAdjointKernel per piece of convSamples samples:
// the columns wᵀ·y scattered back by col2im.
func convAdjointCol2im(x, y, w, b []float64, g *convGeom) {
	og, cg := g.o/g.groups, g.c/g.groups
	kk := cg * g.kh * g.kw
	pq, xs, ys := g.pq(), g.c*g.h*g.w, g.o*g.pq()
	ns := g.convSamples()
	g.chunked(g.n, ns, func(_, lo, hi int) {
		if ns == 1 && g.direct() {
			xsmp, ysmp := x[lo*xs:(lo+1)*xs], y[lo*ys:(lo+1)*ys]
			for gi := range g.groups {
				gemm(g.cores, g.prec, true, false, kk, pq, og, w[gi*og*kk:], kk, ysmp[gi*og*pq:], pq, 0, xsmp[gi*kk*pq:(gi+1)*kk*pq])
			}
		} else {
			ld := (hi - lo) * pq
			cbuf := convGetCol(g.rows() * ld)
			col, ym := (*cbuf)[:g.rows()*ld], y[lo*ys:hi*ys]
			var ybuf *[]float64
			if ns > 1 { // the pieces' outputs side by side, [o, samples·p·q]
				ybuf = convGetCol(g.o * ld)
				ym = (*ybuf)[:g.o*ld]
				for s := lo; s < hi; s++ {
					for o := range g.o {
						copy(ym[o*ld+(s-lo)*pq:o*ld+(s-lo+1)*pq], y[s*ys+o*pq:])
					}
				}
			}
			for gi := range g.groups {
				gemm(g.cores, g.prec, true, false, kk, ld, og, w[gi*og*kk:], kk, ym[gi*og*ld:], ld, 0, col[gi*kk*ld:(gi+1)*kk*ld])
			}
			for s := lo; s < hi; s++ {
				xsmp := x[s*xs : (s+1)*xs]
				clear(xsmp)
				convCol2im(xsmp, col[(s-lo)*pq:], ld, g)
			}
			convColPool.Put(cbuf)
			if ybuf != nil {
				convColPool.Put(ybuf)
			}
		}
		convAddBias(x[lo*xs:hi*xs], b, g)
	})
}

// convWeightKernel writes the weight gradient of the conv of geometry g for
// input x and output gradient y into dw. Samples are taken in chunks of
// g.weightChunk, each chunk's sum kept in part (len chunks·len(dw), unused
// with one chunk), and the chunks' sums added in order. A chunk's sum reads
// the padded input in place where g.weightInPlace, else im2col's columns.
// The two sum in other orders (the grid's extra positions shift the
// product's depth blocks), so they agree within the sums' rounding; each
// is the same bits on any number of cores.
func convWeightKernel(dw, part, x, y []float64, g *convGeom) {
	chunk := convWeightIm2col
	if g.weightInPlace() {
		chunk = convWeightInPlace
	}
	convWeightChunks(dw, part, x, y, g, chunk)
}

// convWeightChunks is convWeightKernel with each chunk's sum, over samples
// lo to hi, written into acc by chunk.
func convWeightChunks(dw, part, x, y []float64, g *convGeom, chunk func(acc, x, y []float64, lo, hi int, g *convGeom)) {
	nw, cs := len(dw), g.weightChunk()
	chunks := (g.n + cs - 1) / cs
	if chunks == 0 {
		clear(dw)
		return
	}
	g.chunked(g.n, cs, func(c, lo, hi int) {
		acc := dw
		if chunks > 1 {
			acc = part[c*nw : (c+1)*nw]
		}
		chunk(acc, x, y, lo, hi, g)
	})
	if chunks > 1 {
		copy(dw, part[:nw])
		for c := 1; c < chunks; c++ {
			addTo(dw, part[c*nw:(c+1)*nw])
		}
	}
}

// convWeightIm2col writes into acc the weight gradient summed over samples
// lo to hi, through im2col: in pieces of samples (convBatchCols columns,
// as the forward pass takes), each piece's column matrices side by side,
// [c·kh·kw, samples·p·q], against their output gradients laid out the same
// way. A product per sample has a deep layer's few output positions for
// its depth and reads and writes the whole gradient for each (4×4 from 7×7
// to 3×3 about 1.3× faster in pieces, in float32); a larger piece outgrows
// the cache (3×3 on 28×28 1.6× slower with all eight samples in one).
func convWeightIm2col(acc, x, y []float64, lo, hi int, g *convGeom) {
	og, cg := g.o/g.groups, g.c/g.groups
	kk := cg * g.kh * g.kw
	pq, xs, ys := g.pq(), g.c*g.h*g.w, g.o*g.pq()
	ns := max(1, min(hi-lo, convBatchCols/max(pq, 1)))
	if pq >= convWeightInPlaceCols {
		ns = 1 // y's rows read where they are
	}
	cbuf, ybuf := convGetCol(g.rows()*ns*pq), convGetCol(g.o*ns*pq)
	// A gradient of fewer columns than rows (a first layer's few taps) is
	// computed transposed, so that the product's columns fill its
	// kernel's width: one channel's 3×3 taps 1.45× faster in float32.
	var tbuf *[]float64
	if kk < og {
		tbuf = convGetCol(og * kk)
	}
	for s0 := lo; s0 < hi; s0 += ns {
		m := min(ns, hi-s0)
		ld := m * pq
		col, ym := (*cbuf)[:g.rows()*ld], (*ybuf)[:g.o*ld]
		for s := range m {
			convIm2col(col[s*pq:], ld, x[(s0+s)*xs:(s0+s+1)*xs], g)
			if ns == 1 {
				ym = y[s0*ys : (s0+1)*ys]
				break
			}
			for o := range g.o {
				copy(ym[o*ld+s*pq:o*ld+(s+1)*pq], y[(s0+s)*ys+o*pq:(s0+s)*ys+(o+1)*pq])
			}
		}
		for gi := range g.groups {
			a := acc[gi*og*kk : (gi+1)*og*kk]
			if tbuf == nil {
				beta := 1.0
				if s0 == lo {
					beta = 0
				}
				gemm(g.cores, g.prec, false, true, og, kk, ld, ym[gi*og*ld:], ld, col[gi*kk*ld:], ld, beta, a)
				continue
			}
			tr := (*tbuf)[:og*kk]
			gemm(g.cores, g.prec, false, true, kk, og, ld, col[gi*kk*ld:], ld, ym[gi*og*ld:], ld, 0, tr)
			if s0 == lo {
				clear(a)
			}
			for r := range kk {
				for o := range og {
					a[o*kk+r] += tr[r*og+o]
				}
			}
		}
	}
	if tbuf != nil {
		convColPool.Put(tbuf)
	}
	convColPool.Put(cbuf)
	convColPool.Put(ybuf)
}

// convIm2col writes the column matrix of one sample x [c, h, w] into col
// [c·kh·kw, p·q], whose rows start ld apart: row (c, u, v) holds the input
// pixel that tap (u, v) of the kernel meets at each output position, zero
// in the padding.
func convIm2col(col []float64, ld int, x []float64, g *convGeom) {
	pq := g.pq()
	r := 0
	for c := range g.c {
		xc := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for u := range g.kh {
			for v := range g.kw {
				row := col[r*ld : r*ld+pq]
				r++
				off := v*g.dw - g.pw
				j0, j1 := convInside(g.q, g.w, off, g.sw)
				for i := range g.p {
					dst := row[i*g.q : (i+1)*g.q]
					ih := i*g.sh - g.ph + u*g.dh
					if ih < 0 || ih >= g.h {
						clear(dst)
						continue
					}
					convGatherRow(dst, xc[ih*g.w:(ih+1)*g.w], off, g.sw, j0, j1)
				}
			}
		}
	}
}

// convCol2im adds the column matrix col, rows ld apart, back into
// x [c, h, w]: the adjoint of convIm2col.
func convCol2im(x, col []float64, ld int, g *convGeom) {
	pq := g.pq()
	r := 0
	for c := range g.c {
		xc := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for u := range g.kh {
			for v := range g.kw {
				row := col[r*ld : r*ld+pq]
				r++
				off := v*g.dw - g.pw
				j0, j1 := convInside(g.q, g.w, off, g.sw)
				for i := range g.p {
					ih := i*g.sh - g.ph + u*g.dh
					if ih < 0 || ih >= g.h {
						continue
					}
					convScatterRow(xc[ih*g.w:(ih+1)*g.w], row[i*g.q:(i+1)*g.q], off, g.sw, j0, j1)
				}
			}
		}
	}
}

// convGatherRow sets dst[j] = src[off + j·s] for j in [j0, j1), the part
// inside src (see convInside), and zero elsewhere.
func convGatherRow(dst, src []float64, off, s, j0, j1 int) {
	clear(dst[:j0])
	d := dst[j0:j1]
	switch {
	case s == 1:
		copy(d, src[off+j0:off+j1])
	case len(d) > 0:
		// src from the first tap read to the last, so that the loop
		// indexes within one slice of known length.
		src = src[off+j0*s : off+(j1-1)*s+1]
		for j := range d {
			d[j] = src[j*s]
		}
	}
	clear(dst[j1:])
}

// convScatterRow adds src[j] into dst[off + j·s] for j in [j0, j1).
func convScatterRow(dst, src []float64, off, s, j0, j1 int) {
	if s == 1 {
		addTo(dst[off+j0:off+j1], src[j0:j1])
		return
	}
	for j := j0; j < j1; j++ {
		dst[off+j*s] += src[j]
	}
}

// convInside returns the range [j0, j1) of j in [0, n) with 0 ≤ off + j·s < m.
func convInside(n, m, off, s int) (j0, j1 int) {
	if off < 0 {
		j0 = (-off + s - 1) / s
	}
	if off < m {
		j1 = (m - off + s - 1) / s
	}
	j0, j1 = min(j0, n), min(j1, n)
	return j0, max(j0, j1)
}

// convAddBias adds b[c] (b [c], or nil for none) to every pixel of channel
// c of the images x [n, c, h, w].
func convAddBias(x, b []float64, g *convGeom) {
	if b == nil {
		return
	}
	hw := g.h * g.w
	for sc := range len(x) / hw {
		addScalarTo(x[sc*hw:(sc+1)*hw], b[sc%g.c])
	}
}

func addScalarTo(d []float64, c float64) {
	for i := range d {
		d[i] += c
	}
}
