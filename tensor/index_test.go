package tensor

import (
	"math"
	"slices"
	"testing"
)

func TestGradCheckIndexOps(t *testing.T) {
	mask := New([]float64{1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1}, 3, 4)
	col := New([]float64{0, 1, 1}, 3, 1)
	where := func(cond *Tensor) func(tp *Tape, a, b *Tensor) *Tensor {
		return func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Where(cond, a, b)) }
	}
	checkOpCases(t, 303, []opCase{
		fn2("Where", []int{3, 4}, []int{3, 4}, where(mask)),
		fn2("Where/broadcast", []int{4}, []int{3, 1}, where(mask)),
		fn2("Where/condcol", []int{1, 4}, []int{}, where(col)),
		fn2("Where/rank3", []int{2, 1, 4}, []int{3, 4}, where(col)),
		fn1("Gather/1", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor {
			return sq(tp, tp.Gather(x, 1, []int{3, 3, 0, 1, 2, 2}))
		}),
		fn1("Gather/0", []int{2, 3, 2}, func(tp *Tape, x *Tensor) *Tensor {
			return sq(tp, tp.Gather(x, 0, []int{1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1}))
		}),
		fn2("ScatterAdd", []int{3, 4}, []int{3, 2}, func(tp *Tape, d, s *Tensor) *Tensor {
			return sq(tp, tp.ScatterAdd(d, 1, []int{0, 0, 3, 1, 2, 0}, s))
		}),
		fn2("ScatterAdd/0", []int{2, 3}, []int{3, 3}, func(tp *Tape, d, s *Tensor) *Tensor {
			return sq(tp, tp.ScatterAdd(d, 0, []int{1, 0, 1, 1, 1, 0, 0, 0, 1}, s))
		}),
		fn1("Embedding", []int{5, 3}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Embedding(x, []int{4, 0, 4, 2})) }),
	})
}

func TestGatherScatterKnown(t *testing.T) {
	var tp *Tape
	x := New([]float64{0, 1, 2, 10, 11, 12}, 2, 3)
	if got := tp.Gather(x, 1, []int{2, 0}); !slices.Equal(got.data, []float64{2, 10}) || !sameShape(got.shape, []int{2, 1}) {
		t.Errorf("Gather along 1: %v, want [2 1] tensor [2 10]", got)
	}
	if got := tp.Gather(x, 0, []int{1, 0, 1, 0, 0, 0}); !slices.Equal(got.data, []float64{10, 1, 12, 0, 1, 2}) {
		t.Errorf("Gather along 0: %v, want [10 1 12 0 1 2]", got.data)
	}
	s := tp.ScatterAdd(x, 1, []int{2, 2, 0, 1}, New([]float64{1, 2, 3, 4}, 2, 2))
	if want := []float64{0, 1, 5, 13, 15, 12}; !slices.Equal(s.data, want) {
		t.Errorf("ScatterAdd: %v, want %v", s.data, want)
	}
	if !slices.Equal(x.data, []float64{0, 1, 2, 10, 11, 12}) {
		t.Errorf("ScatterAdd changed its dst: %v", x.data)
	}
	e := tp.Embedding(x, []int{1, 1, 0})
	if want := []float64{10, 11, 12, 10, 11, 12, 0, 1, 2}; !slices.Equal(e.data, want) {
		t.Errorf("Embedding: %v, want %v", e.data, want)
	}
	mustPanic(t, "Gather", func() { tp.Gather(x, 1, []int{3, 0}) })
	mustPanic(t, "Gather", func() { tp.Gather(x, 1, []int{0, 0, 0}) })
	mustPanic(t, "ScatterAdd", func() { tp.ScatterAdd(x, 1, []int{0}, Zeros(2, 1)) })
	mustPanic(t, "ScatterAdd", func() { tp.ScatterAdd(x, 1, []int{0, 5}, Zeros(2, 1)) })
	mustPanic(t, "Embedding", func() { tp.Embedding(x, []int{2}) })
}

// TestWhereKeepsInfinityOut: a −∞ in the branch not taken reaches neither
// the value nor the gradient, where the blend a·m + b·(1−m) gives NaN.
func TestWhereKeepsInfinityOut(t *testing.T) {
	tp := NewTape()
	cond := New([]float64{1, 0, 1}, 3)
	a := New([]float64{1, 2, 3}, 3)
	b := Full(math.Inf(-1), 1)
	y := tp.Where(cond, a, b)
	if !slices.Equal(y.data, []float64{1, math.Inf(-1), 3}) {
		t.Fatalf("Where: %v", y.data)
	}
	g := tp.Grad([]*Tensor{tp.Sum(tp.Exp(y))}, []*Tensor{a, b}, GradOptions{})
	if want := []float64{math.E, 0, math.Exp(3)}; !slices.Equal(g[0].data, want) {
		t.Errorf("gradient for a: %v, want %v", g[0].data, want)
	}
	if g[1].data[0] != 0 {
		t.Errorf("gradient for b: %v, want 0", g[1].data)
	}
	mustPanic(t, "Where", func() { tp.Where(Zeros(2), a, b) })
}
