package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestGradCheckSoftmaxOps checks Softmax, LogSoftmax and Max to third order.
// Dropping the subtraction in softmaxVJP (returning y ⊙ g) fails the
// Softmax cases here at order 1.
func TestGradCheckSoftmaxOps(t *testing.T) {
	soft := func(axis int) func(tp *Tape, x *Tensor) *Tensor {
		return func(tp *Tape, x *Tensor) *Tensor { return tp.Softmax(x, axis) }
	}
	logSoft := func(axis int) func(tp *Tape, x *Tensor) *Tensor {
		return func(tp *Tape, x *Tensor) *Tensor { return tp.LogSoftmax(x, axis) }
	}
	maxOf := func(axis int) func(tp *Tape, x *Tensor) *Tensor {
		return func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Max(x, axis)) }
	}
	checkOpCases(t, 202, []opCase{
		fn1("Softmax/-1", []int{3, 4}, soft(-1)),
		fn1("Softmax/0", []int{3, 4}, soft(0)),
		fn1("Softmax/middle", []int{2, 3, 2}, soft(1)),
		fn1("Softmax/size1", []int{3, 1}, soft(1)),
		fn1("Softmax/rank1", []int{5}, soft(0)),
		fn1("LogSoftmax/-1", []int{3, 4}, logSoft(-1)),
		fn1("LogSoftmax/middle", []int{2, 3, 2}, logSoft(1)),
		fn1("LogSoftmax/size1", []int{1, 3}, logSoft(0)),
		fn1("Max/-1", []int{3, 4}, maxOf(-1)),
		fn1("Max/middle", []int{2, 3, 2}, maxOf(1)),
		fn1("Max/size1", []int{3, 1}, maxOf(1)),
		// a network-like use: the log-likelihood of labels under logits
		fn1("LogSoftmax+Gather", []int{4, 3}, func(tp *Tape, x *Tensor) *Tensor {
			return tp.Gather(tp.LogSoftmax(tp.Square(x), 1), 1, []int{2, 0, 1, 2})
		}),
	})
}

func TestSoftmaxKnown(t *testing.T) {
	var tp *Tape
	x := New([]float64{0, math.Log(2), math.Log(3), 1000, 1000, -math.Inf(1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}, 3, 3)
	want := []float64{1. / 6, 2. / 6, 3. / 6, 0.5, 0.5, 0, 0, 0, 0}
	got := tp.Softmax(x, 1)
	for i, w := range want {
		if math.Abs(got.data[i]-w) > 1e-15 {
			t.Errorf("Softmax element %d: got %v, want %v", i, got.data[i], w)
		}
	}
	ls := tp.LogSoftmax(x, 1)
	for i, w := range want {
		lw := math.Log(w)
		if !(math.Abs(ls.data[i]-lw) <= 1e-14 || ls.data[i] == lw) {
			t.Errorf("LogSoftmax element %d: got %v, want %v", i, ls.data[i], lw)
		}
	}
	// along axis 0 of [2, 2]: columns
	c := tp.Softmax(New([]float64{0, 5, math.Log(3), 5}, 2, 2), 0)
	if w := []float64{0.25, 0.5, 0.75, 0.5}; math.Abs(c.data[0]-w[0]) > 1e-15 || math.Abs(c.data[2]-w[2]) > 1e-15 || c.data[1] != 0.5 {
		t.Errorf("Softmax along axis 0: got %v, want %v", c.data, w)
	}
	// A wholly masked row has zero gradient, not NaN.
	tape := NewTape()
	xm := New([]float64{math.Inf(-1), math.Inf(-1), 1, 2}, 2, 2)
	y := tape.Softmax(xm, 1)
	g := tape.Grad([]*Tensor{tape.Sum(tape.Square(y))}, []*Tensor{xm}, GradOptions{})[0]
	for i, v := range g.data[:2] {
		if v != 0 {
			t.Errorf("masked row gradient %d = %v, want 0", i, v)
		}
	}
}

func TestMaxAndArgMax(t *testing.T) {
	x := New([]float64{
		1, 3, 3, 0,
		-1, -2, -1, -5,
		2, 2, 2, 2,
	}, 3, 4)
	if got, want := ArgMax(nil, x, 1), []int{1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("ArgMax along 1: %v, want %v (first on ties)", got, want)
	}
	if got, want := ArgMax(make([]int, 4), x, 0), []int{2, 0, 0, 2}; !slices.Equal(got, want) {
		t.Errorf("ArgMax along 0: %v, want %v", got, want)
	}
	tp := NewTape()
	m := tp.Max(x, 1)
	if !slices.Equal(m.data, []float64{3, -1, 2}) {
		t.Errorf("Max: %v, want [3 -1 2]", m.data)
	}
	g := tp.Grad([]*Tensor{m}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{New([]float64{10, 20, 30}, 3)}})[0]
	want := []float64{0, 10, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0}
	if !slices.Equal(g.data, want) {
		t.Errorf("Max gradient %v, want %v (all to the first maximum)", g.data, want)
	}
	var nilTape *Tape
	mustPanic(t, "Max", func() { nilTape.Max(Zeros(2, 0), 1) })
	mustPanic(t, "ArgMax", func() { ArgMax(make([]int, 2), x, 1) })
}

func TestSoftmaxSameBitsOnAnyCores(t *testing.T) {
	x := Randn(rand.New(rand.NewPCG(4, 4)), 64, 33, 17)
	sameBits(t, "Softmax", func() []float64 {
		tp := NewTape()
		y := tp.Add(tp.Softmax(x, 1), tp.LogSoftmax(x, 2))
		g := tp.Grad([]*Tensor{tp.Sum(tp.Square(y))}, []*Tensor{x}, GradOptions{})[0]
		return append(append([]float64(nil), y.data...), g.data...)
	})
}

func BenchmarkSoftmax(b *testing.B) {
	x := Randn(rand.New(rand.NewPCG(1, 1)), 512, 16, 16)
	b.Run("fwd/shape=512x16x16", func(b *testing.B) {
		tp := NewNoGradTape()
		b.ReportAllocs()
		for b.Loop() {
			tp.Softmax(x, -1)
			tp.Reset()
		}
	})
	b.Run("fwdbwd/shape=512x16x16", func(b *testing.B) {
		tp := NewTape()
		b.ReportAllocs()
		for b.Loop() {
			y := tp.Softmax(x, -1)
			tp.Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{x}})
			tp.Reset()
		}
	})
}
