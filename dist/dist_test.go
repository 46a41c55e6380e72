package dist_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/scalar"
	"github.com/goebm/goebm/tensor"
)

// Short names for the three instantiations of each generic test function.
type (
	sv = scalar.Var
	st = *scalar.Tape
	tv = *tensor.Tensor
	tt = *tensor.Tape
	fv = float64
	ft = scalar.Float
)

// density is one log density under test, as a function of the parameter
// vector p that the gradients are taken with respect to (data are baked
// in), on each of the three Ops, with a point drawer that also returns the
// reference value at the point.
type density struct {
	name string
	draw func(rng *rand.Rand) (p []float64, ref float64)
	s    func(st, []sv) sv
	t    func(tt, []tv) tv
	f    func(ft, []fv) fv
}

func normal[T any, O scalar.Ops[T]](o O, p []T) T { return dist.Normal(o, p[0], p[1], p[2]) }

const normalX, normalSigma = 1.7, 2.5

func normalXData[T any, O scalar.Ops[T]](o O, p []T) T {
	return dist.Normal(o, o.Const(normalX), p[0], p[1])
}
func normalMuOnly[T any, O scalar.Ops[T]](o O, p []T) T {
	return dist.Normal(o, o.Const(normalX), p[0], o.Const(normalSigma))
}
func cauchy[T any, O scalar.Ops[T]](o O, p []T) T { return dist.Cauchy(o, p[0], p[1], p[2]) }
func studentT[T any, O scalar.Ops[T]](o O, p []T) T {
	return dist.StudentT(o, p[0], p[1], p[2], p[3])
}
func logNormal[T any, O scalar.Ops[T]](o O, p []T) T { return dist.LogNormal(o, p[0], p[1], p[2]) }
func exponential[T any, O scalar.Ops[T]](o O, p []T) T {
	return dist.Exponential(o, p[0], p[1])
}
func gamma[T any, O scalar.Ops[T]](o O, p []T) T    { return dist.Gamma(o, p[0], p[1], p[2]) }
func invGamma[T any, O scalar.Ops[T]](o O, p []T) T { return dist.InvGamma(o, p[0], p[1], p[2]) }
func beta[T any, O scalar.Ops[T]](o O, p []T) T     { return dist.Beta(o, p[0], p[1], p[2]) }
func bernoulli[T any, O scalar.Ops[T]](y int) func(O, []T) T {
	return func(o O, p []T) T { return dist.BernoulliLogit(o, y, p[0]) }
}
func binomial[T any, O scalar.Ops[T]](k, n int) func(O, []T) T {
	return func(o O, p []T) T { return dist.BinomialLogit(o, k, n, p[0]) }
}
func poisson[T any, O scalar.Ops[T]](k int) func(O, []T) T {
	return func(o O, p []T) T { return dist.PoissonLog(o, k, p[0]) }
}
func negBinomial2[T any, O scalar.Ops[T]](k int) func(O, []T) T {
	return func(o O, p []T) T { return dist.NegBinomial2(o, k, p[0], p[1]) }
}

// dirichlet3: p = (x, α), three each.
func dirichlet3[T any, O scalar.Ops[T]](o O, p []T) T { return dist.Dirichlet(o, p[:3], p[3:]) }

// mvn3: p = (x, μ, L), with L 3×3 row-major.
func mvn3[T any, O scalar.Ops[T]](o O, p []T) T {
	return dist.MultiNormalCholesky(o, p[:3], p[3:6], p[6:])
}

func logit(eta float64) float64 { return 1 / (1 + math.Exp(-eta)) }

func densities() []density {
	var ds []density
	add := func(name string, draw func(*rand.Rand) ([]float64, float64), s func(st, []sv) sv, t func(tt, []tv) tv, f func(ft, []fv) fv) {
		ds = append(ds, density{name, draw, s, t, f})
	}
	pos := func(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	add("Normal", func(rng *rand.Rand) ([]float64, float64) {
		x, mu, sigma := 3*rng.NormFloat64(), rng.NormFloat64(), pos(rng, 0.2, 4)
		return []float64{x, mu, sigma}, distuv.Normal{Mu: mu, Sigma: sigma}.LogProb(x)
	}, normal[sv, st], normal[tv, tt], normal[fv, ft])
	// Normal with data arguments: its fused node has two inputs, or one.
	add("Normal, x data", func(rng *rand.Rand) ([]float64, float64) {
		mu, sigma := rng.NormFloat64(), pos(rng, 0.2, 4)
		return []float64{mu, sigma}, distuv.Normal{Mu: mu, Sigma: sigma}.LogProb(normalX)
	}, normalXData[sv, st], normalXData[tv, tt], normalXData[fv, ft])
	add("Normal, x and σ data", func(rng *rand.Rand) ([]float64, float64) {
		mu := rng.NormFloat64()
		return []float64{mu}, distuv.Normal{Mu: mu, Sigma: normalSigma}.LogProb(normalX)
	}, normalMuOnly[sv, st], normalMuOnly[tv, tt], normalMuOnly[fv, ft])
	add("Cauchy", func(rng *rand.Rand) ([]float64, float64) {
		x, mu, sigma := 5*rng.NormFloat64(), rng.NormFloat64(), pos(rng, 0.2, 4)
		z := (x - mu) / sigma
		return []float64{x, mu, sigma}, -math.Log(math.Pi * sigma * (1 + z*z))
	}, cauchy[sv, st], cauchy[tv, tt], cauchy[fv, ft])
	add("Cauchy as Student-t(1)", func(rng *rand.Rand) ([]float64, float64) {
		x, mu, sigma := 5*rng.NormFloat64(), rng.NormFloat64(), pos(rng, 0.2, 4)
		return []float64{x, mu, sigma}, distuv.StudentsT{Mu: mu, Sigma: sigma, Nu: 1}.LogProb(x)
	}, cauchy[sv, st], cauchy[tv, tt], cauchy[fv, ft])
	add("StudentT", func(rng *rand.Rand) ([]float64, float64) {
		x, nu, mu, sigma := 3*rng.NormFloat64(), pos(rng, 0.5, 30), rng.NormFloat64(), pos(rng, 0.2, 4)
		return []float64{x, nu, mu, sigma}, distuv.StudentsT{Mu: mu, Sigma: sigma, Nu: nu}.LogProb(x)
	}, studentT[sv, st], studentT[tv, tt], studentT[fv, ft])
	add("LogNormal", func(rng *rand.Rand) ([]float64, float64) {
		x, mu, sigma := math.Exp(rng.NormFloat64()), rng.NormFloat64(), pos(rng, 0.2, 3)
		return []float64{x, mu, sigma}, distuv.LogNormal{Mu: mu, Sigma: sigma}.LogProb(x)
	}, logNormal[sv, st], logNormal[tv, tt], logNormal[fv, ft])
	add("Exponential", func(rng *rand.Rand) ([]float64, float64) {
		x, rate := pos(rng, 0.01, 5), pos(rng, 0.1, 5)
		return []float64{x, rate}, distuv.Exponential{Rate: rate}.LogProb(x)
	}, exponential[sv, st], exponential[tv, tt], exponential[fv, ft])
	add("Gamma", func(rng *rand.Rand) ([]float64, float64) {
		x, a, b := math.Exp(rng.NormFloat64()), pos(rng, 0.2, 10), pos(rng, 0.1, 5)
		return []float64{x, a, b}, distuv.Gamma{Alpha: a, Beta: b}.LogProb(x)
	}, gamma[sv, st], gamma[tv, tt], gamma[fv, ft])
	add("InvGamma", func(rng *rand.Rand) ([]float64, float64) {
		// If X is inverse-gamma(α, β), 1/X is gamma(α, rate β): the
		// densities differ by the Jacobian 1/x².
		x, a, b := math.Exp(rng.NormFloat64()), pos(rng, 0.2, 10), pos(rng, 0.1, 5)
		return []float64{x, a, b}, distuv.Gamma{Alpha: a, Beta: b}.LogProb(1/x) - 2*math.Log(x)
	}, invGamma[sv, st], invGamma[tv, tt], invGamma[fv, ft])
	add("Beta", func(rng *rand.Rand) ([]float64, float64) {
		x, a, b := pos(rng, 0.05, 0.95), pos(rng, 0.3, 8), pos(rng, 0.3, 8)
		return []float64{x, a, b}, distuv.Beta{Alpha: a, Beta: b}.LogProb(x)
	}, beta[sv, st], beta[tv, tt], beta[fv, ft])
	for _, y := range []int{0, 1} {
		add("BernoulliLogit y="+string(rune('0'+y)), func(rng *rand.Rand) ([]float64, float64) {
			eta := 3 * rng.NormFloat64()
			return []float64{eta}, distuv.Bernoulli{P: logit(eta)}.LogProb(float64(y))
		}, bernoulli[sv, st](y), bernoulli[tv, tt](y), bernoulli[fv, ft](y))
	}
	for _, kn := range [][2]int{{0, 5}, {3, 10}, {10, 10}, {17, 40}} {
		k, n := kn[0], kn[1]
		add("BinomialLogit", func(rng *rand.Rand) ([]float64, float64) {
			eta := 2 * rng.NormFloat64()
			return []float64{eta}, distuv.Binomial{N: float64(n), P: logit(eta)}.LogProb(float64(k))
		}, binomial[sv, st](k, n), binomial[tv, tt](k, n), binomial[fv, ft](k, n))
	}
	for _, k := range []int{0, 1, 7, 40} {
		add("PoissonLog", func(rng *rand.Rand) ([]float64, float64) {
			a := 1.5*rng.NormFloat64() + 1
			return []float64{a}, distuv.Poisson{Lambda: math.Exp(a)}.LogProb(float64(k))
		}, poisson[sv, st](k), poisson[tv, tt](k), poisson[fv, ft](k))
	}
	for _, k := range []int{0, 1, 7, 40} {
		add("NegBinomial2", func(rng *rand.Rand) ([]float64, float64) {
			mu, phi := math.Exp(rng.NormFloat64()+1), math.Exp(1.5*rng.NormFloat64())
			// The textbook form: Γ(k+φ)/(k! Γ(φ)) (μ/(μ+φ))ᵏ (φ/(μ+φ))^φ.
			a, _ := math.Lgamma(float64(k) + phi)
			b, _ := math.Lgamma(float64(k) + 1)
			c, _ := math.Lgamma(phi)
			ref := a - b - c + float64(k)*math.Log(mu/(mu+phi)) + phi*math.Log(phi/(mu+phi))
			return []float64{mu, phi}, ref
		}, negBinomial2[sv, st](k), negBinomial2[tv, tt](k), negBinomial2[fv, ft](k))
	}
	add("Dirichlet", func(rng *rand.Rand) ([]float64, float64) {
		p := make([]float64, 6)
		s := 0.0
		for i := range 3 {
			p[i] = math.Exp(rng.NormFloat64() / 2)
			s += p[i]
			p[3+i] = pos(rng, 0.3, 5)
		}
		for i := range 3 {
			p[i] /= s
		}
		return p, distmv.NewDirichlet(p[3:], nil).LogProb(p[:3])
	}, dirichlet3[sv, st], dirichlet3[tv, tt], dirichlet3[fv, ft])
	add("MultiNormalCholesky", func(rng *rand.Rand) ([]float64, float64) {
		p := make([]float64, 6+9)
		for i := range 6 {
			p[i] = rng.NormFloat64()
		}
		L := mat.NewDense(3, 3, p[6:])
		for i := range 3 {
			for j := range i {
				L.Set(i, j, 0.5*rng.NormFloat64())
			}
			L.Set(i, i, pos(rng, 0.3, 2))
		}
		var cov mat.SymDense
		cov.SymOuterK(1, L)
		n, ok := distmv.NewNormal(p[3:6], &cov, nil)
		if !ok {
			panic("covariance not positive definite")
		}
		return p, n.LogProb(p[:3])
	}, mvn3[sv, st], mvn3[tv, tt], mvn3[fv, ft])
	return ds
}

func scalars(p []float64) []tv {
	xs := make([]tv, len(p))
	for i, v := range p {
		xs[i] = tensor.Scalar(v)
	}
	return xs
}

// relErr is |got − want| relative to max(1, |want|).
func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Max(1, math.Abs(want)) }

// TestValues: each density on Float equals gonum's LogProb or the closed
// form to 1e-10 relative; the scalar tape gives Float's exact bits and
// the tensor tape its value to 1e-13.
func TestValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, d := range densities() {
		for range 20 {
			p, ref := d.draw(rng)
			v := d.f(scalar.Float{}, p)
			if e := relErr(v, ref); !(e <= 1e-10) {
				t.Errorf("%s at %v = %.15g, reference %.15g (%.2g relative)", d.name, p, v, ref, e)
			}
			tp := scalar.NewTape(0)
			if s := d.s(tp, tp.Vars(make([]sv, len(p)), p)).Value(); s != v {
				t.Errorf("%s at %v: scalar tape %.17g, Float %.17g", d.name, p, s, v)
			}
			if tv := d.t(nil, scalars(p)).Item(); relErr(tv, v) > 1e-13 {
				t.Errorf("%s at %v: tensor tape %.17g, Float %.17g", d.name, p, tv, v)
			}
		}
	}
}

// TestGradientsAgree: the scalar tape's gradient equals the tensor tape's,
// element for element, to 1e-12 relative to max(1, |∂|).
func TestGradientsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	stp := scalar.NewTape(0)
	for _, d := range densities() {
		for range 10 {
			p, _ := d.draw(rng)
			g := make([]float64, len(p))
			stp.Gradient(d.s, p, g)
			ttp := tensor.NewTape()
			xs := scalars(p)
			want := ttp.Grad([]tv{d.t(ttp, xs)}, xs, tensor.GradOptions{})
			for i := range p {
				if w := want[i].Item(); !(relErr(g[i], w) <= 1e-12) {
					t.Errorf("%s at %v: ∂/∂p%d = %.17g on the scalar tape, %.17g on the tensor tape", d.name, p, i, g[i], w)
				}
			}
		}
	}
}

// TestCheckGrad checks the first and second derivatives of every density,
// with respect to every parameter and continuous argument, against finite
// differences (tensor.CheckGrad's default tolerances).
func TestCheckGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, d := range densities() {
		for range 2 {
			p, _ := d.draw(rng)
			f := func(tp tt, xs []tv) tv { return d.t(tp, xs) }
			for order := 1; order <= 2; order++ {
				if err := tensor.CheckGrad(f, scalars(p), tensor.CheckOptions{Order: order}); err != nil {
					t.Errorf("%s at %v: %v", d.name, p, err)
				}
			}
		}
	}
}
