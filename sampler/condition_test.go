package sampler

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
	"gonum.org/v1/gonum/mat"
)

// correlated4 is a 4-d Gaussian with correlations from ±0.34 to ±0.7.
func correlated4(t *testing.T) (*energy.Gaussian, []float64, []float64) {
	mean := []float64{1, -1, 0.5, 2}
	sd := []float64{1, 0.5, 2, 1.5}
	// AR(1) correlations 0.7^|i−j|, with the last coordinate's sign flipped.
	sign := []float64{1, 1, 1, -1}
	corr := make([]float64, 16)
	for i := range 4 {
		for j := range 4 {
			corr[i*4+j] = sign[i] * sign[j] * math.Pow(0.7, math.Abs(float64(i-j)))
		}
	}
	cov := make([]float64, 16)
	for i := range 4 {
		for j := range 4 {
			cov[i*4+j] = corr[i*4+j] * sd[i] * sd[j]
		}
	}
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g, mean, cov
}

// conditional returns the mean and covariance of the free coordinates of
// N(mean, cov) given x[obs] = values[obs]: μ_f + Σ_fo Σ_oo⁻¹(v − μ_o) and the
// Schur complement Σ_ff − Σ_fo Σ_oo⁻¹ Σ_of.
func conditional(mean, cov []float64, obs []bool, values []float64) (free []int, m, c []float64) {
	d := len(mean)
	var o []int
	for j := range d {
		if obs[j] {
			o = append(o, j)
		} else {
			free = append(free, j)
		}
	}
	at := func(rows, cols []int) *mat.Dense {
		a := mat.NewDense(len(rows), len(cols), nil)
		for r, i := range rows {
			for k, j := range cols {
				a.Set(r, k, cov[i*d+j])
			}
		}
		return a
	}
	var inv mat.Dense
	if err := inv.Inverse(at(o, o)); err != nil {
		panic(err)
	}
	diff := mat.NewVecDense(len(o), nil)
	for r, j := range o {
		diff.SetVec(r, values[j]-mean[j])
	}
	var k mat.Dense
	k.Mul(at(free, o), &inv)
	var shift mat.VecDense
	shift.MulVec(&k, diff)
	var schur mat.Dense
	schur.Mul(&k, at(o, free))
	schur.Sub(at(free, free), &schur)
	for r, j := range free {
		m = append(m, mean[j]+shift.AtVec(r))
		for q := range free {
			c = append(c, schur.At(r, q))
		}
	}
	return free, m, c
}

// part returns the draws of chains [from, to) at the coordinates cols as a
// Result of its own, for checkMoments.
func part(r *Result, from, to int, cols []int) *Result {
	out := &Result{Dim: len(cols), Chains: to - from, Kept: r.Kept}
	for c := from; c < to; c++ {
		for k := range r.Kept {
			for _, j := range cols {
				out.Draws = append(out.Draws, r.Draws[(c*r.Kept+k)*r.Dim+j])
			}
		}
	}
	return out
}

// images are three inpainting problems for correlated4: masks and values,
// one row each.
var images = []struct {
	obs    []bool
	values []float64
}{
	{[]bool{false, true, false, true}, []float64{math.NaN(), -0.5, math.NaN(), 3}},
	{[]bool{true, false, false, false}, []float64{2.5, 0, 0, 0}},
	{[]bool{false, true, true, false}, []float64{0, -1.5, -1, 0}},
}

// condition returns the Condition of images for perImage chains each.
func imageCondition(perImage int, which ...int) *Condition {
	c := &Condition{}
	for _, m := range which {
		for range perImage {
			c.Observed = append(c.Observed, images[m].obs...)
			c.Values = append(c.Values, images[m].values...)
		}
	}
	return c
}

// TestConditionalGaussian: three images inpainted in one call, 8 chains
// each, by MALA (adapted, and at a fixed step with the identity metric,
// where the observed coordinates' terms in its test do not vanish by
// themselves), HMC, NUTS and parallel tempering: each image's free
// coordinates match the exact conditional mean and covariance (the Schur
// complement) within 4 MCSE, and its observed ones never move.
func TestConditionalGaussian(t *testing.T) {
	g, mean, cov := correlated4(t)
	const per = 8
	for _, c := range []struct {
		name  string
		s     sampleFunc
		steps int
	}{
		{"mala", MALA{Adapt: true, AdaptMass: true}.Sample, 2000},
		{"mala, fixed step", MALA{StepSize: schedule.Constant(0.25)}.Sample, 8000},
		{"rwm", RWM{Adapt: true, AdaptMass: true}.Sample, 6000},
		{"slice", Slice{}.Sample, 2000},
		{"hmc", HMC{Adapt: true, AdaptMass: true, LeapfrogSteps: 5}.Sample, 2000},
		{"nuts", NUTS{}.Sample, 2000},
		{"tempering", ParallelTempering{StepSize: schedule.Constant(0.1), Replicas: 3, MaxTemperature: 3}.Sample, 2000},
	} {
		r, err := c.s(context.Background(), g, Options{Chains: 3 * per, Warmup: 500, Steps: c.steps, Seed: 12, Trajectory: true,
			Condition: imageCondition(per, 0, 1, 2)})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for m, im := range images {
			free, cm, cc := conditional(mean, cov, im.obs, im.values)
			checkMoments(t, c.name, part(r, m*per, (m+1)*per, free), cm, cc, 4, 0)
			for ch := m * per; ch < (m+1)*per; ch++ {
				for k := range r.Kept {
					for j, obs := range im.obs {
						if v := r.Draws[(ch*r.Kept+k)*4+j]; obs && v != im.values[j] {
							t.Fatalf("%s: chain %d draw %d moved observed coordinate %d to %g", c.name, ch, k, j, v)
						}
					}
				}
			}
		}
	}
}

// TestConditionBatchedSameDraws: three images in one call (on 1 worker and
// on 4) give bit for bit the draws of one call per image, each with
// FirstStream its first chain; 40 chains per image make blocks that
// straddle images.
func TestConditionBatchedSameDraws(t *testing.T) {
	g, _, _ := correlated4(t)
	const per = 40
	for name, s := range map[string]sampleFunc{
		"langevin":  Langevin{}.Sample,
		"mala":      MALA{Adapt: true, AdaptMass: true}.Sample,
		"rwm":       RWM{Adapt: true, AdaptMass: true}.Sample,
		"slice":     Slice{}.Sample,
		"hmc":       HMC{Adapt: true, AdaptMass: true}.Sample,
		"nuts":      NUTS{}.Sample,
		"tempering": ParallelTempering{Replicas: 3}.Sample,
	} {
		o := Options{Warmup: 60, Steps: 20, Seed: 4, Trajectory: true, Bounds: &Bounds{Lo: []float64{-3}, Hi: []float64{4}}}
		for _, workers := range []int{1, 4} {
			o.Chains, o.Workers, o.FirstStream, o.Condition = 3*per, workers, 0, imageCondition(per, 0, 1, 2)
			all, err := s(context.Background(), g, o)
			if err != nil {
				t.Fatal(err)
			}
			for m := range images {
				o.Chains, o.FirstStream, o.Condition = per, uint64(m*per), imageCondition(per, m)
				one, err := s(context.Background(), g, o)
				if err != nil {
					t.Fatal(err)
				}
				n := per * one.Kept * 4
				for i, v := range one.Draws {
					if w := all.Draws[m*n+i]; math.Float64bits(v) != math.Float64bits(w) {
						t.Fatalf("%s, %d workers: image %d, draw value %d: %g alone, %g batched", name, workers, m, i, v, w)
					}
				}
			}
		}
	}
}

// TestDenoiseGaussian: with a noisy observation y of the whole point, noise
// σ = 0.7, NUTS and MALA match the exact Gaussian posterior,
// N(P⁻¹(Σ⁻¹μ + y/σ²), P⁻¹) with P = Σ⁻¹ + I/σ², within 4 MCSE; with one
// coordinate observed exactly too, the posterior of the others given it.
func TestDenoiseGaussian(t *testing.T) {
	g, mean, cov := correlated4(t)
	const sigma = 0.7
	y := []float64{2, 0, -1, 1}
	// The posterior: precision P = Σ⁻¹ + I/σ², mean P⁻¹(Σ⁻¹μ + y/σ²).
	var prec mat.Dense
	if err := prec.Inverse(mat.NewDense(4, 4, cov)); err != nil {
		t.Fatal(err)
	}
	var rhs mat.VecDense
	rhs.MulVec(&prec, mat.NewVecDense(4, mean))
	for j := range 4 {
		prec.Set(j, j, prec.At(j, j)+1/(sigma*sigma))
		rhs.SetVec(j, rhs.AtVec(j)+y[j]/(sigma*sigma))
	}
	var post mat.Dense
	if err := post.Inverse(&prec); err != nil {
		t.Fatal(err)
	}
	var pm mat.VecDense
	pm.MulVec(&post, &rhs)
	pmean, pcov := pm.RawVector().Data, post.RawMatrix().Data
	// The same posterior, as a Gaussian, with coordinate 2 also observed
	// exactly at −0.5: its conditional given that.
	obs := []bool{false, false, true, false}
	v := append([]float64(nil), y...)
	v[2] = -0.5
	free, cm, cc := conditional(pmean, pcov, obs, v)
	for name, s := range map[string]sampleFunc{
		"mala":  MALA{Adapt: true, AdaptMass: true}.Sample,
		"slice": Slice{}.Sample,
		"nuts":  NUTS{}.Sample,
	} {
		r, err := s(context.Background(), g, Options{Chains: 8, Warmup: 500, Steps: 2000, Seed: 2, Trajectory: true,
			Condition: &Condition{Values: y, Noise: sigma}})
		if err != nil {
			t.Fatal(err)
		}
		checkMoments(t, name+" denoising", r, pmean, pcov, 4, 0)
		r, err = s(context.Background(), g, Options{Chains: 8, Warmup: 500, Steps: 2000, Seed: 2, Trajectory: true,
			Condition: &Condition{Values: v, Observed: obs, Noise: sigma}})
		if err != nil {
			t.Fatal(err)
		}
		checkMoments(t, name+" denoising, one observed", part(r, 0, 8, free), cm, cc, 4, 0)
	}
}

// TestConditionInvalid: values and flags of the wrong length, a NaN where
// it is read, a negative noise, RMHMC holding coordinates and AIS
// conditioned are refused; a NaN where nothing reads it is fine.
func TestConditionInvalid(t *testing.T) {
	g, _, cov := correlated4(t)
	ctx := context.Background()
	nan := math.NaN()
	o := func(c *Condition) Options { return Options{Chains: 2, Steps: 3, Condition: c} }
	for name, c := range map[string]struct {
		s    sampleFunc
		cond *Condition
	}{
		"3 values":       {MALA{}.Sample, &Condition{Values: []float64{1, 2, 3}, Noise: 1}},
		"5 flags":        {MALA{}.Sample, &Condition{Values: make([]float64, 4), Observed: make([]bool, 5)}},
		"NaN observed":   {MALA{}.Sample, &Condition{Values: []float64{nan, 0, 0, 0}, Observed: []bool{true, false, false, false}}},
		"NaN noisy":      {MALA{}.Sample, &Condition{Values: []float64{nan, 0, 0, 0}, Noise: 1}},
		"NaN chain 1":    {MALA{}.Sample, &Condition{Values: []float64{0, 0, 0, 0, 0, 0, nan, 0}, Observed: []bool{false, false, true, false}}},
		"negative noise": {MALA{}.Sample, &Condition{Values: make([]float64, 4), Noise: -1}},
		"infinite noise": {MALA{}.Sample, &Condition{Values: make([]float64, 4), Noise: math.Inf(1)}},
		"rmhmc pinned":   {RMHMC{Metric: precisionMetric(cov)}.Sample, &Condition{Values: make([]float64, 4), Observed: []bool{true, false, false, false}}},
		"ais":            {AIS{}.Sample, &Condition{Values: make([]float64, 4), Noise: 1}},
	} {
		if _, err := c.s(ctx, g, o(c.cond)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	for name, c := range map[string]struct {
		s    sampleFunc
		cond *Condition
	}{
		"NaN free":      {MALA{}.Sample, &Condition{Values: []float64{nan, 0, 0, 0}, Observed: []bool{false, true, false, false}}},
		"rmhmc denoise": {RMHMC{Metric: precisionMetric(cov)}.Sample, &Condition{Values: make([]float64, 4), Noise: 1}},
	} {
		if _, err := c.s(ctx, g, o(c.cond)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestConditionGradient: what State.Grad returns under a Condition (chains
// with their own observations, pinned coordinates and noise) is the
// conditional energy and its gradient: central differences of the energy
// match the gradient at the free coordinates, the gradient is zero at the
// observed ones, their values are written into the points, and the energy
// is E plus the noise term. A Metropolis test stays exact with a wrong
// gradient, so the moment tests cannot see one; this does.
func TestConditionGradient(t *testing.T) {
	g, _, _ := correlated4(t)
	const sigma = 0.8
	c := imageCondition(1, 0, 1, 2)
	c.Noise = sigma
	for i := range c.Values {
		if math.IsNaN(c.Values[i]) {
			c.Values[i] = float64(i%4) - 1 // the noisy observation there
		}
	}
	k, err := c.check(3, 4)
	if err != nil {
		t.Fatal(err)
	}
	// A block of the chains 1 and 2 of a run, as Run would make it.
	s := &State{Energy: g, First: 1, N: 2, Dim: 4, cond: k}
	x := []float64{0.3, -0.2, 1.1, 0.7, -1, 0.4, 2, 1.5}
	e, grad := make([]float64, 2), make([]float64, 8)
	s.Grad(e, grad, x)
	raw, rawG := make([]float64, 2), make([]float64, 8)
	g.Grad(raw, rawG, x, 4)
	for i := range 2 {
		im := images[i+1]
		noise := 0.0
		for j := range 4 {
			if im.obs[j] {
				if x[i*4+j] != im.values[j] || grad[i*4+j] != 0 {
					t.Errorf("chain %d, observed coordinate %d: x %g, gradient %g; want %g, 0", i+1, j, x[i*4+j], grad[i*4+j], im.values[j])
				}
				continue
			}
			u := x[i*4+j] - c.Values[(i+1)*4+j]
			noise += u * u / (2 * sigma * sigma)
		}
		if math.Abs(e[i]-raw[i]-noise) > 1e-12 {
			t.Errorf("chain %d: energy %g, want E %g + noise term %g", i+1, e[i], raw[i], noise)
		}
	}
	const h = 1e-5
	for i := range 2 {
		for j := range 4 {
			if images[i+1].obs[j] {
				continue
			}
			at := func(dx float64) float64 {
				xp := append([]float64(nil), x...)
				xp[i*4+j] += dx
				ep, gp := make([]float64, 2), make([]float64, 8)
				s.Grad(ep, gp, xp)
				return ep[i]
			}
			fd := (at(h) - at(-h)) / (2 * h)
			if math.Abs(fd-grad[i*4+j]) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("chain %d, coordinate %d: gradient %g, central difference %g", i+1, j, grad[i*4+j], fd)
			}
		}
	}
	// One chain at a time, as NUTS evaluates, agrees.
	e1, g1 := make([]float64, 1), make([]float64, 4)
	x1 := append([]float64(nil), x[4:]...)
	s.GradChains(1, e1, g1, x1)
	if e1[0] != e[1] || g1[1] != grad[5] {
		t.Errorf("GradChains(1): %g, %v; Grad gave %g, %v", e1[0], g1, e[1], grad[4:])
	}
}
