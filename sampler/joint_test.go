package sampler

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// TestJointLangevin runs Langevin on ½‖x‖² with Energy Matching's
// repulsion between its B chains. The summed energy is ½B‖x̄‖² +
// ½λΣᵢ‖xᵢ − x̄‖² with λ = 1 − 2sB/σ², so each coordinate of a chain's
// deviation from the batch mean is Gaussian; unadjusted Langevin with step
// η keeps it at variance (1 − 1/B)/(λ(1 − ηλ/2)) exactly (the chain's
// own O(η) bias written out). The within-batch variance Σᵢ(xᵢⱼ − x̄ⱼ)²/(B − 1)
// must match 1/(λ(1 − ηλ/2)) = 2.05 within 4 MCSE; without the repulsion it
// would be 1.01. The chains must all share one batch (the same draws on 1
// and 3 workers), and kernels with a per-chain accept test are refused.
func TestJointLangevin(t *testing.T) {
	const b, d, s, sigma, eta = 8, 2, 0.125, 2, 0.05
	lambda := 1 - 2*s*b/(sigma*sigma)
	want := 1 / (lambda * (1 - eta*lambda/2))
	e, err := energy.NewInteraction(energy.Harmonic{}, s, sigma)
	if err != nil {
		t.Fatal(err)
	}
	lv := Langevin{StepSize: schedule.Constant(eta)}
	o := Options{Chains: b, Dim: d, Warmup: 500, Steps: 40000, Seed: 3, Trajectory: true, Workers: 1}
	r, err := lv.Sample(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	spread := make([]float64, r.Kept)
	for k := range r.Kept {
		for j := range d {
			mean, ss := 0.0, 0.0
			for c := range b {
				mean += r.Draws[(c*r.Kept+k)*d+j]
			}
			mean /= b
			for c := range b {
				v := r.Draws[(c*r.Kept+k)*d+j] - mean
				ss += v * v
			}
			spread[k] += ss / (b - 1) / d
		}
	}
	got, se := diag.Summarize([][]float64{spread}).Mean, diag.MCSEMean([][]float64{spread})
	if math.Abs(got-want) > 4*se {
		t.Errorf("within-batch variance %.4f ± %.4f, want %.4f", got, se, want)
	}
	o.Workers = 3
	r3, err := lv.Sample(context.Background(), e, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Draws, r3.Draws) {
		t.Error("joint chains differ on 1 and 3 workers: they were not one batch")
	}
	for _, sm := range []Sampler{MALA{}, HMC{}} {
		if _, err := sm.Sample(context.Background(), e, Options{Chains: b, Dim: d, Steps: 10}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%T on a joint energy: %v, want ErrInvalid", sm, err)
		}
	}
}
