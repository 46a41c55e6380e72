package scalar_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/scalar"
	"github.com/goebm/goebm/tensor"
)

// model is written once against the Ops interface and uses every op, so
// the same code runs on both tapes.
func model[T any, O scalar.Ops[T]](o O, x []T) T {
	a, b, c := x[0], x[1], x[2]
	s := o.Add(o.Mul(a, b), o.Div(a, o.AddScalar(o.Square(c), 1)))
	s = o.Sub(s, o.Scale(o.Exp(o.Neg(b)), 0.3))
	s = o.Add(s, o.Log(o.AddScalar(o.Square(a), 0.5)))
	s = o.Add(s, o.Log1p(o.Sqrt(o.AddScalar(o.Square(b), 1))))
	s = o.Add(s, o.Mul(o.Softplus(c), o.Sigmoid(a)))
	s = o.Add(s, o.Tanh(o.Mul(b, c)))
	s = o.Add(s, o.Pow(o.Abs(o.AddScalar(c, 3)), 1.5))
	s = o.Add(s, o.Lgamma(o.AddScalar(o.Square(b), 0.3)))
	return o.Add(s, o.Mul(o.Const(2.5), a))
}

func TestGradAgainstFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tp := scalar.NewTape(0)
	f := func(tp *scalar.Tape, x []scalar.Var) scalar.Var { return model(tp, x) }
	for range 20 {
		x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		g := make([]float64, 3)
		v := tp.Gradient(f, x, g)
		for k := range x {
			const h = 1e-6
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[k] += h
			xm[k] -= h
			fd := (eval(f, xp) - eval(f, xm)) / (2 * h)
			if math.Abs(fd-g[k]) > 1e-7*(1+math.Abs(fd)) {
				t.Errorf("x=%v: ∂f/∂x%d = %.12g, finite differences %.12g", x, k, g[k], fd)
			}
		}
		if w := eval(f, x); v != w {
			t.Errorf("Gradient returned %v, evaluation %v", v, w)
		}
		if w := model(scalar.Float{}, x); v != w {
			t.Errorf("Gradient returned %v, Float %v", v, w)
		}
	}
}

func eval(f func(*scalar.Tape, []scalar.Var) scalar.Var, x []float64) float64 {
	tp := scalar.NewTape(0)
	return f(tp, tp.Vars(make([]scalar.Var, len(x)), x)).Value()
}

// TestSameAsTensorTape checks the value and gradient of the generic model
// against package tensor's tape, op for op.
func TestSameAsTensorTape(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tp := scalar.NewTape(0)
	for range 10 {
		x := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		g := make([]float64, 3)
		v := tp.Gradient(func(tp *scalar.Tape, x []scalar.Var) scalar.Var { return model(tp, x) }, x, g)

		tt := tensor.NewTape()
		xs := []*tensor.Tensor{tensor.Scalar(x[0]), tensor.Scalar(x[1]), tensor.Scalar(x[2])}
		out := model(tt, xs)
		want := tt.Grad([]*tensor.Tensor{out}, xs, tensor.GradOptions{})
		if math.Abs(v-out.Item()) > 1e-14*(1+math.Abs(v)) {
			t.Errorf("value %v, tensor tape %v", v, out.Item())
		}
		for k := range x {
			if w := want[k].Item(); math.Abs(g[k]-w) > 1e-14*(1+math.Abs(w)) {
				t.Errorf("∂/∂x%d = %v, tensor tape %v", k, g[k], w)
			}
		}
	}
}

func TestConstantsAndUnusedVariables(t *testing.T) {
	tp := scalar.NewTape(0)
	x, y := tp.Var(2), tp.Var(5)
	c := tp.Mul(tp.Const(3), tp.Const(4)) // folded: no node
	if !c.Const() || c.Value() != 12 {
		t.Fatalf("3·4 = %v (constant %v), want the constant 12", c.Value(), c.Const())
	}
	n := tp.Len()
	out := tp.Mul(c, tp.Square(x))
	if tp.Len() != n+2 {
		t.Errorf("c·x² recorded %d nodes, want 2", tp.Len()-n)
	}
	g := make([]float64, 3)
	tp.Grad(out, []scalar.Var{x, y, c}, g)
	if g[0] != 48 || g[1] != 0 || g[2] != 0 {
		t.Errorf("gradient of 12x² at x=2 w.r.t. (x, unused y, constant) = %v, want [48 0 0]", g)
	}
	// A second output of the same graph.
	tp.Grad(tp.Add(x, y), []scalar.Var{x, y}, g[:2])
	if g[0] != 1 || g[1] != 1 {
		t.Errorf("∇(x+y) = %v, want [1 1]", g[:2])
	}
}

// TestZeroAllocations: a model of 100 scalar ops allocates nothing per
// gradient once the tape has grown (the requirement).
func TestZeroAllocations(t *testing.T) {
	tp := scalar.NewTape(0)
	x := []float64{0.3, -0.2, 1.1}
	g := make([]float64, 3)
	f := func(tp *scalar.Tape, x []scalar.Var) scalar.Var {
		s := tp.Const(0)
		for range 10 {
			s = tp.Add(s, model(tp, x)) // about 30 ops each
		}
		return s
	}
	tp.Gradient(f, x, g)
	if tp.Len() < 100 {
		t.Fatalf("the model has %d ops, want at least 100", tp.Len())
	}
	if a := testing.AllocsPerRun(100, func() { tp.Gradient(f, x, g) }); a != 0 {
		t.Errorf("%v allocations per gradient, want 0", a)
	}
}

func BenchmarkGradient(b *testing.B) {
	tp := scalar.NewTape(0)
	x := []float64{0.3, -0.2, 1.1}
	g := make([]float64, 3)
	f := func(tp *scalar.Tape, x []scalar.Var) scalar.Var { return model(tp, x) }
	tp.Gradient(f, x, g)
	ops := tp.Len() - len(x)
	b.ResetTimer()
	for b.Loop() {
		tp.Gradient(f, x, g)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(ops), "ns/op-node")
}
