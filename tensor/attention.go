package tensor

import (
	"fmt"
	"math"
)

// AttentionOptions are the settings of ScaledDotProductAttention. The zero
// value means no mask, not causal, and the scale 1/√d.
type AttentionOptions struct {
	// Mask, if set, is added to the scaled scores before the softmax. It
	// broadcasts to [..., Lq, Lk] (for example [Lq, Lk], or [B, 1, 1, Lk]
	// for per-sample key padding); −∞ blocks a pair. MaskFromBool makes one
	// from a boolean mask. Mask gets a gradient like any input (learned
	// biases such as ALiBi's).
	Mask *Tensor
	// Causal blocks query i from keys j > i (PyTorch's is_causal: aligned
	// at the top left when Lq ≠ Lk).
	Causal bool
	// Scale multiplies the scores q·kᵀ; 0 means 1/√d, d the size of the
	// last axis of q and k.
	Scale float64
}

// ScaledDotProductAttention returns softmax(q·kᵀ·scale + mask)·v for q
// [..., Lq, d], k [..., Lk, d] and v [..., Lk, dv] with the same leading
// (batch, head) axes; the result is [..., Lq, dv]. A query whose keys are
// all blocked gets zeros.
//
// The forward pass is fused: for each batch and head, the scores are one
// gemm, the mask and a stable softmax are applied row by row in place, and
// the product with v is a second gemm; batches are spread over the cores in
// pieces of fixed size. The probabilities P are kept for the backward pass:
//
//	dv = Pᵀ·g,  dP = g·vᵀ,  dS = P ⊙ (dP − Σⱼ dP ⊙ P),
//	dq = scale·dS·k,  dk = scale·dSᵀ·q,  dmask = dS summed to the mask's shape,
//
// fused the same way, batch and head at a time, where it is not recorded.
// When the backward pass is recorded (CreateGraph), or the mask needs its
// gradient, it is written with BatchMatMul and the softmax's VJP, P
// recomputed from tape ops when recorded so that it carries its dependence
// on q, k and the mask: every order of derivative works.
func (tp *Tape) ScaledDotProductAttention(q, k, v *Tensor, opts AttentionOptions) *Tensor {
	batch, lq, lk, d, dv := attnDims(q, k, v)
	lay := attnLayout{lq: lq, lk: lk, d: d, dv: dv, ldq: d, ldk: d, ldv: dv, ldo: dv}
	out := tp.make(append(cloneInts(batch), lq, dv), tp.alloc(numel(batch)*lq*dv))
	return tp.attention("ScaledDotProductAttention", out, []*Tensor{q, k, v}, batch, lay, opts,
		func(p, g *Tensor, need []bool, scale float64) []*Tensor {
			return tp.attnGrads(q, k, v, p, g, need, opts, scale)
		})
}

// PackedAttention is multi-head self-attention on heads packed as a linear
// layer makes them: qkv [n, L, 3·D] holds, along its last axis, q, k and
// v, each as heads slices of D/heads (PyTorch's reshape(n, L, 3, heads,
// dh)), and the result [n, L, D] holds each head's output in its slice. It
// is ScaledDotProductAttention on the heads split out with Reshape and
// Permute and merged back the same way, without those copies: the gemms
// read and write each head's rows where they lie. opts.Mask broadcasts to
// the scores' [n, heads, L, L].
func (tp *Tape) PackedAttention(qkv *Tensor, heads int, opts AttentionOptions) *Tensor {
	if len(qkv.shape) != 3 || heads < 1 || qkv.shape[2]%(3*heads) != 0 {
		panic(fmt.Sprintf("tensor: PackedAttention: qkv of shape %v with %d heads; want [n, L, 3·D], D a multiple of heads", qkv.shape, heads))
	}
	n, l, dim := qkv.shape[0], qkv.shape[1], qkv.shape[2]/3
	dh := dim / heads
	lay := attnLayout{lq: l, lk: l, d: dh, dv: dh, ldq: 3 * dim, ldk: 3 * dim, ldv: 3 * dim, ldo: dim, heads: heads}
	out := tp.make([]int{n, l, dim}, tp.alloc(n*l*dim))
	return tp.attention("PackedAttention", out, []*Tensor{qkv}, []int{n, heads}, lay, opts, func(p, g *Tensor, need []bool, scale float64) []*Tensor {
		qkvs := tp.Split(tp.Permute(tp.Reshape(qkv, n, l, 3, heads, dh), 2, 0, 3, 1, 4), 0, 1, 1, 1) // [1, n, h, L, dh] each
		for i, t := range qkvs {
			qkvs[i] = tp.Reshape(t, n, heads, l, dh)
		}
		gh := tp.Permute(tp.Reshape(g, n, l, heads, dh), 0, 2, 1, 3)
		gs := tp.attnGrads(qkvs[0], qkvs[1], qkvs[2], p, gh, []bool{need[0], need[0], need[0], len(need) > 1 && need[1]}, opts, scale)
		if need[0] {
			for i := range 3 {
				gs[i] = tp.Reshape(gs[i], 1, n, heads, l, dh)
			}
			gs[0] = tp.Reshape(tp.Permute(tp.Concat(0, gs[:3]...), 1, 3, 0, 2, 4), n, l, 3*dim) // [n, L, 3, h, dh]
		}
		return []*Tensor{gs[0], gs[3]}[:len(need)] // qkv's, and the mask's where it is an input
	})
}

// attnLayout says where each batch·head's rows of q, k, v and the output
// lie in their tensors' data (and their gradients' the same): rows ld apart
// from the offsets at returns. ScaledDotProductAttention's heads each have
// contiguous rows (heads 0); PackedAttention's interleave theirs within a
// sample's rows, heads per sample.
type attnLayout struct {
	lq, lk, d, dv      int
	ldq, ldk, ldv, ldo int
	heads              int
	scale              float64
}

// at returns the offsets of batch·head bi's first rows of q, k, v and the
// output.
func (l *attnLayout) at(bi int) (q, k, v, o int) {
	if l.heads == 0 {
		return bi * l.lq * l.d, bi * l.lk * l.d, bi * l.lk * l.dv, bi * l.lq * l.dv
	}
	b, h := bi/l.heads, bi%l.heads
	dim := l.ldo // packed: the output's rows hold the D values of all heads
	q = b*l.lq*l.ldq + h*l.d
	return q, q + dim, q + 2*dim, b*l.lq*dim + h*l.dv
}

// attention, for op, computes out (storage the caller made) as the attention of the
// heads of qkv (q, k and v as three tensors, or the one that holds them
// all) laid out as lay says, over the scores' leading axes batch, and
// records it. Unrecorded, and where the mask needs no gradient, the
// backward pass is the fused kernel, which writes each head's gradients in
// its inputs' layout; otherwise composed returns the gradients of qkv and
// the mask from tape ops, given P, the output's gradient and the scale.
func (tp *Tape) attention(op string, out *Tensor, qkv []*Tensor, batch []int, lay attnLayout, opts AttentionOptions,
	composed func(p, g *Tensor, need []bool, scale float64) []*Tensor) *Tensor {
	lay.scale = opts.Scale
	if lay.scale == 0 {
		lay.scale = 1 / math.Sqrt(float64(max(lay.d, 1)))
	}
	lq, lk := lay.lq, lay.lk
	sshape := append(cloneInts(batch), lq, lk)
	var mst []int
	if opts.Mask != nil {
		if bs, ok := broadcastShape(opts.Mask.shape, sshape); !ok || !sameShape(bs, sshape) {
			panic(fmt.Sprintf("tensor: %s: mask of shape %v for scores of shape %v", op, opts.Mask.shape, sshape))
		}
		mst = bstrides(opts.Mask.shape, sshape)
	}
	q, k, v := qkv[0], qkv[min(1, len(qkv)-1)], qkv[len(qkv)-1]
	nb := numel(batch)
	prec := lowest(q, k, v)
	p := tp.make(sshape, tp.alloc(nb*lq*lk))
	work := max(1, bmmWork/max(lq*lk*(lay.d+lay.dv), 1))
	if nb > 0 && lq > 0 {
		chunked(tp.cores(), nb, work, func(_, lo, hi int) {
			for bi := lo; bi < hi; bi++ {
				qo, ko, vo, oo := lay.at(bi)
				attnForwardOne(prec, p.data[bi*lq*lk:(bi+1)*lq*lk], out.data[oo:], q.data[qo:], k.data[ko:], v.data[vo:], &lay,
					attnMaskRows(opts.Mask, mst, batch, bi), mst, opts.Causal)
			}
		})
	}
	ins := qkv
	if opts.Mask != nil {
		ins = append(ins[:len(qkv):len(qkv)], opts.Mask)
	}
	return tp.record(out, ins, func(g *Tensor, need []bool) []*Tensor {
		if tp.recording() || (opts.Mask != nil && need[len(need)-1]) {
			return composed(p, g, need, lay.scale)
		}
		// One gradient buffer per input, shared by q, k and v where one
		// tensor holds them all; every element of a needed one is written.
		gs := make([]*Tensor, len(ins))
		bufs := make([][]float64, 3)
		for i := range 3 {
			j := min(i, len(qkv)-1)
			if need[j] && gs[j] == nil {
				gs[j] = tp.make(qkv[j].shape, tp.alloc(len(qkv[j].data)))
			}
			if gs[j] != nil {
				bufs[i] = gs[j].data
			}
		}
		if nb == 0 || lq == 0 {
			for _, t := range gs {
				if t != nil {
					clear(t.data)
				}
			}
			return gs
		}
		ds := tp.alloc(nb * lq * lk)
		bprec := lowest(q, k, v, g)
		from := func(b []float64, off int) []float64 {
			if b == nil {
				return nil
			}
			return b[off:]
		}
		chunked(tp.cores(), nb, work, func(_, lo, hi int) {
			for bi := lo; bi < hi; bi++ {
				qo, ko, vo, oo := lay.at(bi)
				attnBackwardOne(bprec, p.data[bi*lq*lk:(bi+1)*lq*lk], ds[bi*lq*lk:(bi+1)*lq*lk], g.data[oo:],
					q.data[qo:], k.data[ko:], v.data[vo:], from(bufs[0], qo), from(bufs[1], ko), from(bufs[2], vo), &lay)
			}
		})
		return gs
	})
}

// attnGrads returns the gradients of attention with respect to q, k, v and
// the mask (nil where need is false or short), given the output's gradient
// g, from tape ops: P recomputed from q, k and the mask where the tape
// records, so that it is differentiable, or the forward pass's p.
func (tp *Tape) attnGrads(q, k, v, p, g *Tensor, need []bool, opts AttentionOptions, scale float64) []*Tensor {
	if tp.recording() {
		p = tp.attnProbs(q, k, opts.Mask, opts.Causal, scale)
	}
	gs := make([]*Tensor, 4)
	if need[2] {
		gs[2] = tp.BatchMatMul(p, g, true, false)
	}
	needMask := len(need) > 3 && need[3]
	if !need[0] && !need[1] && !needMask {
		return gs
	}
	ds := tp.softmaxVJP(p, tp.BatchMatMul(g, v, false, true), len(p.shape)-1)
	if needMask {
		gs[3] = tp.SumTo(ds, opts.Mask.shape)
	}
	ds = tp.Scale(ds, scale) // once on [Lq, Lk], not on dq and dk
	if need[0] {
		gs[0] = tp.BatchMatMul(ds, k, false, false)
	}
	if need[1] {
		gs[1] = tp.BatchMatMul(ds, q, true, false)
	}
	return gs
}

// attnDims checks the shapes of q, k and v and returns their batch axes and
// sizes.
func attnDims(q, k, v *Tensor) (batch []int, lq, lk, d, dv int) {
	r := len(q.shape)
	ok := r >= 2 && len(k.shape) == r && len(v.shape) == r
	if ok {
		batch = q.shape[:r-2]
		lq, d = q.shape[r-2], q.shape[r-1]
		lk, dv = k.shape[r-2], v.shape[r-1]
		ok = sameShape(k.shape[:r-2], batch) && sameShape(v.shape[:r-2], batch) &&
			k.shape[r-1] == d && v.shape[r-2] == lk
	}
	if !ok {
		panic(fmt.Sprintf("tensor: ScaledDotProductAttention: q, k, v of shapes %v, %v, %v; want [..., Lq, d], [..., Lk, d], [..., Lk, dv]", q.shape, k.shape, v.shape))
	}
	return batch, lq, lk, d, dv
}

// attnMaskRows returns the mask's data from the first element that batch bi
// reads, or nil without a mask.
func attnMaskRows(mask *Tensor, mst, batch []int, bi int) []float64 {
	if mask == nil {
		return nil
	}
	off := 0
	for ax := len(batch) - 1; ax >= 0; ax-- {
		off += (bi % batch[ax]) * mst[ax]
		bi /= batch[ax]
	}
	return mask.data[off:]
}

// attnForwardOne computes one batch·head of attention: p = softmax(q·kᵀ·scale
// + mask, causal), out = p·v, with q, k, v and out's rows laid out as lay
// says. mask, if not nil, is read with the strides of the last two axes in
// mst.
func attnForwardOne(prec Precision, p, out, q, k, v []float64, lay *attnLayout, mask []float64, mst []int, causal bool) {
	lq, lk := lay.lq, lay.lk
	bmmOne(prec, false, true, lq, lk, lay.d, q, lay.ldq, k, lay.ldk, p, lk)
	for i := range lq {
		row := p[i*lk : (i+1)*lk]
		for j := range row {
			row[j] *= lay.scale
		}
		if mask != nil {
			r, c := mst[len(mst)-2], mst[len(mst)-1]
			for j := range row {
				row[j] += mask[i*r+j*c]
			}
		}
		if causal {
			for j := i + 1; j < lk; j++ {
				row[j] = math.Inf(-1)
			}
		}
		softmaxLine(row, row, lk, 1, false)
	}
	bmmOne(prec, false, false, lq, lay.dv, lk, p, lk, v, lay.ldv, out, lay.ldo)
}

// attnBackwardOne computes one batch·head's gradients given P (p), the
// output's gradient g and scratch ds for dS, each laid out as lay says:
// gv = Pᵀ·g, dS = P ⊙ (g·vᵀ − Σⱼ (g·vᵀ) ⊙ P)·scale (the composition's
// operations in its order), gq = dS·k and gk = dSᵀ·q. A nil gq, gk or gv is
// not computed.
func attnBackwardOne(prec Precision, p, ds, g, q, k, v, gq, gk, gv []float64, lay *attnLayout) {
	lq, lk := lay.lq, lay.lk
	if gv != nil {
		bmmOne(prec, true, false, lk, lay.dv, lq, p, lk, g, lay.ldo, gv, lay.ldv)
	}
	if gq == nil && gk == nil {
		return
	}
	bmmOne(prec, false, true, lq, lk, lay.dv, g, lay.ldo, v, lay.ldv, ds, lk)
	for i := range lq {
		pr, dr := p[i*lk:(i+1)*lk], ds[i*lk:(i+1)*lk]
		s := 0.0
		for j, pv := range pr {
			s += dr[j] * pv
		}
		for j, pv := range pr {
			dr[j] = pv * (dr[j] - s) * lay.scale
		}
	}
	if gq != nil {
		bmmOne(prec, false, false, lq, lay.d, lk, ds, lk, k, lay.ldk, gq, lay.ldq)
	}
	if gk != nil {
		bmmOne(prec, true, false, lk, lay.d, lq, ds, lk, q, lay.ldq, gk, lay.ldk)
	}
}

// attnProbs returns the attention probabilities built from tape ops, so
// that they can be differentiated with respect to q, k and the mask.
func (tp *Tape) attnProbs(q, k, mask *Tensor, causal bool, scale float64) *Tensor {
	s := tp.Scale(tp.BatchMatMul(q, k, false, true), scale)
	if mask != nil {
		s = tp.Add(s, mask)
	}
	if causal {
		lq, lk := s.Dim(-2), s.Dim(-1)
		s = tp.Add(s, causalMask(tp, lq, lk))
	}
	return tp.Softmax(s, -1)
}

// causalMask returns the additive [lq, lk] mask that blocks keys j > i.
func causalMask(tp *Tape, lq, lk int) *Tensor {
	m := tp.make([]int{lq, lk}, tp.allocZero(lq*lk))
	for i := range lq {
		for j := i + 1; j < lk; j++ {
			m.data[i*lk+j] = math.Inf(-1)
		}
	}
	return m
}

// MaskFromBool returns the additive attention mask for a boolean one of the
// given shape: 0 where keep is true (the pair takes part, as in PyTorch's
// boolean attn_mask) and −∞ where it is false.
func MaskFromBool(keep []bool, shape ...int) *Tensor {
	m := Zeros(shape...)
	if len(keep) != len(m.data) {
		panic(fmt.Sprintf("tensor: MaskFromBool: %d values for shape %v", len(keep), shape))
	}
	for i, ok := range keep {
		if !ok {
			m.data[i] = math.Inf(-1)
		}
	}
	return m
}
