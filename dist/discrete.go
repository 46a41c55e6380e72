package dist

import (
	"math"

	"github.com/goebm/goebm/scalar"
)

// lfact returns log k!.
func lfact(k int) float64 {
	v, _ := math.Lgamma(float64(k) + 1)
	return v
}

// BernoulliLogit returns log P(y | η) for y ∈ {0, 1} with P(y = 1) = σ(η),
// the inverse logit of η: −softplus(−η) for y = 1, −softplus(η) for y = 0,
// and −∞ for any other y.
func BernoulliLogit[T any, O scalar.Ops[T]](o O, y int, logit T) T {
	switch y {
	case 1:
		return o.Neg(o.Softplus(o.Neg(logit)))
	case 0:
		return o.Neg(o.Softplus(logit))
	}
	return o.Const(math.Inf(-1))
}

// BinomialLogit returns log P(k | n, η), the binomial log mass of k
// successes in n trials of success probability σ(η); −∞ unless 0 ≤ k ≤ n.
func BinomialLogit[T any, O scalar.Ops[T]](o O, k, n int, logit T) T {
	if k < 0 || k > n {
		return o.Const(math.Inf(-1))
	}
	lchoose := lfact(n) - lfact(k) - lfact(n-k)
	var s T
	switch {
	case k == n:
		s = o.Scale(o.Softplus(o.Neg(logit)), -float64(k))
	case k == 0:
		s = o.Scale(o.Softplus(logit), -float64(n))
	default:
		s = o.Add(o.Scale(o.Softplus(o.Neg(logit)), -float64(k)), o.Scale(o.Softplus(logit), -float64(n-k)))
	}
	return addConst(o, s, lchoose)
}

// PoissonLog returns log P(k | λ = eᵅ), the Poisson log mass of the count
// k with log rate α; −∞ for k < 0.
func PoissonLog[T any, O scalar.Ops[T]](o O, k int, logRate T) T {
	if k < 0 {
		return o.Const(math.Inf(-1))
	}
	e := o.Exp(logRate)
	if k == 0 {
		return o.Neg(e)
	}
	return o.AddScalar(o.Sub(o.Scale(logRate, float64(k)), e), -lfact(k))
}

// NegBinomial2 returns the log mass of the count k under the negative
// binomial with mean μ and dispersion φ, variance μ + μ²/φ (Stan's
// neg_binomial_2); −∞ for k < 0. As φ → ∞ it tends to the Poisson with
// rate μ, but its value subtracts log Γ(k+φ) − log Γ(φ), with an absolute
// error of about ε·φ log φ (1e-6 at φ = 1e8): for φ beyond 1e6 or so,
// PoissonLog is the better model.
func NegBinomial2[T any, O scalar.Ops[T]](o O, k int, mu, phi T) T {
	if k < 0 {
		return o.Const(math.Inf(-1))
	}
	s := o.Neg(o.Mul(phi, o.Log1p(o.Div(mu, phi))))
	if k == 0 {
		return s
	}
	fk := float64(k)
	s = o.Add(s, o.Sub(o.Lgamma(o.AddScalar(phi, fk)), o.Lgamma(phi)))
	s = o.Add(s, o.Scale(o.Sub(o.Log(mu), o.Log(o.Add(mu, phi))), fk))
	return o.AddScalar(s, -lfact(k))
}
