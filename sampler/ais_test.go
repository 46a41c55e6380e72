package sampler

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// TestReverseAIS: reverse AIS from exact draws of a correlated Gaussian
// estimates its log Z within 4 standard errors, and a short run's forward
// and reverse estimates sandwich it (lower and upper stochastic bounds).
func TestReverseAIS(t *testing.T) {
	mean, cov := []float64{1, -1}, []float64{2, 0.5, 0.5, 1}
	g, err := energy.NewGaussian(mean, cov)
	if err != nil {
		t.Fatal(err)
	}
	// Exact draws by the Cholesky factor of cov.
	l11 := math.Sqrt(cov[0])
	l21 := cov[2] / l11
	l22 := math.Sqrt(cov[3] - l21*l21)
	rng := rand.New(rand.NewPCG(5, 6))
	const chains = 256
	init := make([]float64, 2*chains)
	for i := range chains {
		z1, z2 := rng.NormFloat64(), rng.NormFloat64()
		init[2*i], init[2*i+1] = mean[0]+l11*z1, mean[1]+l21*z1+l22*z2
	}
	want := g.LogZ()
	ais := AIS{StepSize: schedule.Constant(0.1), MoveSteps: 2, Reverse: true}
	r, err := ais.Anneal(context.Background(), g, Options{Init: init, Steps: 500, Seed: 32})
	if err != nil {
		t.Fatal(err)
	}
	if se := r.LogZSE; !(se > 0 && se < 0.05) || math.Abs(r.LogZ-want) > 4*se {
		t.Errorf("reverse AIS: log Z = %.4f ± %.4f, want %.4f", r.LogZ, se, want)
	}
	// Five annealing steps: far from converged, and on the right sides.
	ais.StepSize = schedule.Constant(0.3)
	fwd, err := AIS{StepSize: ais.StepSize, MoveSteps: 2}.Anneal(context.Background(), g, Options{Chains: chains, Steps: 5, Seed: 33})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := ais.Anneal(context.Background(), g, Options{Init: init, Steps: 5, Seed: 34})
	if err != nil {
		t.Fatal(err)
	}
	if !(fwd.LogZ < want-0.05 && rev.LogZ > want+0.05) {
		t.Errorf("5 steps: forward %.4f and reverse %.4f do not sandwich %.4f", fwd.LogZ, rev.LogZ, want)
	}
	if _, err := (AIS{}).Anneal(context.Background(), g, Options{Chains: 2, Steps: 10}); err != nil {
		t.Errorf("forward AIS without Init: %v", err)
	}
	if _, err := (AIS{Reverse: true}).Anneal(context.Background(), g, Options{Chains: 2, Steps: 10}); err == nil {
		t.Error("reverse AIS accepted no Init")
	}
	if _, err := (AIS{}).Anneal(context.Background(), g, Options{Init: init, Steps: 10}); err == nil {
		t.Error("forward AIS accepted an Init")
	}
}
