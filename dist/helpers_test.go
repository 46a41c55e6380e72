package dist_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mathext"

	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/scalar"
	"github.com/goebm/goebm/tensor"
)

// valueGrad evaluates f at x on a scalar tape: value and gradient.
func valueGrad(f func(st, []sv) sv, x ...float64) (float64, []float64) {
	g := make([]float64, len(x))
	v := scalar.NewTape(0).Gradient(f, x, g)
	return v, g
}

// TestExtremes: the helpers and the logit densities keep their values and
// gradients exact at arguments of ±800, where eˣ overflows. Values to
// 1e-15 relative, gradients exactly.
func TestExtremes(t *testing.T) {
	lae := func(tp st, x []sv) sv { return dist.LogAddExp(tp, x[0], x[1]) }
	lil := func(tp st, x []sv) sv { return dist.LogInvLogit(tp, x[0]) }
	l1m := func(tp st, x []sv) sv { return dist.Log1mInvLogit(tp, x[0]) }
	bern := func(y int) func(st, []sv) sv {
		return func(tp st, x []sv) sv { return dist.BernoulliLogit(tp, y, x[0]) }
	}
	binom := func(tp st, x []sv) sv { return dist.BinomialLogit(tp, 2, 5, x[0]) }
	lc := math.Log(10) // log C(5, 2)
	for _, c := range []struct {
		name  string
		f     func(st, []sv) sv
		x     []float64
		value float64
		grad  []float64
	}{
		{"LogAddExp", lae, []float64{800, -800}, 800, []float64{1, 0}},
		{"LogAddExp", lae, []float64{-800, 800}, 800, []float64{0, 1}},
		{"LogAddExp", lae, []float64{800, 800}, 800 + math.Ln2, []float64{0.5, 0.5}},
		{"LogAddExp", lae, []float64{-800, -800}, -800 + math.Ln2, []float64{0.5, 0.5}},
		{"LogAddExp", lae, []float64{0, math.Log(3)}, math.Log(4), []float64{0.25, 0.75}},
		{"LogInvLogit", lil, []float64{800}, 0, []float64{0}},
		{"LogInvLogit", lil, []float64{-800}, -800, []float64{1}},
		{"LogInvLogit", lil, []float64{-30}, -30 - math.Log1p(math.Exp(-30)), []float64{1 / (1 + math.Exp(-30))}},
		{"Log1mInvLogit", l1m, []float64{800}, -800, []float64{-1}},
		{"Log1mInvLogit", l1m, []float64{-800}, 0, []float64{0}},
		{"BernoulliLogit y=1", bern(1), []float64{-800}, -800, []float64{1}},
		{"BernoulliLogit y=1", bern(1), []float64{800}, 0, []float64{0}},
		{"BernoulliLogit y=0", bern(0), []float64{800}, -800, []float64{-1}},
		{"BernoulliLogit y=0", bern(0), []float64{-800}, 0, []float64{0}},
		{"BinomialLogit 2 of 5", binom, []float64{800}, lc - 3*800, []float64{-3}},
		{"BinomialLogit 2 of 5", binom, []float64{-800}, lc - 2*800, []float64{2}},
	} {
		v, g := valueGrad(c.f, c.x...)
		if relErr(v, c.value) > 1e-15 {
			t.Errorf("%s%v = %.17g, want %.17g", c.name, c.x, v, c.value)
		}
		for i := range g {
			if math.Abs(g[i]-c.grad[i]) > 2e-16 {
				t.Errorf("%s%v: ∂/∂x%d = %v, want %v", c.name, c.x, i, g[i], c.grad[i])
			}
		}
	}
}

// TestLbeta against gonum's Lbeta (1e-13) and log B(1, b) = −log b.
func TestLbeta(t *testing.T) {
	f := scalar.Float{}
	for _, a := range []float64{0.01, 0.3, 1, 2.5, 17, 300} {
		for _, b := range []float64{0.05, 1, 4, 90} {
			if v, w := dist.Lbeta(f, a, b), mathext.Lbeta(a, b); relErr(v, w) > 1e-13 {
				t.Errorf("Lbeta(%v, %v) = %.17g, gonum %.17g", a, b, v, w)
			}
		}
		// Lbeta subtracts log-gamma values: its error is a few ε·log Γ(a+1).
		lg, _ := math.Lgamma(a + 1)
		if v := dist.Lbeta(f, 1, a); math.Abs(v+math.Log(a)) > 1e-15+4e-16*math.Abs(lg) {
			t.Errorf("Lbeta(1, %v) = %.17g, want %.17g", a, v, -math.Log(a))
		}
	}
}

// TestHelpersCheckGrad: first and second derivatives of the helpers against
// finite differences, element-wise on the tensor tape.
func TestHelpersCheckGrad(t *testing.T) {
	a := tensor.New([]float64{-3, 0.2, 4, 1}, 4)
	b := tensor.New([]float64{2, 0.1, -1, 1}, 4)
	for name, f := range map[string]func(tp tt, xs []tv) tv{
		"LogAddExp":     func(tp tt, xs []tv) tv { return dist.LogAddExp(tp, xs[0], xs[1]) },
		"LogInvLogit":   func(tp tt, xs []tv) tv { return dist.LogInvLogit(tp, xs[0]) },
		"Log1mInvLogit": func(tp tt, xs []tv) tv { return dist.Log1mInvLogit(tp, xs[0]) },
		"Lbeta": func(tp tt, xs []tv) tv {
			return dist.Lbeta(tp, tp.Exp(xs[0]), tp.Exp(xs[1])) // positive arguments
		},
	} {
		for order := 1; order <= 2; order++ {
			if err := tensor.CheckGrad(f, []tv{a.Clone(), b.Clone()}, tensor.CheckOptions{Order: order}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

// TestNegBinomial2Moments: the mass sums to 1 and has mean μ and variance
// μ + μ²/φ, to 1e-10; with φ large it tends to the Poisson with rate μ.
func TestNegBinomial2Moments(t *testing.T) {
	f := scalar.Float{}
	for _, c := range [][2]float64{{3, 0.5}, {0.2, 4}, {12, 30}} {
		mu, phi := c[0], c[1]
		var s0, s1, s2 float64
		for k := range 5000 {
			p := math.Exp(dist.NegBinomial2(f, k, mu, phi))
			s0 += p
			s1 += p * float64(k)
			s2 += p * float64(k) * float64(k)
		}
		if v := s2 - s1*s1; math.Abs(s0-1) > 1e-10 || math.Abs(s1-mu) > 1e-10*mu || math.Abs(v-(mu+mu*mu/phi)) > 1e-10*v {
			t.Errorf("μ=%v φ=%v: total %v, mean %v, variance %v, want 1, %v, %v", mu, phi, s0, s1, v, mu, mu+mu*mu/phi)
		}
	}
	// The two differ by about ((k−μ)² − k)/(2φ).
	for k := range 20 {
		const phi = 1e7
		tol := (float64(k) + 4) * (float64(k) + 4) / phi
		if a, b := dist.NegBinomial2(f, k, 4, phi), dist.PoissonLog(f, k, math.Log(4)); math.Abs(a-b) > tol {
			t.Errorf("k=%d: NB2(μ=4, φ=1e7) %v, Poisson(4) %v", k, a, b)
		}
	}
}

// TestOutsideSupport: counts outside the support give −∞ (a constant).
func TestOutsideSupport(t *testing.T) {
	tp := scalar.NewTape(0)
	x := tp.Var(0.3)
	for name, v := range map[string]sv{
		"BernoulliLogit(2)":    dist.BernoulliLogit(tp, 2, x),
		"BinomialLogit(6, 5)":  dist.BinomialLogit(tp, 6, 5, x),
		"BinomialLogit(−1, 5)": dist.BinomialLogit(tp, -1, 5, x),
		"PoissonLog(−1)":       dist.PoissonLog(tp, -1, x),
		"NegBinomial2(−1)":     dist.NegBinomial2(tp, -1, x, x),
	} {
		if !math.IsInf(v.Value(), -1) || !v.Const() {
			t.Errorf("%s = %v (constant %v), want the constant −∞", name, v.Value(), v.Const())
		}
	}
}

func TestLengthsPanic(t *testing.T) {
	f := scalar.Float{}
	for name, call := range map[string]func(){
		"Dirichlet":           func() { dist.Dirichlet(f, []float64{0.5, 0.5}, []float64{1}) },
		"MultiNormalCholesky": func() { dist.MultiNormalCholesky(f, []float64{0, 0}, []float64{0, 0}, []float64{1, 0, 1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with mismatched lengths did not panic", name)
				}
			}()
			call()
		}()
	}
}

// TestMultiNormalLarge: above the 16 dimensions of the stack buffer, the
// value still equals the identity-covariance closed form −|x|²/2 − n log(2π)/2.
func TestMultiNormalLarge(t *testing.T) {
	const n = 20
	x, mu, L := make([]float64, n), make([]float64, n), make([]float64, n*n)
	want := -0.5 * n * math.Log(2*math.Pi)
	for i := range n {
		x[i] = float64(i) / 10
		L[i*n+i] = 2
		want -= 0.5*x[i]*x[i]/4 + math.Ln2
	}
	if v := dist.MultiNormalCholesky(scalar.Float{}, x, mu, L); relErr(v, want) > 1e-14 {
		t.Errorf("20-dimensional N(x | 0, 4I) = %.17g, want %.17g", v, want)
	}
}

// TestZeroAllocations: a model with every density allocates nothing per
// gradient on a scalar tape in steady state.
func TestZeroAllocations(t *testing.T) {
	f := func(tp st, p []sv) sv {
		one, half := tp.Const(1), tp.Const(0.5)
		s := dist.Normal(tp, p[0], p[1], p[2])
		s = tp.Add(s, dist.Cauchy(tp, p[0], p[1], p[2]))
		s = tp.Add(s, dist.StudentT(tp, p[0], p[3], p[1], p[2]))
		s = tp.Add(s, dist.LogNormal(tp, p[2], p[1], p[3]))
		s = tp.Add(s, dist.Exponential(tp, p[2], p[3]))
		s = tp.Add(s, dist.Gamma(tp, p[2], p[3], one))
		s = tp.Add(s, dist.InvGamma(tp, p[2], p[3], one))
		s = tp.Add(s, dist.Beta(tp, half, p[2], p[3]))
		s = tp.Add(s, dist.BernoulliLogit(tp, 1, p[0]))
		s = tp.Add(s, dist.BinomialLogit(tp, 3, 7, p[0]))
		s = tp.Add(s, dist.PoissonLog(tp, 4, p[1]))
		s = tp.Add(s, dist.NegBinomial2(tp, 4, p[2], p[3]))
		s = tp.Add(s, dist.Dirichlet(tp, []sv{half, half}, p[2:4]))
		return tp.Add(s, dist.MultiNormalCholesky(tp, p[:2], p[2:4], p[:4]))
	}
	x := []float64{0.3, -0.2, 1.1, 2.5}
	g := make([]float64, len(x))
	tp := scalar.NewTape(0)
	tp.Gradient(f, x, g)
	if a := testing.AllocsPerRun(100, func() { tp.Gradient(f, x, g) }); a != 0 {
		t.Errorf("%v allocations per gradient, want 0", a)
	}
}

// TestConstantsFold: terms of constant arguments take no node. Normal is
// one fused node however many of its arguments are data, and none when all
// are; StudentT with ν and σ data records nothing for its log-gamma terms.
func TestConstantsFold(t *testing.T) {
	tp := scalar.NewTape(0)
	for _, c := range []struct {
		name  string
		f     func(x, mu, sigma sv) sv
		nodes int
	}{
		{"Normal", func(x, mu, sigma sv) sv { return dist.Normal(tp, x, mu, sigma) }, 1},
		{"Normal, x and σ data", func(_, mu, _ sv) sv { return dist.Normal(tp, tp.Const(1), mu, tp.Const(2)) }, 1},
		{"Normal, all data", func(_, _, _ sv) sv { return dist.Normal(tp, tp.Const(1), tp.Const(0), tp.Const(2)) }, 0},
		{"StudentT, ν and σ data", func(_, mu, _ sv) sv {
			return dist.StudentT(tp, tp.Const(1), tp.Const(4), mu, tp.Const(2))
		}, 7},
	} {
		tp.Reset()
		x, mu, sigma := tp.Var(0.5), tp.Var(0.1), tp.Var(1.5)
		n := tp.Len()
		c.f(x, mu, sigma)
		if got := tp.Len() - n; got != c.nodes {
			t.Errorf("%s recorded %d nodes, want %d", c.name, got, c.nodes)
		}
	}
}

// TestMultiNormal16NoAlloc: at 16 dimensions MultiNormalCholesky still
// keeps its z on the stack.
func TestMultiNormal16NoAlloc(t *testing.T) {
	const n = 16
	p := make([]float64, n+n*n)
	for i := range n {
		p[i] = float64(i) / n
		p[n+i*n+i] = 1 + float64(i)/n
	}
	f := func(tp st, p []sv) sv {
		var mu [n]sv
		for i := range mu {
			mu[i] = tp.Const(0)
		}
		return dist.MultiNormalCholesky(tp, p[:n], mu[:], p[n:])
	}
	g := make([]float64, len(p))
	tp := scalar.NewTape(0)
	tp.Gradient(f, p, g)
	if a := testing.AllocsPerRun(20, func() { tp.Gradient(f, p, g) }); a != 0 {
		t.Errorf("%v allocations per gradient, want 0", a)
	}
}
