package main

import (
	"bufio"
	"context"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/sampler"
)

type moments struct{ mean, sd float64 }

// reference reads Stan's posterior means and sds (reference.R).
func reference(t *testing.T) map[string]moments {
	f, err := os.Open("testdata/reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref := map[string]moments{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ",")
		if strings.HasPrefix(fields[0], "#") || fields[0] == "name" {
			continue
		}
		mean, err1 := strconv.ParseFloat(fields[1], 64)
		sd, err2 := strconv.ParseFloat(fields[2], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("testdata/reference.csv: %q", sc.Text())
		}
		ref[fields[0]] = moments{mean, sd}
	}
	if len(ref) != 65 {
		t.Fatalf("testdata/reference.csv has %d quantities, want 65", len(ref))
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
	worst := 0.0
	for _, c := range f.Summary() {
		r, ok := ref[c.Name]
		if !ok {
			t.Fatalf("no reference for %s", c.Name)
		}
		z := (c.Mean - r.mean) / r.sd
		worst = max(worst, math.Abs(z))
		if math.Abs(z) > 0.25 {
			t.Errorf("%s: mean %.3f, Stan's %.3f: off by %.2f sd, want at most 0.25", c.Name, c.Mean, r.mean, z)
		}
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
	d, err := load()
	if err != nil {
		b.Fatal(err)
	}
	p, err := bayes.New(model(d))
	if err != nil {
		b.Fatal(err)
	}
	y, e, g := make([]float64, p.Dim()), []float64{0}, make([]float64, p.Dim())
	p.Grad(e, g, y, p.Dim()) // grow the tape
	for b.Loop() {
		p.Grad(e, g, y, p.Dim())
	}
}
