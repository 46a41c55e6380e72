package loss

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// TestEquilibriumMatchingFindsData trains EqM (implicit and explicit) on
// data concentrated at μ: the learned field points away from μ around it,
// and descending it from noise arrives at μ.
func TestEquilibriumMatchingFindsData(t *testing.T) {
	mu := []float64{1.5, -0.5}
	rng := rand.New(rand.NewPCG(1, 1))
	data := tensor.Zeros(256, 2)
	for i := range 256 {
		for j := range 2 {
			data.Data()[2*i+j] = mu[j] + 0.02*rng.NormFloat64()
		}
	}
	for name, eq := range map[string]EquilibriumMatching{"implicit": {}, "explicit": {Explicit: true}} {
		net, _ := nn.NewTimeMLP(rand.New(rand.NewPCG(2, 2)), 2, 2, []int{32, 32}, 2, nn.SiLU())
		params := nn.Values(net.Params())
		const steps = 800
		opt := &optim.Adam{Schedule: schedule.Cosine{Start: 3e-3, End: 1e-4, Steps: steps}}
		tp := tensor.NewTape()
		for range steps {
			l, err := eq.Loss(tp, net, data, rng)
			if err != nil {
				t.Fatal(err)
			}
			g := tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{})
			if err := opt.Step(params, g); err != nil {
				t.Fatal(err)
			}
			tp.Reset()
		}
		// field at x: f, or ∇ₓ(x·f) for the explicit form.
		field := func(x []float64) []float64 {
			tp := tensor.NewTape()
			xt := tensor.New(append([]float64(nil), x...), len(x)/2, 2)
			f := net.ForwardT(tp, xt, tensor.Zeros(len(x)/2, 1))
			if eq.Explicit {
				f = tp.Grad([]*tensor.Tensor{rowDot(tp, xt, f)}, []*tensor.Tensor{xt}, tensor.GradOptions{})[0]
			}
			return f.Data()
		}
		// Outward around μ: f(μ + δ)·δ > 0.
		for _, dir := range [][2]float64{{1, 0}, {0, 1}, {-1, 0}, {0.6, -0.8}} {
			f := field([]float64{mu[0] + 0.5*dir[0], mu[1] + 0.5*dir[1]})
			if f[0]*dir[0]+f[1]*dir[1] <= 0 {
				t.Errorf("%s: field at μ + 0.5·%v is %v: not pointing away from the data", name, dir, f)
			}
		}
		// Descent from noise: x ← x − η f(x).
		x := make([]float64, 2*64)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for range 300 {
			f := field(x)
			for i := range x {
				x[i] -= 0.02 * f[i]
			}
		}
		worst := 0.0
		for i := range 64 {
			worst = math.Max(worst, math.Hypot(x[2*i]-mu[0], x[2*i+1]-mu[1]))
		}
		if worst > 0.2 {
			t.Errorf("%s: descent ends up to %.3f from the data", name, worst)
		}
	}
}

// TestEquilibriumMatchingGradients checks the parameter gradient of both
// forms (second order through ∇ₓ for the explicit one).
func TestEquilibriumMatchingGradients(t *testing.T) {
	net, _ := nn.NewTimeMLP(rand.New(rand.NewPCG(3, 3)), 2, 2, []int{5}, 2, nn.SiLU())
	x := tensor.Randn(rand.New(rand.NewPCG(4, 4)), 6, 2)
	for name, eq := range map[string]EquilibriumMatching{"implicit": {}, "explicit": {Explicit: true}, "l2": {Explicit: true, Form: L2Energy}, "timed": {TimeConditioned: true}} {
		xs := nn.Values(net.Params())
		f := func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
			v, err := eq.Loss(tp, net, x, rand.New(rand.NewPCG(5, 5)))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if err := tensor.CheckGrad(f, xs, tensor.CheckOptions{Atol: 1e-5, Rtol: 1e-4}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// linearField is the time module f(x, t) = x·Aᵀ, with no parameters.
type linearField struct{ a *tensor.Tensor }

func (l linearField) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.MatMulT(x, l.a, false, true)
}
func (l linearField) ForwardT(tp *tensor.Tape, x, _ *tensor.Tensor) *tensor.Tensor {
	return l.Forward(tp, x)
}
func (linearField) Params() []nn.Param { return nil }

// TestEquilibriumMatchingForms: for a linear field f(x) = Ax the explicit
// forms have closed-form gradients, ∇ₓ(x·Ax) = (A + Aᵀ)x and
// ∇ₓ(−½‖Ax‖²) = −AᵀAx; each loss equals the mean squared difference from
// the target −u_t·c(t) at the same draws (t kept in [0.1, 0.9] by
// TrainEps), to 1e-12. Energy gives g itself.
func TestEquilibriumMatchingForms(t *testing.T) {
	a := tensor.New([]float64{0.5, -1.2, 0.3, 2}, 2, 2)
	f := linearField{a}
	x := tensor.Randn(rand.New(rand.NewPCG(8, 8)), 40, 2)
	at := func(m [4]float64, v []float64) [2]float64 {
		return [2]float64{m[0]*v[0] + m[1]*v[1], m[2]*v[0] + m[3]*v[1]}
	}
	A := [4]float64{0.5, -1.2, 0.3, 2}
	sym := [4]float64{1, -0.9, -0.9, 4}                                                // A + Aᵀ
	ata := [4]float64{0.5*0.5 + 0.3*0.3, 0.5*-1.2 + 0.3*2, -1.2*0.5 + 2*0.3, 1.44 + 4} // AᵀA
	for _, c := range []struct {
		name  string
		eq    EquilibriumMatching
		field func(v []float64) [2]float64
		g     func(v []float64) float64
	}{
		{"implicit", EquilibriumMatching{TrainEps: 0.1}, func(v []float64) [2]float64 { return at(A, v) }, nil},
		{"dot", EquilibriumMatching{Explicit: true, TrainEps: 0.1}, func(v []float64) [2]float64 { return at(sym, v) },
			func(v []float64) float64 { av := at(A, v); return v[0]*av[0] + v[1]*av[1] }},
		{"l2", EquilibriumMatching{Explicit: true, Form: L2Energy, TrainEps: 0.1}, func(v []float64) [2]float64 {
			g := at(ata, v)
			return [2]float64{-g[0], -g[1]}
		}, func(v []float64) float64 { av := at(A, v); return -0.5 * (av[0]*av[0] + av[1]*av[1]) }},
	} {
		got, err := c.eq.Loss(nil, f, x, rand.New(rand.NewPCG(9, 9)))
		if err != nil {
			t.Fatal(err)
		}
		xt, ut, ts, _, _, err := samplePairs(nil, nil, nil, x, timeDraw{eps: 0.1}, rand.New(rand.NewPCG(9, 9)))
		if err != nil {
			t.Fatal(err)
		}
		want := 0.0
		for i, tt := range ts {
			if tt < 0.1 || tt > 0.9 {
				t.Fatalf("%s: t = %g outside [0.1, 0.9]", c.name, tt)
			}
			ct := 4 * math.Min(1, (1-tt)/0.2)
			fv := c.field(xt[2*i : 2*i+2])
			for j := range 2 {
				r := fv[j] + ut[2*i+j]*ct
				want += r * r
			}
		}
		want /= float64(len(xt))
		if math.Abs(got.Item()-want) > 1e-12*math.Max(1, want) {
			t.Errorf("%s: loss %.15g, want %.15g", c.name, got.Item(), want)
		}
		if c.g == nil {
			continue
		}
		e := c.eq.Energy(tensor.NewTape(), f, x)
		for i := range 3 {
			if w := c.g(x.Data()[2*i : 2*i+2]); math.Abs(e.Data()[i]-w) > 1e-12 {
				t.Errorf("%s: energy at row %d %g, want %g", c.name, i, e.Data()[i], w)
			}
		}
	}
}

// TestEquilibriumMatchingSource: with data at 0 and a zero field, the
// target is x₀·c(t), so the loss's mean is E[c(t)²]·E[x₀²] over the
// coordinates: with the source N((3, −1), 0.5²I) and c's defaults
// (λ = 4, a = 0.8), E[c²] = 12.8 + 400·0.2³/3 and E[x₀²] = (9.25 + 1.25)/2.
// The mean of 40 losses is within 4 standard errors of that.
func TestEquilibriumMatchingSource(t *testing.T) {
	src, err := NewDiagGaussianNoise([]float64{3, -1}, []float64{0.25, 0.25})
	if err != nil {
		t.Fatal(err)
	}
	eq := EquilibriumMatching{Source: src}
	zero := linearField{tensor.Zeros(2, 2)}
	x := tensor.Zeros(256, 2)
	rng := rand.New(rand.NewPCG(10, 10))
	var s, ss float64
	const reps = 40
	for range reps {
		l, err := eq.Loss(nil, zero, x, rng)
		if err != nil {
			t.Fatal(err)
		}
		s += l.Item()
		ss += l.Item() * l.Item()
	}
	mean := s / reps
	se := math.Sqrt((ss/reps - mean*mean) / (reps - 1))
	want := (12.8 + 400*0.008/3) * (9.25 + 1.25) / 2
	if math.Abs(mean-want) > 4*se {
		t.Errorf("loss %.4f ± %.4f, want %.4f", mean, se, want)
	}
	if _, err := (EquilibriumMatching{Source: src}).Loss(nil, linearField{tensor.Zeros(3, 3)}, tensor.Zeros(4, 3), rng); err == nil {
		t.Error("a 2-d source for 3-d data: no error")
	}
}
