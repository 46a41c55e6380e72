package sampler

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/goebm/goebm/energy"
)

// scaled10 returns a 10-d Gaussian with standard deviations 0.1, 0.2, …, 1
// (independent, means 0 to 3).
func scaled10(t *testing.T) (*energy.Gaussian, []float64, []float64) {
	const d = 10
	mean, cov := make([]float64, d), make([]float64, d*d)
	for i := range d {
		mean[i] = float64(i) / 3
		sd := float64(i+1) / 10
		cov[i*d+i] = sd * sd
	}
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	return g, mean, cov
}

// TestMCLMCMoments: MCLMC, tuned in warm-up as BlackJAX tunes it, draws a
// 10-d Gaussian with standard deviations 0.1 to 1 and the correlated 2-D
// Gaussian (correlation 0.64) with means, standard deviations and
// covariances within 4 MCSE, and no divergence.
func TestMCLMCMoments(t *testing.T) {
	g10, m10, c10 := scaled10(t)
	g2, m2, c2 := gaussian2D(t)
	for _, c := range []struct {
		name      string
		e         energy.Energy
		mean, cov []float64
	}{
		{"10-d scaled", g10, m10, c10},
		{"2-d correlated", g2, m2, c2},
	} {
		r, err := MCLMC{}.Sample(context.Background(), c.e, Options{Chains: 4, Warmup: 2000, Steps: 4000, Seed: 13, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		checkMoments(t, "mclmc/"+c.name, r, c.mean, c.cov, 4, 0)
		for ch, dv := range r.Info.Divergences {
			if dv > 0 {
				t.Errorf("%s: chain %d had %d divergences", c.name, ch, dv)
			}
		}
		if want := int64(2 * 4 * 4000); r.Info.SamplingGradEvals != want {
			t.Errorf("%s: %d gradients after warm-up, want %d", c.name, r.Info.SamplingGradEvals, want)
		}
		t.Logf("%s: step sizes %.3g, inverse metric of chain 0 %.3g", c.name, r.Tuned.StepSize, r.Tuned.InvMass[:r.Dim])
	}
}

// TestMCLMCReproducible: the same seed gives the same draws whatever the
// number of workers; the tuned step sizes and metric continue the chains
// through Options.Tuned, untuned, with the same moments.
func TestMCLMCReproducible(t *testing.T) {
	g2, m2, c2 := gaussian2D(t)
	run := func(workers int) *Result {
		r, err := MCLMC{}.Sample(context.Background(), g2, Options{Chains: 40, Warmup: 300, Steps: 20, Seed: 2, Workers: workers, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := run(1), run(3)
	if !slices.Equal(a.Draws, b.Draws) || !slices.Equal(a.Tuned.StepSize, b.Tuned.StepSize) {
		t.Error("the draws depend on the number of workers")
	}
	r, err := MCLMC{}.Sample(context.Background(), g2, Options{Init: a.Final, Steps: 1000, Seed: 3, Tuned: &a.Tuned, Trajectory: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Tuned.StepSize, a.Tuned.StepSize) {
		t.Error("the tuned step sizes changed without warm-up")
	}
	checkMoments(t, "mclmc, continued", r, m2, c2, 4, 0)
}

// TestMCLMCBadInput: one dimension, bounds, and negative settings are
// refused.
func TestMCLMCBadInput(t *testing.T) {
	ctx := context.Background()
	o := Options{Dim: 2, Chains: 1, Steps: 1}
	for name, err := range map[string]error{
		"dim":    run2(MCLMC{}.Sample(ctx, energy.Harmonic{}, Options{Dim: 1, Chains: 1, Steps: 1})),
		"bounds": run2(MCLMC{}.Sample(ctx, energy.Harmonic{}, Options{Dim: 2, Chains: 1, Steps: 1, Bounds: &Bounds{Lo: []float64{-1}, Hi: []float64{1}}})),
		"step":   run2(MCLMC{StepSize: -1}.Sample(ctx, energy.Harmonic{}, o)),
		"L":      run2(MCLMC{L: math.Inf(1)}.Sample(ctx, energy.Harmonic{}, o)),
		"var":    run2(MCLMC{EnergyVariance: -1}.Sample(ctx, energy.Harmonic{}, o)),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// mclmcRecorder runs an MCLMC kernel and sums its energy errors after
// warm-up.
type mclmcRecorder struct {
	*mclmcKernel
	mu      *sync.Mutex
	sum, sq *float64
	n       *int
	maxL    *float64
}

func (r mclmcRecorder) Step(s *State, tune *Tuning, info []StepInfo) error {
	if err := r.mclmcKernel.Step(s, tune, info); err != nil {
		return err
	}
	if s.Warm() {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, de := range r.dE {
		*r.sum += de
		*r.sq += de * de
		*r.n++
		*r.maxL = math.Max(*r.maxL, r.L[i])
	}
	return nil
}

// TestMCLMCTuning: after BlackJAX's three-stage tuning on the 10-d scaled
// Gaussian, the energy error per step has Var[ΔE]/d within a factor 2 of
// the target 5·10⁻⁴ (and of 2·10⁻³ when that is asked), and L is positive
// and finite.
func TestMCLMCTuning(t *testing.T) {
	g10, _, _ := scaled10(t)
	for _, target := range []float64{5e-4, 2e-3} {
		var mu sync.Mutex
		var sum, sq, maxL float64
		var n int
		newK := func() Kernel {
			return mclmcRecorder{&mclmcKernel{cfg: MCLMC{EnergyVariance: target}, varE: target}, &mu, &sum, &sq, &n, &maxL}
		}
		if _, err := Run(context.Background(), g10, Options{Chains: 4, Warmup: 2000, Steps: 2000, Seed: 4}, newK); err != nil {
			t.Fatal(err)
		}
		m := sum / float64(n)
		v := (sq/float64(n) - m*m) / 10
		t.Logf("target %g: Var[ΔE]/d = %.3g, largest L %.3g", target, v, maxL)
		if v < target/2 || v > 2*target {
			t.Errorf("target %g: Var[ΔE]/d = %.3g", target, v)
		}
		if !(maxL > 0) || math.IsInf(maxL, 0) {
			t.Errorf("L = %g", maxL)
		}
	}
}
