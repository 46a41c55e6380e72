package tensor

import "fmt"

// GradOptions controls Tape.Grad. The zero value asks for first-order
// gradients and frees the graph afterwards.
type GradOptions struct {
	// CreateGraph records the backward pass on the tape, so that the
	// returned gradients can themselves be differentiated. It implies
	// RetainGraph.
	CreateGraph bool
	// RetainGraph keeps the graph for a later Grad over the same ops.
	RetainGraph bool
	// GradOutputs seeds the backward pass: one tensor per output, of the
	// output's shape. Nil means ones, which gives the gradient of the sum of
	// each output's elements.
	GradOutputs []*Tensor
}

// Grad returns the gradients of the sum of outputs (weighted by
// opts.GradOutputs) with respect to each of inputs, in order. Inputs may be
// leaves or intermediate tensors. An input the outputs do not depend on gets
// zeros. Only ops on a path from some input to some output are run backwards,
// and an op computes only the input gradients that are needed, so asking for
// ∇ₓE of a network does not compute its weight gradients.
//
// Without CreateGraph or RetainGraph the graph is freed afterwards, and a
// second Grad through the same ops panics.
func (tp *Tape) Grad(outputs, inputs []*Tensor, opts GradOptions) []*Tensor {
	if tp == nil || tp.noGrad {
		panic("tensor: Grad on a nil or no-grad Tape, which records nothing")
	}
	if opts.GradOutputs != nil && len(opts.GradOutputs) != len(outputs) {
		panic(fmt.Sprintf("tensor: Grad: %d grad outputs for %d outputs", len(opts.GradOutputs), len(outputs)))
	}
	for _, o := range outputs {
		if o.tape == tp && o.node != 0 && o.gen != tp.gen {
			panic("tensor: Grad: the graph of an output was freed by Reset or an earlier Grad without RetainGraph")
		}
	}

	n := len(tp.nodes) // ops recorded during this call are not walked
	isInput := make(map[*Tensor]bool, len(inputs))
	for _, x := range inputs {
		isInput[x] = true
	}
	// live[i]: op i depends on some input, so gradient can reach one through it.
	live := make([]bool, n)
	dep := func(t *Tensor) bool {
		if isInput[t] {
			return true
		}
		i := tp.nodeOf(t)
		return i >= 0 && i < n && live[i]
	}
	for i := range n {
		for _, in := range tp.nodes[i].ins {
			if dep(in) {
				live[i] = true
				break
			}
		}
	}

	var sums *gradSums // nil when the backward pass is recorded
	if !opts.CreateGraph {
		tp.paused = true
		defer func() { tp.paused = false }()
		sums = &gradSums{owned: map[*Tensor]bool{}, band: map[*Tensor]sliceBand{}, silu: map[*Tensor]siluLazy{}, conv: map[*Tensor]*convLazy{}}
	}
	saved := tp.sums
	tp.sums = sums
	defer func() { tp.sums = saved }()
	grads := make(map[*Tensor]*Tensor)
	accumulate := func(t, g *Tensor) {
		if !sameShape(t.shape, g.shape) {
			panic(fmt.Sprintf("tensor: Grad: gradient of shape %v for a tensor of shape %v", g.shape, t.shape))
		}
		switch old := grads[t]; {
		case old == nil:
		case sums != nil:
			g = sums.add(tp, old, g)
		default:
			g = tp.Add(old, g)
		}
		grads[t] = g
	}
	for k, o := range outputs {
		if !dep(o) {
			continue
		}
		var seed *Tensor
		if opts.GradOutputs != nil && opts.GradOutputs[k] != nil {
			seed = opts.GradOutputs[k]
		} else {
			seed = tp.make(o.shape, tp.alloc(len(o.data)))
			fill(seed.data, 1)
		}
		accumulate(o, seed)
	}

	var need []bool
	for i := n - 1; i >= 0; i-- {
		if !live[i] {
			continue
		}
		nd := tp.nodes[i] // a copy: recording may grow tp.nodes
		g := grads[nd.out]
		if g == nil {
			continue
		}
		if sums != nil {
			if !sums.takes(nd.lazy, g) || isInput[nd.out] {
				sums.hand(tp, g) // the vjp may pass it on to several inputs
			} // else the vjp takes it (takeSiLU, lazySiLU) or hands it on itself
		}
		if !isInput[nd.out] {
			delete(grads, nd.out)
		}
		need = need[:0]
		for _, in := range nd.ins {
			need = append(need, dep(in))
		}
		gs := nd.vjp(g, need)
		for j, in := range nd.ins {
			if need[j] && gs[j] != nil {
				accumulate(in, gs[j])
			}
		}
	}

	res := make([]*Tensor, len(inputs))
	for i, x := range inputs {
		if g := grads[x]; g != nil {
			if sums != nil {
				sums.hand(tp, g)
			}
			res[i] = g
		} else {
			res[i] = tp.make(x.shape, tp.allocZero(len(x.data)))
		}
	}
	if !opts.CreateGraph && !opts.RetainGraph {
		tp.freeGraph()
	}
	return res
}

// gradSums lets a first-order Grad (one not recorded) add a tensor's
// gradient contributions in place rather than into a new tensor per
// contribution. Only sums it made itself, or Slice's adjoints made during
// it, are added into, and only until an op's vjp is handed one (a vjp may
// pass its g on to several inputs, as Add's does), so no tensor anyone else
// holds is changed.
//
// Slice's adjoint (unslice) puts a piece's gradient in zeros of the whole
// shape. Here it is made lazily: the zeros are written only when it is
// the first contribution to a sum and someone reads it or adds to it; added
// to a sum, only its band is, from the piece. A Split in k pieces thus costs
// one tensor of zeros and k band additions, instead of k tensors of zeros
// and k − 1 additions of the whole.
//
// A SiLU's gradient is lazy too (siluLazy): a convolution before it that
// needs only its input's gradient computes it as it pads its adjoint's
// input, a piece at a time in cache, and it is written whole only for
// anything else (measured on the float32 conv energy, against writing it
// whole: ∇ₓE and a Langevin step 1.02–1.03× on one core, 1.04–1.11× on two).
// A large convolution adjoint that such a gradient is taken of is lazy in
// turn (convLazy): that convolution computes it a piece of samples at a
// time as well, so it is never written whole.
//
// Each element is the same IEEE sum as Add's, of the same two values, so
// the gradients have the same bits as a recorded pass's, but for the sign
// of a zero: a −0 outside a band stays −0 where Add would give −0 + 0 = +0.
type gradSums struct {
	owned map[*Tensor]bool      // sums that only this Grad holds
	band  map[*Tensor]sliceBand // owned tensors not yet written: a piece in zeros
	silu  map[*Tensor]siluLazy  // owned tensors not yet written: a SiLU's gradient
	conv  map[*Tensor]*convLazy // owned tensors not yet written: a convolution's adjoint
}

// takes says whether a vjp that takes lazy gradients of kind k takes g as
// it is: a convolution's takes a SiLU's gradient, a SiLU's a
// convolution's adjoint.
func (s *gradSums) takes(k lazyKind, g *Tensor) bool {
	switch k {
	case takesSiLU:
		_, ok := s.silu[g]
		return ok
	case takesConv:
		_, ok := s.conv[g]
		return ok
	}
	return false
}

// siluLazy is a SiLU's first-order gradient g·SiLU′(x), not yet written
// (SiLU's vjp in a first-order Grad). The op that made x, if it is a
// convolution whose vjp needs only its input's gradient (a score, a
// Langevin step), computes it a piece at a time as it pads its adjoint's
// input (convSource), in cache; anything else has it written whole first,
// as SiLU's vjp wrote it before (the same kernels, so the same bits). s is
// σ(x) where the forward pass kept it, nil where float32 recomputes it.
//
// g may itself be lazy, a convolution's adjoint (gl; g's data nil until
// written): its pieces are then computed as the gradient's are. at is the
// offset of value 0 in g, x and s (a piece of samples of a lazy adjoint's
// source, convSource.from).
type siluLazy struct {
	g    *Tensor
	gl   *convLazy
	x, s []float64
	at   int
}

// into writes values [lo, hi) of the gradient to d; where g is lazy, lo
// and hi must bound whole samples.
func (l *siluLazy) into(d []float64, lo, hi int) {
	lo, hi = lo+l.at, hi+l.at
	g := d // in place: the kernels read each value before they write it
	if l.gl != nil {
		l.gl.into(d, lo, hi)
	} else {
		g = l.g.data[lo:hi]
	}
	if l.s == nil {
		siluGradBlock32(d, g, l.x[lo:hi])
		return
	}
	siluGradBlock(d, g, l.x[lo:hi], l.s[lo:hi])
}

// lazySiLU returns the gradient g·SiLU′(x) of a SiLU of x, with σ(x) in s
// or, where s is nil, recomputed in float32, unwritten. g may be a lazy
// convolution adjoint, which it then takes.
func (s *gradSums) lazySiLU(g, x *Tensor, sig []float64) *Tensor {
	t := &Tensor{shape: cloneInts(x.shape), prec: lowest(g, x)} // SiLU's vjp's op's
	s.owned[t] = true
	s.silu[t] = siluLazy{g: g, gl: s.conv[g], x: x.data, s: sig}
	return t
}

// takeSiLU returns t's lazy SiLU gradient and forgets t, for a vjp that
// computes its values itself; ok is false where t is not one (or s is
// nil: the backward pass is recorded).
func (s *gradSums) takeSiLU(t *Tensor) (l *siluLazy, ok bool) {
	if s == nil {
		return nil, false
	}
	v, ok := s.silu[t]
	if !ok {
		return nil, false
	}
	s.release(t)
	return &v, true
}

// isSiLU reports whether t is a lazy SiLU gradient.
func (s *gradSums) isSiLU(t *Tensor) bool {
	if s == nil {
		return false
	}
	_, ok := s.silu[t]
	return ok
}

// sliceBand is a lazy unslice: piece at [lo, lo + piece's size) of axis,
// zeros elsewhere.
type sliceBand struct {
	axis, lo int
	piece    *Tensor
}

// rows calls f with each run of values the band covers: the run's offset
// in the whole tensor of shape and its values in the piece.
func (b sliceBand) rows(cores int, shape []int, f func(at int, vals []float64)) {
	outer, n, inner := splitAt(shape, b.axis)
	w := b.piece.shape[b.axis] * inner
	parallelRows(cores, outer, w, func(r0, r1 int) {
		for o := r0; o < r1; o++ {
			f((o*n+b.lo)*inner, b.piece.data[o*w:(o+1)*w])
		}
	})
}

// slice returns Slice's adjoint, piece g placed at lo along axis in zeros
// of shape, lazily: its data is written when it is read (write).
func (s *gradSums) slice(g *Tensor, shape []int, axis, lo int) *Tensor {
	t := &Tensor{shape: cloneInts(shape), prec: g.prec}
	s.owned[t] = true
	s.band[t] = sliceBand{axis, lo, g}
	return t
}

// write gives a lazy tensor its data.
func (s *gradSums) write(tp *Tape, t *Tensor) {
	if c, ok := s.conv[t]; ok {
		delete(s.conv, t)
		t.data = tp.alloc(numel(t.shape))
		convAdjointForward(t.data, c.src, c.wf, nil, &c.g)
		return
	}
	if l, ok := s.silu[t]; ok {
		delete(s.silu, t)
		if l.gl != nil { // its gradient whole first: these pieces need not bound samples
			s.write(tp, l.g)
			s.release(l.g)
			l.gl = nil
		}
		t.data = tp.alloc(numel(t.shape))
		parallelFor(tp.cores(), len(t.data), func(lo, hi int) { l.into(t.data[lo:hi], lo, hi) })
		return
	}
	b, ok := s.band[t]
	if !ok {
		return
	}
	delete(s.band, t)
	t.data = tp.allocZero(numel(t.shape))
	b.rows(tp.cores(), t.shape, func(at int, vals []float64) { copy(t.data[at:], vals) })
}

// add returns old + g (the same shape), made in place in whichever of the
// two s owns, else a new tensor that s then owns.
func (s *gradSums) add(tp *Tape, old, g *Tensor) *Tensor {
	if sum := s.addSiLU(tp, old, g); sum != nil {
		return sum
	}
	dst, src := old, g
	if !s.owned[dst] {
		dst, src = g, old
	}
	if !s.owned[dst] { // neither is lazy: lazy ones are owned
		sum := tp.Add(old, g)
		s.owned[sum] = true
		return sum
	}
	s.write(tp, dst)
	if b, ok := s.band[src]; ok {
		b.rows(tp.cores(), dst.shape, func(at int, vals []float64) { addTo(dst.data[at:at+len(vals)], vals) })
		s.release(src) // never written: nothing else holds it
	} else {
		lazy := s.lazy(src)
		s.write(tp, src)
		parallelFor(tp.cores(), len(dst.data), func(lo, hi int) { addTo(dst.data[lo:hi], src.data[lo:hi]) })
		if lazy {
			s.release(src) // nothing else holds it
		}
	}
	dst.prec = lowest(old, g) // as Add's output's
	return dst
}

// addSiLU returns old + g where one of the two is a lazy SiLU gradient
// (not of a lazy adjoint) and the other is written: the gradient computed
// a block at a time, in cache, and added to the other's values as it is,
// into the other where s owns it, else into a new tensor that s then owns;
// nil where they are not such a pair. Written whole and then added, it
// took two passes over memory (the double backward of a SiLU network's
// score adds one to each SiLU's input's gradient: on the float32 conv
// energy's ∇θ of DSM, these sums took 9.8 ms a step against 12.5, in
// profiles of 40 steps each).
func (s *gradSums) addSiLU(tp *Tape, old, g *Tensor) *Tensor {
	lz, other := old, g
	l, ok := s.silu[lz]
	if !ok {
		lz, other = g, old
		l, ok = s.silu[lz]
	}
	if !ok || l.gl != nil || s.lazy(other) {
		return nil
	}
	dst := other
	if !s.owned[other] {
		dst = tp.make(other.shape, tp.alloc(len(other.data)))
		s.owned[dst] = true
	}
	parallelFor(tp.cores(), len(dst.data), func(lo, hi int) {
		var buf [addSiLUBlock]float64
		for b := lo; b < hi; b += addSiLUBlock {
			e := min(hi, b+addSiLUBlock)
			l.into(buf[:e-b], b, e)
			runBinary(opAdd, dst.data[b:e], other.data[b:e], 1, buf[:e-b], 1)
		}
	})
	s.release(lz)             // never written: nothing else holds it
	dst.prec = lowest(old, g) // as Add's output's
	return dst
}

// addSiLUBlock is the values of a lazy SiLU gradient addSiLU computes at a
// time: 4 KB, in the first-level cache.
const addSiLUBlock = 512

// lazy says whether t is one of s's tensors not yet written.
func (s *gradSums) lazy(t *Tensor) bool {
	_, band := s.band[t]
	_, silu := s.silu[t]
	_, conv := s.conv[t]
	return band || silu || conv
}

// hand gives up t, which is being handed to a vjp or returned, writing it
// first if it is lazy.
func (s *gradSums) hand(tp *Tape, t *Tensor) {
	s.write(tp, t)
	s.release(t)
}

// release forgets t.
func (s *gradSums) release(t *Tensor) {
	delete(s.owned, t)
	delete(s.band, t)
	delete(s.silu, t)
	delete(s.conv, t)
}

// convLazy is a convolution's adjoint convᵀ(y, w) of geometry g, without
// a bias, not yet written: a first-order Grad's, where the adjoint is
// large (convLazyValues) and its source is not lazy in this way itself. A
// SiLU's gradient that takes it (siluLazy) computes it a piece of samples
// at a time, as the convolution before that SiLU pads its own adjoint's
// input: in cache, where written whole it would be written to memory and
// read back (measured on the float32 conv energy, whose second layer's
// adjoint is 25 MB: ∇ₓE 1.09× and a Langevin step 1.11× faster on one
// core, 1.07× and 1.10× on two). Anything else has it written whole first.
type convLazy struct {
	src convSource
	wf  []float64 // the flipped weight (convFlip), once for every piece
	g   convGeom  // g.adjointForward
}

// convLazyValues is the fewest values of an adjoint that convAdjSiLU
// leaves lazy: a variable, so that tests can take every adjoint so.
var convLazyValues = 1 << 20

// into writes values [lo, hi) of the adjoint, which bound whole samples,
// to d, on the calling goroutine (its caller runs on the cores).
func (c *convLazy) into(d []float64, lo, hi int) {
	xs, ys := c.g.c*c.g.h*c.g.w, c.g.o*c.g.p*c.g.q
	if lo%xs != 0 || hi%xs != 0 {
		panic(fmt.Sprintf("tensor: values [%d, %d) of a lazy adjoint do not bound samples of %d", lo, hi, xs))
	}
	g := c.g
	g.n, g.cores = (hi-lo)/xs, 1
	convAdjointForward(d, c.src.from(lo/xs*ys), c.wf, nil, &g)
}

// lazyConv makes t (its data nil) the lazy adjoint c.
func (s *gradSums) lazyConv(t *Tensor, c *convLazy) {
	s.owned[t] = true
	s.conv[t] = c
}

// done forgets the lazy adjoint that l's gradient was, once l's consumer
// has computed every piece of it.
func (s *gradSums) done(l *siluLazy) {
	if l.gl != nil {
		s.release(l.g)
	}
}

func fill(d []float64, v float64) {
	for i := range d {
		d[i] = v
	}
}
