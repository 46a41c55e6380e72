package sampler

import (
	"context"
	"math"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
)

func TestNUTSGaussianMoments(t *testing.T) {
	g2, m2, c2 := gaussian2D(t)
	g10, m10, c10 := illConditioned(t)
	for _, c := range []struct {
		name      string
		e         energy.Energy
		mean, cov []float64
		o         Options
	}{
		{"2d", g2, m2, c2, Options{Chains: 4, Warmup: 500, Steps: 2000, Seed: 11}},
		{"10d-ill-conditioned", g10, m10, c10, Options{Chains: 4, Warmup: 1000, Steps: 2000, Seed: 12}},
	} {
		c.o.Trajectory = true
		r, err := NUTS{}.Sample(context.Background(), c.e, c.o)
		if err != nil {
			t.Fatal(err)
		}
		checkMoments(t, "nuts/"+c.name, r, c.mean, c.cov, 4, 0)
		for ch, dv := range r.Info.Divergences {
			if dv > 0 {
				t.Errorf("%s: chain %d had %d divergences on a Gaussian", c.name, ch, dv)
			}
		}
		// Sampling uses the averaged step size, smaller than the warm-up's
		// iterates, so the realised statistic lands above the 0.8 target,
		// as in Stan (0.9 or so on Gaussians).
		for ch, a := range r.Info.AcceptRate {
			if a < 0.7 || a > 0.99 {
				t.Errorf("%s: chain %d acceptance statistic %.3f, want in [0.7, 0.99] (target 0.8)", c.name, ch, a)
			}
		}
	}
}

// TestNUTSFunnel: Neal's funnel in 4 dimensions; the marginal of the
// log-scale v is N(0, 3²). NUTS with adaptation recovers its mean and sd
// within 4 MCSE plus 10% of σ (the neck biases every sampler a little, and
// Stan reports divergences there too).
func TestNUTSFunnel(t *testing.T) {
	r, err := NUTS{TargetAccept: 0.95}.Sample(context.Background(), energy.Funnel{},
		Options{Chains: 4, Dim: 4, Warmup: 1000, Steps: 4000, Seed: 13, Trajectory: true})
	if err != nil {
		t.Fatal(err)
	}
	s := diag.Summarize(r.Chain(0))
	if math.Abs(s.Mean) > 4*s.MCSEMean+0.3 {
		t.Errorf("funnel: mean of v %.3f, want 0 ± %.2f", s.Mean, 4*s.MCSEMean+0.3)
	}
	if math.Abs(s.SD-3) > 4*s.MCSESD+0.3 {
		t.Errorf("funnel: sd of v %.3f, want 3 ± %.2f (ESS %.0f)", s.SD, 4*s.MCSESD+0.3, s.ESSBulk)
	}
}
