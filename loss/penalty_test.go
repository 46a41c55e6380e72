package loss

import (
	"math"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// TestScorePenalty: on E = ½xᵀAx the score is Ax, so each score-matching
// loss with Penalty λ exceeds the loss without it (same random stream) by
// λ·mean xᵀA²x exactly, and that mean has expectation tr(A²S) under data
// N(0, S), met within 5 standard errors (Var xᵀBx = 2 tr((BS)²)).
func TestScorePenalty(t *testing.T) {
	l := [2][2]float64{{1.2, 0}, {0.6, 0.7}}
	const n = 4000
	x := gaussianData(rngOf(9), n, l)
	a := []float64{1.5, 0.4, 0.4, 0.7}
	b := []float64{ // A²
		a[0]*a[0] + a[1]*a[2], a[0]*a[1] + a[1]*a[3],
		a[2]*a[0] + a[3]*a[2], a[2]*a[1] + a[3]*a[3],
	}
	s := []float64{l[0][0] * l[0][0], l[0][0] * l[1][0], l[0][0] * l[1][0], l[1][0]*l[1][0] + l[1][1]*l[1][1]}
	bs := []float64{b[0]*s[0] + b[1]*s[2], b[0]*s[1] + b[1]*s[3], b[2]*s[0] + b[3]*s[2], b[2]*s[1] + b[3]*s[3]}
	want := bs[0] + bs[3]
	se := math.Sqrt(2 * (bs[0]*bs[0] + 2*bs[1]*bs[2] + bs[3]*bs[3]) / n)
	exact := 0.0
	for i := range n {
		u, v := x.Data()[2*i], x.Data()[2*i+1]
		exact += (u*(b[0]*u+b[1]*v) + v*(b[2]*u+b[3]*v)) / n
	}
	if math.Abs(exact-want) > 5*se {
		t.Errorf("mean xᵀA²x = %.4f, want tr(A²S) = %.4f ± %.4f", exact, want, 5*se)
	}
	q := quadratic{tensor.New(a, 2, 2)}
	const lambda = 0.3
	for name, pair := range map[string][2]EnergyLoss{
		"sm":     {ScoreMatching{}, ScoreMatching{Penalty: lambda}},
		"sm-fd":  {ScoreMatching{Method: FiniteDifference}, ScoreMatching{Method: FiniteDifference, Penalty: lambda}},
		"sliced": {SlicedScoreMatching{Projections: 2}, SlicedScoreMatching{Projections: 2, Penalty: lambda}},
		"dsm":    {DenoisingScoreMatching{Sigma: 0.2}, DenoisingScoreMatching{Sigma: 0.2, Penalty: lambda}},
	} {
		got := lossValue(t, pair[1], q, x, 3) - lossValue(t, pair[0], q, x, 3)
		if math.Abs(got-lambda*exact) > 1e-12*math.Max(1, exact) {
			t.Errorf("%s: penalty %.15g, want λ·mean xᵀA²x = %.15g", name, got, lambda*exact)
		}
	}
}
