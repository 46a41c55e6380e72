package main

import (
	"math"
	"sync"

	"github.com/goebm/goebm/scalar"
)

// Eight schools (Rubin 1981), non-centred as in posteriordb's
// eight_schools_noncentered: mu ~ N(0, 5), tau ~ half-Cauchy(0, 5),
// theta_tilde ~ N(0, 1), y ~ N(mu + tau·theta_tilde, sigma). The point is
// (mu, log tau, theta_tilde[1..8]); Stan's ~ drops constants, and so do we.
var (
	schoolY     = []float64{28, 8, -3, 7, -1, 1, 18, 12}
	schoolSigma = []float64{15, 10, 16, 11, 9, 11, 10, 18}
)

func eightSchools(tp *scalar.Tape, x []scalar.Var) scalar.Var {
	mu, u := x[0], x[1]
	tau := tp.Exp(u)
	lp := tp.Scale(tp.Square(mu), -0.5/25)                      // mu ~ N(0, 5)
	lp = tp.Sub(lp, tp.Log1p(tp.Scale(tp.Square(tau), 1.0/25))) // tau ~ half-Cauchy(0, 5)
	lp = tp.Add(lp, u)                                          // log |d tau / d u|
	for j, tt := range x[2:] {
		lp = tp.Sub(lp, tp.Scale(tp.Square(tt), 0.5)) // theta_tilde ~ N(0, 1)
		theta := tp.Add(mu, tp.Mul(tau, tt))
		r := tp.Scale(tp.AddScalar(theta, -schoolY[j]), 1/schoolSigma[j]) // y ~ N(theta, sigma)
		lp = tp.Sub(lp, tp.Scale(tp.Square(r), 0.5))
	}
	return lp
}

// GARCH(1,1) as in Stan's benchmark suite (garch11): y_t ~ N(mu, sigma_t),
// sigma_t² = alpha0 + alpha1 (y_{t−1} − mu)² + beta1 sigma_{t−1}², flat
// priors on mu, alpha0 > 0, alpha1 ∈ (0, 1), beta1 ∈ (0, 1 − alpha1). The
// point is (mu, log alpha0, logit alpha1, logit(beta1 / (1 − alpha1))).
type garch struct {
	y      []float64
	sigma1 float64
}

func (m *garch) logDensity(tp *scalar.Tape, x []scalar.Var) scalar.Var {
	mu := x[0]
	alpha0 := tp.Exp(x[1])
	alpha1 := tp.Sigmoid(x[2])
	s3 := tp.Sigmoid(x[3])
	oneMinusA1 := tp.Neg(tp.AddScalar(alpha1, -1))
	beta1 := tp.Mul(oneMinusA1, s3)
	// log-Jacobian: u1 + log a1(1−a1) + log (1−a1) s3 (1−s3)
	lp := tp.Add(x[1], tp.Log(tp.Mul(alpha1, oneMinusA1)))
	lp = tp.Add(lp, tp.Log(tp.Mul(tp.Mul(oneMinusA1, s3), tp.Neg(tp.AddScalar(s3, -1)))))
	sigma2 := tp.Const(m.sigma1 * m.sigma1)
	for t, yt := range m.y {
		if t > 0 {
			e := tp.Neg(tp.AddScalar(mu, -m.y[t-1]))
			sigma2 = tp.Add(alpha0, tp.Add(tp.Mul(alpha1, tp.Square(e)), tp.Mul(beta1, sigma2)))
		}
		r := tp.AddScalar(mu, -yt)
		// log N(y | mu, sigma) without the constant: −½ r²/σ² − ½ log σ²
		lp = tp.Sub(lp, tp.Scale(tp.Add(tp.Div(tp.Square(r), sigma2), tp.Log(sigma2)), 0.5))
	}
	return lp
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

// density is a log density on R^d as an energy.Energy for the samplers:
// E = −log p, one scalar tape per goroutine from a pool.
type density struct {
	d    int
	f    func(tp *scalar.Tape, x []scalar.Var) scalar.Var
	pool sync.Pool
}

func newDensity(d int, f func(tp *scalar.Tape, x []scalar.Var) scalar.Var) *density {
	return &density{d: d, f: f, pool: sync.Pool{New: func() any { return scalar.NewTape(0) }}}
}

func (m *density) Dim() int { return m.d }

func (m *density) Energy(e, x []float64, d int) {
	tp := m.pool.Get().(*scalar.Tape)
	g := make([]float64, d)
	for i := range e {
		e[i] = -tp.Gradient(m.f, x[i*d:(i+1)*d], g)
	}
	m.pool.Put(tp)
}

func (m *density) Grad(e, g, x []float64, d int) {
	tp := m.pool.Get().(*scalar.Tape)
	for i := range e {
		gi := g[i*d : (i+1)*d]
		e[i] = -tp.Gradient(m.f, x[i*d:(i+1)*d], gi)
		for j := range gi {
			gi[j] = -gi[j]
		}
	}
	m.pool.Put(tp)
}
