package bijector_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/scalar"
	"github.com/goebm/goebm/tensor"
)

// cases are the constraints under test, each with a constrained size n
// (K for Simplex, the K of K×K for CholeskyCorr), edge sizes included.
var cases = []struct {
	c bijector.Constraint
	n int
}{
	{bijector.Constraint{}, 3},
	{bijector.Positive(), 3},
	{bijector.Lower(-2), 2},
	{bijector.Upper(1.5), 2},
	{bijector.Interval(-1, 3), 3},
	{bijector.Ordered(), 4},
	{bijector.Ordered(), 1},
	{bijector.Simplex(), 4},
	{bijector.Simplex(), 2},
	{bijector.Simplex(), 1},
	{bijector.UnitVector(), 3},
	{bijector.CholeskyCorr(), 4},
	{bijector.CholeskyCorr(), 2},
	{bijector.CholeskyCorr(), 1},
}

func name(c bijector.Constraint, n int) string { return fmt.Sprintf("%v/%d", c, n) }

// constrain runs Constrain on plain floats.
func constrain(c bijector.Constraint, y []float64, n int) ([]float64, float64) {
	_, m := c.Sizes(n)
	x := make([]float64, m)
	return x, bijector.Constrain(scalar.Float{}, c, y, x)
}

func randn(rng *rand.Rand, n int, s float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		y[i] = s * rng.NormFloat64()
	}
	return y
}

// TestRoundTrip checks Unconstrain∘Constrain and Constrain∘Unconstrain
// against the identity to 1e-12, at points with |y| up to about 3.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range cases {
		t.Run(name(tc.c, tc.n), func(t *testing.T) {
			free, _ := tc.c.Sizes(tc.n)
			for range 20 {
				y := randn(rng, free, 1.5)
				x, _ := constrain(tc.c, y, tc.n)
				y2 := make([]float64, free)
				if err := bijector.Unconstrain(tc.c, x, y2); err != nil {
					t.Fatalf("y=%v, x=%v: %v", y, x, err)
				}
				x2, _ := constrain(tc.c, y2, tc.n)
				for i := range x {
					if math.Abs(x2[i]-x[i]) > 1e-12 {
						t.Errorf("Constrain(Unconstrain(x)) = %v, x = %v", x2, x)
						break
					}
				}
				if tc.c.Kind == bijector.UnitKind {
					continue // y = x/‖x‖ loses ‖y‖
				}
				for i := range y {
					if math.Abs(y2[i]-y[i]) > 1e-12*(1+math.Abs(y[i])) {
						t.Errorf("Unconstrain(Constrain(y)) = %v, y = %v", y2, y)
						break
					}
				}
			}
		})
	}
}

// freeCoords returns the indices of the constrained values that y maps to
// one to one: all but the last of a simplex, the strict lower triangle of a
// Cholesky factor (row by row), every value otherwise.
func freeCoords(c bijector.Constraint, n int) []int {
	var idx []int
	switch c.Kind {
	case bijector.SimplexKind:
		for i := range n - 1 {
			idx = append(idx, i)
		}
	case bijector.CholeskyKind:
		for i := range n {
			for j := range i {
				idx = append(idx, i*n+j)
			}
		}
	default:
		for i := range n {
			idx = append(idx, i)
		}
	}
	return idx
}

// TestLogJacobian compares log|det J| with the log-determinant of the
// central-difference Jacobian of y ↦ the free coordinates of x, to 1e-6.
func TestLogJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, tc := range cases {
		if tc.c.Kind == bijector.UnitKind {
			continue // not a bijection: TestUnitVector
		}
		t.Run(name(tc.c, tc.n), func(t *testing.T) {
			free, _ := tc.c.Sizes(tc.n)
			idx := freeCoords(tc.c, tc.n)
			if len(idx) != free {
				t.Fatalf("%d free values map to %d coordinates", free, len(idx))
			}
			if free == 0 {
				if _, lj := constrain(tc.c, nil, tc.n); lj != 0 {
					t.Errorf("log|J| = %v with no free values, want 0", lj)
				}
				return
			}
			for range 10 {
				y := randn(rng, free, 1.5)
				_, logJ := constrain(tc.c, y, tc.n)
				jac := mat.NewDense(free, free, nil)
				const h = 1e-6
				for k := range free {
					yp, ym := append([]float64(nil), y...), append([]float64(nil), y...)
					yp[k] += h
					ym[k] -= h
					xp, _ := constrain(tc.c, yp, tc.n)
					xm, _ := constrain(tc.c, ym, tc.n)
					for r, i := range idx {
						jac.Set(r, k, (xp[i]-xm[i])/(2*h))
					}
				}
				var lu mat.LU
				lu.Factorize(jac)
				want, _ := lu.LogDet()
				if math.Abs(logJ-want) > 1e-6 {
					t.Errorf("y=%v: log|J| = %.10g, finite differences %.10g", y, logJ, want)
				}
			}
		})
	}
}

// TestUnitVector checks the unit vector's values and its −½‖y‖² term.
func TestUnitVector(t *testing.T) {
	y := []float64{3, -4, 12}
	x, lj := constrain(bijector.UnitVector(), y, 3)
	want := []float64{3.0 / 13, -4.0 / 13, 12.0 / 13}
	for i := range x {
		if math.Abs(x[i]-want[i]) > 1e-15 {
			t.Errorf("x = %v, want %v", x, want)
		}
	}
	if lj != -0.5*169 {
		t.Errorf("log term %v, want −½·169", lj)
	}
}

// TestSameOnEveryTape checks each Constrain's values, log-Jacobian and, by
// tensor.CheckGrad, its first and second derivatives (of a random
// combination of the outputs and log|J|) against finite differences on
// package tensor's tape, and the scalar tape's gradient against tensor's
// to 1e-12.
func TestSameOnEveryTape(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tc := range cases {
		t.Run(name(tc.c, tc.n), func(t *testing.T) {
			free, cons := tc.c.Sizes(tc.n)
			if free == 0 {
				return
			}
			u := randn(rng, cons+1, 1)
			// comb is Σ uᵢxᵢ + u₀·log|J|, written once for every tape.
			comb := func(o any, y any) any {
				switch o := o.(type) {
				case *tensor.Tape:
					return combine(o, tc.c, y.([]*tensor.Tensor), cons, u)
				case *scalar.Tape:
					return combine(o, tc.c, y.([]scalar.Var), cons, u)
				}
				return combine(scalar.Float{}, tc.c, y.([]float64), cons, u)
			}
			for range 3 {
				y := randn(rng, free, 1.2)
				ys := make([]*tensor.Tensor, free)
				for i, v := range y {
					ys[i] = tensor.Scalar(v)
				}
				f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor {
					return comb(tp, xs).(*tensor.Tensor)
				}
				for order := 1; order <= 2; order++ {
					if err := tensor.CheckGrad(f, ys, tensor.CheckOptions{Order: order, Seed: 7}); err != nil {
						t.Errorf("order %d at y=%v: %v", order, y, err)
					}
				}
				tt := tensor.NewTape()
				out := f(tt, ys)
				want := tt.Grad([]*tensor.Tensor{out}, ys, tensor.GradOptions{})
				g := make([]float64, free)
				v := scalar.NewTape(0).Gradient(func(tp *scalar.Tape, x []scalar.Var) scalar.Var {
					return comb(tp, x).(scalar.Var)
				}, y, g)
				if fv := comb(nil, y).(float64); math.Abs(v-out.Item()) > 1e-12*(1+math.Abs(v)) || math.Abs(fv-v) > 1e-12*(1+math.Abs(v)) {
					t.Errorf("value %v on the scalar tape, %v on tensor's, %v on floats", v, out.Item(), fv)
				}
				for k := range g {
					if w := want[k].Item(); math.Abs(g[k]-w) > 1e-12*(1+math.Abs(w)) {
						t.Errorf("∂/∂y%d = %v on the scalar tape, %v on tensor's", k, g[k], w)
					}
				}
			}
		})
	}
}

func combine[T any, O scalar.Ops[T]](o O, c bijector.Constraint, y []T, cons int, u []float64) T {
	x := make([]T, cons)
	s := o.Scale(bijector.Constrain(o, c, y, x), u[0])
	for i, v := range x {
		s = o.Add(s, o.Scale(v, u[i+1]))
	}
	return s
}

// TestFarTails: far from 0 the transforms stay finite (the log-Jacobians
// use softplus, not log(1 − σ) or log(1 − tanh²)).
func TestFarTails(t *testing.T) {
	for _, tc := range []struct {
		c bijector.Constraint
		n int
	}{{bijector.Interval(0, 1), 1}, {bijector.Simplex(), 2}, {bijector.CholeskyCorr(), 2}} {
		for _, v := range []float64{-40, 40} {
			_, lj := constrain(tc.c, []float64{v}, tc.n)
			// log σ(v) + log σ(−v) ≈ −|v|; log(1 − tanh²v) ≈ log 4 − 2|v|.
			want := -40.0
			if tc.c.Kind == bijector.CholeskyKind {
				want = math.Log(4) - 80
			}
			if math.Abs(lj-want) > 1e-9 {
				t.Errorf("%v at y=%v: log|J| = %v, want %v", tc.c, v, lj, want)
			}
		}
	}
}

func TestInvalid(t *testing.T) {
	bad := []struct {
		c bijector.Constraint
		x []float64
	}{
		{bijector.Positive(), []float64{1, 0}},
		{bijector.Upper(1), []float64{2}},
		{bijector.Interval(0, 1), []float64{1}},
		{bijector.Interval(1, 0), []float64{0.5}},
		{bijector.Lower(math.Inf(-1)), []float64{0.5}},
		{bijector.Ordered(), []float64{1, 1}},
		{bijector.Simplex(), []float64{0.5, 0.6}},
		{bijector.Simplex(), []float64{1.5, -0.5}},
		{bijector.UnitVector(), []float64{1, 1}},
		{bijector.UnitVector(), []float64{1}},
		{bijector.CholeskyCorr(), []float64{1, 0, 0.6, 0.7}},
		{bijector.CholeskyCorr(), []float64{1, 0.1, 0, 1}},
		{bijector.CholeskyCorr(), []float64{1, 0, 0, -1}},
		{bijector.Constraint{}, []float64{math.NaN()}},
		{bijector.Constraint{Kind: 99}, []float64{1}},
	}
	for _, b := range bad {
		n := len(b.x)
		if b.c.Kind == bijector.CholeskyKind {
			n = 2
		}
		free, _ := b.c.Sizes(n)
		err := bijector.Unconstrain(b.c, b.x, make([]float64, free))
		if !errors.Is(err, bijector.ErrInvalid) {
			t.Errorf("Unconstrain(%v, %v) = %v, want ErrInvalid", b.c, b.x, err)
		}
	}
	if err := bijector.Unconstrain(bijector.Positive(), []float64{1}, make([]float64, 2)); !errors.Is(err, bijector.ErrInvalid) {
		t.Errorf("wrong length: %v, want ErrInvalid", err)
	}
}

func BenchmarkConstrain(b *testing.B) {
	for _, tc := range []struct {
		c bijector.Constraint
		n int
	}{{bijector.Positive(), 8}, {bijector.Simplex(), 8}, {bijector.CholeskyCorr(), 4}} {
		b.Run(name(tc.c, tc.n), func(b *testing.B) {
			free, cons := tc.c.Sizes(tc.n)
			y, g := make([]float64, free), make([]float64, free)
			x := make([]scalar.Var, cons)
			f := func(tp *scalar.Tape, y []scalar.Var) scalar.Var {
				lj := bijector.Constrain(tp, tc.c, y, x)
				return tp.Add(lj, x[cons-1])
			}
			tp := scalar.NewTape(0)
			for b.Loop() {
				tp.Gradient(f, y, g)
			}
		})
	}
}
