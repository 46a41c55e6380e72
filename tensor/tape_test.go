package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Fatalf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestGradOfUnrelatedInputIsZero(t *testing.T) {
	tp := NewTape()
	x, y := Full(2, 3), Full(5, 2, 2)
	out := tp.Sum(tp.Square(x))
	g := tp.Grad([]*Tensor{out}, []*Tensor{x, y}, GradOptions{})
	for i, v := range g[0].Data() {
		if v != 4 {
			t.Errorf("dx[%d] = %g, want 4", i, v)
		}
	}
	if !sameShape(g[1].shape, []int{2, 2}) {
		t.Fatalf("dy shape %v, want [2 2]", g[1].shape)
	}
	for _, v := range g[1].Data() {
		if v != 0 {
			t.Fatalf("dy = %v, want zeros", g[1])
		}
	}
}

func TestGradWithRespectToIntermediate(t *testing.T) {
	tp := NewTape()
	x := New([]float64{1, 2, 3}, 3)
	h := tp.Scale(x, 3)         // h = 3x
	out := tp.Sum(tp.Mul(h, h)) // Σ h²
	g := tp.Grad([]*Tensor{out}, []*Tensor{h, x}, GradOptions{})
	for i, v := range x.data {
		if g[0].data[i] != 6*v || g[1].data[i] != 18*v {
			t.Fatalf("dh %v, dx %v; want 2h = 6x and 18x", g[0], g[1])
		}
	}
}

func TestGradOutputsWeightTheSeed(t *testing.T) {
	tp := NewTape()
	x := New([]float64{1, -2}, 2)
	y := tp.Square(x)
	g := tp.Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{New([]float64{10, 100}, 2)}})
	if g[0].data[0] != 20 || g[0].data[1] != -400 {
		t.Fatalf("got %v, want [20 -400]", g[0])
	}
}

func TestGradFreesGraphUnlessRetained(t *testing.T) {
	x := New([]float64{1.5}, 1)
	tp := NewTape()
	y := tp.Exp(x)
	first := tp.Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{RetainGraph: true})[0].Item()
	second := tp.Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{})[0].Item()
	if first != math.Exp(1.5) || second != first {
		t.Fatalf("got %g then %g, want e^1.5 twice", first, second)
	}
	mustPanic(t, "freed", func() { tp.Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{}) })
	tp.Reset()
	mustPanic(t, "records nothing", func() { (*Tape)(nil).Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{}) })
}

func TestZeroTapeWorks(t *testing.T) {
	var tp Tape
	x := New([]float64{3}, 1)
	for range 2 {
		g := tp.Grad([]*Tensor{tp.Square(x)}, []*Tensor{x}, GradOptions{})[0]
		if g.Item() != 6 {
			t.Fatalf("got %v, want 6", g)
		}
		tp.Reset()
	}
}

func TestNilTapeRecordsNothing(t *testing.T) {
	var tp *Tape
	x := New([]float64{0.5, 1}, 1, 2)
	y := tp.Sum(tp.SiLU(tp.MatMul(x, Ones(2, 3))))
	want := 3 * 1.5 * sigmoid(1.5)
	if math.Abs(y.Item()-want) > 1e-15 || y.tape != nil || y.node != 0 {
		t.Fatalf("got %v (tape %p node %d), want %g unrecorded", y, y.tape, y.node, want)
	}
}

// TestHessianOfQuadratic differentiates ∇(½xᵀAx) = Ax once more, row by row,
// and compares with A: a known second derivative.
func TestHessianOfQuadratic(t *testing.T) {
	a := New([]float64{4, 1, 0, 1, 3, -1, 0, -1, 2}, 3, 3)
	x := New([]float64{0.3, -1.2, 2}, 1, 3)
	tp := NewTape()
	e := tp.Scale(tp.Sum(tp.Mul(tp.MatMul(x, a), x)), 0.5)
	g := tp.Grad([]*Tensor{e}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	for i := range 3 {
		row := tp.Grad([]*Tensor{tp.SliceCols(g, i, i+1)}, []*Tensor{x}, GradOptions{RetainGraph: true})[0]
		for j := range 3 {
			if got, want := row.data[j], a.At(i, j); math.Abs(got-want) > 1e-12 {
				t.Errorf("H[%d][%d] = %g, want %g", i, j, got, want)
			}
		}
	}
}

func TestBroadcastShapes(t *testing.T) {
	for _, c := range []struct{ a, b, want []int }{
		{[]int{3, 4}, []int{4}, []int{3, 4}},
		{[]int{3, 1}, []int{1, 4}, []int{3, 4}},
		{[]int{}, []int{2, 3}, []int{2, 3}},
		{[]int{2, 1, 4}, []int{3, 1}, []int{2, 3, 4}},
		{[]int{0, 4}, []int{1}, []int{0, 4}},
	} {
		got, ok := broadcastShape(c.a, c.b)
		if !ok || !sameShape(got, c.want) {
			t.Errorf("broadcast %v, %v = %v, %v; want %v", c.a, c.b, got, ok, c.want)
		}
	}
	mustPanic(t, "do not broadcast", func() { (*Tape)(nil).Add(Zeros(3, 4), Zeros(3)) })
	mustPanic(t, "do not multiply", func() { (*Tape)(nil).MatMul(Zeros(3, 4), Zeros(3, 4)) })
}

// mlpScoreAndParamGrad runs the second-order step of score matching on a
// small MLP and returns the parameter gradients of mean ‖∇ₓE‖².
func mlpSecondOrder(tp *Tape, x *Tensor, ps []*Tensor) []*Tensor {
	h := tp.SiLU(tp.Linear(x, ps[0], ps[1]))
	h = tp.SiLU(tp.Linear(h, ps[2], ps[3]))
	e := tp.Linear(h, ps[4], ps[5])
	s := tp.Grad([]*Tensor{e}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	loss := tp.Mean(tp.SumAxis(tp.Square(s), 1))
	return tp.Grad([]*Tensor{loss}, ps, GradOptions{})
}

func mlpParams(rng *rand.Rand, d, h int) []*Tensor {
	return []*Tensor{
		Randn(rng, d, h), Randn(rng, h), Randn(rng, h, h), Randn(rng, h), Randn(rng, h, 1), Randn(rng, 1),
	}
}

// TestSameBitsOnAnyCoreCount runs large reductions and a second-order
// gradient on 1 core and on 4 and requires identical bits.
func TestSameBitsOnAnyCoreCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	x := Randn(rng, 700, 64)
	ps := mlpParams(rng, 64, 48)
	run := func() []float64 {
		tp := NewTape()
		var out []float64
		out = append(out, tp.Sum(x).Item())
		out = append(out, tp.SumAxis(x, 0).Data()...)
		out = append(out, tp.SumAxis(x, 1).Data()...)
		for _, g := range mlpSecondOrder(tp, x, ps) {
			out = append(out, g.Data()...)
		}
		return out
	}
	sameBits(t, "mlp", run)
}

// TestResetReusesStorage: after a warm-up iteration a loop of score
// evaluations allocates only bookkeeping (closures, shapes: about 10 KiB a
// step), never tensor storage: each [256, 128] buffer
// is 256 KiB, so one leaked buffer breaks the bound of an eighth of that.
func TestResetReusesStorage(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race (sync.Pool drops items)")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := Randn(rng, 256, 128)
	ps := mlpParams(rng, 128, 128)
	tp := NewTape()
	step := func() {
		h := tp.SiLU(tp.Linear(x, ps[0], ps[1]))
		h = tp.SiLU(tp.Linear(h, ps[2], ps[3]))
		e := tp.Linear(h, ps[4], ps[5])
		tp.Grad([]*Tensor{e}, []*Tensor{x}, GradOptions{})
		tp.Reset()
	}
	perIter := bytesPerStep(step)
	if limit := 256 * 128 * 8 / 8.0; perIter > limit {
		t.Fatalf("%.0f bytes allocated per step, want under %.0f", perIter, limit)
	}
}

// TestConcurrentTapes runs the second-order step on shared parameters from
// several goroutines, each with its own tape, under -race in CI.
func TestConcurrentTapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	ps := mlpParams(rng, 4, 8)
	x := Randn(rng, 10, 4)
	want := mlpSecondOrder(NewTape(), x, ps)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := mlpSecondOrder(NewTape(), x, ps)
			for i := range got {
				for j := range got[i].data {
					if got[i].data[j] != want[i].data[j] {
						t.Errorf("goroutine result differs at param %d element %d", i, j)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestTapeZeros checks that a tape's Zeros are zeros even in recycled
// storage, that Reset recycles that storage, and that a nil tape makes an
// ordinary leaf.
func TestTapeZeros(t *testing.T) {
	tp := NewTape()
	a := tp.Zeros(3, 4)
	for i := range a.Data() {
		a.Data()[i] = float64(i + 1)
	}
	tp.Reset()
	b := tp.Zeros(4, 3)
	if &b.Data()[0] != &a.Data()[0] {
		t.Errorf("Zeros after Reset did not reuse the tape's storage")
	}
	for i, v := range b.Data() {
		if v != 0 {
			t.Fatalf("recycled Zeros[%d] = %v", i, v)
		}
	}
	if !slices.Equal(b.Shape(), []int{4, 3}) || tp.nodeOf(b) != -1 {
		t.Errorf("Zeros: shape %v, node %d; want [4 3], a leaf", b.Shape(), tp.nodeOf(b))
	}
	var nilTape *Tape
	if c := nilTape.Zeros(2); c.Len() != 2 || c.Data()[0] != 0 {
		t.Errorf("nil tape's Zeros: %v", c.Data())
	}
}
