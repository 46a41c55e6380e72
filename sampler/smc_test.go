package sampler

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// correlated5 returns E = ½xᵀAx, A⁻¹ = Σ a 5-d covariance with standard
// deviations 1/16, 1/8, …, 1 and correlation 0.6 in every pair.
func correlated5(t *testing.T) (*energy.Gaussian, []float64, []float64) {
	const d = 5
	cov := make([]float64, d*d)
	for i := range d {
		for j := range d {
			cov[i*d+j] = math.Pow(2, float64(i-4)) * math.Pow(2, float64(j-4))
			if i != j {
				cov[i*d+j] *= 0.6
			}
		}
	}
	g, err := energy.NewGaussian(make([]float64, d), cov)
	if err != nil {
		t.Fatal(err)
	}
	return g, make([]float64, d), cov
}

// TestSMCLogZGaussian: on a correlated 5-d Gaussian E = ½xᵀAx (standard
// deviations 1/16 to 1, correlation 0.6), whose
// log Z = (d/2)·log 2π − ½·log det A is known, SMC's estimate from N(0, I)
// with MALA moves and with HMC moves is within 4 standard errors, the
// standard error is below 0.2, and the final particles have the target's
// means and standard deviations (within 4·sd·√(4/N): resampling leaves them
// correlated, taken as an ESS of N/4).
func TestSMCLogZGaussian(t *testing.T) {
	g, mean, cov := correlated5(t)
	want := g.LogZ()
	for _, c := range []struct {
		name string
		smc  SMC
	}{
		{"mala", SMC{Groups: 16}},
		{"hmc", SMC{Groups: 16, LeapfrogSteps: 5, Moves: 3}},
	} {
		r, err := c.smc.Temper(context.Background(), g, Options{Chains: 1024, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if !(r.LogZSE > 0 && r.LogZSE < 0.2) || math.Abs(r.LogZ-want) > 4*r.LogZSE {
			t.Errorf("%s: log Z = %.4f ± %.4f, want %.4f", c.name, r.LogZ, r.LogZSE, want)
		}
		t.Logf("%s: log Z = %.4f ± %.4f (closed form %.4f), %d temperatures in group 0, %d resamplings, %d gradients",
			c.name, r.LogZ, r.LogZSE, want, len(r.Temperatures[0]), r.Resamples[0], r.Info.GradEvals)
		d, n := r.Dim, r.Chains
		for j := range d {
			m, v := 0.0, 0.0
			for i := range n {
				m += r.Final[i*d+j] / float64(n)
			}
			for i := range n {
				v += (r.Final[i*d+j] - m) * (r.Final[i*d+j] - m) / float64(n-1)
			}
			sd := math.Sqrt(cov[j*d+j])
			if tol := 4 * sd * math.Sqrt(4/float64(n)); math.Abs(m-mean[j]) > tol || math.Abs(math.Sqrt(v)-sd) > tol {
				t.Errorf("%s: particles' mean and sd of x%d = %.4f, %.4f; want %.4f, %.4f ± %.3f", c.name, j, m, math.Sqrt(v), mean[j], sd, tol)
			}
		}
		for _, b := range r.Temperatures {
			if !slices.IsSorted(b) || b[len(b)-1] != 1 {
				t.Errorf("%s: temperatures %v do not rise to 1", c.name, b)
			}
		}
	}
}

// TestSMCMixtureMatchesAIS: on a 2-D mixture of two separated Gaussians
// (log Z = 0, as energy.Mixture is normalised) SMC's log Z is within 4
// combined standard errors of AIS's, and each within 4 of its own of 0.
func TestSMCMixtureMatchesAIS(t *testing.T) {
	m, err := energy.NewMixture([]energy.Component{
		{Weight: 0.3, Mean: []float64{-2, 0}, Sigma: 0.5},
		{Weight: 0.7, Mean: []float64{2, 1}, Sigma: 0.7},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := SMC{BaseScale: 3, Groups: 16}.Temper(context.Background(), m, Options{Chains: 1024, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	a, err := AIS{BaseScale: 3, StepSize: schedule.Constant(0.1), MoveSteps: 2}.Anneal(context.Background(), m, Options{Chains: 512, Steps: 500, Seed: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SMC log Z = %.4f ± %.4f, AIS %.4f ± %.4f, exact 0", s.LogZ, s.LogZSE, a.LogZ, a.LogZSE)
	if se := math.Hypot(s.LogZSE, a.LogZSE); !(s.LogZSE > 0) || math.Abs(s.LogZ-a.LogZ) > 4*se {
		t.Errorf("SMC log Z %.4f ± %.4f, AIS %.4f ± %.4f: more than 4 SE apart", s.LogZ, s.LogZSE, a.LogZ, a.LogZSE)
	}
	if math.Abs(s.LogZ) > 4*s.LogZSE || math.Abs(a.LogZ) > 4*a.LogZSE {
		t.Errorf("log Z: SMC %.4f ± %.4f, AIS %.4f ± %.4f; want 0", s.LogZ, s.LogZSE, a.LogZ, a.LogZSE)
	}
	// Both modes are populated in proportion to their weights.
	left := 0
	for i := range s.Chains {
		if s.Final[2*i] < 0 {
			left++
		}
	}
	if f := float64(left) / float64(s.Chains); math.Abs(f-0.3) > 4*math.Sqrt(0.3*0.7*4/float64(s.Chains)) {
		t.Errorf("%.3f of the particles in the left mode, want 0.3", f)
	}
}

// TestSMCMoments: the draws after SMC (MALA steps at β = 1, tuned as the
// annealing left them) have the correlated 2-D Gaussian's moments within
// 4 MCSE.
func TestSMCMoments(t *testing.T) {
	g2, m2, c2 := gaussian2D(t)
	r, err := SMC{}.Sample(context.Background(), g2, Options{Chains: 16, Steps: 2000, Seed: 3, Trajectory: true})
	if err != nil {
		t.Fatal(err)
	}
	checkMoments(t, "smc", r, m2, c2, 4, 0)
}

// TestSMCReproducible: the same seed gives the same estimate and particles
// whatever the number of workers, and another seed others.
func TestSMCReproducible(t *testing.T) {
	g2, _, _ := gaussian2D(t)
	run := func(seed uint64, workers int) *SMCResult {
		r, err := SMC{Groups: 4}.Temper(context.Background(), g2, Options{Chains: 64, Steps: 3, Seed: seed, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := run(1, 1), run(1, 3), run(2, 1)
	if a.LogZ != b.LogZ || !slices.Equal(a.Final, b.Final) {
		t.Error("the result depends on the number of workers")
	}
	if a.LogZ == c.LogZ || slices.Equal(a.Final, c.Final) {
		t.Error("seeds 1 and 2 gave the same result")
	}
}

// TestSMCBadInput: warm-up, starting points, bounds, targets outside (0, 1)
// and too few particles for the groups are refused.
func TestSMCBadInput(t *testing.T) {
	ctx := context.Background()
	o := Options{Dim: 2, Chains: 8, Steps: 1}
	for name, err := range map[string]error{
		"warmup": run2(SMC{}.Sample(ctx, energy.Harmonic{}, Options{Dim: 2, Chains: 8, Warmup: 1})),
		"init":   run2(SMC{}.Sample(ctx, energy.Harmonic{}, Options{Dim: 2, Init: make([]float64, 16)})),
		"bounds": run2(SMC{}.Sample(ctx, energy.Harmonic{}, Options{Dim: 2, Chains: 8, Bounds: &Bounds{Lo: []float64{-1}, Hi: []float64{1}}})),
		"ess":    run2(SMC{TargetESS: 1}.Sample(ctx, energy.Harmonic{}, o)),
		"groups": run2(SMC{Groups: 5}.Sample(ctx, energy.Harmonic{}, o)),
		"scale":  run2(SMC{BaseScale: -1}.Sample(ctx, energy.Harmonic{}, o)),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}
