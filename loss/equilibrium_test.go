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
	for name, eq := range map[string]EquilibriumMatching{"implicit": {}, "explicit": {Explicit: true}, "timed": {TimeConditioned: true}} {
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
