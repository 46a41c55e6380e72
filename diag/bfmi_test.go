package diag

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEBFMIByHand checks E-BFMI on a short sequence worked by hand:
// energies 1, 3, 2, 4 have squared differences 4, 1, 4 (mean 3) and sample
// variance 5/3, so E-BFMI = 3/(5/3) = 1.8.
func TestEBFMIByHand(t *testing.T) {
	if got := EBFMI([]float64{1, 3, 2, 4}); math.Abs(got-1.8) > 1e-15 {
		t.Errorf("E-BFMI = %v, want 1.8", got)
	}
	for name, e := range map[string][]float64{"one": {1}, "constant": {2, 2, 2}, "nan": {1, math.NaN(), 3}} {
		if got := EBFMI(e); !math.IsNaN(got) {
			t.Errorf("%s: E-BFMI = %v, want NaN", name, got)
		}
	}
}

// TestEBFMIOfAR1: for energies that follow a stationary AR(1) with
// coefficient φ, E[(Eₙ − Eₙ₋₁)²] = 2σ²(1 − φ), so E-BFMI → 2(1 − φ):
// 2 for independent energies, 0.2 for φ = 0.9 (a chain Stan warns about).
// 100,000 draws give it to within 3%.
func TestEBFMIOfAR1(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, phi := range []float64{0, 0.9} {
		e := make([]float64, 100000)
		x := rng.NormFloat64() / math.Sqrt(1-phi*phi)
		for i := range e {
			x = phi*x + rng.NormFloat64()
			e[i] = x
		}
		want := 2 * (1 - phi)
		if got := EBFMI(e); math.Abs(got-want) > 0.03*want {
			t.Errorf("φ = %g: E-BFMI %.4f, want %.4f ± 3%%", phi, got, want)
		}
	}
}

// TestMAD checks the scaled median absolute deviation by hand and on
// normal draws, where it estimates the standard deviation.
func TestMAD(t *testing.T) {
	// Median 3; absolute deviations 2, 1, 0, 1, 7: median 1.
	if got := MAD([][]float64{{1, 2}, {3, 4, 10}}); math.Abs(got-1.4826) > 1e-15 {
		t.Errorf("MAD = %v, want 1.4826", got)
	}
	rng := rand.New(rand.NewPCG(6, 6))
	ch := iidChains(rng, 4, 25000, func(int) float64 { return 0 })
	for c := range ch {
		for i := range ch[c] {
			ch[c][i] = 2*ch[c][i] + 5
		}
	}
	// The MAD's standard error on n normal draws is about 1.17σ/√n ≈ 0.006.
	if got := MAD(ch); math.Abs(got-2) > 0.03 {
		t.Errorf("MAD of N(5, 2²) draws %.4f, want 2 ± 0.03", got)
	}
	if !math.IsNaN(MAD(nil)) {
		t.Error("MAD of no draws is not NaN")
	}
}
