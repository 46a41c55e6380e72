package dist

import "github.com/goebm/goebm/scalar"

// LogAddExp returns log(eᵃ + eᵇ), computed as a + softplus(b − a) without
// overflow at any a, b.
func LogAddExp[T any, O scalar.Ops[T]](o O, a, b T) T {
	return o.Add(a, o.Softplus(o.Sub(b, a)))
}

// LogInvLogit returns log σ(x) = −softplus(−x), the log of the inverse logit.
func LogInvLogit[T any, O scalar.Ops[T]](o O, x T) T {
	return o.Neg(o.Softplus(o.Neg(x)))
}

// Log1mInvLogit returns log(1 − σ(x)) = −softplus(x).
func Log1mInvLogit[T any, O scalar.Ops[T]](o O, x T) T {
	return o.Neg(o.Softplus(x))
}

// Lbeta returns log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).
func Lbeta[T any, O scalar.Ops[T]](o O, a, b T) T {
	return o.Sub(o.Add(o.Lgamma(a), o.Lgamma(b)), o.Lgamma(o.Add(a, b)))
}

// addConst returns x + c, recording nothing when c is 0.
func addConst[T any, O scalar.Ops[T]](o O, x T, c float64) T {
	if c == 0 {
		return x
	}
	return o.AddScalar(x, c)
}
