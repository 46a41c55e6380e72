package sampler_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// TestKernelSeam: the random-walk kernel of the example, run by Run with
// adaptation, gives the same bits on 1 and 2 workers (40 chains: two
// blocks), and the Gaussian's means and variances within 4 Monte Carlo
// standard errors.
func TestKernelSeam(t *testing.T) {
	mean, vars := []float64{1, -2}, []float64{4, 0.25}
	target, err := energy.NewGaussian(mean, []float64{vars[0], 0, 0, vars[1]})
	if err != nil {
		t.Fatal(err)
	}
	o := sampler.Options{Chains: 40, Warmup: 500, Steps: 1000, Seed: 11, Trajectory: true, Workers: 1}
	a, err := sampler.Run(context.Background(), target, o, newRWM)
	if err != nil {
		t.Fatal(err)
	}
	o.Workers = 2
	b, err := sampler.Run(context.Background(), target, o, newRWM)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Draws {
		if math.Float64bits(a.Draws[i]) != math.Float64bits(b.Draws[i]) {
			t.Fatalf("draw %d differs between 1 and 2 workers", i)
		}
	}
	for j := range 2 {
		x := a.Chain(j)
		if got, se := diag.Summarize(x).Mean, diag.MCSEMean(x); math.Abs(got-mean[j]) > 4*se {
			t.Errorf("coordinate %d: mean %.4f, want %g ± %.4f", j, got, mean[j], 4*se)
		}
		for c := range x {
			for k, v := range x[c] {
				x[c][k] = (v - mean[j]) * (v - mean[j])
			}
		}
		if got, se := diag.Summarize(x).Mean, diag.MCSEMean(x); math.Abs(got-vars[j]) > 4*se {
			t.Errorf("coordinate %d: variance %.4f, want %g ± %.4f", j, got, vars[j], 4*se)
		}
	}
	if acc := diag.Summarize([][]float64{a.Info.AcceptRate}).Mean; math.Abs(acc-0.3) > 0.1 { // dual averaging ends near, not at, the target
		t.Errorf("mean acceptance %.3f, want the adaptation's target 0.3", acc)
	}
}

// TestStepInfo: the per-draw leapfrog counts add up to the gradients spent
// after warm-up, NUTS reports trees no deeper than allowed with Stan's
// count (the doublings kept: 2^depth − 1 steps, plus fewer than 2^depth of a
// subtree that turned back inside), and every draw carries the step size it
// was taken with.
func TestStepInfo(t *testing.T) {
	target, err := energy.NewGaussian([]float64{0, 0, 0}, []float64{1, 0.5, 0, 0.5, 1, 0, 0, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]sampler.Sampler{
		"mala":  sampler.MALA{Adapt: true},
		"rwm":   sampler.RWM{Adapt: true},
		"slice": sampler.Slice{},
		"hmc":   sampler.HMC{Adapt: true, LeapfrogSteps: 7},
		"nuts":  sampler.NUTS{MaxDepth: 4},
	} {
		r, err := s.Sample(context.Background(), target, sampler.Options{Chains: 5, Warmup: 100, Steps: 50, Seed: 2, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		var leap int64
		for k, in := range r.StepInfo {
			leap += int64(in.Leapfrog)
			if c := k / r.Kept; in.StepSize != r.Tuned.StepSize[c] {
				t.Errorf("%s: draw %d has step size %g, the chain's is %g", name, k, in.StepSize, r.Tuned.StepSize[c])
			}
			if name == "nuts" && (in.TreeDepth < 0 || in.TreeDepth > 4 || in.Leapfrog < 1<<in.TreeDepth-1 || in.Leapfrog > 1<<(in.TreeDepth+1)-1) {
				t.Errorf("nuts: draw %d: depth %d with %d leapfrog steps", k, in.TreeDepth, in.Leapfrog)
			}
		}
		if leap != r.Info.SamplingGradEvals {
			t.Errorf("%s: %d leapfrog steps in the draws' info, %d gradients after warm-up", name, leap, r.Info.SamplingGradEvals)
		}
	}
}

// TestContinueTuned: a run continued from a previous one's Result.Tuned
// keeps its step sizes and metric (no adaptation), and a tuning of the wrong
// shape is refused.
func TestContinueTuned(t *testing.T) {
	target, err := energy.NewGaussian([]float64{0, 0}, []float64{9, 0, 0, 0.01})
	if err != nil {
		t.Fatal(err)
	}
	s := sampler.HMC{Adapt: true, AdaptMass: true}
	first, err := s.Sample(context.Background(), target, sampler.Options{Chains: 3, Warmup: 400, Steps: 10, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if first.Tuned.InvMass == nil || !(first.Tuned.InvMass[0] > 10*first.Tuned.InvMass[1]) {
		t.Fatalf("adapted inverse masses %v do not follow the variances 9 and 0.01", first.Tuned.InvMass)
	}
	next, err := s.Sample(context.Background(), target, sampler.Options{Init: first.Final, Warmup: 50, Steps: 20, Seed: 5, Tuned: &first.Tuned})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range first.Tuned.StepSize {
		if next.Tuned.StepSize[i] != v {
			t.Errorf("chain %d: step size %g after continuing, was %g", i, next.Tuned.StepSize[i], v)
		}
	}
	for i, v := range first.Tuned.InvMass {
		if next.Tuned.InvMass[i] != v {
			t.Errorf("inverse mass %d: %g after continuing, was %g", i, next.Tuned.InvMass[i], v)
		}
	}
	bad := sampler.Tuning{StepSize: []float64{0.1}}
	if _, err := s.Sample(context.Background(), target, sampler.Options{Chains: 3, Steps: 1, Tuned: &bad}); !errors.Is(err, sampler.ErrInvalid) {
		t.Errorf("a tuning for 1 chain of 3: error %v, want ErrInvalid", err)
	}
}
