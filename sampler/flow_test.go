package sampler

import (
	"context"
	"math"
	"testing"

	"github.com/goebm/goebm/integrate"
)

// gaussianField is the exact marginal velocity of the straight path between
// N(0, I) and N(μ, s²I) with independent pairs: v(x, t) = μ + k(t)(x − tμ),
// k(t) = (ts² − (1 − t))/((1 − t)² + t²s²).
func gaussianField(mu []float64, s float64) integrate.Drift {
	d := len(mu)
	return func(dst []float64, t float64, x []float64) {
		k := (t*s*s - (1 - t)) / ((1-t)*(1-t) + t*t*s*s)
		for i := range x {
			m := mu[i%d]
			dst[i] = m + k*(x[i]-t*m)
		}
	}
}

// TestFlowExactField: integrating the exact field carries N(0, I) to
// N(μ, s²I): means and sds within 5 standard errors of 20000 points, with
// fixed steps and adaptively.
func TestFlowExactField(t *testing.T) {
	mu, s := []float64{2, -1}, 0.5
	for name, f := range map[string]Flow{
		"rk4":    {Velocity: gaussianField(mu, s), Steps: 40},
		"dopri5": {Velocity: gaussianField(mu, s), Adaptive: &integrate.Adaptive{RTol: 1e-6}},
	} {
		const n = 20000
		x, st, err := f.Generate(context.Background(), n, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			m, v := 0.0, 0.0
			for i := range n {
				m += x[2*i+j] / n
			}
			for i := range n {
				v += (x[2*i+j] - m) * (x[2*i+j] - m) / (n - 1)
			}
			if math.Abs(m-mu[j]) > 5*s/math.Sqrt(n) || math.Abs(math.Sqrt(v)-s) > 5*s/math.Sqrt(2*n) {
				t.Errorf("%s: coordinate %d: mean %.4f sd %.4f, want %g and %g", name, j, m, math.Sqrt(v), mu[j], s)
			}
		}
		if st.Evals == 0 {
			t.Errorf("%s: no evaluations reported", name)
		}
	}
	if _, _, err := (Flow{}).Generate(context.Background(), 10, 2, 1); err == nil {
		t.Error("Flow without a velocity accepted")
	}
}
