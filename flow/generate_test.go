package flow

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
// fixed steps, adaptively, and by the score-corrected SDE with g = 1 (w =
// ½) ended by an Euler step (plus their O(h) bias). Guidance of the field to μ_c against the one to μ_u is, since the
// fields are affine in μ, the field to μ_u + w(μ_c − μ_u).
func TestFlowExactField(t *testing.T) {
	mu, s := []float64{2, -1}, 0.5
	const w = 1.5
	muU := []float64{-1, 1}
	muG := []float64{muU[0] + w*(mu[0]-muU[0]), muU[1] + w*(mu[1]-muU[1])}
	for name, c := range map[string]struct {
		f    Generator
		mu   []float64
		bias float64
	}{
		"rk4":    {Generator{Field: gaussianField(mu, s), Steps: 40}, mu, 0},
		"dopri5": {Generator{Field: gaussianField(mu, s), Adaptive: &integrate.Adaptive{RTol: 1e-6}}, mu, 0},
		"sde":    {Generator{Field: gaussianField(mu, s), Steps: 500, SDE: &SDE{Norm: 0.5, Last: LastEuler}}, mu, 0.01},
		"guided": {Generator{Field: Guided(gaussianField(mu, s), gaussianField(muU, s), w), Steps: 40}, muG, 0},
	} {
		f := c.f
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
			if math.Abs(m-c.mu[j]) > 5*s/math.Sqrt(n)+c.bias || math.Abs(math.Sqrt(v)-s) > 5*s/math.Sqrt(2*n)+c.bias {
				t.Errorf("%s: coordinate %d: mean %.4f sd %.4f, want %g and %g", name, j, m, math.Sqrt(v), c.mu[j], s)
			}
		}
		if st.Evals == 0 {
			t.Errorf("%s: no evaluations reported", name)
		}
	}
	if _, _, err := (Generator{}).Generate(context.Background(), 10, 2, 1); err == nil {
		t.Error("Generator without a velocity accepted")
	}
}
