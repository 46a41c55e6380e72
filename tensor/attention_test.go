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
