package diag

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readStanColumn reads one column of a CmdStan CSV, skipping # comments.
func readStanColumn(t *testing.T, path, col string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	idx := -1
	var out []float64
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, ",")
		if idx < 0 {
			for i, h := range fields {
				if h == col {
					idx = i
				}
			}
			if idx < 0 {
				t.Fatalf("%s: no column %q", path, col)
			}
			continue
		}
		v, err := strconv.ParseFloat(fields[idx], 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return out
}

func stanChains(t *testing.T, col string) [][]float64 {
	var chains [][]float64
	for i := 1; i <= 4; i++ {
		chains = append(chains, readStanColumn(t, "testdata/bern"+strconv.Itoa(i)+".csv", col))
	}
	return chains
}

// TestMatchesStan compares with the values Stan's own unit tests require of
// its four reference chains, at Stan's tolerances
// (testdata/README.md).
func TestMatchesStan(t *testing.T) {
	for _, c := range []struct {
		col                                string
		bulk, tail, rhat, mcseMean, mcseSD float64
	}{
		{"lp__", 1512.7684, 1591.9707, 1.00073, 0.02016, 0.03553},
		{"theta", 1407.5124, 1291.7131, 1.006789, 0.00323, 0.00216},
	} {
		ch := stanChains(t, c.col)
		check := func(name string, got, want, tol float64) {
			if math.Abs(got-want) > tol {
				t.Errorf("%s %s = %.7g, Stan %.7g (tolerance %g)", c.col, name, got, want, tol)
			}
		}
		check("bulk ESS", ESSBulk(ch), c.bulk, 1e-4)
		check("tail ESS", ESSTail(ch), c.tail, 1e-4)
		check("R-hat", Rhat(ch), c.rhat, 1e-5)
		check("MCSE mean", MCSEMean(ch), c.mcseMean, 1e-4)
		check("MCSE sd", MCSESD(ch), c.mcseSD, 1e-4)
	}
}

func TestUnusableChainsGiveNaN(t *testing.T) {
	for name, ch := range map[string][][]float64{
		"constant":  {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}},
		"inf":       {{1, 2, math.Inf(1), 4, 5}, {1, 2, 3, 4, 5}},
		"nan":       {{1, 2, math.NaN(), 4, 5}, {1, 2, 3, 4, 5}},
		"three":     {{1, 2, 3}, {3, 2, 1}},
		"ragged":    {{1, 2, 3, 4, 5}, {1, 2, 3, 4}},
		"no chains": nil,
	} {
		for what, v := range map[string]float64{
			"ESSBulk": ESSBulk(ch), "ESSTail": ESSTail(ch), "Rhat": Rhat(ch), "MCSEMean": MCSEMean(ch), "MCSESD": MCSESD(ch),
		} {
			if !math.IsNaN(v) {
				t.Errorf("%s: %s = %g, want NaN", name, what, v)
			}
		}
	}
}

// TestAutocovarianceMatchesDirect compares the FFT result with the sum.
func TestAutocovarianceMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, 37)
	for i := range x {
		x[i] = rng.NormFloat64() + 3
	}
	mean := 0.0
	for _, v := range x {
		mean += v / float64(len(x))
	}
	got := Autocovariance(x)
	for lag := range x {
		want := 0.0
		for i := 0; i+lag < len(x); i++ {
			want += (x[i] - mean) * (x[i+lag] - mean)
		}
		want /= float64(len(x))
		if math.Abs(got[lag]-want) > 1e-12 {
			t.Fatalf("lag %d: %g, want %g", lag, got[lag], want)
		}
	}
}

func iidChains(rng *rand.Rand, m, n int, shift func(c int) float64) [][]float64 {
	ch := make([][]float64, m)
	for c := range ch {
		ch[c] = make([]float64, n)
		for i := range ch[c] {
			ch[c][i] = rng.NormFloat64() + shift(c)
		}
	}
	return ch
}

// TestESSOfIndependentDraws: for iid draws the ESS is about the number of
// draws. Over 20 replicates of 4×1000 draws the mean bulk ESS must be within
// 5% of 4000 (the estimator's spread is a few percent per replicate).
func TestESSOfIndependentDraws(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	sum := 0.0
	const reps = 20
	for range reps {
		sum += ESSBulk(iidChains(rng, 4, 1000, func(int) float64 { return 0 }))
	}
	if mean := sum / reps; math.Abs(mean-4000) > 0.05*4000 {
		t.Fatalf("mean bulk ESS of iid draws %.0f, want 4000 ± 5%%", mean)
	}
}

// TestESSOfAR1: an AR(1) chain xₜ = φxₜ₋₁ + εₜ has ESS n(1−φ)/(1+φ).
// Averaged over replicates, within 10% of that.
func TestESSOfAR1(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, phi := range []float64{0.5, 0.9} {
		const m, n, reps = 4, 5000, 10
		sum := 0.0
		for range reps {
			ch := make([][]float64, m)
			for c := range ch {
				ch[c] = make([]float64, n)
				x := rng.NormFloat64() / math.Sqrt(1-phi*phi) // stationary start
				for i := range ch[c] {
					x = phi*x + rng.NormFloat64()
					ch[c][i] = x
				}
			}
			sum += ESS(ch)
		}
		want := m * n * (1 - phi) / (1 + phi)
		if got := sum / reps; math.Abs(got-want) > 0.1*want {
			t.Errorf("φ=%g: mean ESS %.0f, want %.0f ± 10%%", phi, got, want)
		}
	}
}

// TestRhatSeparatesChains: chains from one distribution give R-hat near 1;
// one chain shifted by 3 sd, or one with twice the spread, give R-hat ≫ 1
// (the second only through the tail R-hat, which is what it is for).
func TestRhatSeparatesChains(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	same := iidChains(rng, 4, 1000, func(int) float64 { return 0 })
	if r := Rhat(same); r > 1.01 {
		t.Errorf("same distribution: R-hat %g, want ≤ 1.01", r)
	}
	shifted := iidChains(rng, 4, 1000, func(c int) float64 { return 3 * float64(c/3) })
	if r := Rhat(shifted); r < 1.3 { // raw R-hat ≈ 1.7 by hand; ranks compress it
		t.Errorf("one chain shifted by 3: R-hat %g, want ≫ 1", r)
	}
	wide := iidChains(rng, 4, 1000, func(int) float64 { return 0 })
	for i := range wide[0] {
		wide[0][i] *= 3
	}
	bulk, tail := RhatBulkTail(wide)
	if tail < 1.05 || bulk > tail {
		t.Errorf("one chain with 3× the sd: bulk %g, tail %g; want the tail R-hat ≫ 1", bulk, tail)
	}
}
