package loss

import (
	"math"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// TestSphereProbes: sphere projections have norm √d (v/√d is a unit
// vector), and sliced SM with them averages to the exact SM objective
// ½ mean ‖Px‖² − tr P on E = ½xᵀPx, within 5 standard errors of the mean
// over independent repetitions.
func TestSphereProbes(t *testing.T) {
	for _, d := range []int{1, 2, 7} {
		v := probe(nil, rngOf(uint64(d)), Sphere, 50, d)
		for i := range 50 {
			s := 0.0
			for _, x := range v.Data()[i*d : (i+1)*d] {
				s += x * x
			}
			if math.Abs(math.Sqrt(s/float64(d))-1) > 1e-14 {
				t.Fatalf("d = %d: probe %d has norm %.16g, want √d = %.16g", d, i, math.Sqrt(s), math.Sqrt(float64(d)))
			}
		}
	}
	x := gaussianData(rngOf(1), 64, [2][2]float64{{1, 0}, {0.5, 0.8}})
	// A small P, where −tr P dominates: a probe of the wrong scale moves
	// the mean by many standard errors.
	sym := []float64{0.5, 0.2, 0.2, 0.3}
	q := quadratic{tensor.New(sym, 2, 2)}
	want := exactSM(sym, x)
	const reps = 400
	var m, m2 float64
	for r := range reps {
		v := lossValue(t, SlicedScoreMatching{Projections: 2, ProbeType: Sphere}, q, x, uint64(900+r))
		m += v / reps
		m2 += v * v / reps
	}
	se := math.Sqrt((m2 - m*m) / (reps - 1))
	if math.Abs(m-want) > 5*se {
		t.Errorf("sliced SM with sphere probes: mean %.5f, want %.5f ± %.5f", m, want, 5*se)
	}
	t.Logf("sliced SM, sphere probes: mean %.5f, exact %.5f, SE %.5f", m, want, se)
}
