package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// domain says where an op's inputs are drawn, to keep finite differences
// away from kinks and outside domains.
type domain int

const (
	anyReal  domain = iota // N(0, 1)
	positive               // U(0.5, 2)
	awayZero               // N(0, 1) with |x| ≥ 0.2
)

type opCase struct {
	name   string
	shapes [][]int
	dom    []domain // per input; missing entries mean anyReal
	f      func(tp *Tape, x []*Tensor) *Tensor
	orders []int // orders to check beyond 1 and 2
}

// sq squares a linear op's output so that its second derivative is not
// identically zero and the check has something to find.
func sq(tp *Tape, t *Tensor) *Tensor { return tp.Mul(t, t) }

func binaryCases(name string, op func(tp *Tape, a, b *Tensor) *Tensor, dom []domain) []opCase {
	pairs := [][2][]int{
		{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{3, 4}, {1, 4}}, {{3, 4}, {3, 1}}, {{3, 4}, {}},
		{{}, {3, 4}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{4}, {2, 3, 4}}, {{1, 1}, {2, 3}},
		{{0, 4}, {4}}, {{5}, {5}},
	}
	var cs []opCase
	for _, p := range pairs {
		cs = append(cs, opCase{
			name: fmt.Sprintf("%s/%v,%v", name, p[0], p[1]), shapes: [][]int{p[0], p[1]}, dom: dom,
			f: func(tp *Tape, x []*Tensor) *Tensor { return op(tp, x[0], x[1]) },
		})
	}
	return cs
}

func unaryCase(name string, dom domain, f func(tp *Tape, x *Tensor) *Tensor, orders ...int) opCase {
	return opCase{name: name, shapes: [][]int{{3, 4}}, dom: []domain{dom}, orders: orders,
		f: func(tp *Tape, x []*Tensor) *Tensor { return f(tp, x[0]) }}
}

func allCases() []opCase {
	var cs []opCase
	cs = append(cs, binaryCases("Add", func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Add(a, b)) }, nil)...)
	cs = append(cs, binaryCases("Sub", func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Sub(a, b)) }, nil)...)
	cs = append(cs, binaryCases("Mul", (*Tape).Mul, nil)...)
	cs = append(cs, binaryCases("Div", (*Tape).Div, []domain{anyReal, positive})...)
	cs = append(cs,
		unaryCase("Neg", anyReal, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Neg(x)) }),
		unaryCase("Scale", anyReal, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Scale(x, -1.7)) }),
		unaryCase("AddScalar", anyReal, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.AddScalar(x, 0.3)) }),
		unaryCase("Exp", anyReal, (*Tape).Exp, 3),
		unaryCase("Log", positive, (*Tape).Log, 3),
		unaryCase("Log1p", positive, (*Tape).Log1p),
		unaryCase("Sqrt", positive, (*Tape).Sqrt),
		unaryCase("Square", anyReal, (*Tape).Square),
		unaryCase("Abs", awayZero, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Abs(x)) }),
		unaryCase("Tanh", anyReal, (*Tape).Tanh, 3),
		unaryCase("Sigmoid", anyReal, (*Tape).Sigmoid, 3),
		unaryCase("Softplus", anyReal, (*Tape).Softplus, 3),
		unaryCase("ReLU", awayZero, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.ReLU(x)) }),
		unaryCase("LeakyReLU", awayZero, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.LeakyReLU(x, 0.1)) }),
		unaryCase("ELU", awayZero, func(tp *Tape, x *Tensor) *Tensor { return tp.ELU(x, 1.3) }, 3),
		unaryCase("SiLU", anyReal, (*Tape).SiLU, 3, 4, 5),
		unaryCase("GELU", anyReal, (*Tape).GELU, 3, 4),
		unaryCase("Sin", anyReal, (*Tape).Sin, 3),
		unaryCase("Cos", anyReal, (*Tape).Cos, 3),
	)
	for _, p := range []float64{3, 2.5, -1.5, 0.5, 1, 0} {
		cs = append(cs, unaryCase(fmt.Sprintf("Pow/%g", p), positive, func(tp *Tape, x *Tensor) *Tensor {
			return tp.Mul(tp.Pow(x, p), x) // times x: Pow(x, 0) alone has no gradient
		}))
	}
	one := func(name string, shape []int, f func(tp *Tape, x *Tensor) *Tensor) opCase {
		return opCase{name: name, shapes: [][]int{shape}, f: func(tp *Tape, x []*Tensor) *Tensor { return f(tp, x[0]) }}
	}
	cs = append(cs,
		one("Sum", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Sum(x)) }),
		one("Sum/empty", []int{0, 3}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Sum(x)) }),
		one("Mean", []int{2, 3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Mean(x)) }),
		one("SumAxis/0", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumAxis(x, 0)) }),
		one("SumAxis/-1", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumAxis(x, -1)) }),
		one("SumAxis/3d", []int{2, 3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumAxis(x, 1)) }),
		one("MeanAxis/1", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.MeanAxis(x, 1)) }),
		one("LogSumExp/0", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return tp.LogSumExp(x, 0) }),
		one("LogSumExp/1", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return tp.LogSumExp(x, 1) }),
		one("LogSumExp/3d", []int{2, 3, 4}, func(tp *Tape, x *Tensor) *Tensor { return tp.LogSumExp(x, 1) }),
		one("SumTo", []int{2, 3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumTo(x, []int{3, 1})) }),
		one("BroadcastTo", []int{3, 1}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.BroadcastTo(x, []int{2, 3, 4})) }),
		one("Reshape", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Reshape(x, 2, -1, 2)) }),
		one("Transpose", []int{3, 5}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Transpose(x)) }),
		one("Slice/0", []int{5, 3}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.Slice(x, 0, 1, 4)) }),
		one("SliceCols", []int{3, 5}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SliceCols(x, 2, 5)) }),
		one("SliceCols/empty", []int{3, 5}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SliceCols(x, 2, 2)) }),
		one("GatherRows", []int{4, 3}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.GatherRows(x, []int{3, 0, 3, 1})) }),
	)
	two := func(name string, s0, s1 []int, f func(tp *Tape, a, b *Tensor) *Tensor) opCase {
		return opCase{name: name, shapes: [][]int{s0, s1}, f: func(tp *Tape, x []*Tensor) *Tensor { return f(tp, x[0], x[1]) }}
	}
	cs = append(cs,
		two("Concat/0", []int{2, 3}, []int{4, 3}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Concat(0, a, b)) }),
		two("Concat/1", []int{3, 2}, []int{3, 1}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Concat(1, a, b, a)) }),
		two("MatMul", []int{3, 4}, []int{4, 2}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.MatMul(a, b)) }),
		two("MatMul/k=0", []int{3, 0}, []int{0, 2}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.MatMul(a, b)) }),
		two("MatMulT/A", []int{4, 3}, []int{4, 2}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.MatMulT(a, b, true, false)) }),
		two("MatMulT/B", []int{3, 4}, []int{2, 4}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.MatMulT(a, b, false, true)) }),
		two("MatMulT/AB", []int{4, 3}, []int{2, 4}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.MatMulT(a, b, true, true)) }),
		two("Linear/nobias", []int{3, 4}, []int{4, 2}, func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Linear(a, b, nil)) }),
		opCase{name: "Linear", shapes: [][]int{{3, 4}, {4, 2}, {2}}, f: func(tp *Tape, x []*Tensor) *Tensor {
			return sq(tp, tp.Linear(x[0], x[1], x[2]))
		}},
		opCase{name: "MulAdd/rows", shapes: [][]int{{3, 4, 5}, {3, 1, 5}, {3, 1, 5}}, f: func(tp *Tape, x []*Tensor) *Tensor {
			return sq(tp, tp.MulAdd(x[0], x[1], x[2]))
		}},
		opCase{name: "MulAdd/full", shapes: [][]int{{3, 4, 5}, {3, 4, 5}, {3, 4, 5}}, f: func(tp *Tape, x []*Tensor) *Tensor {
			return sq(tp, tp.MulAdd(x[0], x[1], x[2]))
		}},
		opCase{name: "MulAdd/residual", shapes: [][]int{{3, 4, 5}, {3, 1, 5}, {3, 4, 5}}, f: func(tp *Tape, x []*Tensor) *Tensor {
			return sq(tp, tp.MulAdd(x[0], x[1], x[2]))
		}},
		opCase{name: "MulAdd/row", shapes: [][]int{{3, 4, 5}, {5}, {4, 5}}, f: func(tp *Tape, x []*Tensor) *Tensor {
			return sq(tp, tp.MulAdd(x[0], x[1], x[2]))
		}},
		opCase{name: "MulAdd/scalar", shapes: [][]int{{3, 4}, {1}, {3, 4}}, f: func(tp *Tape, x []*Tensor) *Tensor {
			return sq(tp, tp.MulAdd(x[0], x[1], x[2]))
		}},
		opCase{name: "MLP/SiLU", shapes: [][]int{{5, 2}, {2, 6}, {6}, {6, 1}}, orders: []int{3}, f: func(tp *Tape, x []*Tensor) *Tensor {
			return tp.Linear(tp.SiLU(tp.Linear(x[0], x[1], x[2])), x[3], nil)
		}},
	)
	return cs
}

func draw(rng *rand.Rand, shape []int, d domain) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		switch d {
		case positive:
			t.data[i] = 0.5 + 1.5*rng.Float64()
		case awayZero:
			v := rng.NormFloat64()
			for math.Abs(v) < 0.2 {
				v = rng.NormFloat64()
			}
			t.data[i] = v
		default:
			t.data[i] = rng.NormFloat64()
		}
	}
	return t
}

// TestGradCheck checks every op's gradient against central differences at
// first and second order (third and fourth for the smooth activations).
func TestGradCheck(t *testing.T) { checkOpCases(t, 0, allCases()) }

// TestGradCheckCatchesWrongVJP shows the checker can fail: an op with a
// deliberately wrong derivative must be reported.
func TestGradCheckCatchesWrongVJP(t *testing.T) {
	bad := func(tp *Tape, x []*Tensor) *Tensor {
		return tp.unary(x[0], &unary{f: mapTo(math.Sin), vjp: func(tp *Tape, g, x, _ *Tensor) *Tensor {
			return tp.Mul(g, tp.Scale(tp.Cos(x), 1.001))
		}})
	}
	x := Randn(rand.New(rand.NewPCG(1, 2)), 3)
	err := CheckGrad(bad, []*Tensor{x}, CheckOptions{})
	if err == nil || !strings.Contains(err.Error(), "order-1") {
		t.Fatalf("wrong first derivative not caught: %v", err)
	}
	bad2 := func(tp *Tape, x []*Tensor) *Tensor {
		return tp.unary(x[0], &unary{f: mapTo(math.Sin), vjp: func(tp *Tape, g, x, _ *Tensor) *Tensor {
			return tp.Mul(g, tp.Cos(tp.Scale(x, 1.01)).Detach()) // right value at order 1 only near 0
		}})
	}
	if err := CheckGrad(bad2, []*Tensor{x}, CheckOptions{Order: 2}); err == nil {
		t.Fatal("a detached derivative (no second order) was not caught")
	}
}

// randomShape draws a shape of rank 0 to 3 with dimensions 0 to 4 (zero-size
// axes included, rarely).
func randomShape(rng *rand.Rand) []int {
	s := make([]int, rng.IntN(4))
	for i := range s {
		s[i] = 1 + rng.IntN(4)
		if rng.IntN(12) == 0 {
			s[i] = 0
		}
	}
	return s
}

// broadcastPartner draws a shape that broadcasts with s: a suffix of s with
// some axes set to 1.
func broadcastPartner(rng *rand.Rand, s []int) []int {
	p := cloneInts(s[rng.IntN(len(s)+1):])
	for i := range p {
		if rng.IntN(3) == 0 {
			p[i] = 1
		}
	}
	return p
}

// TestGradCheckRandomShapes runs the first- and second-order check for the
// binary ops on random broadcast-compatible shapes, and for the smooth unary
// ops on random shapes, from a fixed seed.
func TestGradCheckRandomShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	binary := map[string]func(tp *Tape, a, b *Tensor) *Tensor{
		"Add": func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Add(a, b)) },
		"Sub": func(tp *Tape, a, b *Tensor) *Tensor { return sq(tp, tp.Sub(a, b)) },
		"Mul": (*Tape).Mul,
		"Div": (*Tape).Div,
	}
	unary := map[string]func(tp *Tape, x *Tensor) *Tensor{
		"SiLU": (*Tape).SiLU, "GELU": (*Tape).GELU, "Tanh": (*Tape).Tanh, "Softplus": (*Tape).Softplus,
		"SumAxis": func(tp *Tape, x *Tensor) *Tensor {
			if x.Rank() == 0 {
				return sq(tp, x)
			}
			return sq(tp, tp.SumAxis(x, -1))
		},
		"LogSumExp": func(tp *Tape, x *Tensor) *Tensor {
			if x.Rank() == 0 || x.Dim(0) == 0 {
				return x
			}
			return tp.LogSumExp(x, 0)
		},
	}
	for trial := range 25 {
		for name, op := range binary {
			a := randomShape(rng)
			b := broadcastPartner(rng, a)
			if rng.IntN(2) == 0 {
				a, b = b, a
			}
			xs := []*Tensor{draw(rng, a, anyReal), draw(rng, b, positive)}
			f := func(tp *Tape, x []*Tensor) *Tensor { return op(tp, x[0], x[1]) }
			for _, order := range []int{1, 2} {
				if err := CheckGrad(f, xs, CheckOptions{Order: order, Seed: uint64(trial)}); err != nil {
					t.Errorf("%s %v %v: %v", name, a, b, err)
				}
			}
		}
		for name, op := range unary {
			s := randomShape(rng)
			xs := []*Tensor{draw(rng, s, anyReal)}
			f := func(tp *Tape, x []*Tensor) *Tensor { return op(tp, x[0]) }
			for _, order := range []int{1, 2} {
				if err := CheckGrad(f, xs, CheckOptions{Order: order, Seed: uint64(trial)}); err != nil {
					t.Errorf("%s %v: %v", name, s, err)
				}
			}
		}
	}
}

// TestGradSumsAliased: a first-order Grad adds gradient contributions in
// place only into sums nobody else holds. Add's vjp hands the same g to
// both its inputs; a later contribution to one of them must not change the
// other's gradient. Every value here is exact: the gradients are [c0 | c1]
// for b and [c0 | c1] + d for a, however the pieces are summed.
func TestGradSumsAliased(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a, b, d := Randn(rng, 4, 6), Randn(rng, 4, 6), Randn(rng, 4, 6)
	c0, c1 := Randn(rng, 4, 2), Randn(rng, 4, 4)
	tp := NewTape()
	u := tp.Mul(a, d) // recorded first, so its contribution to a comes last
	parts := tp.Split(tp.Add(a, b), 1, 2, 4)
	loss := tp.Add(tp.Add(tp.Sum(tp.Mul(parts[0], c0)), tp.Sum(tp.Mul(parts[1], c1))), tp.Sum(u))
	g := tp.Grad([]*Tensor{loss}, []*Tensor{a, b}, GradOptions{})
	want := make([]float64, 24)
	for i := range 4 {
		copy(want[i*6:], c0.data[i*2:(i+1)*2])
		copy(want[i*6+2:], c1.data[i*4:(i+1)*4])
	}
	equalBits(t, "∂/∂b", g[1].data, want)
	for i := range want {
		want[i] += d.data[i]
	}
	equalBits(t, "∂/∂a", g[0].data, want)
}

// TestGradSumsSameBits: the first-order gradients, whose contributions are
// added in place (and a Split's pieces only in their bands), have the same
// bits as the recorded pass's (CreateGraph), whose additions are Add ops:
// a product split along its last axis and, reshaped, along a middle one,
// each piece used, the whole used again, and a float32 weight.
func TestGradSumsSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x, w := Randn(rng, 5, 7), Randn(rng, 7, 12).SetPrecision(Float32)
	loss := func(tp *Tape) *Tensor {
		h := tp.MatMul(x, w) // [5, 12]
		q := tp.Split(h, 1, 4, 4, 4)
		s := tp.Add(tp.Sum(tp.Mul(q[0], tp.Tanh(q[1]))), tp.Sum(tp.Mul(q[2], q[2])))
		m := tp.Split(tp.Reshape(h, 5, 3, 4), 1, 1, 2) // outer 5: bands in every row
		s = tp.Add(s, tp.Sum(tp.Mul(tp.Tanh(m[0]), m[1])))
		return tp.Add(s, tp.Sum(tp.Mul(h, h)))
	}
	var want [][]float64
	for _, create := range []bool{true, false} {
		tp := NewTape()
		g := tp.Grad([]*Tensor{loss(tp)}, []*Tensor{x, w}, GradOptions{CreateGraph: create})
		if create {
			want = [][]float64{g[0].Clone().data, g[1].Clone().data}
			continue
		}
		equalBits(t, "∂/∂x", g[0].data, want[0])
		equalBits(t, "∂/∂w", g[1].data, want[1])
		if g[1].Precision() != Float32 {
			t.Errorf("∂/∂w has precision %v, want float32 as the recorded pass's", g[1].Precision())
		}
	}
}

// TestLazySiLUGradient: in a first-order Grad a SiLU's gradient is left
// unwritten, and a convolution whose vjp needs only its input's gradient
// computes it a piece at a time as it pads its adjoint's input (flipped
// and phased adjoints); everything else has it written first. Either way
// the gradients have the bits of the written path, which asking for the
// weights' gradients too forces. Covered: a flipped (3×3 stride 1) and a
// phased (4×4 stride 2) adjoint that take it, one (3×3 stride 2) that
// does not, a SiLU gradient added to another contribution, one returned
// as a requested input's, and both precisions (σ kept in float64,
// recomputed in float32). Planted bugs caught: a piece read from offset 0
// (convSource.piece), the requested-input check dropped from Grad, the
// added contribution's lazy gradient not written (gradSums.add).
func TestLazySiLUGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	s1 := ConvOptions{Padding: [2]int{1, 1}}
	s2 := ConvOptions{Padding: [2]int{1, 1}, Stride: [2]int{2, 2}}
	defer func(v int) { convLazyValues = v }(convLazyValues)
	for _, lazy := range []int{convLazyValues, 0} { // every adjoint lazy too (convLazy)
		convLazyValues = lazy
		for _, prec := range []Precision{Float64, Float32} {
			x := Randn(rng, 7, 2, 12, 12)
			wa := Randn(rng, 8, 2, 3, 3).SetPrecision(prec)
			wb := Randn(rng, 8, 8, 4, 4).SetPrecision(prec)
			wc := Randn(rng, 4, 8, 3, 3).SetPrecision(prec)
			ba := Randn(rng, 8).SetPrecision(prec)
			for _, c := range []struct {
				name string
				loss func(tp *Tape, x *Tensor) (*Tensor, *Tensor) // the loss, and a SiLU's input
			}{
				{"stack", func(tp *Tape, x *Tensor) (*Tensor, *Tensor) {
					z := tp.Conv2d(x, wa, ba, s1)
					h := tp.Conv2dSiLU(tp.SiLU(z), wb, nil, s2)
					h = tp.SiLU(tp.Conv2d(h, wc, nil, s2))
					return tp.Sum(tp.Square(h)), z
				}},
				{"added", func(tp *Tape, x *Tensor) (*Tensor, *Tensor) {
					z := tp.Conv2d(x, wa, nil, s1)
					return tp.Add(tp.Sum(tp.Square(tp.SiLU(z))), tp.Sum(tp.Mul(z, z))), z
				}},
			} {
				what := fmt.Sprintf("%s %v lazy adjoints from %d values", c.name, prec, lazy)
				tp := NewTape()
				xl := x.Detach()
				l, _ := c.loss(tp, xl)
				got := tp.Grad([]*Tensor{l}, []*Tensor{xl}, GradOptions{})[0].Data()
				tp2 := NewTape()
				xl2 := x.Detach()
				l2, _ := c.loss(tp2, xl2)
				want := tp2.Grad([]*Tensor{l2}, []*Tensor{xl2, wa, wb, wc}, GradOptions{})[0].Data()
				equalBits(t, what, got, want)
				// A recorded backward pass adds the gradients with Add
				// (no gradSums, so nothing lazy: addSiLU's sums checked).
				tp5 := NewTape()
				xl5 := x.Detach()
				l5, _ := c.loss(tp5, xl5)
				equalBits(t, what+" recorded", tp5.Grad([]*Tensor{l5}, []*Tensor{xl5}, GradOptions{CreateGraph: true})[0].Data(), want)

				// z's gradient requested too: written for the result, and
				// its conv's vjp reads it as written.
				tp3 := NewTape()
				xl3 := x.Detach()
				l3, z3 := c.loss(tp3, xl3)
				gs := tp3.Grad([]*Tensor{l3}, []*Tensor{xl3, z3}, GradOptions{})
				equalBits(t, what+" with z", gs[0].Data(), want)
				tp4 := NewTape()
				l4, z4 := c.loss(tp4, x.Detach())
				gz := tp4.Grad([]*Tensor{l4}, []*Tensor{z4, wa}, GradOptions{})[0]
				equalBits(t, what+" z's gradient", gs[1].Data(), gz.Data())
				if gs[1].Precision() != gz.Precision() {
					t.Fatalf("%s: z's gradient in %v, want %v", what, gs[1].Precision(), gz.Precision())
				}
			}
		}
	}
}
