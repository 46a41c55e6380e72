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
// written with BatchMatMul and the softmax's VJP. When the backward pass is
// recorded (CreateGraph), P is recomputed from tape ops so that it carries
// its dependence on q, k and the mask, and every order of derivative works.
func (tp *Tape) ScaledDotProductAttention(q, k, v *Tensor, opts AttentionOptions) *Tensor {
	batch, lq, lk, d, dv := attnDims(q, k, v)
	scale := opts.Scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(max(d, 1)))
	}
	sshape := append(cloneInts(batch), lq, lk)
	var mst []int
	if opts.Mask != nil {
		if bs, ok := broadcastShape(opts.Mask.shape, sshape); !ok || !sameShape(bs, sshape) {
			panic(fmt.Sprintf("tensor: ScaledDotProductAttention: mask of shape %v for scores of shape %v", opts.Mask.shape, sshape))
		}
		mst = bstrides(opts.Mask.shape, sshape)
	}
	nb := numel(batch)
	prec := lowest(q, k, v)
	p := tp.make(sshape, tp.alloc(nb*lq*lk))
	out := tp.make(append(cloneInts(batch), lq, dv), tp.alloc(nb*lq*dv))
	if nb > 0 && lq > 0 {
		chunked(nb, max(1, bmmWork/max(lq*lk*(d+dv), 1)), func(_, lo, hi int) {
			for bi := lo; bi < hi; bi++ {
				attnForwardOne(prec, p.data[bi*lq*lk:(bi+1)*lq*lk], out.data[bi*lq*dv:(bi+1)*lq*dv],
					q.data[bi*lq*d:], k.data[bi*lk*d:], v.data[bi*lk*dv:], lq, lk, d, dv, scale,
					attnMaskRows(opts.Mask, mst, batch, bi), mst, opts.Causal)
			}
		})
	}
	ins := []*Tensor{q, k, v}
	if opts.Mask != nil {
		ins = append(ins, opts.Mask)
	}
	return tp.record(out, ins, func(g *Tensor, need []bool) []*Tensor {
		probs := p
		if tp.recording() {
			probs = tp.attnProbs(q, k, opts.Mask, opts.Causal, scale)
		}
		gs := make([]*Tensor, len(ins))
		if need[2] {
			gs[2] = tp.BatchMatMul(probs, g, true, false)
		}
		if !need[0] && !need[1] && (len(need) < 4 || !need[3]) {
			return gs
		}
		ds := tp.softmaxVJP(probs, tp.BatchMatMul(g, v, false, true), len(sshape)-1)
		if len(need) > 3 && need[3] {
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
	})
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
// + mask, causal), out = p·v. mask, if not nil, is read with the strides of
// the last two axes in mst.
func attnForwardOne(prec Precision, p, out, q, k, v []float64, lq, lk, d, dv int, scale float64, mask []float64, mst []int, causal bool) {
	bmmOne(prec, false, true, lq, lk, d, q, d, k, d, p)
	for i := range lq {
		row := p[i*lk : (i+1)*lk]
		for j := range row {
			row[j] *= scale
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
	bmmOne(prec, false, false, lq, dv, lk, p, lk, v, dv, out)
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
