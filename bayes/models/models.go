package models

import (
	"fmt"
	"math"
	"slices"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/scalar"
)

// The eight schools' data: each school's estimated coaching effect and its
// standard error.
var (
	EightSchoolsY     = []float64{28, 8, -3, 7, -1, 1, 18, 12}
	EightSchoolsSigma = []float64{15, 10, 16, 11, 9, 11, 10, 18}
)

// eightSchoolsPrior returns log p(μ) + log p(τ); the half-Cauchy is the
// Cauchy on τ > 0, a constant log 2 left out.
func eightSchoolsPrior(tp *scalar.Tape, mu, tau scalar.Var) scalar.Var {
	zero, five := tp.Const(0), tp.Const(5)
	return tp.Add(dist.Normal(tp, mu, zero, five), dist.Cauchy(tp, tau, zero, five))
}

// eightSchoolsLikelihood returns Σ_j log N(y_j | θ_j, σ_j), θ_j = theta(j).
func eightSchoolsLikelihood(tp *scalar.Tape, theta func(j int) scalar.Var) scalar.Var {
	lp := tp.Const(0)
	for j, y := range EightSchoolsY {
		lp = tp.Add(lp, dist.Normal(tp, tp.Const(y), theta(j), tp.Const(EightSchoolsSigma[j])))
	}
	return lp
}

// EightSchoolsCentred is posteriordb's eight_schools_centered: parameters
// mu, tau > 0 and theta[1…8].
func EightSchoolsCentred() bayes.Model {
	return bayes.Model{
		Params: []bayes.Param{{Name: "mu"}, {Name: "tau", Constraint: bijector.Positive()}, {Name: "theta", Size: len(EightSchoolsY)}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			mu, tau, theta := p[0][0], p[1][0], p[2]
			lp := eightSchoolsPrior(tp, mu, tau)
			for _, th := range theta {
				lp = tp.Add(lp, dist.Normal(tp, th, mu, tau))
			}
			return tp.Add(lp, eightSchoolsLikelihood(tp, func(j int) scalar.Var { return theta[j] }))
		},
	}
}

// EightSchoolsNonCentred is posteriordb's eight_schools_noncentered:
// parameters mu, tau > 0 and theta_tilde[1…8].
func EightSchoolsNonCentred() bayes.Model {
	return bayes.Model{
		Params: []bayes.Param{{Name: "mu"}, {Name: "tau", Constraint: bijector.Positive()}, {Name: "theta_tilde", Size: len(EightSchoolsY)}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			mu, tau, tilde := p[0][0], p[1][0], p[2]
			lp := eightSchoolsPrior(tp, mu, tau)
			zero, one := tp.Const(0), tp.Const(1)
			for _, z := range tilde {
				lp = tp.Add(lp, dist.Normal(tp, z, zero, one))
			}
			return tp.Add(lp, eightSchoolsLikelihood(tp, func(j int) scalar.Var { return tp.Add(mu, tp.Mul(tau, tilde[j])) }))
		},
	}
}

// EightSchoolsTheta appends theta[j] = mu + tau·theta_tilde[j] to each draw
// of the non-centred model.
func EightSchoolsTheta(f *bayes.Fit) *bayes.Fit {
	names := make([]string, len(EightSchoolsY))
	for j := range names {
		names[j] = fmt.Sprintf("theta[%d]", j+1)
	}
	return f.Derive(names, func(x, theta []float64) {
		for j := range theta {
			theta[j] = x[0] + x[1]*x[2+j]
		}
	})
}

// GARCH returns the GARCH(1,1) of observations y with σ_1 = sigma1:
// parameters mu, alpha0 > 0, alpha1 ∈ (0, 1) and beta1_share ∈ (0, 1),
// β₁ = (1 − α₁)·beta1_share.
func GARCH(y []float64, sigma1 float64) bayes.Model {
	unit := bijector.Interval(0, 1)
	return bayes.Model{
		Params: []bayes.Param{{Name: "mu"}, {Name: "alpha0", Constraint: bijector.Positive()},
			{Name: "alpha1", Constraint: unit}, {Name: "beta1_share", Constraint: unit}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			mu, alpha0, alpha1 := p[0][0], p[1][0], p[2][0]
			oneMinusA1 := tp.Neg(tp.AddScalar(alpha1, -1))
			beta1 := tp.Mul(oneMinusA1, p[3][0])
			// The terms of the log density, summed by one node at the end.
			terms := tp.Scratch(len(y) + 1)
			terms[0] = tp.Log(oneMinusA1) // log |∂β₁/∂share|
			// The recurrence carries σ², so that no step squares a square
			// root: σ²_t = α₀·1 + α₁·e² + β₁·σ²_{t−1} is one Dot node.
			one := tp.Const(1)
			s2, sigma := tp.Const(sigma1*sigma1), tp.Const(sigma1)
			for t, yt := range y {
				if t > 0 {
					e := tp.AddScalar(mu, -y[t-1])
					s2 = tp.Dot([]scalar.Var{alpha0, alpha1, beta1}, []scalar.Var{one, tp.Square(e), s2})
					sigma = tp.Sqrt(s2)
				}
				terms[t+1] = dist.Normal(tp, tp.Const(yt), mu, sigma)
			}
			return tp.Sum(terms...)
		},
	}
}

// GARCHBeta1 appends beta1 = (1 − alpha1)·beta1_share to each draw.
func GARCHBeta1(f *bayes.Fit) *bayes.Fit {
	a1, share := slices.Index(f.Names, "alpha1"), slices.Index(f.Names, "beta1_share")
	return f.Derive([]string{"beta1"}, func(x, out []float64) { out[0] = (1 - x[a1]) * x[share] })
}

// SimulateGARCH draws n observations of a GARCH(1,1) with the given
// parameters and σ_1, with normal draws from normal.
func SimulateGARCH(n int, mu, alpha0, alpha1, beta1, sigma1 float64, normal func() float64) []float64 {
	y := make([]float64, n)
	s2 := sigma1 * sigma1
	for t := range n {
		if t > 0 {
			e := y[t-1] - mu
			s2 = alpha0 + alpha1*e*e + beta1*s2
		}
		y[t] = mu + math.Sqrt(s2)*normal()
	}
	return y
}
