package sampler

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/goebm/goebm/energy"
	"gonum.org/v1/gonum/mat"
)

// gaussPosterior returns the mean and covariance of N(μp, Σp)·N(m; x, Σl)
// as a density of x: Σ = (Σp⁻¹ + Σl⁻¹)⁻¹, mean Σ(Σp⁻¹μp + Σl⁻¹m).
func gaussPosterior(t *testing.T, mp, cp, ml, cl []float64) ([]float64, []float64) {
	t.Helper()
	d := len(mp)
	inv := func(c []float64) *mat.Dense {
		var m mat.Dense
		if err := m.Inverse(mat.NewDense(d, d, slices.Clone(c))); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	pp, pl := inv(cp), inv(cl)
	var prec mat.Dense
	prec.Add(pp, pl)
	var cov mat.Dense
	if err := cov.Inverse(&prec); err != nil {
		t.Fatal(err)
	}
	var b, b2, mean mat.VecDense
	b.MulVec(pp, mat.NewVecDense(d, slices.Clone(mp)))
	b2.MulVec(pl, mat.NewVecDense(d, slices.Clone(ml)))
	b.AddVec(&b, &b2)
	mean.MulVec(&cov, &b)
	return mean.RawVector().Data, cov.RawMatrix().Data
}

// TestEllipticalSliceMoments: a Gaussian likelihood times a correlated
// Gaussian prior (non-zero mean) gives the known Gaussian posterior, means,
// standard deviations and covariance within 4 MCSE; every move is accepted
// (no rejections by construction) and no gradient is evaluated. With
// WholeEnergy the same kernel samples a whole target, the correlated 2-D
// Gaussian, from an isotropic prior of scale 2.
func TestEllipticalSliceMoments(t *testing.T) {
	mp, cp := []float64{0.5, 0}, []float64{1, 0.6, 0.6, 2}
	ml, cl := []float64{1, -1}, []float64{0.5, -0.2, -0.2, 1.5}
	lik, err := energy.NewGaussian(ml, cl)
	if err != nil {
		t.Fatal(err)
	}
	mean, cov := gaussPosterior(t, mp, cp, ml, cl)
	o := Options{Chains: 8, Warmup: 100, Steps: 3000, Seed: 21, Trajectory: true}
	r, err := EllipticalSlice{PriorMean: mp, PriorCov: cp}.Sample(context.Background(), lik, o)
	if err != nil {
		t.Fatal(err)
	}
	checkMoments(t, "ess, Gaussian × Gaussian", r, mean, cov, 4, 0)
	evals := 0
	for _, in := range r.StepInfo {
		if !in.Accepted || in.AcceptStat != 1 || in.EnergyEvals < 1 {
			t.Fatalf("draw info %+v: want accepted, statistic 1, at least one energy", in)
		}
		evals += in.EnergyEvals
	}
	if r.Info.GradEvals != 0 || int64(evals) != r.Info.SamplingEnergyEvals {
		t.Errorf("%d gradients (want 0); the draws count %d energies, the run %d", r.Info.GradEvals, evals, r.Info.SamplingEnergyEvals)
	}
	t.Logf("%.2f energies per step", float64(evals)/float64(8*3000))

	g2, m2, c2 := gaussian2D(t)
	r, err = EllipticalSlice{PriorScale: 2, WholeEnergy: true}.Sample(context.Background(), g2, o)
	if err != nil {
		t.Fatal(err)
	}
	checkMoments(t, "ess, whole energy", r, m2, c2, 4, 0)
}

// TestEllipticalSliceReproducible: the same seed gives the same draws
// whatever the number of workers, and another seed other draws.
func TestEllipticalSliceReproducible(t *testing.T) {
	g2, _, _ := gaussian2D(t)
	run := func(seed uint64, workers int) []float64 {
		r, err := EllipticalSlice{WholeEnergy: true}.Sample(context.Background(), g2,
			Options{Chains: 70, Steps: 20, Seed: seed, Workers: workers, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		return r.Draws
	}
	a, b, c := run(3, 1), run(3, 4), run(4, 1)
	if !slices.Equal(a, b) {
		t.Error("the draws depend on the number of workers")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 3 and 4 gave the same draws")
	}
}

// TestEllipticalSliceBadInput: a covariance of the wrong size, asymmetric
// or not positive-definite, a mean of the wrong size, a negative scale,
// bounds and conditioning are refused.
func TestEllipticalSliceBadInput(t *testing.T) {
	ctx := context.Background()
	o := Options{Dim: 2, Chains: 1, Steps: 1}
	for name, es := range map[string]EllipticalSlice{
		"size":       {PriorCov: []float64{1}},
		"asymmetric": {PriorCov: []float64{1, 0.5, 0.4, 1}},
		"indefinite": {PriorCov: []float64{1, 2, 2, 1}},
		"mean":       {PriorMean: []float64{1}},
		"scale":      {PriorScale: -1},
	} {
		if err := run2(es.Sample(ctx, energy.Harmonic{}, o)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
	b := o
	b.Bounds = &Bounds{Lo: []float64{-1}, Hi: []float64{1}}
	if err := run2(EllipticalSlice{}.Sample(ctx, energy.Harmonic{}, b)); !errors.Is(err, ErrInvalid) {
		t.Errorf("bounds: error %v, want ErrInvalid", err)
	}
}
