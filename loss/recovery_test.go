package loss

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

// TestRecoverySchedule checks the levels against the variance-preserving
// diffusion they cut: a² + σ² = 1, each level's data share is the last
// one's times its a, and the product of the a's is ᾱ(1) = exp(−½∫₀¹β) =
// exp(−(β_min + β_max)/4).
func TestRecoverySchedule(t *testing.T) {
	for _, l := range []DiffusionRecovery{{}, {Levels: 1}, {Levels: 10, BetaMin: 0.5, BetaMax: 8, StepScale: 0.1}} {
		lv, err := l.Schedule()
		if err != nil {
			t.Fatal(err)
		}
		levels := len(lv.A)
		lo, hi := l.BetaMin, l.BetaMax
		if lo == 0 {
			lo, hi = 0.1, 20
		}
		prod := 1.0
		for k := range levels {
			if math.Abs(lv.A[k]*lv.A[k]+lv.Sigma[k]*lv.Sigma[k]-1) > 1e-12 {
				t.Errorf("%+v level %d: a² + σ² = %g", l, k, lv.A[k]*lv.A[k]+lv.Sigma[k]*lv.Sigma[k])
			}
			if math.Abs(lv.Cum[k]-prod) > 1e-12 {
				t.Errorf("%+v level %d: data share %g, want %g", l, k, lv.Cum[k], prod)
			}
			prod *= lv.A[k]
			b := l.StepScale
			if b == 0 {
				b = 0.25
			}
			if want := b * lv.Sigma[k] * lv.Sigma[k]; math.Abs(lv.Step[k]-want) > 1e-14*want {
				t.Errorf("%+v level %d: step %g, want %g", l, k, lv.Step[k], want)
			}
			if want := lv.Sigma[0] / lv.Sigma[k]; math.Abs(lv.Weight[k]-want) > 1e-15 {
				t.Errorf("%+v level %d: weight %g, want %g", l, k, lv.Weight[k], want)
			}
			if levels > 1 && math.Abs(lv.T[k]-float64(k)/float64(levels-1)) > 1e-15 {
				t.Errorf("%+v level %d: time %g", l, k, lv.T[k])
			}
		}
		if want := math.Exp(-(lo + hi) / 4); math.Abs(prod-want) > 1e-12 {
			t.Errorf("%+v: ᾱ(1) = %g, want %g", l, prod, want)
		}
	}
}

// gaussLevels is E(x, tₖ) = ‖x − cₖμ‖²/(2·scale·vₖ), vₖ = cₖ²s² + 1 − cₖ²:
// for data N(μ, s²I) and scale 1, the exact energy of every level of the
// diffusion (each level is N(cₖμ, vₖI)), its level looked up by its time.
type gaussLevels struct {
	mu        []float64
	s2, scale float64
	lv        RecoveryLevels
}

func (g gaussLevels) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	n, d := x.Dim(0), x.Dim(1)
	centre, inv := tensor.Zeros(n, d), tensor.Zeros(n, 1)
	for i := range n {
		k := int(math.Round(t.Data()[i] * float64(len(g.lv.T)-1)))
		c := g.lv.Cum[k]
		for j := range d {
			centre.Data()[i*d+j] = c * g.mu[j]
		}
		inv.Data()[i] = 1 / (g.scale * (c*c*g.s2 + 1 - c*c))
	}
	z := tp.Sub(x, centre)
	return tp.Scale(tp.Mul(tp.Reshape(tp.SumAxis(tp.Square(z), 1), n, 1), inv), 0.5)
}

func (g gaussLevels) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return g.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

func (gaussLevels) Params() []nn.Param { return nil }

// recoveryExpected is the expected loss of gaussLevels (scale σ_m: model
// variance σ_m·vₖ) on data N(μ, s²I) in d dimensions, level by level and
// averaged, for negatives from K steps of unadjusted Langevin or, with
// exact, from the conditional itself. With λ = (a/σ)², the conditional's
// energy is ‖x − m‖²/(2v′) + λ‖x − y‖²/2, y = x_{k+1}/a, m = cμ, of
// precision P = 1/v′ + λ and mean μ_post = m + (λ/P)(y − m), so each
// Langevin step is the linear map x − μ_post ← r(x − μ_post) + √(2η)z,
// r = 1 − ηP. From the start a²y, after K steps the negative has variance
// 2η(1 − r^{2K})/(1 − r²) about m + g(y − m) + h, with
// g = λ/P + r^K(a² − λ/P) and h = r^K(a² − 1)m, where y − m has mean 0 and
// variance v + 1/λ; exact draws have variance 1/P, g = λ/P and h = 0. The
// positives score d·v/(2v′). Levels count with the loss's weights. At
// v′ = v the exact loss is 0; Langevin's is not, for finite K and η.
func recoveryExpected(lv RecoveryLevels, mu []float64, s2, scale float64, k int, exact bool) float64 {
	d := len(mu)
	mu2 := 0.0
	for _, v := range mu {
		mu2 += v * v
	}
	out := 0.0
	for i := range lv.A {
		c, a2 := lv.Cum[i], lv.A[i]*lv.A[i]
		v := c*c*s2 + 1 - c*c
		vm := scale * v
		lambda := a2 / (lv.Sigma[i] * lv.Sigma[i])
		p := 1/vm + lambda
		varK, g, h2 := 1/p, lambda/p, 0.0
		if !exact {
			eta := lv.Step[i]
			r := 1 - eta*p
			rk := math.Pow(r, float64(k))
			varK = 2 * eta * (1 - rk*rk) / (1 - r*r)
			g += rk * (a2 - lambda/p)
			h2 = rk * rk * (a2 - 1) * (a2 - 1) * c * c * mu2
		}
		neg := (float64(d)*(varK+g*g*(v+1/lambda)) + h2) / (2 * vm)
		out += lv.Weight[i] * (float64(d)*v/(2*vm) - neg) / float64(len(lv.A))
	}
	return out
}

// TestRecoveryGaussian: on Gaussian data, the loss of the exact level
// energies and of ones twice too wide matches its closed form within four
// standard errors of the mean of 8 batches of 4000 rows: with 5 steps of
// unadjusted Langevin (its finite steps, start and bias included), and with the
// default MALA run long enough to forget its start, whose loss is 0 at the
// exact energies. This checks the levels' draws, the conditional (its
// centre x_{k+1}/a and noise σ/a) and the sampler's steps together.
func TestRecoveryGaussian(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 128000 chains; -short (the race-detector pass) skips it")
	}
	mu := []float64{1, -0.5}
	const s2, batches, n = 0.25, 8, 4000
	for _, c := range []struct {
		name  string
		l     DiffusionRecovery
		exact bool
	}{
		// 5 steps, so that where the chains start shows in their ends.
		{"Langevin", DiffusionRecovery{Levels: 4, K: 5, Sampler: sampler.Langevin{}}, false},
		{"MALA", DiffusionRecovery{Levels: 4, K: 60}, true},
	} {
		lv, err := c.l.Schedule()
		if err != nil {
			t.Fatal(err)
		}
		for _, scale := range []float64{1, 2} {
			want := recoveryExpected(lv, mu, s2, scale, c.l.K, c.exact)
			v := make([]float64, batches)
			for b := range batches {
				x := diagGaussianData(rngOf(uint64(40+b)), n, mu, []float64{math.Sqrt(s2), math.Sqrt(s2)})
				out, err := c.l.Loss(tensor.NewTape(), gaussLevels{mu, s2, scale, lv}, x, rngOf(uint64(60+b)))
				if err != nil {
					t.Fatal(err)
				}
				v[b] = out.Item()
			}
			m, se := meanSE(v)
			t.Logf("%s, scale %g: loss %.4f ± %.4f, closed form %.4f", c.name, scale, m, se, want)
			if math.Abs(m-want) > 4*se {
				t.Errorf("%s, scale %g: loss %.4f ± %.4f, want %.4f", c.name, scale, m, se, want)
			}
			if se > 0.02 {
				t.Errorf("%s, scale %g: standard error %.4f: the test resolves too little", c.name, scale, se)
			}
		}
	}
}

// TestRecoveryConditionalExact: with MALA, whose draws are exact, many
// steps of the loss's conditional of level k reach the Gaussian posterior
// of xₖ given x_{k+1} for the exact level energies: precision 1/v + (a/σ)²,
// mean (cμ/v + (a/σ)²·y)/P, y = x_{k+1}/a; checked within 4 standard
// errors over 4000 chains.
func TestRecoveryConditionalExact(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 8000 chains of 200 steps; -short (the race-detector pass) skips it")
	}
	mu := []float64{1, -0.5}
	const s2, chains = 0.25, 4000
	l := DiffusionRecovery{Levels: 4, K: 200}
	lv, err := l.Schedule()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 2} {
		y := []float64{2, 0.3}
		centre := make([]float64, 0, chains*2)
		for range chains {
			centre = append(centre, y...)
		}
		out, err := l.conditional(context.Background(), gaussLevels{mu, s2, 1, lv}, lv, k, centre, 2, 5)
		if err != nil {
			t.Fatal(err)
		}
		c := lv.Cum[k]
		v := c*c*s2 + 1 - c*c
		lambda := lv.A[k] * lv.A[k] / (lv.Sigma[k] * lv.Sigma[k])
		p := 1/v + lambda
		for j := range 2 {
			want := (c*mu[j]/v + lambda*y[j]) / p
			col := make([]float64, chains)
			sq := make([]float64, chains)
			for i := range chains {
				col[i] = out[2*i+j]
				sq[i] = (col[i] - want) * (col[i] - want)
			}
			m, se := meanSE(col)
			if math.Abs(m-want) > 4*se {
				t.Errorf("level %d coordinate %d: mean %.4f ± %.4f, want %.4f", k, j, m, se, want)
			}
			vv, vse := meanSE(sq)
			if math.Abs(vv-1/p) > 4*vse {
				t.Errorf("level %d coordinate %d: variance %.4f ± %.4f, want %.4f", k, j, vv, vse, 1/p)
			}
		}
	}
}

// TestRecoveryGradient checks the loss's parameter gradient by finite
// differences, with a step so small that the negatives do not move with
// the parameters (the loss treats them as constants, as CD does).
func TestRecoveryGradient(t *testing.T) {
	x := gaussianData(rngOf(3), 12, [2][2]float64{{1, 0}, {0.3, 0.9}})
	m, err := nn.NewTimeMLP(rngOf(4), 2, 2, []int{5}, 1, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	xs := nn.Values(m.Params())
	l := DiffusionRecovery{Levels: 3, K: 2, StepScale: 1e-14}
	f := func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
		v, err := l.Loss(tp, m, x, rngOf(7))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := tensor.CheckGrad(f, xs, tensor.CheckOptions{Atol: 1e-5, Rtol: 1e-4}); err != nil {
		t.Error(err)
	}
}

// TestRecoveryGenerate: the chain of conditionals of the exact level
// energies, with MALA, draws the data N(μ, s²I): mean and variance within
// 4 standard errors over 4000 points, and the same seed gives the same
// points.
func TestRecoveryGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 8000 chains through 4 levels; -short (the race-detector pass) skips it")
	}
	mu := []float64{1, -0.5}
	const s2, n = 0.25, 4000
	l := DiffusionRecovery{Levels: 4, K: 100}
	lv, err := l.Schedule()
	if err != nil {
		t.Fatal(err)
	}
	net := gaussLevels{mu, s2, 1, lv}
	x, err := l.Generate(context.Background(), net, n, 2, 9)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 2 {
		col, sq := make([]float64, n), make([]float64, n)
		for i := range n {
			col[i] = x[2*i+j]
			sq[i] = (col[i] - mu[j]) * (col[i] - mu[j])
		}
		if m, se := meanSE(col); math.Abs(m-mu[j]) > 4*se {
			t.Errorf("coordinate %d: mean %.4f ± %.4f, want %g", j, m, se, mu[j])
		}
		if v, se := meanSE(sq); math.Abs(v-s2) > 4*se {
			t.Errorf("coordinate %d: variance %.4f ± %.4f, want %g", j, v, se, s2)
		}
	}
	again, err := l.Generate(context.Background(), net, n, 2, 9)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if x[i] != again[i] {
			t.Fatalf("the same seed drew %g, then %g, at %d", x[i], again[i], i)
		}
	}
}

func TestRecoveryRefuses(t *testing.T) {
	m, err := nn.NewTimeMLP(rngOf(4), 2, 2, []int{5}, 1, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Zeros(4, 2)
	for name, l := range map[string]DiffusionRecovery{
		"negative levels":   {Levels: -1},
		"too many levels":   {Levels: 1001},
		"β_max below β_min": {BetaMin: 2, BetaMax: 1},
		"negative β":        {BetaMin: -1},
		"infinite β":        {BetaMax: math.Inf(1)},
		"negative K":        {K: -3},
		"NaN step":          {StepScale: math.NaN()},
		"adapting sampler":  {Sampler: sampler.MALA{Adapt: true}},
		"unconditioned":     {Sampler: sampler.EllipticalSlice{}},
	} {
		if _, err := l.Loss(tensor.NewTape(), m, x, rngOf(1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
	if _, err := (DiffusionRecovery{}).Loss(tensor.NewTape(), m, tensor.Zeros(0, 2), rngOf(1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty batch: error %v, want ErrInvalid", err)
	}
	if _, err := (DiffusionRecovery{}).Generate(context.Background(), m, 0, 2, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("no points: error %v, want ErrInvalid", err)
	}
	if _, err := (DiffusionRecovery{}).AtLevel(m, 6); !errors.Is(err, ErrInvalid) {
		t.Errorf("level 6 of 6: error %v, want ErrInvalid", err)
	}
}

// TestRecoveryWorkers: the same seed gives the same loss on one core and
// on four, and the same generated points.
func TestRecoveryWorkers(t *testing.T) {
	x := gaussianData(rngOf(3), 64, [2][2]float64{{1, 0}, {0.3, 0.9}})
	m, err := nn.NewTimeMLP(rngOf(4), 2, 2, []int{8}, 1, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	l := DiffusionRecovery{Levels: 3, K: 5}
	run := func(procs int) (float64, []float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		v, err := l.Loss(tensor.NewTape(), m, x, rngOf(7))
		if err != nil {
			t.Fatal(err)
		}
		g, err := l.Generate(context.Background(), m, 64, 2, 8)
		if err != nil {
			t.Fatal(err)
		}
		return v.Item(), g
	}
	v1, g1 := run(1)
	v4, g4 := run(4)
	if v1 != v4 || !slices.Equal(g1, g4) {
		t.Errorf("one core: loss %v, four: %v (points equal: %v)", v1, v4, slices.Equal(g1, g4))
	}
}
