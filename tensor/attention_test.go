package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// attnComposed is attention written with the primitive ops, the reference
// the fused op must match.
func attnComposed(tp *Tape, q, k, v *Tensor, o AttentionOptions) *Tensor {
	scale := o.Scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(q.Dim(-1)))
	}
	s := tp.Scale(tp.BatchMatMul(q, k, false, true), scale)
	if o.Mask != nil {
		s = tp.Add(s, o.Mask)
	}
	if o.Causal {
		lq, lk := q.Dim(-2), k.Dim(-2)
		keep := Zeros(lq, lk)
		for i := range lq {
			for j := range min(i+1, lk) {
				keep.data[i*lk+j] = 1
			}
		}
		s = tp.Where(keep, s, Scalar(math.Inf(-1)))
	}
	return tp.BatchMatMul(tp.Softmax(s, -1), v, false, false)
}

type attnCase struct {
	name    string
	q, k, v []int
	mask    []int // shape of a finite additive mask that is an input, or nil
	causal  bool
	scale   float64
}

var attnCases = []attnCase{
	{name: "plain", q: []int{2, 2, 3, 4}, k: []int{2, 2, 3, 4}, v: []int{2, 2, 3, 4}},
	{name: "causal", q: []int{1, 2, 4, 3}, k: []int{1, 2, 4, 3}, v: []int{1, 2, 4, 2}, causal: true},
	{name: "cross", q: []int{2, 1, 2, 3}, k: []int{2, 1, 4, 3}, v: []int{2, 1, 4, 5}, scale: 0.7},
	{name: "cross/causal", q: []int{1, 2, 4, 2}, k: []int{1, 2, 3, 2}, v: []int{1, 2, 3, 2}, causal: true},
	{name: "mask", q: []int{2, 2, 3, 2}, k: []int{2, 2, 3, 2}, v: []int{2, 2, 3, 3}, mask: []int{3, 3}},
	{name: "mask/keys", q: []int{2, 2, 3, 2}, k: []int{2, 2, 3, 2}, v: []int{2, 2, 3, 2}, mask: []int{2, 1, 1, 3}, causal: true},
	{name: "rank3", q: []int{3, 2, 2}, k: []int{3, 3, 2}, v: []int{3, 3, 1}},
	{name: "L=1", q: []int{2, 1, 1, 3}, k: []int{2, 1, 1, 3}, v: []int{2, 1, 1, 3}},
}

func (c attnCase) inputs(rng *rand.Rand) []*Tensor {
	xs := []*Tensor{Randn(rng, c.q...), Randn(rng, c.k...), Randn(rng, c.v...)}
	if c.mask != nil {
		xs = append(xs, Randn(rng, c.mask...))
	}
	return xs
}

func (c attnCase) fn(op func(tp *Tape, q, k, v *Tensor, o AttentionOptions) *Tensor) func(tp *Tape, x []*Tensor) *Tensor {
	return func(tp *Tape, x []*Tensor) *Tensor {
		o := AttentionOptions{Causal: c.causal, Scale: c.scale}
		if len(x) > 3 {
			o.Mask = x[3]
		}
		return op(tp, x[0], x[1], x[2], o)
	}
}

// TestGradCheckAttention checks the fused attention's derivatives with
// respect to q, k, v and an additive mask at orders 1, 2 and 3.
func TestGradCheckAttention(t *testing.T) {
	var cases []opCase
	for _, c := range attnCases {
		oc := opCase{name: c.name, orders: []int{3}, f: c.fn((*Tape).ScaledDotProductAttention)}
		for _, s := range [][]int{c.q, c.k, c.v, c.mask} {
			if s != nil {
				oc.shapes = append(oc.shapes, s)
			}
		}
		cases = append(cases, oc)
	}
	checkOpCases(t, 404, cases)
}

// TestAttentionMatchesComposition: the fused op agrees with the primitive
// ops to 1e-12 in value and in first and second derivatives, with boolean
// masks too (including a query whose keys are all blocked).
func TestAttentionMatchesComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	cases := append([]attnCase(nil), attnCases...)
	cases = append(cases, attnCase{name: "boolmask", q: []int{2, 2, 3, 4}, k: []int{2, 2, 3, 4}, v: []int{2, 2, 3, 4}})
	for _, c := range cases {
		xs := c.inputs(rng)
		var boolMask *Tensor
		if c.name == "boolmask" {
			boolMask = MaskFromBool([]bool{true, false, true, false, false, false, true, true, false}, 3, 3)
		}
		run := func(op func(tp *Tape, q, k, v *Tensor, o AttentionOptions) *Tensor) []float64 {
			tp := NewTape()
			f := c.fn(op)
			if boolMask != nil {
				f = func(tp *Tape, x []*Tensor) *Tensor {
					return op(tp, x[0], x[1], x[2], AttentionOptions{Mask: boolMask})
				}
			}
			y := f(tp, xs)
			w := Randn(rand.New(rand.NewPCG(1, 2)), y.shape...)
			g1 := tp.Grad([]*Tensor{tp.Sum(tp.Mul(tp.Square(y), w))}, xs, GradOptions{CreateGraph: true})
			s := tp.Sum(tp.Square(g1[0]))
			for _, g := range g1[1:] {
				s = tp.Add(s, tp.Sum(tp.Square(g)))
			}
			g2 := tp.Grad([]*Tensor{s}, xs, GradOptions{})
			out := append([]float64(nil), y.data...)
			for _, g := range append(g1, g2...) {
				out = append(out, g.data...)
			}
			return out
		}
		got, want := run((*Tape).ScaledDotProductAttention), run(attnComposed)
		for i := range want {
			if d := math.Abs(got[i] - want[i]); !(d <= 1e-12*math.Max(1, math.Abs(want[i]))) {
				t.Errorf("%s: value %d: fused %.17g, composed %.17g", c.name, i, got[i], want[i])
				break
			}
		}
		if boolMask != nil { // query 1 sees no key
			var tp *Tape
			y := tp.ScaledDotProductAttention(xs[0], xs[1], xs[2], AttentionOptions{Mask: boolMask})
			for b := range 4 {
				for j := range 4 {
					if v := y.data[b*12+4+j]; v != 0 {
						t.Fatalf("fully masked query: output %v, want 0", v)
					}
				}
			}
		}
	}
}

func TestAttentionPanics(t *testing.T) {
	var tp *Tape
	q := Zeros(2, 3, 4)
	mustPanic(t, "ScaledDotProductAttention", func() { tp.ScaledDotProductAttention(q, Zeros(2, 3, 5), q, AttentionOptions{}) })
	mustPanic(t, "ScaledDotProductAttention", func() { tp.ScaledDotProductAttention(q, q, Zeros(2, 2, 4), AttentionOptions{}) })
	mustPanic(t, "ScaledDotProductAttention", func() { tp.ScaledDotProductAttention(q, Zeros(3, 3, 4), q, AttentionOptions{}) })
	mustPanic(t, "mask", func() { tp.ScaledDotProductAttention(q, q, q, AttentionOptions{Mask: Zeros(3, 4)}) })
	mustPanic(t, "MaskFromBool", func() { MaskFromBool([]bool{true}, 2) })
}

func TestAttentionSameBitsOnAnyCores(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	q, k, v := Randn(rng, 8, 4, 16, 32), Randn(rng, 8, 4, 16, 32), Randn(rng, 8, 4, 16, 32)
	sameBits(t, "attention", func() []float64 {
		tp := NewTape()
		y := tp.ScaledDotProductAttention(q, k, v, AttentionOptions{Causal: true})
		gs := tp.Grad([]*Tensor{tp.Sum(tp.Square(y))}, []*Tensor{q, k, v}, GradOptions{})
		out := append([]float64(nil), y.data...)
		for _, g := range gs {
			out = append(out, g.data...)
		}
		return out
	})
	qkv := Randn(rng, 8, 16, 3*128)
	sameBits(t, "packed attention", func() []float64 {
		tp := NewTape()
		y := tp.PackedAttention(qkv, 4, AttentionOptions{})
		g := tp.Grad([]*Tensor{tp.Sum(tp.Square(y))}, []*Tensor{qkv}, GradOptions{})[0]
		return append(append([]float64(nil), y.data...), g.data...)
	})
}

// BenchmarkAttention times the fused attention and its composition from
// primitive ops at a transformer-like size, forward and forward+backward.
func BenchmarkAttention(b *testing.B) {
	const B, H, L, D = 128, 4, 16, 32
	rng := rand.New(rand.NewPCG(1, 1))
	q, k, v := Randn(rng, B, H, L, D), Randn(rng, B, H, L, D), Randn(rng, B, H, L, D)
	ops := []struct {
		name string
		op   func(tp *Tape, q, k, v *Tensor, o AttentionOptions) *Tensor
	}{{"fused", (*Tape).ScaledDotProductAttention}, {"composed", attnComposed}}
	size := fmt.Sprintf("B=%d/H=%d/L=%d/Dh=%d", B, H, L, D)
	for _, o := range ops {
		b.Run("fwd/"+o.name+"/"+size, func(b *testing.B) {
			tp := NewNoGradTape()
			b.ReportAllocs()
			for b.Loop() {
				o.op(tp, q, k, v, AttentionOptions{})
				tp.Reset()
			}
		})
		b.Run("fwdbwd/"+o.name+"/"+size, func(b *testing.B) {
			tp := NewTape()
			b.ReportAllocs()
			for b.Loop() {
				y := o.op(tp, q, k, v, AttentionOptions{})
				tp.Grad([]*Tensor{y}, []*Tensor{q, k, v}, GradOptions{GradOutputs: []*Tensor{q}})
				tp.Reset()
			}
		})
	}
}

// TestAttentionReusesStorage: after a warm-up step, attention forward and
// backward on a Reset tape allocates bookkeeping only (closures, shapes),
// never tensor storage: each [16, 4, 16, 32] buffer is 256 KiB, and the
// bound is an eighth of that (it leaves room for gemm's packing buffers,
// which a garbage collection may take from their sync.Pool).
func TestAttentionReusesStorage(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race (sync.Pool drops items)")
	}
	rng := rand.New(rand.NewPCG(8, 8))
	q, k, v := Randn(rng, 16, 4, 16, 32), Randn(rng, 16, 4, 16, 32), Randn(rng, 16, 4, 16, 32)
	tp := NewTape()
	step := func() {
		y := tp.ScaledDotProductAttention(q, k, v, AttentionOptions{Causal: true})
		tp.Grad([]*Tensor{y}, []*Tensor{q, k, v}, GradOptions{GradOutputs: []*Tensor{q}})
		tp.Reset()
	}
	perIter := bytesPerStep(step)
	if limit := 16 * 4 * 16 * 32 * 8 / 8.0; perIter > limit {
		t.Fatalf("%.0f bytes allocated per step, want under %.0f", perIter, limit)
	}
	t.Logf("%.0f bytes of bookkeeping per step", perIter)
}

// bytesPerStep runs step once to warm up, then returns the mean number of
// bytes it allocates over 20 more runs.
func bytesPerStep(step func()) float64 {
	step()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const iters = 20
	for range iters {
		step()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / iters
}

// splitHeads is PackedAttention written with the ops it saves: the heads
// split out of qkv with Reshape and Permute, ScaledDotProductAttention, and
// the heads merged back.
func splitHeads(tp *Tape, qkv *Tensor, heads int, o AttentionOptions) *Tensor {
	n, l, dim := qkv.Dim(0), qkv.Dim(1), qkv.Dim(2)/3
	dh := dim / heads
	parts := tp.Split(tp.Permute(tp.Reshape(qkv, n, l, 3, heads, dh), 2, 0, 3, 1, 4), 0, 1, 1, 1)
	for i, p := range parts {
		parts[i] = tp.Reshape(p, n, heads, l, dh)
	}
	y := tp.ScaledDotProductAttention(parts[0], parts[1], parts[2], o)
	return tp.Reshape(tp.Permute(y, 0, 2, 1, 3), n, l, dim)
}

type packedCase struct {
	name     string
	n, l, d  int // qkv [n, l, 3d]
	heads    int
	mask     []int // shape of an additive mask that is an input, or nil
	causal   bool
	scale    float64
	boolMask bool // a constant mask with a fully blocked query
}

var packedCases = []packedCase{
	{name: "one head", n: 2, l: 3, d: 4, heads: 1},
	{name: "two heads", n: 2, l: 4, d: 6, heads: 2, scale: 0.6},
	{name: "causal", n: 1, l: 4, d: 6, heads: 3, causal: true},
	{name: "mask", n: 2, l: 3, d: 4, heads: 2, mask: []int{3, 3}},
	{name: "mask/heads", n: 2, l: 3, d: 4, heads: 2, mask: []int{1, 2, 1, 3}, causal: true},
	{name: "L=1", n: 3, l: 1, d: 4, heads: 2},
	{name: "boolmask", n: 2, l: 3, d: 4, heads: 2, boolMask: true},
}

func (c packedCase) fn(op func(tp *Tape, qkv *Tensor, heads int, o AttentionOptions) *Tensor) func(tp *Tape, x []*Tensor) *Tensor {
	return func(tp *Tape, x []*Tensor) *Tensor {
		o := AttentionOptions{Causal: c.causal, Scale: c.scale}
		if c.boolMask {
			o.Mask = MaskFromBool([]bool{true, false, true, false, false, false, true, true, false}, 3, 3)
		}
		if len(x) > 1 {
			o.Mask = x[1]
		}
		return op(tp, x[0], c.heads, o)
	}
}

func (c packedCase) inputs(rng *rand.Rand) []*Tensor {
	xs := []*Tensor{Randn(rng, c.n, c.l, 3*c.d)}
	if c.mask != nil {
		xs = append(xs, Randn(rng, c.mask...))
	}
	return xs
}

// TestPackedAttentionMatchesSplitHeads: PackedAttention gives the value of
// the split-heads composition, and its gradients both fused (not recorded)
// and recorded, and the second derivatives, to 1e-12 in float64; in
// float32 products the value and the fused first-order gradients are the
// same bits (the same products of the same numbers, read in place).
func TestPackedAttentionMatchesSplitHeads(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, c := range packedCases {
		xs := c.inputs(rng)
		w := Randn(rand.New(rand.NewPCG(1, 2)), c.n, c.l, c.d)
		run := func(op func(tp *Tape, qkv *Tensor, heads int, o AttentionOptions) *Tensor, prec Precision) (first, all []float64) {
			xs[0].SetPrecision(prec)
			defer xs[0].SetPrecision(Float64)
			f := c.fn(op)
			tp := NewTape()
			y := f(tp, xs)
			l := tp.Sum(tp.Mul(tp.Square(y), w))
			first = append([]float64(nil), y.data...)
			for _, g := range tp.Grad([]*Tensor{l}, xs, GradOptions{}) {
				first = append(first, g.data...)
			}
			tp = NewTape()
			y = f(tp, xs)
			g1 := tp.Grad([]*Tensor{tp.Sum(tp.Mul(tp.Square(y), w))}, xs, GradOptions{CreateGraph: true})
			s := tp.Sum(tp.Square(g1[0]))
			for _, g := range g1[1:] {
				s = tp.Add(s, tp.Sum(tp.Square(g)))
			}
			all = append([]float64(nil), first...)
			for _, g := range append(g1, tp.Grad([]*Tensor{s}, xs, GradOptions{})...) {
				all = append(all, g.data...)
			}
			return first, all
		}
		_, got := run((*Tape).PackedAttention, Float64)
		_, want := run(splitHeads, Float64)
		for i := range want {
			if d := math.Abs(got[i] - want[i]); !(d <= 1e-12*math.Max(1, math.Abs(want[i]))) {
				t.Errorf("%s: value %d: packed %.17g, split heads %.17g", c.name, i, got[i], want[i])
				break
			}
		}
		got32, _ := run((*Tape).PackedAttention, Float32)
		want32, _ := run(splitHeads, Float32)
		for i := range want32 {
			if math.Float64bits(got32[i]) != math.Float64bits(want32[i]) {
				t.Errorf("%s: float32: value %d: packed %.17g, split heads %.17g", c.name, i, got32[i], want32[i])
				break
			}
		}
	}
}

// TestGradCheckPackedAttention checks PackedAttention's derivatives with
// respect to qkv and an additive mask at orders 1, 2 and 3.
func TestGradCheckPackedAttention(t *testing.T) {
	var cases []opCase
	for _, c := range packedCases {
		if c.boolMask {
			continue // −∞ in the mask: finite differences see the same as above
		}
		oc := opCase{name: c.name, orders: []int{3}, f: c.fn((*Tape).PackedAttention), shapes: [][]int{{c.n, c.l, 3 * c.d}}}
		if c.mask != nil {
			oc.shapes = append(oc.shapes, c.mask)
		}
		cases = append(cases, oc)
	}
	checkOpCases(t, 505, cases)
}

func TestPackedAttentionPanics(t *testing.T) {
	var tp *Tape
	mustPanic(t, "PackedAttention", func() { tp.PackedAttention(Zeros(2, 3, 12), 3, AttentionOptions{}) })
	mustPanic(t, "PackedAttention", func() { tp.PackedAttention(Zeros(2, 3, 10), 1, AttentionOptions{}) })
	mustPanic(t, "PackedAttention", func() { tp.PackedAttention(Zeros(6, 12), 2, AttentionOptions{}) })
	mustPanic(t, "PackedAttention", func() { tp.PackedAttention(Zeros(2, 3, 12), 0, AttentionOptions{}) })
	mustPanic(t, "mask", func() { tp.PackedAttention(Zeros(2, 3, 12), 2, AttentionOptions{Mask: Zeros(2, 3)}) })
}
