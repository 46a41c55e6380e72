package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	blasgonum "gonum.org/v1/gonum/blas/gonum"
	lapackgonum "gonum.org/v1/gonum/lapack/gonum"
)

// Linear algebra on square matrices: Cholesky, SolveTriangular, Solve, and
// what is built from them (CholeskySolve, LogDet, InverseSPD, Inverse), with
// the small ops their VJPs need (Diag, DiagEmbed, triPart). Forward kernels
// are gonum's BLAS and LAPACK in float64, whatever the operands' Precision;
// every VJP is written with tape ops, so every order of derivative follows.

// Cholesky returns the lower-triangular factor L, with positive diagonal, of
// the symmetric positive-definite [n, n] matrix a = L·Lᵀ. It factors the
// symmetric part (a + aᵀ)/2, so its gradient is symmetric and a finite
// difference in any element agrees with it. When that part is not positive
// definite, every element of L is NaN: whether a matrix is positive definite
// depends on data, not on the program, and goebm's samplers reject a
// proposal whose energy is NaN.
//
// The VJP (Murray 2016, "Differentiation of the Cholesky decomposition") is
//
//	ā = L⁻ᵀ·sym(Φ(Lᵀ·L̄))·L⁻¹,
//
// Φ keeping the lower triangle and halving the diagonal, sym(x) = (x + xᵀ)/2,
// written with MatMulT, SolveTriangular and Φ as an op. Without recording it
// runs as one kernel, Murray's unblocked algorithm, at about the cost of the
// factorisation.
func (tp *Tape) Cholesky(a *Tensor) *Tensor {
	n := squareDim("Cholesky", a)
	out := tp.make(a.shape, tp.alloc(n*n))
	l, d := out.data, a.data
	for i := range n {
		for j := range i {
			l[i*n+j] = 0.5 * (d[i*n+j] + d[j*n+i])
			l[j*n+i] = 0
		}
		l[i*n+i] = d[i*n+i]
	}
	if n > 0 && !(lapackgonum.Implementation{}).Dpotrf(blas.Lower, n, l, n) {
		fill(l, math.NaN())
	}
	return tp.record(out, []*Tensor{a}, func(g *Tensor, _ []bool) []*Tensor {
		if !tp.recording() {
			return []*Tensor{tp.choleskyVJPKernel(out, g)}
		}
		return []*Tensor{tp.choleskyVJP(out, g)}
	})
}

// choleskyVJPKernel computes choleskyVJP without recording, by Murray's
// (2016) unblocked reverse-mode algorithm: it walks the columns of L
// backwards with level-2 BLAS and costs about n³/3 multiply-adds, as the
// factorisation does, where the solves of choleskyVJP cost about 3n³.
// It leaves the gradient with respect to the lower triangle of the
// symmetric input in the lower triangle, which is then spread over both.
func (tp *Tape) choleskyVJPKernel(l, g *Tensor) *Tensor {
	n := l.shape[0]
	out := tp.make(l.shape, tp.alloc(n*n))
	s, ld := out.data, l.data
	for i := range n { // the lower triangle of g: L's upper one is constant
		copy(s[i*n:i*n+i+1], g.data[i*n:i*n+i+1])
		clear(s[i*n+i+1 : (i+1)*n])
	}
	impl := blasgonum.Implementation{}
	for j := n - 1; j >= 0; j-- {
		// Row j of L left of the diagonal is r, the diagonal d, column j
		// below it c, and the block below r is B; their gradients in s
		// are named with a bar.
		d, m := ld[j*n+j], n-j-1
		r, rbar := ld[j*n:j*n+j], s[j*n:j*n+j]
		dbar := s[j*n+j]
		if m > 0 {
			dbar -= impl.Ddot(m, ld[(j+1)*n+j:], n, s[(j+1)*n+j:], n) / d
			impl.Dscal(m, 1/d, s[(j+1)*n+j:], n) // c̄ /= d
		}
		dbar /= d
		if j > 0 {
			impl.Daxpy(j, -dbar, r, 1, rbar, 1)
			if m > 0 {
				impl.Dgemv(blas.Trans, m, j, -1, ld[(j+1)*n:], n, s[(j+1)*n+j:], n, 1, rbar, 1) // r̄ −= Bᵀ·c̄
				impl.Dger(m, j, -1, s[(j+1)*n+j:], n, r, 1, s[(j+1)*n:], n)                     // B̄ −= c̄·rᵀ
			}
		}
		s[j*n+j] = dbar / 2
	}
	for i := range n { // from the lower triangle to the symmetric part
		for j := range i {
			v := 0.5 * s[i*n+j]
			s[i*n+j], s[j*n+i] = v, v
		}
	}
	return out
}

// choleskyVJP returns L⁻ᵀ·sym(Φ(Lᵀ·g))·L⁻¹ for the factor l.
func (tp *Tape) choleskyVJP(l, g *Tensor) *Tensor {
	p := tp.triPart(tp.MatMulT(l, g, true, false), true, 1, 0.5)
	s := tp.Scale(tp.Add(p, tp.Transpose(p)), 0.5)
	y := tp.SolveTriangular(l, s, true, true) // L⁻ᵀ·S
	// L⁻ᵀ·S·L⁻¹ = L⁻ᵀ·(L⁻ᵀ·S)ᵀ, S being symmetric.
	return tp.SolveTriangular(l, tp.Transpose(y), true, true)
}

// SolveTriangular returns x solving op(a)·x = b, where a is [n, n] and
// triangular, lower or upper as lower says, op transposes it when transA
// is set, and b is [n, k] or [n]; x has b's shape. Only a's triangle is read
// (diagonal included), so a's gradient is zero outside it. A zero on the
// diagonal gives infinities or NaNs, as division by zero does.
//
// With x̄ given, b̄ = op(a)⁻ᵀ·x̄, another triangular solve, and op(a)'s
// gradient is −b̄·xᵀ, kept to the triangle.
func (tp *Tape) SolveTriangular(a, b *Tensor, lower, transA bool) *Tensor {
	n, k := solveDims("SolveTriangular", a, b)
	out := tp.make(b.shape, tp.alloc(len(b.data)))
	copy(out.data, b.data)
	if n > 0 && k > 0 {
		uplo := blas.Upper
		if lower {
			uplo = blas.Lower
		}
		blasgonum.Implementation{}.Dtrsm(blas.Left, uplo, trans(transA), blas.NonUnit, n, k, 1, a.data, n, out.data, k)
	}
	return tp.record(out, []*Tensor{a, b}, func(g *Tensor, need []bool) []*Tensor {
		gb := tp.SolveTriangular(a, g, lower, !transA)
		var ga *Tensor
		if need[0] {
			ga = tp.triPart(tp.solveGradA(out, gb, transA), lower, -1, -1)
		}
		if !need[1] {
			gb = nil
		}
		return []*Tensor{ga, gb}
	})
}

// solveGradA returns b̄·xᵀ, or x·b̄ᵀ when transA is set: minus the gradient
// of a in op(a)·x = b, for x and b̄ of shape [n, k] or [n].
func (tp *Tape) solveGradA(x, gb *Tensor, transA bool) *Tensor {
	if len(x.shape) == 1 {
		x, gb = tp.Reshape(x, -1, 1), tp.Reshape(gb, -1, 1)
	}
	if transA {
		return tp.MatMulT(x, gb, false, true)
	}
	return tp.MatMulT(gb, x, false, true)
}

// Solve returns x solving a·x = b for a general square a [n, n] and b of
// shape [n, k] or [n], by LU factorisation with partial pivoting (gonum's
// LAPACK). A singular a (an exact zero pivot) gives NaNs. With x̄ given,
// b̄ = a⁻ᵀ·x̄, solved with the transpose, and ā = −b̄·xᵀ.
func (tp *Tape) Solve(a, b *Tensor) *Tensor {
	n, k := solveDims("Solve", a, b)
	out := tp.make(b.shape, tp.alloc(len(b.data)))
	copy(out.data, b.data)
	if n > 0 && k > 0 {
		lu := tp.alloc(n * n) // scratch, recycled by Reset like a tensor's storage
		copy(lu, a.data)
		ipiv := make([]int, n)
		impl := lapackgonum.Implementation{}
		if impl.Dgetrf(n, n, lu, n, ipiv) {
			impl.Dgetrs(blas.NoTrans, n, k, lu, n, ipiv, out.data, k)
		} else {
			fill(out.data, math.NaN())
		}
	}
	return tp.record(out, []*Tensor{a, b}, func(g *Tensor, need []bool) []*Tensor {
		gb := tp.Solve(tp.Transpose(a), g)
		var ga *Tensor
		if need[0] {
			ga = tp.Neg(tp.solveGradA(out, gb, false))
		}
		if !need[1] {
			gb = nil
		}
		return []*Tensor{ga, gb}
	})
}

// Inverse returns the inverse of the general square matrix a, as
// Solve(a, I). To solve a system, Solve is cheaper and more accurate than
// multiplying by the inverse; for a symmetric positive-definite matrix,
// InverseSPD factors at half the cost and its gradient is symmetric.
func (tp *Tape) Inverse(a *Tensor) *Tensor {
	return tp.Solve(a, identity(squareDim("Inverse", a)))
}

// CholeskySolve returns x solving a·x = b given the Cholesky factor l of a
// (a = l·lᵀ, l from Cholesky), as two triangular solves. b is [n, k] or [n].
// This is how a Gaussian density applies the inverse of its covariance.
func (tp *Tape) CholeskySolve(l, b *Tensor) *Tensor {
	return tp.SolveTriangular(l, tp.SolveTriangular(l, b, true, false), true, true)
}

// InverseSPD returns the inverse of the symmetric positive-definite matrix
// a through its Cholesky factor: a⁻¹ = L⁻ᵀ·L⁻¹. Like Cholesky it reads the
// symmetric part of a and gives NaNs when that is not positive definite.
func (tp *Tape) InverseSPD(a *Tensor) *Tensor {
	return tp.CholeskySolve(tp.Cholesky(a), identity(squareDim("InverseSPD", a)))
}

// LogDetCholesky returns log det(l·lᵀ) = 2 Σᵢ log lᵢᵢ for a Cholesky factor
// l, as a scalar: the log-determinant of a covariance in a Gaussian
// log-density, given the factor that also solves with it.
func (tp *Tape) LogDetCholesky(l *Tensor) *Tensor {
	return tp.Scale(tp.Sum(tp.Log(tp.Diag(l))), 2)
}

// LogDet returns the log-determinant of the symmetric positive-definite
// matrix a through its Cholesky factor, as a scalar; its gradient is a⁻¹.
// It is NaN when a is not positive definite (see Cholesky).
func (tp *Tape) LogDet(a *Tensor) *Tensor { return tp.LogDetCholesky(tp.Cholesky(a)) }

// Diag returns the main diagonal [n] of the square matrix x [n, n]. Its
// gradient is DiagEmbed of the output gradient.
func (tp *Tape) Diag(x *Tensor) *Tensor {
	n := squareDim("Diag", x)
	out := tp.make([]int{n}, tp.alloc(n))
	for i := range n {
		out.data[i] = x.data[i*n+i]
	}
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.DiagEmbed(g)}
	})
}

// DiagEmbed returns the [n, n] matrix with v [n] on its diagonal and zeros
// elsewhere: a + DiagEmbed(v) adds v to a's diagonal (a jitter, a noise
// variance). Its gradient is Diag of the output gradient.
func (tp *Tape) DiagEmbed(v *Tensor) *Tensor {
	if len(v.shape) != 1 {
		panic(fmt.Sprintf("tensor: DiagEmbed: rank-1 tensor wanted, got shape %v", v.shape))
	}
	n := v.shape[0]
	out := tp.make([]int{n, n}, tp.allocZero(n*n))
	for i, x := range v.data {
		out.data[i*n+i] = x
	}
	return tp.record(out, []*Tensor{v}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.Diag(g)}
	})
}

// triPart returns the lower (or upper) triangle of the rank-2 x with its
// strict part times off and its diagonal times diag, zeros elsewhere:
// Φ of the Cholesky VJP is triPart(x, true, 1, 0.5). It multiplies each
// element by a fixed factor, so it is its own adjoint.
func (tp *Tape) triPart(x *Tensor, lower bool, off, diag float64) *Tensor {
	if len(x.shape) != 2 {
		panic(fmt.Sprintf("tensor: triPart: rank-2 tensor wanted, got shape %v", x.shape))
	}
	m, n := x.shape[0], x.shape[1]
	out := tp.make(x.shape, tp.alloc(len(x.data)))
	for i := range m {
		for j := range n {
			c := 0.0
			switch {
			case i == j:
				c = diag
			case (i > j) == lower:
				c = off
			}
			out.data[i*n+j] = c * x.data[i*n+j]
		}
	}
	return tp.record(out, []*Tensor{x}, func(g *Tensor, _ []bool) []*Tensor {
		return []*Tensor{tp.triPart(g, lower, off, diag)}
	})
}

// identity returns the n×n identity as a leaf.
func identity(n int) *Tensor {
	t := Zeros(n, n)
	for i := range n {
		t.data[i*n+i] = 1
	}
	return t
}

// squareDim returns n for a of shape [n, n] and panics otherwise.
func squareDim(op string, a *Tensor) int {
	if len(a.shape) != 2 || a.shape[0] != a.shape[1] {
		panic(fmt.Sprintf("tensor: %s: square matrix wanted, got shape %v", op, a.shape))
	}
	return a.shape[0]
}

// solveDims checks a [n, n] against b [n, k] or [n] and returns n and k.
func solveDims(op string, a, b *Tensor) (n, k int) {
	n = squareDim(op, a)
	switch {
	case len(b.shape) == 1 && b.shape[0] == n:
		return n, 1
	case len(b.shape) == 2 && b.shape[0] == n:
		return n, b.shape[1]
	}
	panic(fmt.Sprintf("tensor: %s: matrix of shape %v and right-hand side of shape %v", op, a.shape, b.shape))
}
