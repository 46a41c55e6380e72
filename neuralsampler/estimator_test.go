package neuralsampler

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/goebm/goebm/energy"
)

// noisedMixture returns the mixture comps convolved with N(0, σ²I): the
// exact density of x₀ + σε, whose −∇E is the exact score.
func noisedMixture(t *testing.T, comps []energy.Component, sigma float64) *energy.Mixture {
	t.Helper()
	out := make([]energy.Component, len(comps))
	for k, c := range comps {
		c.Sigma = math.Sqrt(c.Sigma*c.Sigma + sigma*sigma)
		out[k] = c
	}
	m, err := energy.NewMixture(out)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// estimatorError returns the RMS error over points and coordinates of the
// estimator's score and posterior mean against the closed forms for the
// mixture comps noised by sigma, with K draws, each relative to the RMS of
// what it estimates (the score; the mean's shift E[x₀|x] − x).
func estimatorError(t *testing.T, comps []energy.Component, sigma float64, k int, seed uint64) (scoreErr, meanErr float64) {
	t.Helper()
	prior, err := energy.NewMixture(comps)
	if err != nil {
		t.Fatal(err)
	}
	noised := noisedMixture(t, comps, sigma)
	const n, d = 40, 2
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	sig := make([]float64, n)
	for i := range sig {
		sig[i] = sigma
	}
	score, mean, _ := Posterior{Energy: prior, K: k, Grad: true}.Estimate(x, d, sig, rng)
	e, g := make([]float64, n), make([]float64, n*d)
	noised.Grad(e, g, x, d)
	var scoreSize, shiftSize float64
	for i := range g {
		want := -g[i]                       // the exact score of the noised density
		wantMean := x[i] + sigma*sigma*want // Tweedie: E[x₀|x] = x + σ²·score
		scoreErr += (score[i] - want) * (score[i] - want)
		meanErr += (mean[i] - wantMean) * (mean[i] - wantMean)
		scoreSize += want * want
		shiftSize += (wantMean - x[i]) * (wantMean - x[i])
	}
	return math.Sqrt(scoreErr / scoreSize), math.Sqrt(meanErr / shiftSize)
}

var (
	gaussianComps = []energy.Component{{Weight: 1, Mean: []float64{0.5, -1}, Sigma: 0.7}}
	mixtureComps  = []energy.Component{
		{Weight: 1, Mean: []float64{-1.5, 0}, Sigma: 0.5},
		{Weight: 2, Mean: []float64{1, 1}, Sigma: 0.4},
		{Weight: 1, Mean: []float64{0.5, -1.5}, Sigma: 0.6},
	}
)

// TestPosteriorMatchesClosedForm: the Monte Carlo score −Σwₖ∇E(x + σεₖ)
// and posterior mean Σwₖ(x + σεₖ) against the closed forms of a noised
// Gaussian and a noised three-component mixture (score −∇E of the mixture
// with σₖ² + σ²; mean by Tweedie): with K = 20000 the RMS errors are below
// 20% of the quantities' RMS (the gradient form's variance grows with σ
// against the score it estimates: 16% for the mixture at σ = 2), and going from K = 50 to K = 20000 they shrink
// at least fivefold (MC error falls as 1/√K: twentyfold in expectation;
// degenerate weights far from the modes make it slower).
func TestPosteriorMatchesClosedForm(t *testing.T) {
	for name, comps := range map[string][]energy.Component{"gaussian": gaussianComps, "mixture": mixtureComps} {
		for _, sigma := range []float64{0.3, 1, 2} {
			sBig, mBig := estimatorError(t, comps, sigma, 20000, 3)
			sSmall, mSmall := estimatorError(t, comps, sigma, 50, 3)
			if sBig > 0.2 || mBig > 0.1 {
				t.Errorf("%s σ %g K 20000: RMS score error %.4f, mean error %.4f", name, sigma, sBig, mBig)
			}
			if sSmall < 5*sBig || mSmall < 5*mBig {
				t.Errorf("%s σ %g: RMS errors K 50 → 20000: score %.4f → %.4f, mean %.4f → %.4f, want fivefold", name, sigma, sSmall, sBig, mSmall, mBig)
			}
		}
	}
}

// TestPosteriorSmallNoise: as σ → 0 the score is −∇E(x) itself and the mean
// x itself.
func TestPosteriorSmallNoise(t *testing.T) {
	prior, _ := energy.NewMixture(mixtureComps)
	x := []float64{0.3, -0.2, 1.1, 0.9}
	score, mean, ess := Posterior{Energy: prior, K: 64, Grad: true}.Estimate(x, 2, []float64{1e-7, 1e-7}, rand.New(rand.NewPCG(1, 2)))
	e, g := make([]float64, 2), make([]float64, 4)
	prior.Grad(e, g, x, 2)
	for i := range x {
		if math.Abs(score[i]+g[i]) > 1e-5 || math.Abs(mean[i]-x[i]) > 1e-5 {
			t.Errorf("coordinate %d: score %g mean %g, want %g and %g", i, score[i], mean[i], -g[i], x[i])
		}
	}
	if math.Abs(ess-64) > 1e-3 {
		t.Errorf("ESS %g, want 64 (equal weights)", ess)
	}
}

// TestPosteriorSameOnAnyCores: one seed gives the same estimates on one
// core and on four.
func TestPosteriorSameOnAnyCores(t *testing.T) {
	prior, _ := energy.NewMixture(mixtureComps)
	x := make([]float64, 2*37)
	for i := range x {
		x[i] = float64(i%7) - 3
	}
	sig := make([]float64, 37)
	for i := range sig {
		sig[i] = 0.1 * float64(i+1)
	}
	run := func(procs int) ([]float64, []float64) {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		s, m, _ := Posterior{Energy: prior, K: 33, Grad: true}.Estimate(x, 2, sig, rand.New(rand.NewPCG(4, 4)))
		return s, m
	}
	s1, m1 := run(1)
	s4, m4 := run(4)
	for i := range s1 {
		if s1[i] != s4[i] || m1[i] != m4[i] {
			t.Fatalf("coordinate %d: one core %g %g, four %g %g", i, s1[i], m1[i], s4[i], m4[i])
		}
	}
}
