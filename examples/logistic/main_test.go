package main

import (
	"context"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bayes/models"
	"github.com/goebm/goebm/sampler"
)

// reference reads Stan's posterior means and sds (reference.R).
func reference(t *testing.T) bayes.Reference {
	ref, err := bayes.ReadReference("testdata/reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ref) != 65 {
		t.Fatalf("testdata/reference.csv has %d quantities, want %d", len(ref), 65)
	}
	return ref
}

// TestAgainstStan runs NUTS (4 chains, 500 draws after 500 warm-up, seed
// 1; about 15 s of one core) and checks each of the 65 posterior means
// within 0.25 posterior sd of Stan's long run, the rule of Stan's
// benchmark suite (the worst is 0.04 sd at this seed).
func TestAgainstStan(t *testing.T) {
	if testing.Short() {
		t.Skip("15 s of sampling")
	}
	ref := reference(t)
	f, _, err := fit(context.Background(), sampler.Options{Chains: 4, Warmup: 500, Steps: 500, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	div := 0
	for _, d := range f.Result.Info.Divergences {
		div += d
	}
	if div > 0 {
		t.Errorf("%d divergences", div)
	}
	z, missing := f.Against(ref)
	if len(missing) > 0 {
		t.Fatalf("no reference for %v", missing)
	}
	worst := 0.0
	for name, zi := range z {
		worst = max(worst, math.Abs(zi))
		if math.Abs(zi) > 0.25 {
			t.Errorf("%s: mean off Stan's by %.2f sd, want at most 0.25", name, zi)
		}
	}
	for _, c := range f.Summary() {
		if c.Rhat > 1.05 { // a sanity bound: with 500 draws a chain, 1.01 is within noise
			t.Errorf("%s: R-hat %.3f", c.Name, c.Rhat)
		}
	}
	t.Logf("%d gradients; worst mean %.3f sd from Stan's", f.Result.Info.GradEvals, worst)
}

func TestRun(t *testing.T) {
	var b strings.Builder
	if err := run(context.Background(), &b, sampler.Options{Chains: 1, Warmup: 5, Steps: 5, Seed: 1}, ""); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "360 images (182 ones)") || !strings.Contains(b.String(), "beta[64]") {
		t.Errorf("output:\n%s", b.String())
	}
	if err := run(context.Background(), io.Discard, sampler.Options{Chains: 1}, ""); err == nil {
		t.Error("-steps 0 accepted")
	}
}

// BenchmarkGrad times one gradient of the posterior (about 22,000 tape
// nodes) at the prior mean.
func BenchmarkGrad(b *testing.B) {
	d, err := models.LoadDigits()
	if err != nil {
		b.Fatal(err)
	}
	p, err := bayes.New(models.DigitsLogistic(d))
	if err != nil {
		b.Fatal(err)
	}
	y, e, g := make([]float64, p.Dim()), []float64{0}, make([]float64, p.Dim())
	p.Grad(e, g, y, p.Dim()) // grow the tape
	for b.Loop() {
		p.Grad(e, g, y, p.Dim())
	}
}
