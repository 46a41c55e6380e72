package models_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bayes/models"
	"github.com/goebm/goebm/dataset"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestLogDensities checks each model's log density on the unconstrained
// space against the same density computed directly with gonum's
// distributions and the log-Jacobians written out, at random points.
func TestLogDensities(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	digits, err := models.LoadDigits()
	if err != nil {
		t.Fatal(err)
	}
	im, err := dataset.Digits()
	if err != nil {
		t.Fatal(err)
	}
	y := models.SimulateGARCH(50, 5, 1, 0.5, 0.3, 2, rng.NormFloat64)
	normal := func(x, mu, sd float64) float64 { return distuv.Normal{Mu: mu, Sigma: sd}.LogProb(x) }
	cauchy := func(x, scale float64) float64 { return -math.Log(math.Pi*scale) - math.Log1p(x*x/(scale*scale)) }
	sigmoid := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	cases := []struct {
		name  string
		model bayes.Model
		dim   int
		want  func(u []float64) float64
	}{
		{"eight schools centred", models.EightSchoolsCentred(), 10, func(u []float64) float64 {
			mu, tau := u[0], math.Exp(u[1])
			lp := normal(mu, 0, 5) + cauchy(tau, 5) + u[1]
			for j, th := range u[2:] {
				lp += normal(th, mu, tau) + normal(models.EightSchoolsY[j], th, models.EightSchoolsSigma[j])
			}
			return lp
		}},
		{"eight schools non-centred", models.EightSchoolsNonCentred(), 10, func(u []float64) float64 {
			mu, tau := u[0], math.Exp(u[1])
			lp := normal(mu, 0, 5) + cauchy(tau, 5) + u[1]
			for j, z := range u[2:] {
				lp += normal(z, 0, 1) + normal(models.EightSchoolsY[j], mu+tau*z, models.EightSchoolsSigma[j])
			}
			return lp
		}},
		{"GARCH(1,1)", models.GARCH(y, 2), 4, func(u []float64) float64 {
			mu, a0, a1, s := u[0], math.Exp(u[1]), sigmoid(u[2]), sigmoid(u[3])
			b1 := (1 - a1) * s
			// log-Jacobian: α₀ = eᵘ, α₁ = σ(u), β₁ = (1 − α₁)σ(u).
			lp := u[1] + math.Log(a1*(1-a1)) + math.Log((1-a1)*s*(1-s))
			s2 := 4.0
			for t, yt := range y {
				if t > 0 {
					e := y[t-1] - mu
					s2 = a0 + a1*e*e + b1*s2
				}
				lp += normal(yt, mu, math.Sqrt(s2))
			}
			return lp
		}},
		{"digits logistic", models.DigitsLogistic(digits), 65, func(u []float64) float64 {
			lp := 0.0
			for _, w := range u {
				lp -= w * w / 2 // N(0, 1) priors without their constants
			}
			n := 0
			for i, y := range im.Labels {
				if y > 1 {
					continue
				}
				n++
				eta := u[0]
				for j, v := range im.Pixels[i*64 : (i+1)*64] {
					eta += u[1+j] * float64(v) / 16
				}
				p := sigmoid(eta)
				lp += float64(y)*math.Log(p) + float64(1-y)*math.Log(1-p)
			}
			if n != digits.Images {
				t.Fatalf("%d images of 0 and 1, Digits has %d", n, digits.Images)
			}
			return lp
		}},
	}
	for _, c := range cases {
		post, err := bayes.New(c.model)
		if err != nil {
			t.Fatal(err)
		}
		if post.Dim() != c.dim {
			t.Fatalf("%s: dimension %d, want %d", c.name, post.Dim(), c.dim)
		}
		for range 5 {
			u := make([]float64, c.dim)
			for i := range u {
				u[i] = 0.5 * rng.NormFloat64()
			}
			got, want := post.LogDensity(u), c.want(u)
			if math.Abs(got-want) > 1e-10*(1+math.Abs(want)) {
				t.Errorf("%s at %.3f: log density %.12g, want %.12g", c.name, u, got, want)
			}
		}
	}
}
