// Package special computes the special functions that goebm's tapes
// differentiate: the polygamma functions ψ⁽ⁿ⁾, the derivatives of
// log Γ, on float64 values. Package scalar and package tensor wrap them as
// ops; keeping the kernel here gives both tapes the same bits.
//
// For x > 0, ψ⁽ⁿ⁾ is shifted up by the recurrence
//
//	ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) − (−1)ⁿ n! / xⁿ⁺¹
//
// until x ≥ 10 + n (8 for ψ), where the asymptotic series
//
//	ψ(x)    ~ log x − 1/(2x) − Σₖ B₂ₖ / (2k x²ᵏ)
//	ψ⁽ⁿ⁾(x) ~ (−1)ⁿ⁺¹ [ (n−1)!/xⁿ + n!/(2xⁿ⁺¹) + Σₖ B₂ₖ (2k+n−1)! / ((2k)! x²ᵏ⁺ⁿ) ]   (n ≥ 1)
//
// with the Bernoulli numbers B₂ … B₂₀ is accurate to a few ulp. For n ≥ 1
// the terms of the recurrence have the sign of the result, so nothing
// cancels; ψ itself loses relative (not absolute) accuracy near its root
// x ≈ 1.4616. For x < 0 the reflection formula
//
//	ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1 − x) − πⁿ⁺¹ Pₙ(cot πx),
//
// with Pₙ the polynomial in c = cot such that dⁿ cot/dxⁿ = Pₙ(cot), maps the
// argument to 1 − x > 1. The poles x = 0, −1, −2, … give NaN.
package special

import "math"

// bernoulli holds B₂, B₄, …, B₂₀.
var bernoulli = [...]float64{
	1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66,
	-691.0 / 2730, 7.0 / 6, -3617.0 / 510, 43867.0 / 798, -174611.0 / 330,
}

// Digamma returns ψ(x) = d/dx log Γ(x).
func Digamma(x float64) float64 { return Polygamma(0, x) }

// Trigamma returns ψ′(x).
func Trigamma(x float64) float64 { return Polygamma(1, x) }

// Polygamma returns ψ⁽ⁿ⁾(x), the (n+1)-th derivative of log Γ(x), for any
// real x (NaN at the poles 0, −1, −2, … and at −∞). It panics if n < 0.
func Polygamma(n int, x float64) float64 {
	if n < 0 {
		panic("special: Polygamma of negative order")
	}
	switch {
	case math.IsNaN(x) || math.IsInf(x, -1):
		return math.NaN()
	case math.IsInf(x, 1):
		if n == 0 {
			return x
		}
		return 0
	case x <= 0 && x == math.Floor(x):
		return math.NaN()
	case x < 0:
		return reflect(n, x)
	}
	return positive(n, x)
}

// digammaCoef holds B₂ₖ/(2k) for k = 1 … 10, the coefficients of ψ's
// asymptotic series in 1/x².
var digammaCoef = func() (c [len(bernoulli)]float64) {
	for k, b := range bernoulli {
		c[k] = b / float64(2*k+2)
	}
	return c
}()

// positive returns ψ⁽ⁿ⁾(x) for x > 0.
func positive(n int, x float64) float64 {
	if n == 0 {
		return digamma(x)
	}
	xmin := 10 + float64(n)
	// shift accumulates Σ 1/(x+j)ⁿ⁺¹ over the steps of the recurrence.
	shift := 0.0
	for ; x < xmin; x++ {
		shift += 1 / powi(x, n+1)
	}
	r := 1 / x
	fact := factorial(n)
	r2, rn := r*r, powi(r, n)
	// Σₖ B₂ₖ cₖ r²ᵏ⁺ⁿ by Horner's rule in r², with
	// cₖ = (2k+n−1)!/(2k)! = (2k+1)(2k+2)…(2k+n−1).
	s := 0.0
	for k := len(bernoulli); k >= 1; k-- {
		c := 1.0
		for j := 1; j < n; j++ {
			c *= float64(2*k + j)
		}
		s = s*r2 + bernoulli[k-1]*c
	}
	s *= r2 * rn
	s += fact / float64(n) * rn * (1 + 0.5*float64(n)*r)
	// ψ⁽ⁿ⁾(x₀) = ψ⁽ⁿ⁾(x) − (−1)ⁿ n! shift, and both parts carry (−1)ⁿ⁺¹.
	s += fact * shift
	if n%2 == 0 {
		return -s
	}
	return s
}

// digamma returns ψ(x) for x > 0. From x ≥ 8 the ten terms of the series
// are enough: the last is below 2e-17 of log x.
func digamma(x float64) float64 {
	shift := 0.0
	for ; x < 8; x++ {
		shift += 1 / x
	}
	r := 1 / x
	r2 := r * r
	c := &digammaCoef
	s := c[9]
	for k := 8; k >= 0; k-- {
		s = s*r2 + c[k]
	}
	return math.Log(x) - 0.5*r - s*r2 - shift
}

// reflect returns ψ⁽ⁿ⁾(x) for a negative non-integer x.
func reflect(n int, x float64) float64 {
	// cot πx has period 1; fold to r ∈ (0, ½] with a sign, exactly.
	r := x - math.Floor(x)
	sign := 1.0
	if r > 0.5 {
		r, sign = 1-r, -1
	}
	c := sign / math.Tan(math.Pi*r)
	// Pₙ by Pₖ₊₁(c) = −(1 + c²) Pₖ′(c), from P₀(c) = c; coefficients by power.
	p := []float64{0, 1}
	for range n {
		q := make([]float64, len(p)+1)
		for i := 1; i < len(p); i++ {
			d := float64(i) * p[i] // coefficient of c^(i−1) in Pₖ′
			q[i-1] -= d
			q[i+1] -= d
		}
		p = q
	}
	pc := 0.0
	for i := len(p) - 1; i >= 0; i-- {
		pc = pc*c + p[i]
	}
	y := positive(n, 1-x)
	if n%2 == 1 {
		y = -y
	}
	return y - math.Pow(math.Pi, float64(n+1))*pc
}

// powi returns xᵏ for k ≥ 0 by repeated squaring.
func powi(x float64, k int) float64 {
	y := 1.0
	for k > 0 {
		if k&1 == 1 {
			y *= x
		}
		x *= x
		k >>= 1
	}
	return y
}

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}
