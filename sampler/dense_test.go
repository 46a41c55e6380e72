package sampler

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
)

// correlated returns a d-dimensional Gaussian with correlation rho in every
// pair, standard deviations from 0.5 to 5 and means 0, 1, …: a diagonal
// metric fixes its scales but not its correlations.
func correlated(t *testing.T, d int, rho float64) (*energy.Gaussian, []float64, []float64) {
	t.Helper()
	mean, sd, cov := make([]float64, d), make([]float64, d), make([]float64, d*d)
	for i := range d {
		mean[i] = float64(i)
		sd[i] = math.Pow(10, float64(i)/float64(d-1)) / 2
	}
	for i := range d {
		for j := range d {
			c := rho
			if i == j {
				c = 1
			}
			cov[i*d+j] = c * sd[i] * sd[j]
		}
	}
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g, mean, cov
}

// slowestESSPerGradient returns the bulk ESS of the slowest coordinate per
// gradient after warm-up (Stan's n_leapfrog__).
func slowestESSPerGradient(r *Result) float64 {
	ess := math.Inf(1)
	for j := range r.Dim {
		ess = math.Min(ess, diag.ESSBulk(r.Chain(j)))
	}
	return ess / float64(r.Info.SamplingGradEvals)
}

// TestDenseMetricAdaptation: on 2-d and 10-d Gaussians with correlation 0.9
// in every pair, NUTS's adapted dense M⁻¹ is the covariance. The last slow
// window of a 1000-step warm-up holds 500 draws, autocorrelated while the
// step size is still being tuned: over seeds, the mean of 8 chains' estimates
// of a variance spreads by 0.044·Σⱼⱼ, as if each chain's window held about
// 130 independent draws (standard error √((Σⱼₖ² + ΣⱼⱼΣₖₖ)/130) ≈
// 0.12·√(ΣⱼⱼΣₖₖ) per chain). So the mean of 8 chains' must be within
// 0.15·√(ΣⱼⱼΣₖₖ) of Σⱼₖ (3.4 of its standard errors), each chain's within
// 0.45 (3.7). NUTS with it must spend at least 3 times fewer gradients per
// effective draw than with a diagonal metric (measured: 6 to 8 times in
// 2-d, about 30 in 10-d), and its draws must have the target's moments
// within 4 MCSE. HMC's dense adaptation must give the moments too, and in
// 2-d a metric within 0.25 (its fixed trajectory length makes the window's
// draws more autocorrelated; in 10-d the adapted ε·L lands near the
// whitened target's period 2π, and the chains barely move: see jitter).
func TestDenseMetricAdaptation(t *testing.T) {
	const chains = 8
	for _, c := range []struct {
		name string
		d    int
		s    sampleFunc
		tol  float64
	}{
		{"nuts/2-d", 2, NUTS{Metric: MetricDense}.Sample, 0.15},
		{"nuts/10-d", 10, NUTS{Metric: MetricDense}.Sample, 0.15},
		{"hmc/2-d", 2, HMC{Adapt: true, AdaptMass: true, Metric: MetricDense}.Sample, 0.25},
	} {
		d := c.d
		g, mean, cov := correlated(t, d, 0.9)
		o := Options{Chains: chains, Warmup: 1000, Steps: 1000, Seed: 6, Trajectory: true}
		r, err := c.s(context.Background(), g, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Tuned.InvMass != nil || len(r.Tuned.InvMassDense) != chains*d*d {
			t.Fatalf("%s: tuned %d diagonal and %d dense inverse masses, want 0 and %d", c.name, len(r.Tuned.InvMass), len(r.Tuned.InvMassDense), chains*d*d)
		}
		for j := range d {
			for k := range d {
				scale := math.Sqrt(cov[j*d+j] * cov[k*d+k])
				avg := 0.0
				for ch := range chains {
					v := r.Tuned.InvMassDense[ch*d*d+j*d+k]
					if math.Abs(v-cov[j*d+k]) > 3*c.tol*scale {
						t.Errorf("%s: chain %d's M⁻¹[%d][%d] = %.4g, want Σ = %.4g ± %.2g", c.name, ch, j, k, v, cov[j*d+k], 3*c.tol*scale)
					}
					avg += v / chains
				}
				if math.Abs(avg-cov[j*d+k]) > c.tol*scale {
					t.Errorf("%s: mean M⁻¹[%d][%d] = %.4g, want Σ = %.4g ± %.2g", c.name, j, k, avg, cov[j*d+k], c.tol*scale)
				}
			}
		}
		checkMoments(t, c.name, r, mean, cov, 4, 0)
		if c.name[:4] != "nuts" {
			continue
		}
		byDiag, err := NUTS{}.Sample(context.Background(), g, o)
		if err != nil {
			t.Fatal(err)
		}
		dense, diagonal := slowestESSPerGradient(r), slowestESSPerGradient(byDiag)
		if dense < 3*diagonal {
			t.Errorf("%s: bulk ESS per gradient %.4f with a dense metric, %.4f with a diagonal one: want 3 times more", c.name, dense, diagonal)
		}
		t.Logf("%s: bulk ESS per gradient %.4f dense, %.4f diagonal (%.1f×)", c.name, dense, diagonal, dense/diagonal)
	}
}

// TestDenseMetricTuned: a dense metric adapted in one run continues, through
// Options.Tuned, unchanged in the next, which draws the target's moments;
// a tuned dense M⁻¹ that is not symmetric positive-definite, or given to a
// kernel without a dense metric, is refused.
func TestDenseMetricTuned(t *testing.T) {
	g, mean, cov := correlated(t, 3, 0.9)
	ctx := context.Background()
	first, err := NUTS{Metric: MetricDense}.Sample(ctx, g, Options{Chains: 4, Warmup: 500, Steps: 10, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	next, err := NUTS{Metric: MetricDense}.Sample(ctx, g, Options{Init: first.Final, Steps: 2000, Seed: 3, Trajectory: true, Tuned: &first.Tuned})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range first.Tuned.InvMassDense {
		if next.Tuned.InvMassDense[i] != v {
			t.Fatalf("dense inverse mass %d: %g after continuing, was %g", i, next.Tuned.InvMassDense[i], v)
		}
	}
	checkMoments(t, "continued", next, mean, cov, 4, 0)

	bad := func(m []float64) *Tuning {
		tu := &Tuning{StepSize: []float64{0.5}, InvMassDense: m}
		return tu
	}
	for name, c := range map[string]struct {
		s    sampleFunc
		tune *Tuning
		msg  string
	}{
		"asymmetric":     {NUTS{Metric: MetricDense}.Sample, bad([]float64{1, 0.5, 0.4, 1}), "symmetric"},
		"indefinite":     {NUTS{Metric: MetricDense}.Sample, bad([]float64{1, 2, 2, 1}), "positive-definite"},
		"wrong size":     {NUTS{Metric: MetricDense}.Sample, bad([]float64{1, 0, 1}), "dense inverse mass"},
		"diagonal NUTS":  {NUTS{}.Sample, bad([]float64{1, 0, 0, 1}), "without a dense metric"},
		"NaN":            {HMC{Metric: MetricDense}.Sample, bad([]float64{1, math.NaN(), math.NaN(), 1}), "finite"},
		"unknown metric": {NUTS{Metric: 7}.Sample, nil, "metric kind"},
	} {
		_, err := c.s(ctx, energy.Harmonic{}, Options{Chains: 1, Dim: 2, Steps: 1, Tuned: c.tune})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v; want ErrInvalid naming %q", name, err, c.msg)
		}
	}
}

// TestMetricKinds: MetricUnit adapts no metric (the identity stays, as a
// diagonal), MetricDiag a diagonal one, and a given dense mass stays fixed
// unless MetricDense adapts from it; the names read back.
func TestMetricKinds(t *testing.T) {
	g, _, cov := correlated(t, 2, 0.5)
	o := Options{Chains: 2, Warmup: 300, Steps: 1, Seed: 1}
	ctx := context.Background()
	fixed := []float64{2, 0.5, 0.5, 1}
	for _, c := range []struct {
		name              string
		s                 Sampler
		diagonal, adapted bool
	}{
		{"unit", NUTS{Metric: MetricUnit}, true, false},
		{"diag", NUTS{}, true, true},
		{"given dense", NUTS{DenseMass: fixed}, false, false},
		{"given dense, unit", NUTS{DenseMass: fixed, Metric: MetricUnit}, false, false},
		{"given dense, adapted", NUTS{DenseMass: fixed, Metric: MetricDense}, false, true},
		{"hmc unit", HMC{Adapt: true, AdaptMass: true, Metric: MetricUnit}, true, false},
		{"hmc dense without AdaptMass", HMC{Adapt: true, Metric: MetricDense}, false, false},
	} {
		r, err := c.s.Sample(ctx, g, o)
		if err != nil {
			t.Fatal(err)
		}
		if (r.Tuned.InvMass != nil) != c.diagonal || (r.Tuned.InvMassDense != nil) == c.diagonal {
			t.Fatalf("%s: tuned %d diagonal and %d dense inverse masses", c.name, len(r.Tuned.InvMass), len(r.Tuned.InvMassDense))
		}
		// Unadapted: the identity, or M⁻¹ of the given M = [[2, .5], [.5, 1]],
		// whose [1][1] element is 2/1.75.
		first := r.Tuned.InvMassDense
		if c.diagonal {
			first = r.Tuned.InvMass
		}
		want := 1.0
		if !c.diagonal && c.name != "hmc dense without AdaptMass" {
			want = 2 / 1.75
		}
		last := first[len(first)-1]
		if moved := math.Abs(last-want) > 1e-12; moved != c.adapted {
			t.Errorf("%s: last inverse mass %g (variance %g): adapted %v, want %v", c.name, last, cov[3], moved, c.adapted)
		}
	}
	for _, k := range []MetricKind{MetricUnit, MetricDiag, MetricDense} {
		if got, err := ParseMetricKind(k.String()); err != nil || got != k {
			t.Errorf("ParseMetricKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseMetricKind("full"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseMetricKind(full): %v, want ErrInvalid", err)
	}
}

// TestStepJitter: with StepJitter j, each transition's step is uniform on
// h·(1 ± j): over N kept draws of a chain, the mean step is the tuned h
// within 4 standard errors j·h/√(3N), every step lies in the interval, and
// the steps vary. The draws keep the target's moments (4 MCSE), are the same
// bits on 1 and 2 workers, and on the 10-d correlated Gaussian, where HMC's
// adapted εL lands near the whitened target's period and the chains barely
// move, jitter raises HMC's bulk ESS per gradient at least 10-fold
// (measured: about 50-fold, 0.002 to 0.085).
func TestStepJitter(t *testing.T) {
	const j = 0.5
	g, mean, cov := correlated(t, 10, 0.9)
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		jitter sampleFunc
		plain  sampleFunc
	}{
		{"nuts", NUTS{Metric: MetricDense, StepJitter: j}.Sample, nil},
		{"hmc", HMC{Adapt: true, AdaptMass: true, Metric: MetricDense, StepJitter: j}.Sample,
			HMC{Adapt: true, AdaptMass: true, Metric: MetricDense}.Sample},
	} {
		o := Options{Chains: 4, Warmup: 1000, Steps: 1000, Seed: 8, Trajectory: true, Workers: 1}
		r, err := c.jitter(ctx, g, o)
		if err != nil {
			t.Fatal(err)
		}
		for ch := range r.Chains {
			h := r.Info.StepSize[ch]
			sum, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
			for _, in := range r.StepInfo[ch*r.Kept : (ch+1)*r.Kept] {
				sum += in.StepSize
				lo, hi = math.Min(lo, in.StepSize), math.Max(hi, in.StepSize)
			}
			n := float64(r.Kept)
			if se := j * h / math.Sqrt(3*n); math.Abs(sum/n-h) > 4*se {
				t.Errorf("%s: chain %d's mean step %.5f, want the tuned %.5f ± %.5f", c.name, ch, sum/n, h, 4*se)
			}
			if lo < h*(1-j) || hi > h*(1+j) || hi-lo < j*h {
				t.Errorf("%s: chain %d's steps in [%.4f, %.4f], want spread over [%.4f, %.4f]", c.name, ch, lo, hi, h*(1-j), h*(1+j))
			}
		}
		checkMoments(t, c.name+" jittered", r, mean, cov, 4, 0)
		o.Workers = 2
		r2, err := c.jitter(ctx, g, o)
		if err != nil {
			t.Fatal(err)
		}
		if diff := firstDiff(r, r2); diff != "" {
			t.Errorf("%s jittered: %s differ between 1 and 2 workers", c.name, diff)
		}
		if c.plain == nil {
			continue
		}
		p, err := c.plain(ctx, g, o)
		if err != nil {
			t.Fatal(err)
		}
		with, without := slowestESSPerGradient(r), slowestESSPerGradient(p)
		if with < 10*without {
			t.Errorf("%s: bulk ESS per gradient %.4f jittered, %.4f not: want 10 times more", c.name, with, without)
		}
		t.Logf("%s: bulk ESS per gradient %.4f jittered, %.4f not", c.name, with, without)
	}
	for _, bad := range []float64{-0.1, 1, math.NaN()} {
		if _, err := (NUTS{StepJitter: bad}).Sample(ctx, g, Options{Chains: 1, Steps: 1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("NUTS step jitter %g: %v, want ErrInvalid", bad, err)
		}
		if _, err := (HMC{StepJitter: bad}).Sample(ctx, g, Options{Chains: 1, Steps: 1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("HMC step jitter %g: %v, want ErrInvalid", bad, err)
		}
	}
}

// TestLeapfrogJitter: HMC's jittered trajectory lengths average L, spread
// over L·(1 ± j), keep the target's moments and the same draws on any
// number of workers, and break the periodic trajectories of a fixed εL as
// the step jitter does.
func TestLeapfrogJitter(t *testing.T) {
	const j, l = 0.5, 10
	g, mean, cov := correlated(t, 10, 0.9)
	ctx := context.Background()
	o := Options{Chains: 4, Warmup: 1000, Steps: 1000, Seed: 8, Trajectory: true, Workers: 1}
	jittered := HMC{Adapt: true, AdaptMass: true, Metric: MetricDense, LeapfrogSteps: l, LeapfrogJitter: j}
	r, err := jittered.Sample(ctx, g, o)
	if err != nil {
		t.Fatal(err)
	}
	sum, lo, hi := 0, 1<<30, 0
	for _, in := range r.StepInfo {
		sum += in.Leapfrog
		lo, hi = min(lo, in.Leapfrog), max(hi, in.Leapfrog)
	}
	n := float64(len(r.StepInfo))
	if se := j * l / math.Sqrt(3*n); math.Abs(float64(sum)/n-l) > 4*se+0.05 { // 0.05: rounding's bias
		t.Errorf("mean steps %.3f, want %d ± %.3f", float64(sum)/n, l, 4*se)
	}
	if lo != l*(1-j) || hi != l*(1+j) {
		t.Errorf("steps in [%d, %d], want [%d, %d]", lo, hi, int(l*(1-j)), int(l*(1+j)))
	}
	checkMoments(t, "hmc with leapfrog jitter", r, mean, cov, 4, 0)
	o.Workers = 2
	r2, err := jittered.Sample(ctx, g, o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := firstDiff(r, r2); diff != "" {
		t.Errorf("%s differ between 1 and 2 workers", diff)
	}
	plain, err := HMC{Adapt: true, AdaptMass: true, Metric: MetricDense, LeapfrogSteps: l}.Sample(ctx, g, o)
	if err != nil {
		t.Fatal(err)
	}
	with, without := slowestESSPerGradient(r), slowestESSPerGradient(plain)
	if with < 10*without {
		t.Errorf("bulk ESS per gradient %.4f jittered, %.4f not: want 10 times more", with, without)
	}
	t.Logf("bulk ESS per gradient %.4f jittered, %.4f not", with, without)
	for _, bad := range []float64{-0.1, 1, math.NaN()} {
		if _, err := (HMC{LeapfrogJitter: bad}).Sample(ctx, g, Options{Chains: 1, Steps: 1}); !errors.Is(err, ErrInvalid) {
			t.Errorf("HMC leapfrog jitter %g: %v, want ErrInvalid", bad, err)
		}
	}
}
