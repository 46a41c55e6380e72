package models_test

import (
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bayes/models"
)

// BenchmarkGradient times one gradient of each model at a point of its
// posterior's bulk (one point per call, the scalar tape).
func BenchmarkGradient(b *testing.B) {
	rng := rand.New(rand.NewPCG(2026, 18))
	y := models.SimulateGARCH(200, 5, 1, 0.5, 0.3, 2, rng.NormFloat64)
	digits, err := models.LoadDigits()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		model bayes.Model
		x     []float64 // constrained
	}{
		{"eight_schools_noncentred", models.EightSchoolsNonCentred(), []float64{4.4, 3.6, 0.3, 0.1, -0.1, 0.06, -0.16, -0.07, 0.35, 0.08}},
		{"eight_schools_centred", models.EightSchoolsCentred(), []float64{4.4, 3.6, 6, 5, 4, 4.7, 3.6, 4, 6.3, 4.9}},
		{"garch11", models.GARCH(y, 2), []float64{5, 1, 0.5, 0.6}},
		{"digits_logistic", models.DigitsLogistic(digits), make([]float64, 65)},
	} {
		b.Run(c.name, func(b *testing.B) {
			p, err := bayes.New(c.model)
			if err != nil {
				b.Fatal(err)
			}
			u := make([]float64, p.Dim())
			if err := p.Unconstrain(c.x, u); err != nil {
				b.Fatal(err)
			}
			e, g := []float64{0}, make([]float64, p.Dim())
			for b.Loop() {
				p.Grad(e, g, u, p.Dim())
			}
		})
	}
}
