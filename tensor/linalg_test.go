package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// spd returns B·Bᵀ + n·I for a standard normal [n, n] B: symmetric positive
// definite with eigenvalues in [n, n + ‖B‖²], so well conditioned.
func spd(rng *rand.Rand, n int) *Tensor {
	b := Randn(rng, n, n)
	a := Zeros(n, n)
	for i := range n {
		for j := range n {
			s := 0.0
			for k := range n {
				s += b.data[i*n+k] * b.data[j*n+k]
			}
			a.data[i*n+j] = s
		}
		a.data[i*n+i] += float64(n)
	}
	return a
}

// triangular returns a standard normal [n, n] matrix whose diagonal is
// 2 + |N(0, 1)|, away from zero; both triangles are filled, so a solve that
// read the wrong one, or a gradient that leaked into it, is seen.
func triangular(rng *rand.Rand, n int) *Tensor {
	a := Randn(rng, n, n)
	for i := range n {
		a.data[i*n+i] = 2 + math.Abs(a.data[i*n+i])
	}
	return a
}

// wellPosed returns a standard normal [n, n] matrix plus n·I.
func wellPosed(rng *rand.Rand, n int) *Tensor {
	a := Randn(rng, n, n)
	for i := range n {
		a.data[i*n+i] += float64(n)
	}
	return a
}

// lowerFactor returns the Cholesky factor of spd(rng, n), as a leaf.
func lowerFactor(rng *rand.Rand, n int) *Tensor {
	var tp *Tape
	return tp.Cholesky(spd(rng, n)).Clone()
}

type linalgCase struct {
	name   string
	xs     func(rng *rand.Rand) []*Tensor
	f      func(tp *Tape, x []*Tensor) *Tensor
	orders []int // beyond 1 and 2
}

// TestGradCheckLinalg checks every linear-algebra op against central
// differences at orders 1 and 2, and Cholesky, the two solves and LogDet at
// order 3, on small well-conditioned matrices. Planted bugs each failed it.
// At order 1: choleskyVJPKernel without the halving of its diagonal,
// without the halving as it fills the upper triangle, or with its rank-1
// update of the wrong sign; Cholesky reading only the lower triangle of its
// input; SolveTriangular's ā kept to the wrong triangle or of the wrong
// sign, or its b̄ solved without toggling the transpose; Solve's b̄ solved
// with a instead of aᵀ, or its ā of the wrong sign; Diag's, DiagEmbed's or
// triPart's VJP scaled wrongly. At order 2 only (VJPs right as numbers but
// not as functions): choleskyVJP, SolveTriangular's ā or Solve's ā given a
// detached copy of the forward output.
func TestGradCheckLinalg(t *testing.T) {
	leaves := func(mk ...func(rng *rand.Rand) *Tensor) func(rng *rand.Rand) []*Tensor {
		return func(rng *rand.Rand) []*Tensor {
			xs := make([]*Tensor, len(mk))
			for i, m := range mk {
				xs[i] = m(rng)
			}
			return xs
		}
	}
	// of draws a matrix of size n from one of the makers above.
	of := func(mk func(*rand.Rand, int) *Tensor, n int) func(rng *rand.Rand) *Tensor {
		return func(rng *rand.Rand) *Tensor { return mk(rng, n) }
	}
	rnd := func(shape ...int) func(rng *rand.Rand) *Tensor {
		return func(rng *rand.Rand) *Tensor { return Randn(rng, shape...) }
	}
	cases := []linalgCase{
		{name: "Cholesky/4", xs: leaves(of(spd, 4)), orders: []int{3},
			f: func(tp *Tape, x []*Tensor) *Tensor { return tp.Cholesky(x[0]) }},
		{name: "Cholesky/1", xs: leaves(of(spd, 1)), orders: []int{3},
			f: func(tp *Tape, x []*Tensor) *Tensor { return tp.Cholesky(x[0]) }},
		{name: "Cholesky/of B·Bᵀ+3I", xs: leaves(rnd(3, 3)),
			f: func(tp *Tape, x []*Tensor) *Tensor {
				a := tp.Add(tp.MatMulT(x[0], x[0], false, true), tp.Scale(identity(3), 3))
				return tp.Cholesky(a)
			}},
	}
	for _, lower := range []bool{true, false} {
		for _, tr := range []bool{false, true} {
			name := fmt.Sprintf("SolveTriangular/lower=%v,trans=%v", lower, tr)
			solve := func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.SolveTriangular(x[0], x[1], lower, tr)) }
			cases = append(cases,
				linalgCase{name: name + "/[4,2]", xs: leaves(of(triangular, 4), rnd(4, 2)), f: solve, orders: []int{3}},
				linalgCase{name: name + "/[3]", xs: leaves(of(triangular, 3), rnd(3)), f: solve})
		}
	}
	cases = append(cases,
		linalgCase{name: "Solve/[4,2]", xs: leaves(of(wellPosed, 4), rnd(4, 2)), orders: []int{3},
			f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.Solve(x[0], x[1])) }},
		linalgCase{name: "Solve/[3]", xs: leaves(of(wellPosed, 3), rnd(3)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.Solve(x[0], x[1])) }},
		linalgCase{name: "Inverse", xs: leaves(of(wellPosed, 3)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return tp.Inverse(x[0]) }},
		linalgCase{name: "InverseSPD", xs: leaves(of(spd, 3)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return tp.InverseSPD(x[0]) }},
		linalgCase{name: "CholeskySolve", xs: leaves(of(lowerFactor, 3), rnd(3, 2)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return tp.CholeskySolve(x[0], x[1]) }},
		linalgCase{name: "LogDet", xs: leaves(of(spd, 4)), orders: []int{3},
			f: func(tp *Tape, x []*Tensor) *Tensor { return tp.LogDet(x[0]) }},
		linalgCase{name: "LogDetCholesky", xs: leaves(of(lowerFactor, 3)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return tp.LogDetCholesky(x[0]) }},
		// A Gaussian process's log-density: −½ yᵀK⁻¹y − ½ log det K.
		linalgCase{name: "GaussianLogDensity", xs: leaves(of(spd, 4), rnd(4)),
			f: func(tp *Tape, x []*Tensor) *Tensor {
				l := tp.Cholesky(x[0])
				z := tp.SolveTriangular(l, x[1], true, false)
				return tp.Scale(tp.Add(tp.Sum(tp.Square(z)), tp.LogDetCholesky(l)), -0.5)
			}},
		linalgCase{name: "Diag", xs: leaves(rnd(3, 3)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.Diag(x[0])) }},
		linalgCase{name: "DiagEmbed", xs: leaves(rnd(3)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.DiagEmbed(x[0])) }},
		linalgCase{name: "triPart/lower", xs: leaves(rnd(3, 3)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.triPart(x[0], true, 1, 0.5)) }},
		linalgCase{name: "triPart/upper", xs: leaves(rnd(3, 4)),
			f: func(tp *Tape, x []*Tensor) *Tensor { return sq(tp, tp.triPart(x[0], false, -1, 2)) }},
	)
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seed := 1800 + uint64(ci)
			xs := c.xs(rand.New(rand.NewPCG(seed, 1)))
			for _, order := range append([]int{1, 2}, c.orders...) {
				if err := CheckGrad(c.f, xs, CheckOptions{Order: order, Seed: seed}); err != nil {
					t.Errorf("%s: %v", c.name, err)
				}
			}
		})
	}
}

// dense copies a rank-2 tensor into a gonum matrix.
func dense(x *Tensor) *mat.Dense {
	return mat.NewDense(x.shape[0], x.shape[1], append([]float64(nil), x.data...))
}

// closeTo reports the first element of got that differs from want by more
// than tol relative to max(1, |want|).
func closeTo(t *testing.T, what string, got []float64, want mat.Matrix, tol float64) {
	t.Helper()
	r, c := want.Dims()
	if len(got) != r*c {
		t.Fatalf("%s: %d values, want %d×%d", what, len(got), r, c)
	}
	for i := range r {
		for j := range c {
			w := want.At(i, j)
			if g := got[i*c+j]; !(math.Abs(g-w) <= tol*math.Max(1, math.Abs(w))) {
				t.Errorf("%s[%d,%d] = %.17g, gonum %.17g", what, i, j, g, w)
				return
			}
		}
	}
}

// TestLinalgAgainstGonum compares values with gonum's mat to 1e-12 relative
// (to 1 below 1): Cholesky with mat.Cholesky, the triangular solves with
// mat's solve of a TriDense, Solve and Inverse with mat's LU, and LogDet,
// CholeskySolve and InverseSPD with mat.Cholesky's own.
func TestLinalgAgainstGonum(t *testing.T) {
	const tol = 1e-12
	var tp *Tape
	for _, n := range []int{1, 5, 30} {
		rng := rand.New(rand.NewPCG(uint64(n), 18))
		a := spd(rng, n)
		var chol mat.Cholesky
		if !chol.Factorize(mat.NewSymDense(n, append([]float64(nil), a.data...))) {
			t.Fatalf("n=%d: gonum finds the test matrix not positive definite", n)
		}
		var l mat.TriDense
		chol.LTo(&l)
		closeTo(t, fmt.Sprintf("Cholesky n=%d", n), tp.Cholesky(a).data, &l, tol)

		if got, want := tp.LogDet(a).Item(), chol.LogDet(); !(math.Abs(got-want) <= tol*math.Abs(want)) {
			t.Errorf("LogDet n=%d = %.17g, gonum %.17g", n, got, want)
		}
		b := Randn(rng, n, 3)
		var x mat.Dense
		if err := chol.SolveTo(&x, dense(b)); err != nil {
			t.Fatal(err)
		}
		closeTo(t, fmt.Sprintf("CholeskySolve n=%d", n), tp.CholeskySolve(tp.Cholesky(a), b).data, &x, tol)
		var inv mat.SymDense
		if err := chol.InverseTo(&inv); err != nil {
			t.Fatal(err)
		}
		closeTo(t, fmt.Sprintf("InverseSPD n=%d", n), tp.InverseSPD(a).data, &inv, tol)

		tri := triangular(rng, n)
		for _, lower := range []bool{true, false} {
			kind := mat.Upper
			if lower {
				kind = mat.Lower
			}
			td := mat.NewTriDense(n, kind, nil)
			for i := range n {
				for j := range n {
					if (i >= j) == lower || i == j {
						td.SetTri(i, j, tri.data[i*n+j])
					}
				}
			}
			for _, tr := range []bool{false, true} {
				var op mat.Matrix = td
				if tr {
					op = td.T()
				}
				var want mat.Dense
				if err := want.Solve(op, dense(b)); err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("SolveTriangular n=%d lower=%v trans=%v", n, lower, tr)
				closeTo(t, what, tp.SolveTriangular(tri, b, lower, tr).data, &want, tol)
				col := tp.SolveTriangular(tri, tp.Reshape(tp.SliceCols(b, 0, 1), n), lower, tr)
				closeTo(t, what+" [n]", col.data, want.Slice(0, n, 0, 1), tol)
			}
		}

		g := wellPosed(rng, n)
		var want, ginv mat.Dense
		if err := want.Solve(dense(g), dense(b)); err != nil {
			t.Fatal(err)
		}
		closeTo(t, fmt.Sprintf("Solve n=%d", n), tp.Solve(g, b).data, &want, tol)
		if err := ginv.Inverse(dense(g)); err != nil {
			t.Fatal(err)
		}
		closeTo(t, fmt.Sprintf("Inverse n=%d", n), tp.Inverse(g).data, &ginv, tol)
	}
}

// TestLinalgClosedForms checks gradients with known answers: ∇ log det A =
// A⁻¹, ∇_A yᵀA⁻¹y = −A⁻¹yyᵀA⁻¹ and ∇_y yᵀA⁻¹y = 2A⁻¹y for SPD A, to 1e-12;
// that Cholesky reads the symmetric part of a non-symmetric input; and that
// it keeps its factor's upper triangle zero.
func TestLinalgClosedForms(t *testing.T) {
	const n = 6
	rng := rand.New(rand.NewPCG(7, 18))
	a, y := spd(rng, n), Randn(rng, n)
	var chol mat.Cholesky
	chol.Factorize(mat.NewSymDense(n, append([]float64(nil), a.data...)))
	var inv mat.SymDense
	if err := chol.InverseTo(&inv); err != nil {
		t.Fatal(err)
	}
	tp := NewTape()
	g := tp.Grad([]*Tensor{tp.LogDet(a)}, []*Tensor{a}, GradOptions{})[0]
	closeTo(t, "∇ log det A", g.data, &inv, 1e-12)

	l := tp.Cholesky(a)
	quad := tp.Sum(tp.Mul(y, tp.CholeskySolve(l, y)))
	gs := tp.Grad([]*Tensor{quad}, []*Tensor{a, y}, GradOptions{})
	var u mat.VecDense
	u.MulVec(&inv, mat.NewVecDense(n, append([]float64(nil), y.data...)))
	var outer mat.Dense
	outer.Outer(-1, &u, &u)
	closeTo(t, "∇_A yᵀA⁻¹y", gs[0].data, &outer, 1e-12)
	u.ScaleVec(2, &u)
	closeTo(t, "∇_y yᵀA⁻¹y", gs[1].data, &u, 1e-12)

	// The strict upper triangle of a non-symmetric input is averaged with the
	// lower: moving mass between a_ij and a_ji changes nothing.
	b := a.Clone()
	b.data[0*n+3] += 0.7
	b.data[3*n+0] -= 0.7
	la, lb := tp.Cholesky(a), tp.Cholesky(b)
	for i, v := range la.data {
		if math.Abs(v-lb.data[i]) > 1e-14 {
			t.Fatalf("Cholesky of a and of a with the same symmetric part differ at %d: %v vs %v", i, v, lb.data[i])
		}
		if r, c := i/n, i%n; c > r && v != 0 {
			t.Fatalf("Cholesky upper element [%d,%d] = %v, want 0", r, c, v)
		}
	}
}

// TestLinalgNotPositiveDefinite checks that a matrix that is not positive
// definite gives NaN (factor, log-determinant, its gradient) and no panic,
// and that Solve of a singular matrix gives NaN.
func TestLinalgNotPositiveDefinite(t *testing.T) {
	a := New([]float64{1, 2, 2, 1}, 2, 2) // eigenvalues 3 and −1
	tp := NewTape()
	for i, v := range tp.Cholesky(a).data {
		if !math.IsNaN(v) {
			t.Errorf("Cholesky element %d = %v, want NaN", i, v)
		}
	}
	ld := tp.LogDet(a)
	if !math.IsNaN(ld.Item()) {
		t.Errorf("LogDet = %v, want NaN", ld.Item())
	}
	for i, v := range tp.Grad([]*Tensor{ld}, []*Tensor{a}, GradOptions{})[0].data {
		if !math.IsNaN(v) {
			t.Errorf("∇ LogDet element %d = %v, want NaN", i, v)
		}
	}
	var nt *Tape
	for i, v := range nt.Solve(New([]float64{1, 2, 2, 4}, 2, 2), Ones(2)).data {
		if !math.IsNaN(v) {
			t.Errorf("Solve of a singular matrix, element %d = %v, want NaN", i, v)
		}
	}
}

// benchCholesky times Cholesky of an n×n SPD matrix forward and backward.
func benchCholesky(b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, w := spd(rng, n), Randn(rng, n, n)
	tp := NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		s := tp.Sum(tp.Mul(tp.Cholesky(a), w))
		tp.Grad([]*Tensor{s}, []*Tensor{a}, GradOptions{})
	}
}

// benchGaussian times a Gaussian process's log-density −½ yᵀK⁻¹y − ½ log
// det K and its gradient with respect to K, for n observations.
func benchGaussian(b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	k, y := spd(rng, n), Randn(rng, n)
	tp := NewTape()
	b.ReportAllocs()
	for b.Loop() {
		tp.Reset()
		l := tp.Cholesky(k)
		z := tp.SolveTriangular(l, y, true, false)
		lp := tp.Scale(tp.Add(tp.Sum(tp.Square(z)), tp.LogDetCholesky(l)), -0.5)
		tp.Grad([]*Tensor{lp}, []*Tensor{k}, GradOptions{})
	}
}

func BenchmarkCholesky(b *testing.B) {
	for _, n := range []int{10, 50} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { benchCholesky(b, n) })
	}
}

func BenchmarkGaussianLogDensity(b *testing.B) {
	for _, n := range []int{20, 100} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) { benchGaussian(b, n) })
	}
}

// TestCholeskyVJPKernel checks that the first-order Cholesky VJP kernel
// (Murray's algorithm) agrees with the VJP written in ops (two triangular
// solves) to 1e-12 relative. CheckGrad cannot
// see a wrong value of the recorded VJP when the fused one is right: at
// order 2 its finite differences and its autodiff both differentiate the
// recorded one. The diagonal factor of Φ in choleskyVJP set to 1 (a planted
// bug) fails this test and no other.
func TestCholeskyVJPKernel(t *testing.T) {
	for _, n := range []int{1, 4, 30} {
		rng := rand.New(rand.NewPCG(uint64(n), 19))
		l, g := lowerFactor(rng, n), Randn(rng, n, n)
		var tp *Tape
		want := tp.choleskyVJP(l, g)
		closeTo(t, fmt.Sprintf("Cholesky VJP kernel n=%d", n), tp.choleskyVJPKernel(l, g).data, dense(want), 1e-12)
	}
}
