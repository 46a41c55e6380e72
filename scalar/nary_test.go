package scalar_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/scalar"
	"github.com/goebm/goebm/tensor"
)

// naryModel builds the same function twice, with the n-ary and fused ops
// (fused true) and with chains of binary ops (fused false): Sum and Dot of
// inputs that include constants and repeated Vars, and Fuse3 of
// g(a, b, c) = a·b + c²·eᵃ, whose composed form is in Ops.
func naryModel(tp *scalar.Tape, x []scalar.Var, fused bool) scalar.Var {
	c := tp.Const(0.7)
	xs := []scalar.Var{x[0], c, x[1], x[2], x[0], x[3]}
	ys := []scalar.Var{x[3], x[1], c, x[2], x[4], x[0]}
	g := func(a, b, cc scalar.Var) scalar.Var {
		if fused {
			y, _ := scalar.Fuse3(tp, a, b, cc, gFused)
			return y
		}
		return gOps(tp, a, b, cc)
	}
	var s, d scalar.Var
	if fused {
		s = tp.Sum(xs...)
		d = tp.Dot(xs, ys)
	} else {
		s, d = tp.Const(0), tp.Const(0)
		for k, xk := range xs {
			s = tp.Add(s, xk)
			d = tp.Add(d, tp.Mul(xk, ys[k]))
		}
	}
	// A linear predictor by DotIndexed: a constant and a repeated index.
	idx, cs := []int{0, 2, 4, 1, 0, 5}, []float64{0.3, -1.2, 2, 0.5, 0.7, -0.4}
	var di scalar.Var
	if fused {
		di = tp.DotIndexed(xs, idx, cs)
	} else {
		di = tp.Const(0)
		for k, j := range idx {
			di = tp.Add(di, tp.Scale(xs[j], cs[k]))
		}
	}
	terms := []scalar.Var{
		tp.Mul(di, x[1]),
		tp.Mul(s, d),
		tp.Square(d),
		g(x[0], x[1], x[2]),    // three Vars: an n-ary node
		g(c, x[3], x[4]),       // two: a binary node
		g(c, x[3], c),          // one: a unary node
		g(x[4], x[4], x[1]),    // one Var twice
		tp.Log(g(c, c, c)),     // none: a constant
		tp.Mul(x[2], tp.Sum()), // the empty sum, 0
	}
	if fused {
		return tp.Sum(terms...)
	}
	out := tp.Const(0)
	for _, t := range terms {
		out = tp.Add(out, t)
	}
	return out
}

// gFused is g(a, b, c) = a·b + c²·eᵃ with its partials.
func gFused(a, b, c float64) (y, da, db, dc float64) {
	e := math.Exp(a)
	return a*b + c*c*e, b + c*c*e, a, 2 * c * e
}

func gOps[T any, O scalar.Ops[T]](o O, a, b, c T) T {
	return o.Add(o.Mul(a, b), o.Mul(o.Square(c), o.Exp(a)))
}

// TestNaryAgainstUnfused: the n-ary and fused nodes give the value and
// gradient of the same function built from binary ops, to 1e-12, and the
// gradient agrees with central differences.
func TestNaryAgainstUnfused(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fused := func(tp *scalar.Tape, x []scalar.Var) scalar.Var { return naryModel(tp, x, true) }
	plain := func(tp *scalar.Tape, x []scalar.Var) scalar.Var { return naryModel(tp, x, false) }
	tp, tq := scalar.NewTape(0), scalar.NewTape(0)
	for range 20 {
		x := make([]float64, 5)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		g, h := make([]float64, 5), make([]float64, 5)
		v, w := tp.Gradient(fused, x, g), tq.Gradient(plain, x, h)
		if math.Abs(v-w) > 1e-12*(1+math.Abs(w)) {
			t.Errorf("x=%.3f: fused value %.15g, unfused %.15g", x, v, w)
		}
		if tp.Len() >= tq.Len() {
			t.Errorf("fused graph has %d nodes, unfused %d", tp.Len(), tq.Len())
		}
		for k := range x {
			if math.Abs(g[k]-h[k]) > 1e-12*(1+math.Abs(h[k])) {
				t.Errorf("x=%.3f: ∂/∂x%d fused %.15g, unfused %.15g", x, k, g[k], h[k])
			}
			const step = 1e-6
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[k] += step
			xm[k] -= step
			fd := (eval(fused, xp) - eval(fused, xm)) / (2 * step)
			if math.Abs(fd-g[k]) > 1e-6*(1+math.Abs(fd)) {
				t.Errorf("x=%.3f: ∂/∂x%d = %.12g, finite differences %.12g", x, k, g[k], fd)
			}
		}
	}
}

// TestNaryNodeCounts: constants take no edge, and a node left with one or
// two inputs is a unary or binary one; Grad reads the edges of an n-ary node
// again for a second output of the same graph.
func TestNaryNodeCounts(t *testing.T) {
	tp := scalar.NewTape(0)
	x, y := tp.Var(2), tp.Var(3)
	c := tp.Const(5)
	n := tp.Len()
	if s := tp.Sum(c, c); !s.Const() || s.Value() != 10 || tp.Len() != n {
		t.Errorf("Sum of constants = %v (constant %v), recording %d nodes; want the constant 10 and none", s.Value(), s.Const(), tp.Len()-n)
	}
	if d, _ := scalar.Fuse3(tp, c, c, c, gFused); !d.Const() || tp.Len() != n {
		t.Errorf("Fuse3 of constants recorded %d nodes, constant %v", tp.Len()-n, d.Const())
	}
	s := tp.Sum(x, c, y, x) // 2x + y + 5: one node, three edges
	d := tp.Dot([]scalar.Var{x, c, y}, []scalar.Var{y, y, c})
	if tp.Len() != n+2 {
		t.Errorf("Sum and Dot recorded %d nodes, want 2", tp.Len()-n)
	}
	if di := tp.DotIndexed([]scalar.Var{c, x, y}, []int{1, 0, 1}, []float64{2, 3, 4}); di.Value() != 4+15+8 || tp.Len() != n+3 {
		t.Errorf("DotIndexed = %v with %d nodes, want 27 and one more node", di.Value(), tp.Len()-n)
	}
	if s.Value() != 12 || d.Value() != 6+15+15 {
		t.Errorf("Sum = %v, Dot = %v; want 12 and 36", s.Value(), d.Value())
	}
	g := make([]float64, 2)
	tp.Grad(s, []scalar.Var{x, y}, g)
	if g[0] != 2 || g[1] != 1 {
		t.Errorf("∇(2x + y + 5) = %v, want [2 1]", g)
	}
	// d = xy + 5y + 5y: ∂/∂x = y = 3, ∂/∂y = x + 10 = 12.
	tp.Grad(d, []scalar.Var{x, y}, g)
	if g[0] != 3 || g[1] != 12 {
		t.Errorf("∇(xy + 10y) = %v, want [3 12]", g)
	}
}

// TestFuse3OtherOps: on Float, Fuse3 is f's value; on package tensor's tape
// it declines, for the caller to compose ops.
func TestFuse3OtherOps(t *testing.T) {
	y, ok := scalar.Fuse3(scalar.Float{}, 0.3, -1.2, 2, gFused)
	if w, _, _, _ := gFused(0.3, -1.2, 2); !ok || y != w {
		t.Errorf("Float: Fuse3 = %v, %v; want %v, true", y, ok, w)
	}
	if w := gOps(scalar.Float{}, 0.3, -1.2, 2); math.Abs(y-w) > 1e-15*math.Abs(w) {
		t.Errorf("fused g = %.17g, composed %.17g", y, w)
	}
	tt := tensor.NewTape()
	if _, ok := scalar.Fuse3(tt, tensor.Scalar(1), tensor.Scalar(2), tensor.Scalar(3), gFused); ok {
		t.Error("Fuse3 on package tensor's tape did not decline")
	}
}

// TestScratch: Scratch's slices are zero, do not overlap within one
// evaluation, stay valid when the arena grows, and are reused after Reset.
func TestScratch(t *testing.T) {
	tp := scalar.NewTape(0)
	a := tp.Scratch(3)
	for i := range a {
		a[i] = tp.Var(float64(i + 1))
	}
	b := tp.Scratch(100) // grows the arena
	for i := range b {
		if b[i] != (scalar.Var{}) {
			t.Fatalf("Scratch's Var %d is %v, want the zero Var", i, b[i])
		}
		b[i] = tp.Const(-1)
	}
	if a[0].Value() != 1 || a[2].Value() != 3 {
		t.Errorf("the first slice changed to %v when the arena grew", a)
	}
	if len(a) != 3 || cap(a) != 3 || len(b) != 100 || cap(b) != 100 {
		t.Errorf("lengths and capacities %d, %d and %d, %d; want 3, 3 and 100, 100", len(a), cap(a), len(b), cap(b))
	}
	f := func() {
		tp.Reset()
		s := tp.Scratch(60)
		u := tp.Scratch(43)
		s[59], u[0] = tp.Var(1), tp.Var(2)
		if s[59] == u[0] {
			t.Error("two slices share storage")
		}
	}
	f()
	if n := testing.AllocsPerRun(10, f); n != 0 {
		t.Errorf("%v allocations per evaluation after the arena grew, want 0", n)
	}
}

// TestNaryZeroAllocations: a model of n-ary and fused ops and Scratch
// allocates nothing per gradient once the tape has grown.
func TestNaryZeroAllocations(t *testing.T) {
	tp := scalar.NewTape(0)
	x := []float64{0.3, -0.2, 1.1, 0.5, -0.9}
	g := make([]float64, len(x))
	f := func(tp *scalar.Tape, x []scalar.Var) scalar.Var {
		terms := tp.Scratch(20)
		for i := range terms {
			terms[i] = tp.Add(naryModel(tp, x, true), tp.Dot(x[:2], x[3:]))
		}
		return tp.Sum(terms...)
	}
	tp.Gradient(f, x, g)
	if a := testing.AllocsPerRun(100, func() { tp.Gradient(f, x, g) }); a != 0 {
		t.Errorf("%v allocations per gradient, want 0", a)
	}
}
