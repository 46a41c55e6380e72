package flow

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/tensor"
)

// TestLogDensity checks the change of variables on flows with
// closed-form densities: a time-dependent scaling v = t·x (x(1) = √e·x(0),
// so p₁ = N(0, eI)) and a shear v = (b·x₂, 0) (divergence free, p₁(x) =
// N(x₁ − b·x₂) N(x₂)) that only the solve of x(t) gets right.
func TestLogDensity(t *testing.T) {
	x := tensor.Randn(rand.New(rand.NewPCG(1, 1)), 700, 2) // more than one chunk
	logN := func(a, b float64) float64 { return -math.Log(2*math.Pi) - 0.5*(a*a+b*b) }
	const b = 1.5
	shearSel := tensor.New([]float64{0, 0, b, 0}, 2, 2) // x·S = (b·x₂, 0)
	for _, c := range []struct {
		name string
		v    Field
		want func(x1, x2 float64) float64
	}{
		{"scaling", func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor { return tp.Scale(x, t) },
			func(x1, x2 float64) float64 { return logN(x1/math.Sqrt(math.E), x2/math.Sqrt(math.E)) - 1 }},
		{"shear", func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor { return tp.MatMul(x, shearSel) },
			func(x1, x2 float64) float64 { return logN(x1-b*x2, x2) }},
	} {
		got, err := LogDensity(context.Background(), c.v, x, 0, 1, 40)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i, g := range got {
			worst = math.Max(worst, math.Abs(g-c.want(x.Data()[2*i], x.Data()[2*i+1])))
		}
		if worst > 1e-6 {
			t.Errorf("%s: log density off by up to %.3g", c.name, worst)
		}
	}
	if _, err := LogDensity(context.Background(), nil, x, 0, 0, 10); err == nil {
		t.Error("an empty time interval is accepted")
	}
}
