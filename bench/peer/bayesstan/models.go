package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/scalar"
)

// Eight schools (Rubin 1981), non-centred as in posteriordb's
// eight_schools_noncentered: mu ~ N(0, 5), tau ~ half-Cauchy(0, 5),
// theta_tilde ~ N(0, 1), y ~ N(mu + tau·theta_tilde, sigma).
var (
	schoolY     = []float64{28, 8, -3, 7, -1, 1, 18, 12}
	schoolSigma = []float64{15, 10, 16, 11, 9, 11, 10, 18}
)

func eightSchools() bayes.Model {
	return bayes.Model{
		Params: []bayes.Param{{Name: "mu"}, {Name: "tau", Constraint: bijector.Positive()}, {Name: "theta_tilde", Size: len(schoolY)}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			mu, tau := p[0][0], p[1][0]
			zero, one, five := tp.Const(0), tp.Const(1), tp.Const(5)
			lp := tp.Add(dist.Normal(tp, mu, zero, five), dist.Cauchy(tp, tau, zero, five))
			for j, tt := range p[2] {
				lp = tp.Add(lp, dist.Normal(tp, tt, zero, one))
				theta := tp.Add(mu, tp.Mul(tau, tt))
				lp = tp.Add(lp, dist.Normal(tp, tp.Const(schoolY[j]), theta, tp.Const(schoolSigma[j])))
			}
			return lp
		},
	}
}

// eightSchoolsColumns are the values Stan's CSV holds: mu, tau,
// theta_tilde[1…8].
func eightSchoolsColumns() []string {
	names := []string{"mu", "tau"}
	for j := range schoolY {
		names = append(names, fmt.Sprintf("theta_tilde[%d]", j+1))
	}
	return names
}

// GARCH(1,1) as in Stan's benchmark suite (garch11): y_t ~ N(mu, sigma_t),
// sigma_t² = alpha0 + alpha1 (y_{t−1} − mu)² + beta1 sigma_{t−1}², flat
// priors on mu, alpha0 > 0, alpha1 ∈ (0, 1), beta1 ∈ (0, 1 − alpha1). The
// last bound depends on alpha1, so the model declares beta1/(1 − alpha1) ∈
// (0, 1) and adds the log-Jacobian of the scaling, log(1 − alpha1).
type garch struct {
	y      []float64
	sigma1 float64
}

func (m *garch) model() bayes.Model {
	unit := bijector.Interval(0, 1)
	return bayes.Model{
		Params: []bayes.Param{{Name: "mu"}, {Name: "alpha0", Constraint: bijector.Positive()},
			{Name: "alpha1", Constraint: unit}, {Name: "beta1_share", Constraint: unit}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			mu, alpha0, alpha1 := p[0][0], p[1][0], p[2][0]
			oneMinusA1 := tp.Neg(tp.AddScalar(alpha1, -1))
			beta1 := tp.Mul(oneMinusA1, p[3][0])
			lp := tp.Log(oneMinusA1)
			sigma := tp.Const(m.sigma1)
			for t, yt := range m.y {
				if t > 0 {
					e := tp.AddScalar(mu, -m.y[t-1])
					sigma = tp.Sqrt(tp.Add(alpha0, tp.Add(tp.Mul(alpha1, tp.Square(e)), tp.Mul(beta1, tp.Square(sigma)))))
				}
				lp = tp.Add(lp, dist.Normal(tp, tp.Const(yt), mu, sigma))
			}
			return lp
		},
	}
}

// withBeta1 adds beta1 = (1 − alpha1)·beta1_share to each draw.
func withBeta1(f *bayes.Fit) *bayes.Fit {
	a1, share := slices.Index(f.Names, "alpha1"), slices.Index(f.Names, "beta1_share")
	return f.Derive([]string{"beta1"}, func(x, out []float64) { out[0] = (1 - x[a1]) * x[share] })
}

// simulateGARCH draws n observations from a GARCH(1,1) with the given
// parameters, from a fixed generator.
func simulateGARCH(n int, mu, alpha0, alpha1, beta1, sigma1 float64, normal func() float64) []float64 {
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
