package sampler

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// TestGradientFreeMoments: random-walk Metropolis (adapted scale and metric)
// and slice sampling draw a 5-d standard normal and the correlated 2-D
// Gaussian (correlation 0.64) with means, standard deviations and
// covariances within 4 MCSE, computing no gradient.
func TestGradientFreeMoments(t *testing.T) {
	g2, mean2, cov2 := gaussian2D(t)
	const d = 5
	mean5, cov5 := make([]float64, d), make([]float64, d*d)
	for i := range d {
		cov5[i*d+i] = 1
	}
	for _, tc := range []struct {
		name       string
		e          energy.Energy
		dim        int
		mean, cov  []float64
		s          sampleFunc
		warm, keep int
	}{
		{"rwm, normal", energy.Harmonic{}, d, mean5, cov5, RWM{Adapt: true, AdaptMass: true}.Sample, 1000, 6000},
		{"rwm, correlated", g2, 0, mean2, cov2, RWM{Adapt: true, AdaptMass: true}.Sample, 1000, 6000},
		{"rwm, fixed scale", g2, 0, mean2, cov2, RWM{StepSize: schedule.Constant(1.5)}.Sample, 200, 6000},
		{"slice, normal", energy.Harmonic{}, d, mean5, cov5, Slice{}.Sample, 100, 1500},
		{"slice, correlated", g2, 0, mean2, cov2, Slice{Width: 0.3, MaxSteps: 4}.Sample, 100, 3000},
	} {
		r, err := tc.s(context.Background(), tc.e, Options{Dim: tc.dim, Chains: 8, Warmup: tc.warm, Steps: tc.keep, Seed: 11, Trajectory: true})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkMoments(t, tc.name, r, tc.mean, tc.cov, 4, 0)
		if r.Info.GradEvals != 0 {
			t.Errorf("%s: %d gradients evaluated, want none", tc.name, r.Info.GradEvals)
		}
	}
}

// TestRWMAdaptsToTarget: on a 5-d standard normal the adapted scale gives
// the target acceptance (0.234 by default, 0.44 when asked) within 0.05,
// and one energy per chain and step is counted, in all and after warm-up,
// and in the draws' info.
func TestRWMAdaptsToTarget(t *testing.T) {
	for _, target := range []float64{0, 0.44} {
		o := Options{Dim: 5, Chains: 4, Warmup: 1000, Steps: 2000, Seed: 5, Trajectory: true}
		r, err := RWM{Adapt: true, TargetAccept: target}.Sample(context.Background(), energy.Harmonic{}, o)
		if err != nil {
			t.Fatal(err)
		}
		want := target
		if want == 0 {
			want = 0.234
		}
		if acc := diag.Summarize([][]float64{r.Info.AcceptRate}).Mean; math.Abs(acc-want) > 0.05 {
			t.Errorf("target %g: mean acceptance %.3f", want, acc)
		}
		if r.Info.EnergyEvals != 4*3001 || r.Info.SamplingEnergyEvals != 4*2000 {
			t.Errorf("%d energies, %d after warm-up; want %d and %d", r.Info.EnergyEvals, r.Info.SamplingEnergyEvals, 4*3001, 4*2000)
		}
		n := 0
		for _, in := range r.StepInfo {
			n += in.EnergyEvals
		}
		if int64(n) != r.Info.SamplingEnergyEvals {
			t.Errorf("the draws' info counts %d energies, the run %d", n, r.Info.SamplingEnergyEvals)
		}
	}
}

// TestSliceCosts: slice sampling's per-draw energy counts add up to those
// after warm-up, every draw is accepted, and the width reaches Result's
// step sizes. On a standard normal with w = 1 each coordinate costs a few
// energies: the slice at level E + Exp(1) is 2√(2·Exp(1)) wide, 2.5 on
// average, so stepping out takes about 2 + 2.5 and shrinkage one or two
// (measured 6.2); with m = 1 no stepping out is done and it still samples, more
// cheaply per step.
func TestSliceCosts(t *testing.T) {
	o := Options{Dim: 3, Chains: 6, Warmup: 50, Steps: 500, Seed: 8, Trajectory: true}
	r, err := Slice{}.Sample(context.Background(), energy.Harmonic{}, o)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range r.StepInfo {
		n += in.EnergyEvals
		if !in.Accepted || in.AcceptStat != 1 || in.StepSize != 1 {
			t.Fatalf("draw info %+v: want accepted, statistic 1, width 1", in)
		}
	}
	if int64(n) != r.Info.SamplingEnergyEvals || r.Info.GradEvals != 0 {
		t.Errorf("the draws' info counts %d energies, the run %d (and %d gradients)", n, r.Info.SamplingEnergyEvals, r.Info.GradEvals)
	}
	per := float64(n) / float64(6*500*3)
	if per < 4 || per > 8 {
		t.Errorf("%.2f energies per coordinate update, want 4 to 8", per)
	}
	t.Logf("%.2f energies per coordinate update (w = 1, standard normal)", per)
	r1, err := Slice{MaxSteps: 1}.Sample(context.Background(), energy.Harmonic{}, o)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Info.SamplingEnergyEvals >= r.Info.SamplingEnergyEvals {
		t.Errorf("m = 1 took %d energies, m = 32 %d", r1.Info.SamplingEnergyEvals, r.Info.SamplingEnergyEvals)
	}
}

// TestGradientFreeBadInput: a width that is not positive, a negative
// number of steps out and an acceptance target outside (0, 1) are refused.
func TestGradientFreeBadInput(t *testing.T) {
	o := Options{Dim: 1, Chains: 1, Steps: 1}
	ctx := context.Background()
	for name, err := range map[string]error{
		"width":    run2(Slice{Width: -1}.Sample(ctx, energy.Harmonic{}, o)),
		"inf":      run2(Slice{Width: math.Inf(1)}.Sample(ctx, energy.Harmonic{}, o)),
		"steps":    run2(Slice{MaxSteps: -2}.Sample(ctx, energy.Harmonic{}, o)),
		"target":   run2(RWM{TargetAccept: 1.2}.Sample(ctx, energy.Harmonic{}, o)),
		"scale":    run2(RWM{StepSize: schedule.Constant(0)}.Sample(ctx, energy.Harmonic{}, Options{Dim: 1, Chains: 1, Steps: 1})),
		"inv mass": run2(Slice{}.Sample(ctx, energy.Harmonic{}, Options{Dim: 1, Chains: 1, Steps: 1, Tuned: &Tuning{StepSize: []float64{1}, InvMass: []float64{1}}})),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}
