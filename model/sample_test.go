package model

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// TestSampleKeepsExtras checks that AIS's log Z (known: a Gaussian of
// precision 4 in 2-D has Z = π/2) and tempering's swap rates are kept, and
// that other samplers have neither.
func TestSampleKeepsExtras(t *testing.T) {
	ctx, e := context.Background(), energy.Harmonic{K: 4}
	o := sampler.Options{Dim: 2, Chains: 64, Steps: 100, Seed: 1}
	ais, err := Sample(ctx, sampler.AIS{}, e, o)
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Log(math.Pi / 2); ais.LogZ == nil || *ais.LogZSE > 0.2 || math.Abs(*ais.LogZ-want) > 4**ais.LogZSE+0.01 {
		t.Errorf("AIS log Z %.4f ± %.4f, want %.4f", *ais.LogZ, *ais.LogZSE, want)
	}
	o.Chains, o.Warmup = 2, 50
	pt, err := Sample(ctx, sampler.ParallelTempering{Replicas: 4}, e, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(pt.SwapRates) != 3 || pt.LogZ != nil {
		t.Errorf("tempering: swap rates %v, log Z %v; want 3 rates, no log Z", pt.SwapRates, pt.LogZ)
	}
	m, err := Sample(ctx, sampler.MALA{}, e, o)
	if err != nil {
		t.Fatal(err)
	}
	if m.SwapRates != nil || m.LogZ != nil || m.Chains != 2 || m.Kept != 100 {
		t.Errorf("MALA: %d chains × %d, swap rates %v, log Z %v", m.Chains, m.Kept, m.SwapRates, m.LogZ)
	}
}

// TestSampledSummary checks the totals, the summary's fields and the line
// Print ends with.
func TestSampledSummary(t *testing.T) {
	lz, se := 1.5, 0.25
	s := &Sampled{Result: &sampler.Result{Dim: 1, Chains: 2, Kept: 4, Draws: []float64{1, 2, 3, 4, 5, 6, 7, 8},
		Info: sampler.Info{AcceptRate: []float64{0.5, 1}, Divergences: []int{1, 2}, GradEvals: 10}},
		SwapRates: []float64{0.5}, LogZ: &lz, LogZSE: &se, Seconds: 2}
	if a, d := s.Acceptance(), s.Divergences(); a != 0.75 || d != 3 {
		t.Errorf("acceptance %g, divergences %d; want 0.75, 3", a, d)
	}
	sum := s.Summary()
	if sum.Chains != 2 || sum.Draws != 4 || sum.GradEvals != 10 || sum.Seconds != 2 || len(sum.Dims) != 1 || sum.Dims[0].Mean != 4.5 {
		t.Errorf("summary %+v", sum)
	}
	var b strings.Builder
	if err := sum.Print(&b); err != nil {
		t.Fatal(err)
	}
	if want := "\nacceptance 0.750, divergences 3, swap rates [0.50], log Z 1.5000 ± 0.2500\n"; !strings.HasSuffix(b.String(), want) {
		t.Errorf("Print wrote %q, want it to end with %q", b.String(), want)
	}
}

// TestSamplersJoint runs every named sampler on a few steps of an
// interacting energy: those that say Joint run, the others are refused
// with sampler.ErrInvalid, so the table cannot drift from the kernels.
func TestSamplersJoint(t *testing.T) {
	e, err := energy.NewInteraction(energy.Harmonic{}, 0.1, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range Samplers() {
		_, err := Sample(context.Background(), ns.New(SamplerSettings{}), e, sampler.Options{Chains: 4, Dim: 2, Steps: 3, Warmup: 3, Seed: 1})
		switch {
		case ns.Joint && err != nil:
			t.Errorf("%s says Joint but fails: %v", ns.Name, err)
		case !ns.Joint && !errors.Is(err, sampler.ErrInvalid):
			t.Errorf("%s is not Joint but gives %v, want sampler.ErrInvalid", ns.Name, err)
		}
	}
}
