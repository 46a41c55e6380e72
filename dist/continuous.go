package dist

import (
	"math"

	"github.com/goebm/goebm/scalar"
)

var (
	halfLog2Pi = 0.5 * math.Log(2*math.Pi)
	logPi      = math.Log(math.Pi)
)

// The terms of each density are grouped so that those of constant
// arguments (data, fixed hyperparameters) fold into constants, which take
// no node on the scalar tape.

// Normal returns log N(x | μ, σ), the normal log density with mean μ and
// standard deviation σ. On the scalar tape and on Float it is normal, fused
// into one op; elsewhere, the same function composed of o's ops.
func Normal[T any, O scalar.Ops[T]](o O, x, mu, sigma T) T {
	if y, ok := scalar.Fuse3(o, x, mu, sigma, normal); ok {
		return y
	}
	z := o.Div(o.Sub(x, mu), sigma)
	return o.Sub(o.Scale(o.Square(z), -0.5), o.AddScalar(o.Log(sigma), halfLog2Pi))
}

// Cauchy returns the log density of the Cauchy distribution with location
// μ and scale σ.
func Cauchy[T any, O scalar.Ops[T]](o O, x, mu, sigma T) T {
	z := o.Div(o.Sub(x, mu), sigma)
	return o.Neg(o.Add(o.Log1p(o.Square(z)), o.AddScalar(o.Log(sigma), logPi)))
}

// StudentT returns the log density of Student's t distribution with ν
// degrees of freedom, location μ and scale σ.
func StudentT[T any, O scalar.Ops[T]](o O, x, nu, mu, sigma T) T {
	h := o.Scale(o.AddScalar(nu, 1), 0.5) // (ν+1)/2
	c := o.Sub(o.Lgamma(h), o.Lgamma(o.Scale(nu, 0.5)))
	c = o.Sub(c, o.Add(o.Scale(o.AddScalar(o.Log(nu), logPi), 0.5), o.Log(sigma)))
	z := o.Div(o.Sub(x, mu), sigma)
	return o.Sub(c, o.Mul(h, o.Log1p(o.Div(o.Square(z), nu))))
}

// normal is Normal's value and partials, v = (x, μ, σ): ∂/∂μ = z/σ = −∂/∂x
// and ∂/∂σ = (z² − 1)/σ, with one division.
func normal(x, mu, sigma float64) (y, dx, dmu, dsigma float64) {
	inv := 1 / sigma
	z := (x - mu) * inv
	dmu = z * inv
	return -0.5*z*z - (math.Log(sigma) + halfLog2Pi), -dmu, dmu, (z*z - 1) * inv
}

// LogNormal returns the log density of x > 0 whose logarithm is normal
// with mean μ and standard deviation σ.
func LogNormal[T any, O scalar.Ops[T]](o O, x, mu, sigma T) T {
	lx := o.Log(x)
	w := o.Div(o.Sub(lx, mu), sigma)
	return o.Sub(o.Scale(o.Square(w), -0.5), o.Add(o.AddScalar(o.Log(sigma), halfLog2Pi), lx))
}

// Exponential returns the log density of x ≥ 0 under the exponential
// distribution with rate λ (mean 1/λ).
func Exponential[T any, O scalar.Ops[T]](o O, x, rate T) T {
	return o.Sub(o.Log(rate), o.Mul(rate, x))
}

// Gamma returns the log density of x > 0 under the gamma distribution with
// shape α and rate β (mean α/β).
func Gamma[T any, O scalar.Ops[T]](o O, x, alpha, beta T) T {
	c := o.Sub(o.Mul(alpha, o.Log(beta)), o.Lgamma(alpha))
	return o.Sub(o.Add(c, o.Mul(o.AddScalar(alpha, -1), o.Log(x))), o.Mul(beta, x))
}

// InvGamma returns the log density of x > 0 under the inverse-gamma
// distribution with shape α and scale β (1/x is gamma with shape α, rate β).
func InvGamma[T any, O scalar.Ops[T]](o O, x, alpha, beta T) T {
	c := o.Sub(o.Mul(alpha, o.Log(beta)), o.Lgamma(alpha))
	return o.Sub(c, o.Add(o.Mul(o.AddScalar(alpha, 1), o.Log(x)), o.Div(beta, x)))
}

// Beta returns the log density of x ∈ (0, 1) under the beta distribution
// with shapes a and b.
func Beta[T any, O scalar.Ops[T]](o O, x, a, b T) T {
	s := o.Add(o.Mul(o.AddScalar(a, -1), o.Log(x)), o.Mul(o.AddScalar(b, -1), o.Log1p(o.Neg(x))))
	return o.Sub(s, Lbeta(o, a, b))
}
