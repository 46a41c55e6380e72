package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// checkOpCases runs CheckGrad on each case at orders 1 and 2 and at the
// case's extra orders, case ci from inputs drawn with seed base+ci.
func checkOpCases(t *testing.T, base uint64, cases []opCase) {
	t.Helper()
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seed := base + uint64(ci)
			rng := rand.New(rand.NewPCG(seed, 1))
			xs := make([]*Tensor, len(c.shapes))
			for i, s := range c.shapes {
				d := anyReal
				if i < len(c.dom) {
					d = c.dom[i]
				}
				xs[i] = draw(rng, s, d)
			}
			for _, order := range append([]int{1, 2}, c.orders...) {
				if err := CheckGrad(c.f, xs, CheckOptions{Order: order, Seed: seed}); err != nil {
					t.Errorf("%s: %v", c.name, err)
				}
			}
		})
	}
}

// fn1 and fn2 make a case of one or two inputs, checked also at order 3:
// every op here can be on the path of exact score matching.
func fn1(name string, shape []int, f func(tp *Tape, x *Tensor) *Tensor) opCase {
	return opCase{name: name, shapes: [][]int{shape}, orders: []int{3},
		f: func(tp *Tape, x []*Tensor) *Tensor { return f(tp, x[0]) }}
}

func fn2(name string, s0, s1 []int, f func(tp *Tape, a, b *Tensor) *Tensor) opCase {
	return opCase{name: name, shapes: [][]int{s0, s1}, orders: []int{3},
		f: func(tp *Tape, x []*Tensor) *Tensor { return f(tp, x[0], x[1]) }}
}

func TestGradCheckShapeOps(t *testing.T) {
	perm := func(axes ...int) func(tp *Tape, x *Tensor) *Tensor {
		return func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Permute(x, axes...)) }
	}
	bmm := func(tA, tB bool) func(tp *Tape, a, b *Tensor) *Tensor {
		return func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.BatchMatMul(a, b, tA, tB)) }
	}
	checkOpCases(t, 101, []opCase{
		fn1("Permute/rank3", []int{2, 3, 4}, perm(2, 0, 1)),
		fn1("Permute/rank4", []int{2, 1, 3, 2}, perm(3, 1, 0, 2)),
		fn1("Permute/negative", []int{2, 3, 2, 2}, perm(0, 2, -3, -1)),
		fn1("Permute/lastfixed", []int{3, 2, 4}, perm(1, 0, 2)),
		fn1("Permute/identity", []int{2, 3}, perm(0, 1)),
		fn1("Permute/empty", []int{2, 0, 3}, perm(2, 1, 0)),
		fn1("Split", []int{2, 5, 3}, func(tp *Tape, x *Tensor) *Tensor {
			p := tp.Split(x, 1, 2, 0, 3)
			return tp.Concat(1, sq(tp, p[2]), p[1], tp.Exp(p[0]))
		}),
		fn1("Reshape/rank4", []int{2, 3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Reshape(x, 2, 1, -1, 3)) }),
		fn1("Slice/rank4", []int{2, 1, 3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Slice(x, 3, 1, 3)) }),
		fn1("SumTo/rank4", []int{2, 3, 1, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumTo(x, []int{3, 1, 1})) }),
		fn1("BroadcastTo/rank4", []int{3, 1, 2}, func(tp *Tape, x *Tensor) *Tensor {
			return sq(tp, tp.BroadcastTo(x, []int{2, 3, 4, 2}))
		}),
		fn2("Concat/rank4", []int{2, 1, 3, 2}, []int{2, 1, 1, 2}, func(tp *Tape, a, b *Tensor) *Tensor {
			return sq(tp, tp.Concat(2, a, b, a))
		}),
		fn2("Mul/rank4", []int{2, 1, 3, 2}, []int{4, 1, 2}, (*Tape).Mul),
		fn2("BatchMatMul", []int{2, 3, 4}, []int{2, 4, 5}, bmm(false, false)),
		fn2("BatchMatMul/A", []int{2, 4, 3}, []int{2, 4, 2}, bmm(true, false)),
		fn2("BatchMatMul/B", []int{2, 3, 4}, []int{2, 2, 4}, bmm(false, true)),
		fn2("BatchMatMul/AB", []int{2, 4, 3}, []int{2, 2, 4}, bmm(true, true)),
		fn2("BatchMatMul/shared", []int{3, 4}, []int{2, 2, 4, 2}, bmm(false, false)),
		fn2("BatchMatMul/broadcast", []int{2, 1, 3, 2}, []int{1, 3, 2, 2}, bmm(false, true)),
		fn2("BatchMatMul/size1", []int{2, 1, 4}, []int{2, 4, 1}, bmm(false, false)),
		fn2("BatchMatMul/k=0", []int{2, 3, 0}, []int{2, 0, 2}, bmm(false, false)),
		fn2("BatchMatMul/sharedB", []int{2, 3, 4}, []int{2, 4}, bmm(false, true)),
		fn2("BatchMatMul/sharedB/0", []int{2, 0, 4}, []int{4, 2}, bmm(false, false)),
		fn2("BatchMatMul/rank2", []int{3, 2}, []int{3, 2}, bmm(true, false)),
	})
}

func TestPermuteKnown(t *testing.T) {
	x := New([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2)
	var tp *Tape
	got := tp.Permute(x, 2, 0, 1)
	if !sameShape(got.shape, []int{2, 2, 3}) {
		t.Fatalf("shape %v, want [2 2 3]", got.shape)
	}
	for i := range 2 {
		for j := range 2 {
			for k := range 3 {
				if got.At(i, j, k) != x.At(j, k, i) {
					t.Fatalf("out[%d,%d,%d] = %g, want x[%d,%d,%d] = %g", i, j, k, got.At(i, j, k), j, k, i, x.At(j, k, i))
				}
			}
		}
	}
	m := Randn(rand.New(rand.NewPCG(1, 1)), 5, 7)
	p, tr := tp.Permute(m, 1, 0), tp.Transpose(m)
	for i := range p.data {
		if p.data[i] != tr.data[i] {
			t.Fatalf("Permute(1, 0) differs from Transpose at %d", i)
		}
	}
	mustPanic(t, "Permute", func() { tp.Permute(x, 0, 0, 1) })
	mustPanic(t, "Permute", func() { tp.Permute(x, 0, 1) })
	mustPanic(t, "Split", func() { tp.Split(x, 1, 1, 1) })
	mustPanic(t, "BatchMatMul", func() { tp.BatchMatMul(x, x, false, false) })
	mustPanic(t, "BatchMatMul", func() { tp.BatchMatMul(Zeros(2, 3, 4), Zeros(3, 4, 2), false, false) })
	mustPanic(t, "BatchMatMul", func() { tp.BatchMatMul(Zeros(4), Zeros(4, 2), false, false) })
}

// TestBatchMatMulSharedMatrix: a rank-2 right operand folds the batches
// into one product, and the result is the product of each batch.
func TestBatchMatMulSharedMatrix(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	a, w := Randn(rng, 3, 2, 5, 4), Randn(rng, 4, 6)
	var tp *Tape
	c := tp.BatchMatMul(a, w, false, false)
	if !sameShape(c.shape, []int{3, 2, 5, 6}) {
		t.Fatalf("shape %v, want [3 2 5 6]", c.shape)
	}
	for bi := range 6 {
		ai := New(a.data[bi*20:(bi+1)*20], 5, 4)
		want := tp.MatMul(ai, w)
		for e, v := range want.data {
			if got := c.data[bi*30+e]; got != v {
				t.Fatalf("batch %d element %d: %g, want %g", bi, e, got, v)
			}
		}
	}
}

// TestBatchMatMulMatchesMatMul checks each batch of a broadcast batched
// product against MatMulT of the matching matrices, bit for bit.
func TestBatchMatMulMatchesMatMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	a := Randn(rng, 3, 1, 5, 4) // batch [3, 1] broadcast against [1, 2]
	b := Randn(rng, 2, 6, 4)
	var tp *Tape
	c := tp.BatchMatMul(a, b, false, true)
	if !sameShape(c.shape, []int{3, 2, 5, 6}) {
		t.Fatalf("shape %v, want [3 2 5 6]", c.shape)
	}
	for i := range 3 {
		for j := range 2 {
			ai := tp.Reshape(tp.Slice(a, 0, i, i+1), 5, 4)
			bj := tp.Reshape(tp.Slice(b, 0, j, j+1), 6, 4)
			want := tp.MatMulT(ai, bj, false, true)
			got := c.data[(i*2+j)*30 : (i*2+j+1)*30]
			for e := range got {
				if got[e] != want.data[e] {
					t.Fatalf("batch (%d, %d) element %d: %g, want %g", i, j, e, got[e], want.data[e])
				}
			}
		}
	}
}

// sameBits runs f on 1 core, on 4 and on 16 and requires identical results.
func sameBits(t *testing.T, name string, f func() []float64) {
	t.Helper()
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	one := f()
	for _, procs := range []int{4, 16} {
		runtime.GOMAXPROCS(procs)
		many := f()
		if len(one) != len(many) {
			t.Fatalf("%s: %d values on 1 core, %d on %d", name, len(one), len(many), procs)
		}
		for i := range one {
			if math.Float64bits(one[i]) != math.Float64bits(many[i]) {
				t.Fatalf("%s: value %d is %v on 1 core, %v on %d", name, i, one[i], many[i], procs)
			}
		}
	}
}

func TestShapeOpsSameBitsOnAnyCores(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a, b := Randn(rng, 64, 24, 20), Randn(rng, 64, 20, 24)
	x := Randn(rng, 16, 32, 8, 16)
	sameBits(t, "BatchMatMul and Permute", func() []float64 {
		tp := NewTape()
		c := tp.BatchMatMul(a, b, false, false)
		p := tp.Permute(x, 2, 0, 3, 1)
		s := tp.Add(tp.Sum(tp.Square(c)), tp.Sum(tp.Mul(p, p)))
		gs := tp.Grad([]*Tensor{s}, []*Tensor{a, b, x}, GradOptions{})
		out := append([]float64(nil), c.data...)
		out = append(out, p.data...)
		for _, g := range gs {
			out = append(out, g.data...)
		}
		return out
	})
}

func BenchmarkBatchMatMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y := Randn(rng, 512, 16, 32), Randn(rng, 512, 16, 32)
	b.Run("fwd/batch=512/m=16/k=32/n=16", func(b *testing.B) {
		tp := NewNoGradTape()
		b.ReportAllocs()
		for b.Loop() {
			tp.BatchMatMul(x, y, false, true)
			tp.Reset()
		}
	})
	b.Run("fwdbwd/batch=512/m=16/k=32/n=16", func(b *testing.B) {
		tp := NewTape()
		b.ReportAllocs()
		for b.Loop() {
			tp.Grad([]*Tensor{tp.BatchMatMul(x, y, false, true)}, []*Tensor{x, y}, GradOptions{})
			tp.Reset()
		}
	})
}

func BenchmarkPermute(b *testing.B) {
	x := Randn(rand.New(rand.NewPCG(1, 1)), 128, 16, 4, 32)
	b.Run("shape=128x16x4x32/axes=0213", func(b *testing.B) {
		tp := NewNoGradTape()
		b.ReportAllocs()
		for b.Loop() {
			tp.Permute(x, 0, 2, 1, 3)
			tp.Reset()
		}
	})
}

// TestConcatKeepsItsInputs: Concat records its own list of inputs, so a
// caller reusing the slice it passed (here writing the result into it)
// leaves the gradient right.
func TestConcatKeepsItsInputs(t *testing.T) {
	a, b := New([]float64{1, 2}, 2), New([]float64{3}, 1)
	tp := NewTape()
	xs := []*Tensor{tp.Scale(a, 2), tp.Scale(b, 3)}
	xs[0] = tp.Concat(0, xs...)
	g := tp.Grad([]*Tensor{tp.Sum(tp.Square(xs[0]))}, []*Tensor{a, b}, GradOptions{})
	if got := []float64{g[0].data[0], g[0].data[1], g[1].data[0]}; got[0] != 8 || got[1] != 16 || got[2] != 54 {
		t.Fatalf("gradients %v, want [8 16 54]", got)
	}
}
