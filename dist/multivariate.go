package dist

import (
	"fmt"

	"github.com/goebm/goebm/scalar"
)

// Dirichlet returns the log density of the point x of the simplex (xᵢ > 0,
// Σ xᵢ = 1, not checked) under the Dirichlet distribution with
// concentrations α. It panics if the lengths differ or are 0.
func Dirichlet[T any, O scalar.Ops[T]](o O, x, alpha []T) T {
	if len(x) != len(alpha) || len(x) == 0 {
		panic(fmt.Sprintf("dist: Dirichlet: %d values for %d concentrations", len(x), len(alpha)))
	}
	sum := alpha[0]
	s := o.Sub(o.Mul(o.AddScalar(alpha[0], -1), o.Log(x[0])), o.Lgamma(alpha[0]))
	for i := 1; i < len(x); i++ {
		sum = o.Add(sum, alpha[i])
		s = o.Add(s, o.Sub(o.Mul(o.AddScalar(alpha[i], -1), o.Log(x[i])), o.Lgamma(alpha[i])))
	}
	return o.Add(s, o.Lgamma(sum))
}

// MultiNormalCholesky returns the log density of x under the multivariate
// normal with mean μ and covariance L Lᵀ, where L, n×n and lower
// triangular with a positive diagonal, is given flat and row-major (L[i*n+j]
// is Lᵢⱼ; the upper triangle is not read). It costs n² ops and allocates
// nothing up to n = 16. It panics on mismatched lengths.
func MultiNormalCholesky[T any, O scalar.Ops[T]](o O, x, mu, L []T) T {
	n := len(x)
	if len(mu) != n || len(L) != n*n || n == 0 {
		panic(fmt.Sprintf("dist: MultiNormalCholesky: %d values, %d means, %d factor entries (want n, n, n²)", n, len(mu), len(L)))
	}
	var buf [16]T
	z := buf[:0]
	if n > len(buf) {
		z = make([]T, 0, n)
	}
	var ss, logDet T
	for i := range n {
		r := o.Sub(x[i], mu[i])
		row := L[i*n : i*n+i]
		for j, lij := range row {
			r = o.Sub(r, o.Mul(lij, z[j]))
		}
		zi := o.Div(r, L[i*n+i])
		z = append(z, zi)
		if i == 0 {
			ss, logDet = o.Square(zi), o.Log(L[0])
			continue
		}
		ss = o.Add(ss, o.Square(zi))
		logDet = o.Add(logDet, o.Log(L[i*n+i]))
	}
	return o.AddScalar(o.Neg(o.Add(o.Scale(ss, 0.5), logDet)), -float64(n)*halfLog2Pi)
}
