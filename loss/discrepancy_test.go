package loss

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/optimize"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// centred is E(x) = ½(x − m)ᵀW(x − m), with m and W learned.
type centred struct{ M, W *tensor.Tensor }

func (q centred) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	z := tp.Sub(x, q.M)
	e := tp.Scale(tp.SumAxis(tp.Mul(tp.MatMul(z, q.W), z), 1), 0.5)
	return tp.Reshape(e, x.Dim(0), 1)
}

func (q centred) Params() []nn.Param {
	return []nn.Param{{Name: "m", Value: q.M}, {Name: "W", Value: q.W}}
}

// TestEnergyDiscrepancyValue checks the loss against its formula computed
// directly, with the same draws in the documented order.
func TestEnergyDiscrepancyValue(t *testing.T) {
	x := gaussianData(rngOf(1), 7, [2][2]float64{{1, 0}, {0.5, 0.8}})
	q := centred{tensor.New([]float64{0.2, -0.1}, 2), tensor.New([]float64{1.5, 0.3, 0.3, 0.8}, 2, 2)}
	energy := func(p []float64) float64 {
		a, b := p[0]-0.2, p[1]+0.1
		return 0.5 * (1.5*a*a + 0.6*a*b + 0.8*b*b)
	}
	for _, c := range []struct {
		l        EnergyDiscrepancy
		t, w     float64
		m        int
		describe string
	}{
		{EnergyDiscrepancy{}, 1, 1, 4, "defaults"},
		{EnergyDiscrepancy{T: 0.3, M: 3, W: 0.5}, 0.3, 0.5, 3, "t 0.3, M 3, w 0.5"},
		{EnergyDiscrepancy{T: 2, M: 1, W: -1}, 2, 0, 1, "w 0"},
	} {
		got := lossValue(t, c.l, q, x, 9)
		rng := rngOf(9)
		want := 0.0
		s := math.Sqrt(c.t)
		for i := range x.Dim(0) {
			xi := x.Data()[2*i : 2*i+2]
			y := []float64{xi[0] + s*rng.NormFloat64(), xi[1] + s*rng.NormFloat64()}
			sum := c.w / float64(c.m)
			for range c.m {
				neg := []float64{y[0] + s*rng.NormFloat64(), y[1] + s*rng.NormFloat64()}
				sum += math.Exp(energy(xi)-energy(neg)) / float64(c.m)
			}
			want += math.Log(sum) / float64(x.Dim(0))
		}
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: loss %.15g, want %.15g", c.describe, got, want)
		}
	}
}

// TestEnergyDiscrepancyOptimum fits E = ½(x − m)ᵀW(x − m) to Gaussian data
// N(μ, S) by minimising the loss (w = 1) with its draws held fixed, in
// independent replications, and checks that the mean fit is μ and S⁻¹
// within four Monte Carlo standard errors: with w = 1 the minimiser is
// exact for any M. With w = 0 and M = 1 the loss has no minimum.
func TestEnergyDiscrepancyOptimum(t *testing.T) {
	if testing.Short() {
		t.Skip("fits ten replications; -short (the race-detector pass) skips it")
	}
	mu := []float64{0.5, -1}
	l := [2][2]float64{{1.2, 0}, {0.6, 0.7}}
	s := []float64{l[0][0] * l[0][0], l[0][0] * l[1][0], l[0][0] * l[1][0], l[1][0]*l[1][0] + l[1][1]*l[1][1]}
	want := append(append([]float64(nil), mu...), inv2(s)...)
	fit := func(ed EnergyDiscrepancy, seed uint64) ([]float64, error) {
		x := gaussianData(rngOf(seed), 3000, l)
		for i := range x.Dim(0) {
			x.Data()[2*i] += mu[0]
			x.Data()[2*i+1] += mu[1]
		}
		q := centred{tensor.Zeros(2), tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
		set := func(p []float64) {
			copy(q.M.Data(), p[:2])
			copy(q.W.Data(), []float64{p[2], p[3], p[3], p[4]})
		}
		eval := func(p []float64, grad []float64) float64 {
			set(p)
			tp := tensor.NewTape()
			v, err := ed.Loss(tp, q, x, rngOf(seed+100))
			if err != nil {
				t.Fatal(err)
			}
			if grad != nil {
				g := tp.Grad([]*tensor.Tensor{v}, []*tensor.Tensor{q.M, q.W}, tensor.GradOptions{})
				grad[0], grad[1] = g[0].Data()[0], g[0].Data()[1]
				grad[2], grad[3], grad[4] = g[1].Data()[0], g[1].Data()[1]+g[1].Data()[2], g[1].Data()[3]
			}
			return v.Item()
		}
		p := optimize.Problem{Func: func(p []float64) float64 { return eval(p, nil) }, Grad: func(g, p []float64) { eval(p, g) }}
		r, err := optimize.Minimize(p, []float64{0, 0, 1, 0, 1}, &optimize.Settings{GradientThreshold: 1e-7, MajorIterations: 500}, &optimize.BFGS{})
		if err != nil {
			return nil, err
		}
		set(r.X)
		return []float64{r.X[0], r.X[1], r.X[2], r.X[3], r.X[3], r.X[4]}, nil
	}
	const reps = 10
	var fits [][]float64
	for rep := range reps {
		f, err := fit(EnergyDiscrepancy{}, uint64(20+rep))
		if err != nil {
			t.Fatal(err)
		}
		fits = append(fits, f)
	}
	names := []string{"μ₁", "μ₂", "P₁₁", "P₁₂", "P₂₁", "P₂₂"}
	for j := range want {
		v := make([]float64, reps)
		for r := range reps {
			v[r] = fits[r][j]
		}
		m, se := meanSE(v)
		t.Logf("%s = %.4f ± %.4f, want %.4f", names[j], m, se, want[j])
		if math.Abs(m-want[j]) > 4*se {
			t.Errorf("%s = %.4f ± %.4f over %d fits, want %.4f", names[j], m, se, reps, want[j])
		}
		if se > 0.03 {
			t.Errorf("%s: standard error %.4f: the test resolves too little", names[j], se)
		}
	}
	// w = 0, M = 1: the loss is mean E(x) − E(x′), for E = ½λ‖x‖² about
	// −λ·t·d = −2λ: it falls without bound as the energy steepens.
	x := gaussianData(rngOf(30), 3000, l)
	for _, lambda := range []float64{1, 10, 100} {
		q := quadratic{tensor.New([]float64{lambda, 0, 0, lambda}, 2, 2)}
		if v := lossValue(t, EnergyDiscrepancy{M: 1, W: -1}, q, x, 31); math.Abs(v+2*lambda) > 0.1*2*lambda {
			t.Errorf("w = 0, M = 1, E = ½·%g‖x‖²: loss %.4g, want about %g", lambda, v, -2*lambda)
		}
	}
}

func TestEnergyDiscrepancyRefuses(t *testing.T) {
	q := quadratic{tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
	x := tensor.Zeros(4, 2)
	for name, l := range map[string]EnergyDiscrepancy{
		"negative t": {T: -1},
		"NaN t":      {T: math.NaN()},
		"infinite t": {T: math.Inf(1)},
		"negative M": {M: -2},
		"NaN w":      {W: math.NaN()},
		"infinite w": {W: math.Inf(1)},
	} {
		if _, err := l.Loss(tensor.NewTape(), q, x, rngOf(1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
	if _, err := (EnergyDiscrepancy{}).Loss(tensor.NewTape(), q, tensor.Zeros(0, 2), rngOf(1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty batch: error %v, want ErrInvalid", err)
	}
}
