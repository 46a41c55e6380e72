package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// coresWork runs, on tp, ops large enough that each splits its work across
// cores when it may, and their gradients: first order (the lazy SiLU and
// convolution adjoints and the in-place sums included) and second (a
// SiLU conv network's score differentiated again). It returns every value
// it computed, to compare between core counts.
func coresWork(tp *Tape) [][]float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	x := Randn(rng, 8, 16, 32, 32).SetPrecision(Float32)
	w1 := (*Tape)(nil).Scale(Randn(rng, 32, 16, 3, 3), 0.1).SetPrecision(Float32)
	w2 := (*Tape)(nil).Scale(Randn(rng, 32, 32, 3, 3), 0.1).SetPrecision(Float32)
	gw := Randn(rng, 32)
	a, b := Randn(rng, 512, 512), Randn(rng, 512, 512)
	q := Randn(rng, 64, 64, 32)
	cond := Randn(rng, 512, 512)
	opts := ConvOptions{Padding: [2]int{1, 1}}

	h := tp.Conv2dSiLU(x, w1, nil, opts)
	h = tp.SiLU(tp.Conv2d(h, w2, nil, opts))
	h = tp.GroupNorm(h, 4, gw, nil, 1e-5)
	h = tp.UpsampleBilinear2d(tp.AvgPool2d(h, [2]int{2, 2}, [2]int{2, 2}, [2]int{}), 2)
	h = tp.ConvTranspose2d(h, w2, nil, opts)
	e := tp.Sum(tp.Tanh(h))
	m := tp.MatMul(a, b)
	m = tp.LayerNorm(tp.Add(m, tp.SumAxis(a, 0)), 1, nil, nil, 1e-5)
	m = tp.Where(tp.ReLU(cond), tp.Softmax(m, 1), tp.LogSoftmax(m, 0))
	m = tp.MulAdd(m, b, tp.Permute(a, 1, 0))
	m = tp.Concat(0, tp.Slice(m, 0, 0, 256), tp.Exp(tp.Slice(m, 0, 256, 512)))
	att := tp.ScaledDotProductAttention(q, q, q, AttentionOptions{})
	f := tp.Add(tp.Add(e, tp.Sum(tp.Max(m, 1))), tp.Sum(tp.BatchMatMul(att, q, false, true)))
	g := tp.Grad([]*Tensor{f}, []*Tensor{x, w1, w2, a, b, q}, GradOptions{RetainGraph: true})

	// DSM's parameter gradient: the score, recorded, differentiated again.
	s := tp.Grad([]*Tensor{e}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	g2 := tp.Grad([]*Tensor{tp.Sum(tp.Square(s))}, []*Tensor{w1, w2}, GradOptions{})

	var out [][]float64
	for _, t := range append(append([]*Tensor{f}, g...), g2...) {
		out = append(out, t.Clone().Data())
	}
	return out
}

// TestTapeCores: on a tape limited to one core (SetCores), no op and no
// VJP of coresWork starts a goroutine, and the values are the bits that
// four cores give; without the limit, the same work does split across
// cores (so the first check can fail: a kernel that reads GOMAXPROCS
// itself, or an op that does not pass its tape's limit down, forks).
func TestTapeCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	defer func(v int) { convLazyValues = v }(convLazyValues)
	convLazyValues = 0 // every conv adjoint lazy: convLazy's pieces too

	before := forks.Load()
	one := coresWork(NewTape().SetCores(1))
	if n := forks.Load() - before; n != 0 {
		t.Errorf("a tape limited to one core forked %d times", n)
	}
	before = forks.Load()
	four := coresWork(NewTape())
	if forks.Load() == before {
		t.Fatal("the work forked on no core: it does not exercise the limit")
	}
	for i := range one {
		for j := range one[i] {
			if math.Float64bits(one[i][j]) != math.Float64bits(four[i][j]) {
				t.Fatalf("value %d of output %d: %v on one core, %v on four", j, i, one[i][j], four[i][j])
			}
		}
	}
	tp := NewTape().SetCores(3)
	if got := tp.Cores(); got != 3 {
		t.Errorf("SetCores(3).Cores() = %d", got)
	}
	if got := tp.SetCores(16).Cores(); got != 4 {
		t.Errorf("SetCores(16).Cores() = %d on 4 cores; want GOMAXPROCS, 4", got)
	}
	if got := tp.SetCores(0).Cores(); got != 4 {
		t.Errorf("SetCores(0).Cores() = %d; want GOMAXPROCS, 4", got)
	}
}
