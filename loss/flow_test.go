package loss

import (
	"context"
	"github.com/goebm/goebm/flow"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// TestFlowMatchingLearnsGaussian trains a TimeMLP by flow matching on
// N(μ, diag(s²)) data, with independent and with exact-OT pairs, then
// generates with flow.Generator: the samples' means and sds within 10%
// (of the sd) of the data's.
func TestFlowMatchingLearnsGaussian(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a flow; -short skips it")
	}
	mu, sd := []float64{2, -1}, []float64{0.6, 0.3}
	rng := rand.New(rand.NewPCG(1, 1))
	data := diagGaussianData(rng, 4000, mu, sd)
	for name, cp := range map[string]coupling.Coupling{"independent": coupling.Independent{}, "exact-ot": coupling.ExactOT{}} {
		net, err := nn.NewTimeMLP(rand.New(rand.NewPCG(2, 2)), 2, 4, []int{64, 64}, 2, nn.SiLU())
		if err != nil {
			t.Fatal(err)
		}
		params := nn.Values(net.Params())
		const steps = 1500
		opt := &optim.Adam{Schedule: schedule.Cosine{Start: 3e-3, End: 1e-4, Steps: steps}}
		fm := FlowMatching{Coupling: cp}
		tp := tensor.NewTape()
		for s := range steps {
			batch := (*tensor.Tape)(nil).GatherRows(data, rng.Perm(4000)[:128])
			l, err := fm.Loss(tp, net, batch, rng)
			if err != nil {
				t.Fatal(err)
			}
			g := tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{})
			if err := opt.Step(params, g); err != nil {
				t.Fatalf("step %d: %v", s, err)
			}
			tp.Reset()
		}
		x, _, err := flow.Generator{Velocity: flow.VelocityOf(net, 2), Steps: 30}.Generate(context.Background(), 4000, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			m, v := 0.0, 0.0
			for i := range 4000 {
				m += x[2*i+j] / 4000
			}
			for i := range 4000 {
				v += (x[2*i+j] - m) * (x[2*i+j] - m) / 3999
			}
			if math.Abs(m-mu[j]) > 0.1*sd[j]+0.03 || math.Abs(math.Sqrt(v)-sd[j]) > 0.1*sd[j]+0.02 {
				t.Errorf("%s: coordinate %d: mean %.3f sd %.3f, want %g and %g", name, j, m, math.Sqrt(v), mu[j], sd[j])
			}
		}
	}
}

// TestTimeMLPGradients: first and second derivatives with respect to x, t
// and the parameters, against central differences.
func TestTimeMLPGradients(t *testing.T) {
	net, _ := nn.NewTimeMLP(rand.New(rand.NewPCG(3, 3)), 2, 3, []int{6}, 2, nn.SiLU())
	rng := rand.New(rand.NewPCG(4, 4))
	x, ts := tensor.Randn(rng, 4, 2), tensor.Uniform(rng, 0, 1, 4, 1)
	inputs := append([]*tensor.Tensor{x, ts}, nn.Values(net.Params())...)
	f := func(tp *tensor.Tape, xs []*tensor.Tensor) *tensor.Tensor { return net.ForwardT(tp, xs[0], xs[1]) }
	for _, order := range []int{1, 2} {
		if err := tensor.CheckGrad(f, inputs, tensor.CheckOptions{Order: order}); err != nil {
			t.Errorf("order %d: %v", order, err)
		}
	}
}
