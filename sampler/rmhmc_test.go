package sampler

import (
	"context"
	"errors"
	"testing"

	"github.com/goebm/goebm/schedule"
)

// diagMetric is G(x) = diag(1 + c·xⱼ²): position-dependent, positive-definite,
// with ∂G/∂xₖ = diag(0, …, 2c·xₖ, …, 0).
type diagMetric struct{ c float64 }

func (m diagMetric) Metric(g, dg, x []float64) {
	d := len(x)
	clear(g)
	for j, v := range x {
		g[j*d+j] = 1 + m.c*v*v
	}
	if dg != nil {
		clear(dg)
		for k, v := range x {
			dg[k*d*d+k*d+k] = 2 * m.c * v
		}
	}
}

// constMetric is a fixed G, which makes RMHMC plain HMC with mass G.
type constMetric []float64

func (m constMetric) Metric(g, dg, x []float64) {
	copy(g, m)
	clear(dg)
}

// TestRMHMCGaussianMoments: whatever its metric, RMHMC leaves the target
// invariant; a position-dependent metric must still give the Gaussian's
// moments, and so must the metric equal to the precision.
func TestRMHMCGaussianMoments(t *testing.T) {
	if testing.Short() {
		t.Skip("long statistical run; -short (the race-detector pass) skips it")
	}
	g2, m2, c2 := gaussian2D(t)
	// Σ = [[2, .9], [.9, 1]], so Σ⁻¹ = [[1, −.9], [−.9, 2]]/1.19.
	prec := constMetric{1 / 1.19, -0.9 / 1.19, -0.9 / 1.19, 2 / 1.19}
	for name, s := range map[string]RMHMC{
		// Trajectories of length 2.45, long enough to decorrelate, so that
		// the check has the power to see a wrong density (a missing
		// ½·log|G| shifts the sd by 10%: caught at more than 8 MCSE), and
		// away from π: with G = Σ⁻¹ every direction oscillates at frequency
		// 1, and a length of π would send x to −x at every transition.
		"position-dependent": {Metric: diagMetric{c: 0.3}, LeapfrogSteps: 7, StepSize: schedule.Constant(0.35)},
		"precision":          {Metric: prec, LeapfrogSteps: 7, StepSize: schedule.Constant(0.35)},
	} {
		r, err := s.Sample(context.Background(), g2, Options{Chains: 4, Warmup: 200, Steps: 3000, Seed: 41, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		checkMoments(t, "rmhmc/"+name, r, m2, c2, 4, 0)
		for ch, a := range r.Info.AcceptRate {
			if a < 0.5 {
				t.Errorf("%s: chain %d acceptance %.3f", name, ch, a)
			}
		}
	}
	if _, err := (RMHMC{}).Sample(context.Background(), g2, Options{Chains: 1, Steps: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no metric: error %v, want ErrInvalid", err)
	}
}
