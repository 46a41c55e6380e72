package loss

import (
	"context"
	"errors"
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
		x, _, err := flow.Generator{Field: flow.VelocityOf(net, 2), Steps: 30}.Generate(context.Background(), 4000, 2, 3)
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

// fixedWeights is a Weighted coupling that pairs rows as drawn, with given
// weights.
type fixedWeights []float64

func (f fixedWeights) Pair(x0, x1 []float64, d int, rng *rand.Rand) ([]int, error) {
	idx, _, err := f.PairWeighted(x0, x1, d, rng)
	return idx, err
}

func (f fixedWeights) PairWeighted(x0, _ []float64, d int, _ *rand.Rand) ([]int, []float64, error) {
	idx := make([]int, len(x0)/d)
	for i := range idx {
		idx[i] = i
	}
	return idx, f, nil
}

// TestFlowCouplingWeightsAndReflow: a weighted coupling's pairs weigh in
// flow matching's loss as Σwᵢ‖v − uᵢ‖²/Σwᵢ (against the per-row errors at
// the same draws, to 1e-12), and in EqM's likewise over the coordinates;
// with reflow along a constant field c, every pair's velocity is c, so a
// zero network's loss is ‖c‖² exactly, and labels are refused.
func TestFlowCouplingWeightsAndReflow(t *testing.T) {
	a := tensor.New([]float64{0.5, -1.2, 0.3, 2}, 2, 2)
	net := linearField{a}
	x := tensor.Randn(rand.New(rand.NewPCG(12, 12)), 6, 2)
	w := fixedWeights{3, 0, 1, 0.5, 0, 2}
	got, err := FlowMatching{Coupling: w}.Loss(nil, net, x, rand.New(rand.NewPCG(13, 13)))
	if err != nil {
		t.Fatal(err)
	}
	gotEq, err := EquilibriumMatching{Coupling: w}.Loss(nil, net, x, rand.New(rand.NewPCG(13, 13)))
	if err != nil {
		t.Fatal(err)
	}
	xt, ut, ts, _, _, err := samplePairs(nil, w, nil, x, timeDraw{}, rand.New(rand.NewPCG(13, 13)))
	if err != nil {
		t.Fatal(err)
	}
	var want, wantEq, total float64
	for i, wi := range w {
		v := []float64{0.5*xt[2*i] - 1.2*xt[2*i+1], 0.3*xt[2*i] + 2*xt[2*i+1]}
		ct := 4 * math.Min(1, (1-ts[i])/0.2)
		for j := range 2 {
			r := v[j] - ut[2*i+j]
			want += wi * r * r
			q := v[j] + ut[2*i+j]*ct
			wantEq += wi * q * q / 2
		}
		total += wi
	}
	want, wantEq = want/total, wantEq/total
	if math.Abs(got.Item()-want) > 1e-12*want || math.Abs(gotEq.Item()-wantEq) > 1e-12*wantEq {
		t.Errorf("weighted losses: FM %.15g, want %.15g; EqM %.15g, want %.15g", got.Item(), want, gotEq.Item(), wantEq)
	}

	c := []float64{0.5, -2}
	reflow := coupling.ReflowCoupling{Velocity: func(dst []float64, _ float64, x []float64) {
		for i := range x {
			dst[i] = c[i%2]
		}
	}}
	zero := linearField{tensor.Zeros(2, 2)}
	l, err := FlowMatching{Coupling: reflow}.Loss(nil, zero, x, rand.New(rand.NewPCG(14, 14)))
	if err != nil || math.Abs(l.Item()-(c[0]*c[0]+c[1]*c[1])) > 1e-12 {
		t.Errorf("reflow: loss %v (%v), want ‖c‖² = %g", l, err, c[0]*c[0]+c[1]*c[1])
	}
	if _, err := (FlowMatching{Coupling: reflow}).LossLabels(nil, labelEcho{null: 2}, x, []int{0, 1, 0, 1, 0, 1}, rand.New(rand.NewPCG(14, 14))); !errors.Is(err, ErrInvalid) {
		t.Errorf("reflow with labels: error %v, want ErrInvalid", err)
	}
}
