package loss

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"

	"github.com/goebm/goebm/tensor"
)

func mustGaussian(t *testing.T, mean, cov []float64) *GaussianNoise {
	t.Helper()
	g, err := NewGaussianNoise(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// testMixture is a two-component mixture in 3-D, one full and one diagonal.
func testMixture(t *testing.T) (*MixtureNoise, []float64, [][]float64, [][]float64) {
	t.Helper()
	w := []float64{0.3, 0.7}
	means := [][]float64{{1, -0.5, 0.2}, {-1, 0.5, 0}}
	covs := [][]float64{{2, 0.6, 0.1, 0.6, 1, -0.3, 0.1, -0.3, 0.5}, {0.4, 0, 0, 0, 0.9, 0, 0, 0, 1.6}}
	diag, err := NewDiagGaussianNoise(means[1], []float64{0.4, 0.9, 1.6})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMixtureNoise([]float64{3, 7}, []*GaussianNoise{mustGaussian(t, means[0], covs[0]), diag})
	if err != nil {
		t.Fatal(err)
	}
	return m, w, means, covs
}

// TestNoiseLogDensity checks each noise's log density against gonum's
// multivariate normal, and the mixture's against the log of the weighted
// sum of gonum's densities, to 1e-12.
func TestNoiseLogDensity(t *testing.T) {
	m, w, means, covs := testMixture(t)
	var ref []*distmv.Normal
	for k := range means {
		nk, ok := distmv.NewNormal(means[k], mat.NewSymDense(3, covs[k]), nil)
		if !ok {
			t.Fatal("gonum refused the covariance")
		}
		ref = append(ref, nk)
	}
	full := mustGaussian(t, means[0], covs[0])
	iso := isoNoise{mean: means[1], sd: 1.3}
	isoRef, _ := distmv.NewNormal(means[1], mat.NewSymDense(3, []float64{1.69, 0, 0, 0, 1.69, 0, 0, 0, 1.69}), nil)
	rng := rngOf(1)
	for range 50 {
		u := []float64{2 * rng.NormFloat64(), 2 * rng.NormFloat64(), 2 * rng.NormFloat64()}
		if got, want := full.LogDensity(u), ref[0].LogProb(u); math.Abs(got-want) > 1e-12 {
			t.Errorf("full Gaussian at %v: %.15g, want %.15g", u, got, want)
		}
		if got, want := iso.LogDensity(u), isoRef.LogProb(u); math.Abs(got-want) > 1e-12 {
			t.Errorf("isotropic Gaussian at %v: %.15g, want %.15g", u, got, want)
		}
		want := math.Log(w[0]*math.Exp(ref[0].LogProb(u)) + w[1]*math.Exp(ref[1].LogProb(u)))
		if got := m.LogDensity(u); math.Abs(got-want) > 1e-12 {
			t.Errorf("mixture at %v: %.15g, want %.15g", u, got, want)
		}
	}
}

// TestNoiseMoments checks the draws' mean and covariance against the
// closed forms, within 5 standard errors: a mixture's mean is Σwₖμₖ and its
// covariance Σwₖ(Σₖ + μₖμₖᵀ) − μμᵀ.
func TestNoiseMoments(t *testing.T) {
	m, w, means, covs := testMixture(t)
	const d = 3
	mixMean := make([]float64, d)
	mixCov := make([]float64, d*d)
	for k := range w {
		floats.AddScaled(mixMean, w[k], means[k])
		for i := range d {
			for j := range d {
				mixCov[i*d+j] += w[k] * (covs[k][i*d+j] + means[k][i]*means[k][j])
			}
		}
	}
	for i := range d {
		for j := range d {
			mixCov[i*d+j] -= mixMean[i] * mixMean[j]
		}
	}
	for name, c := range map[string]struct {
		q         Noise
		mean, cov []float64
	}{
		"full":    {mustGaussian(t, means[0], covs[0]), means[0], covs[0]},
		"mixture": {m, mixMean, mixCov},
	} {
		const n = 200000
		rng := rngOf(2)
		xs := make([][]float64, n)
		for i := range xs {
			xs[i] = make([]float64, d)
			c.q.Sample(rng, xs[i])
		}
		for i := range d {
			mu := 0.0
			for _, x := range xs {
				mu += x[i] / n
			}
			if se := math.Sqrt(c.cov[i*d+i] / n); math.Abs(mu-c.mean[i]) > 5*se {
				t.Errorf("%s: mean[%d] = %.4f, want %.4f ± %.4f", name, i, mu, c.mean[i], 5*se)
			}
			for j := range d {
				s := 0.0
				for _, x := range xs {
					s += (x[i] - c.mean[i]) * (x[j] - c.mean[j]) / n
				}
				// Var of the product ≤ E[(xᵢ−μᵢ)²(xⱼ−μⱼ)²], bounded here by
				// 3σᵢ²σⱼ² (Gaussian) with room for the mixture's kurtosis.
				se := math.Sqrt(6 * c.cov[i*d+i] * c.cov[j*d+j] / n)
				if math.Abs(s-c.cov[i*d+j]) > 5*se {
					t.Errorf("%s: cov[%d,%d] = %.4f, want %.4f ± %.4f", name, i, j, s, c.cov[i*d+j], 5*se)
				}
			}
		}
	}
}

// TestNCENoiseOptima trains a quadratic energy with NCE against a
// full-covariance and a mixture noise: whatever the noise, the optimum is
// P = S⁻¹ and c = log Z = log 2π + ½ log|S|, met within 0.03 (relative,
// P) and 0.02 nats (log Z) after 3000 Adam steps: the optimisation's and
// the noise draws' error (measured: 0.01 and 0.003).
func TestNCENoiseOptima(t *testing.T) {
	if testing.Short() {
		t.Skip("trains to convergence; -short (the race-detector pass) skips it")
	}
	x := gaussianData(rngOf(5), 2000, [2][2]float64{{1.2, 0}, {0.6, 0.7}})
	s := secondMoment(x)
	wantZ := math.Log(2*math.Pi) + 0.5*math.Log(s[0]*s[3]-s[1]*s[2])
	full := mustGaussian(t, []float64{0.1, 0}, []float64{2, 0.8, 0.8, 1.2})
	diag, err := NewDiagGaussianNoise([]float64{-0.5, -0.3}, []float64{1, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	mix, err := NewMixtureNoise([]float64{1, 1}, []*GaussianNoise{mustGaussian(t, []float64{0.5, 0.3}, []float64{1.5, 0.5, 0.5, 1}), diag})
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]Noise{"full": full, "mixture": mix} {
		nce, st := NCE{Noise: q, Ratio: 4}.Start()
		logZ := st.Params()[0].Value
		p := train(t, nce, x, 3000, []*tensor.Tensor{logZ})
		close(t, "NCE, "+name+" noise", p, inv2(s), 0.03)
		if math.Abs(logZ.Item()-wantZ) > 0.02 {
			t.Errorf("NCE, %s noise: log Z = %.3f, want %.3f", name, logZ.Item(), wantZ)
		}
		t.Logf("NCE, %s noise: P = %.3f (S⁻¹ = %.3f), log Z = %.4f (want %.4f)", name, p, inv2(s), logZ.Item(), wantZ)
	}
}

func TestNoiseRefuses(t *testing.T) {
	g := mustGaussian(t, []float64{0, 0}, []float64{1, 0, 0, 1})
	for name, f := range map[string]func() error{
		"not symmetric": func() error { _, err := NewGaussianNoise([]float64{0, 0}, []float64{1, 0.5, 0, 1}); return err },
		"not definite":  func() error { _, err := NewGaussianNoise([]float64{0, 0}, []float64{1, 2, 2, 1}); return err },
		"cov shape":     func() error { _, err := NewGaussianNoise([]float64{0, 0}, []float64{1}); return err },
		"nan mean":      func() error { _, err := NewGaussianNoise([]float64{math.NaN()}, []float64{1}); return err },
		"diag shape":    func() error { _, err := NewDiagGaussianNoise([]float64{0}, []float64{1, 1}); return err },
		"zero weight":   func() error { _, err := NewMixtureNoise([]float64{0}, []*GaussianNoise{g}); return err },
		"mixed dims": func() error {
			_, err := NewMixtureNoise([]float64{1, 1}, []*GaussianNoise{g, mustGaussian(t, []float64{0}, []float64{1})})
			return err
		},
		"weights, comps": func() error { _, err := NewMixtureNoise([]float64{1, 1}, []*GaussianNoise{g}); return err },
		"nce noise and sd": func() error {
			_, err := NCE{Noise: g, NoiseStd: 2}.Loss(nil, quadratic{tensor.New([]float64{1, 0, 0, 1}, 2, 2)}, tensor.Zeros(3, 2), rngOf(1))
			return err
		},
		"nce noise dim": func() error {
			_, err := NCE{Noise: g}.Loss(nil, quadratic{tensor.New([]float64{1}, 1, 1)}, tensor.Zeros(3, 1), rngOf(1))
			return err
		},
	} {
		if err := f(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}
