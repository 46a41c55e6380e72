package loss

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// TestEqMScaleClosedForm checks each c(t) at chosen times against values
// worked by hand from its formula, and the names.
func TestEqMScaleClosedForm(t *testing.T) {
	for _, c := range []struct {
		eq   EquilibriumMatching
		t, c float64
	}{
		{EquilibriumMatching{}, 0.5, 4},                               // 4·min(1, 0.5/0.2)
		{EquilibriumMatching{}, 0.9, 2},                               // 4·0.1/0.2
		{EquilibriumMatching{}, 1, 0},                                 // at the data
		{EquilibriumMatching{Threshold: 0.5, Multiplier: 2}, 0.75, 1}, // 2·0.25/0.5
		{EquilibriumMatching{Scale: LinearScale, Multiplier: 2}, 0.25, 1.5},
		{EquilibriumMatching{Scale: LinearScale}, 0, 4},
		{EquilibriumMatching{Scale: PiecewiseScale, Start: 3, Threshold: 0.5, Multiplier: 2}, 0, 6},
		{EquilibriumMatching{Scale: PiecewiseScale, Start: 3, Threshold: 0.5, Multiplier: 2}, 0.25, 4}, // 2·(3 − 2·0.5)
		{EquilibriumMatching{Scale: PiecewiseScale, Start: 3, Threshold: 0.5, Multiplier: 2}, 0.5, 2},
		{EquilibriumMatching{Scale: PiecewiseScale, Start: 3, Threshold: 0.5, Multiplier: 2}, 0.75, 1},
		{EquilibriumMatching{Scale: PiecewiseScale, Start: 0, Threshold: 0.4, Multiplier: 1}, 0.1, 0.25}, // rises from 0
		{EquilibriumMatching{Scale: PiecewiseScale, Start: 1}, 0.3, 4},                                   // = truncated
	} {
		if got := c.eq.C(c.t); math.Abs(got-c.c) > 1e-14 {
			t.Errorf("%v (a %g, λ %g, b %g): c(%g) = %g, want %g", c.eq.Scale, c.eq.Threshold, c.eq.Multiplier, c.eq.Start, c.t, got, c.c)
		}
	}
	for _, s := range []EqMScale{TruncatedScale, LinearScale, PiecewiseScale} {
		got, err := EqMScaleByName(s.String())
		if err != nil || got != s {
			t.Errorf("EqMScaleByName(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := EqMScaleByName("cosine"); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown scale: %v", err)
	}
}

// eqmDraws returns the pairs EqM draws from seed on the straight path with
// t in [eps, 1 − eps], and the noise x₀ = (x_t − t·x₁)/(1 − t) of each,
// computed from the data rather than through interpolant.Convert.
func eqmDraws(t *testing.T, x *tensor.Tensor, eps float64, seed uint64) (xt, ut, ts, x0 []float64) {
	xt, ut, ts, idx, _, err := samplePairs(nil, nil, nil, x, timeDraw{eps: eps}, rand.New(rand.NewPCG(seed, seed)))
	if err != nil {
		t.Fatal(err)
	}
	d := x.Dim(1)
	x0 = make([]float64, len(xt))
	for i, tt := range ts {
		for j := range d {
			x0[i*d+j] = (xt[i*d+j] - tt*x.Data()[idx[i]*d+j]) / (1 - tt)
		}
	}
	return xt, ut, ts, x0
}

// TestEqMLossWrittenOut: on a tiny batch with the linear field f = Ax, the
// loss with each c(t), and with the noise and score predictions (with
// and without each weighting: on the straight path b = (1 − t)/t, so the
// velocity weight is 1/t² and the likelihood weight 1/(t(1 − t))), equals
// the mean squared error written out from the draws.
func TestEqMLossWrittenOut(t *testing.T) {
	A := [4]float64{0.5, -1.2, 0.3, 2}
	f := linearField{tensor.New(A[:], 2, 2)}
	x := tensor.Randn(rand.New(rand.NewPCG(11, 11)), 5, 2)
	xt, ut, ts, x0 := eqmDraws(t, x, 0.1, 12)
	fx := func(i int) [2]float64 {
		v := xt[2*i : 2*i+2]
		return [2]float64{A[0]*v[0] + A[1]*v[1], A[2]*v[0] + A[3]*v[1]}
	}
	grad := func(c func(float64) float64) func(i, j int, tt float64) float64 {
		return func(i, j int, tt float64) float64 { return fx(i)[j] + ut[2*i+j]*c(tt) }
	}
	one := func(float64) float64 { return 1 }
	for _, c := range []struct {
		name   string
		eq     EquilibriumMatching
		res    func(i, j int, t float64) float64
		weight func(t float64) float64
	}{
		{"truncated", EquilibriumMatching{Threshold: 0.5, Multiplier: 3}, grad(func(t float64) float64 { return 3 * math.Min(1, (1-t)/0.5) }), one},
		{"linear", EquilibriumMatching{Scale: LinearScale, Multiplier: 2}, grad(func(t float64) float64 { return 2 * (1 - t) }), one},
		{"piecewise", EquilibriumMatching{Scale: PiecewiseScale, Start: 2, Threshold: 0.6}, grad(func(t float64) float64 {
			if t <= 0.6 {
				return 4 * (2 - t/0.6)
			}
			return 4 * (1 - t) / 0.4
		}), one},
		{"noise", EquilibriumMatching{Prediction: interpolant.Noise}, func(i, j int, _ float64) float64 { return fx(i)[j] - x0[2*i+j] }, one},
		{"score", EquilibriumMatching{Prediction: interpolant.Score}, func(i, j int, t float64) float64 { return (1-t)*fx(i)[j] + x0[2*i+j] }, one},
		{"noise-velocity", EquilibriumMatching{Prediction: interpolant.Noise, Weighting: VelocityWeighting},
			func(i, j int, _ float64) float64 { return fx(i)[j] - x0[2*i+j] }, func(t float64) float64 { return 1 / (t * t) }},
		{"score-likelihood", EquilibriumMatching{Prediction: interpolant.Score, Weighting: LikelihoodWeighting},
			func(i, j int, t float64) float64 { return (1-t)*fx(i)[j] + x0[2*i+j] }, func(t float64) float64 { return 1 / (t * (1 - t)) }},
	} {
		c.eq.TrainEps = 0.1
		got, err := c.eq.Loss(nil, f, x, rand.New(rand.NewPCG(12, 12)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := 0.0
		for i, tt := range ts {
			for j := range 2 {
				r := c.res(i, j, tt)
				want += c.weight(tt) * r * r
			}
		}
		want /= float64(len(xt))
		if math.Abs(got.Item()-want) > 1e-12*math.Max(1, want) {
			t.Errorf("%s: loss %.15g, want %.15g", c.name, got.Item(), want)
		}
	}
}

// TestEqMPredictionRoundTrip: the noise target x₀ (from the data) and the
// score −x₀/σ, converted to the velocity by interpolant.Convert, give back
// u_t, and −c(t)·u_t is EqM's gradient target.
func TestEqMPredictionRoundTrip(t *testing.T) {
	x := tensor.Randn(rand.New(rand.NewPCG(13, 13)), 7, 3)
	xt, ut, ts, x0 := eqmDraws(t, x, 0.05, 14)
	score := make([]float64, len(x0))
	for i, tt := range ts {
		for j := range 3 {
			score[3*i+j] = -x0[3*i+j] / (1 - tt)
		}
	}
	eq := EquilibriumMatching{Scale: PiecewiseScale, Start: 1.5}
	target := eq.target(ut, ts, 3)
	for _, from := range []struct {
		kind interpolant.Prediction
		v    []float64
	}{{interpolant.Noise, x0}, {interpolant.Score, score}} {
		u := make([]float64, len(ut))
		if err := interpolant.Convert(interpolant.Linear{}, from.kind, interpolant.Velocity, u, from.v, xt, ts, 3); err != nil {
			t.Fatal(err)
		}
		for i, tt := range ts {
			for j := 3 * i; j < 3*i+3; j++ {
				if math.Abs(u[j]-ut[j]) > 1e-12*math.Max(1, math.Abs(ut[j])) {
					t.Fatalf("%v → velocity: %g, want u_t = %g", from.kind, u[j], ut[j])
				}
				if g := -eq.C(tt) * u[j]; math.Abs(g-target[j]) > 1e-12*math.Max(1, math.Abs(g)) {
					t.Fatalf("%v → gradient target: %g, want %g", from.kind, g, target[j])
				}
			}
		}
	}
}

// TestDispersiveClosedForm: on two and three points the dispersive loss
// equals log of the mean of exp(−‖h_i − h_j‖²/τ) over all n² pairs worked
// by hand, and its gradient matches finite differences.
func TestDispersiveClosedForm(t *testing.T) {
	for _, c := range []struct {
		h    []float64
		n    int
		tau  float64
		want float64
	}{
		// ‖h₁ − h₂‖² = 2, τ = k = 2: log((2 + 2e⁻¹)/4).
		{[]float64{0, 0, 1, 1}, 2, 0, math.Log((2 + 2*math.Exp(-1)) / 4)},
		// distances² 1, 4, 1 (points 0, 1, 2 on a line), τ = 0.5.
		{[]float64{0, 1, 2}, 3, 0.5, math.Log((3 + 2*math.Exp(-2) + 2*math.Exp(-8) + 2*math.Exp(-2)) / 9)},
		{[]float64{1, -1, 1, -1}, 2, 3, 0}, // equal rows
	} {
		h := tensor.New(c.h, c.n, len(c.h)/c.n)
		if got := Dispersive(nil, h, c.tau).Item(); math.Abs(got-c.want) > 1e-14 {
			t.Errorf("%v: %.16g, want %.16g", c.h, got, c.want)
		}
	}
	h := tensor.Randn(rand.New(rand.NewPCG(15, 15)), 4, 3)
	f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return Dispersive(tp, xs[0], 0.7) }
	if err := tensor.CheckGrad(f, []*tensor.Tensor{h}, tensor.CheckOptions{Atol: 1e-7, Rtol: 1e-6}); err != nil {
		t.Error(err)
	}
}

// TestEqMDispersionAdds: the loss with Dispersion w is the loss without
// plus w times Dispersive of the network's outputs at the same x_t; and
// the loss's gradient in the weights matches finite differences with each
// new setting.
func TestEqMDispersionAdds(t *testing.T) {
	A := []float64{0.5, -1.2, 0.3, 2}
	f := linearField{tensor.New(A, 2, 2)}
	x := tensor.Randn(rand.New(rand.NewPCG(16, 16)), 6, 2)
	base, err := EquilibriumMatching{}.Loss(nil, f, x, rand.New(rand.NewPCG(17, 17)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := EquilibriumMatching{Dispersion: 0.3, DispersionTemp: 0.5}.Loss(nil, f, x, rand.New(rand.NewPCG(17, 17)))
	if err != nil {
		t.Fatal(err)
	}
	xt, _, _, _, _, err := samplePairs(nil, nil, nil, x, timeDraw{}, rand.New(rand.NewPCG(17, 17)))
	if err != nil {
		t.Fatal(err)
	}
	h := make([]float64, len(xt))
	for i := range 6 {
		h[2*i] = A[0]*xt[2*i] + A[1]*xt[2*i+1]
		h[2*i+1] = A[2]*xt[2*i] + A[3]*xt[2*i+1]
	}
	s := 0.0
	for i := range 6 {
		for j := range 6 {
			d0, d1 := h[2*i]-h[2*j], h[2*i+1]-h[2*j+1]
			s += math.Exp(-(d0*d0 + d1*d1) / 0.5)
		}
	}
	want := base.Item() + 0.3*math.Log(s/36)
	if math.Abs(got.Item()-want) > 1e-12*math.Max(1, math.Abs(want)) {
		t.Errorf("loss with dispersion %.15g, want %.15g", got.Item(), want)
	}

	net, _ := nn.NewTimeMLP(rand.New(rand.NewPCG(18, 18)), 2, 2, []int{5}, 2, nn.SiLU())
	for name, eq := range map[string]EquilibriumMatching{
		"piecewise":  {Scale: PiecewiseScale, Start: 2},
		"noise":      {Prediction: interpolant.Noise, TrainEps: 0.05, Weighting: VelocityWeighting},
		"score":      {Prediction: interpolant.Score, TrainEps: 0.05, Weighting: LikelihoodWeighting, TimeConditioned: true},
		"dispersion": {Dispersion: 0.5, Explicit: true},
	} {
		f := func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
			v, err := eq.Loss(tp, net, x, rand.New(rand.NewPCG(19, 19)))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if err := tensor.CheckGrad(f, nn.Values(net.Params()), tensor.CheckOptions{Atol: 1e-5, Rtol: 1e-4}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestEqMRefuses: settings the loss cannot use are errors wrapping
// ErrInvalid.
func TestEqMRefuses(t *testing.T) {
	f := linearField{tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
	x := tensor.Randn(rand.New(rand.NewPCG(20, 20)), 4, 2)
	for name, eq := range map[string]EquilibriumMatching{
		"weighted gradient":   {Weighting: VelocityWeighting, TrainEps: 0.1},
		"weighting at t = 0":  {Prediction: interpolant.Noise, Weighting: LikelihoodWeighting},
		"explicit noise":      {Prediction: interpolant.Noise, Explicit: true},
		"data prediction":     {Prediction: interpolant.Data},
		"negative start":      {Scale: PiecewiseScale, Start: -1},
		"unknown scale":       {Scale: 7},
		"unknown weighting":   {Prediction: interpolant.Score, Weighting: 9, TrainEps: 0.1},
		"negative dispersion": {Dispersion: -1},
		"negative τ":          {Dispersion: 1, DispersionTemp: -2},
		"NaN dispersion":      {Dispersion: math.NaN()},
	} {
		if _, err := eq.Loss(nil, f, x, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
