package dist_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/scalar"
)

// Eight schools (Rubin 1981): observed effects and their standard errors.
var (
	schoolY     = [8]float64{28, 8, -3, 7, -1, 1, 18, 12}
	schoolSigma = [8]float64{15, 10, 16, 11, 9, 11, 10, 18}
)

// benchGradient times tp.Gradient of f at x and reports the nodes per
// gradient and the time per node beside ns/op, the time per gradient.
func benchGradient(b *testing.B, f func(st, []sv) sv, x []float64) {
	tp := scalar.NewTape(0)
	g := make([]float64, len(x))
	tp.Gradient(f, x, g)
	nodes := tp.Len()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tp.Gradient(f, x, g)
	}
	b.ReportMetric(float64(nodes), "nodes")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nodes), "ns/node")
}

// BenchmarkNormalSum8: Σⱼ Normal(yⱼ | θⱼ, σⱼ) over the eight schools, with
// the eight θ as parameters.
func BenchmarkNormalSum8(b *testing.B) {
	f := func(tp st, theta []sv) sv {
		s := dist.Normal(tp, tp.Const(schoolY[0]), theta[0], tp.Const(schoolSigma[0]))
		for j := 1; j < 8; j++ {
			s = tp.Add(s, dist.Normal(tp, tp.Const(schoolY[j]), theta[j], tp.Const(schoolSigma[j])))
		}
		return s
	}
	benchGradient(b, f, []float64{1, 2, 3, 4, 5, 6, 7, 8})
}

// BenchmarkEightSchools: the non-centred eight-schools posterior, on
// (μ, log τ, η₁…η₈): μ ~ N(0, 5), τ ~ Cauchy⁺(0, 5) with its log-Jacobian,
// ηⱼ ~ N(0, 1), yⱼ ~ N(μ + τηⱼ, σⱼ).
func BenchmarkEightSchools(b *testing.B) {
	f := func(tp st, p []sv) sv {
		mu, logTau, eta := p[0], p[1], p[2:]
		tau := tp.Exp(logTau)
		zero, one := tp.Const(0), tp.Const(1)
		s := tp.Add(dist.Normal(tp, mu, zero, tp.Const(5)), dist.Cauchy(tp, tau, zero, tp.Const(5)))
		s = tp.Add(s, logTau)
		for j, e := range eta {
			s = tp.Add(s, dist.Normal(tp, e, zero, one))
			theta := tp.Add(mu, tp.Mul(tau, e))
			s = tp.Add(s, dist.Normal(tp, tp.Const(schoolY[j]), theta, tp.Const(schoolSigma[j])))
		}
		return s
	}
	benchGradient(b, f, []float64{4, 1, 0.3, -0.2, 0.1, 0.5, -1, 0.2, 0.8, 0})
}

// BenchmarkBernoulliLogit100: a logistic regression of 100 observations on
// one covariate, Σᵢ BernoulliLogit(yᵢ | α + βxᵢ), on (α, β).
func BenchmarkBernoulliLogit100(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	var x [100]float64
	var y [100]int
	for i := range x {
		x[i] = rng.NormFloat64()
		if rng.Float64() < 1/(1+math.Exp(-(0.5+2*x[i]))) {
			y[i] = 1
		}
	}
	f := func(tp st, p []sv) sv {
		alpha, beta := p[0], p[1]
		s := tp.Const(0)
		for i := range x {
			s = tp.Add(s, dist.BernoulliLogit(tp, y[i], tp.Add(alpha, tp.Scale(beta, x[i]))))
		}
		return s
	}
	benchGradient(b, f, []float64{0.4, 1.8})
}
