package loss

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// exactGauss is the exact network of kind k for N(μ, s²I) data (independent
// pairs) on a path: the score −r/V or the noise σr/V, r = x − αμ,
// V = α²s² + σ²; scale multiplies it (1: exact).
type exactGauss struct {
	path  interpolant.Interpolant
	k     interpolant.Prediction
	mu, s float64
	scale float64
}

func (g exactGauss) Params() []nn.Param { return nil }
func (g exactGauss) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return g.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}
func (g exactGauss) ForwardT(_ *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	n, d := x.Dim(0), x.Dim(1)
	out := make([]float64, n*d)
	for i := range n {
		alpha, sigma, _, _ := g.path.Coefficients(t.Data()[i])
		v := alpha*alpha*g.s*g.s + sigma*sigma
		for j := range d {
			r := x.Data()[i*d+j] - alpha*g.mu
			if g.k == interpolant.Score {
				out[i*d+j] = -g.scale * r / v
			} else {
				out[i*d+j] = g.scale * sigma * r / v
			}
		}
	}
	return tensor.New(out, n, d)
}

// TestFlowMatchingPredictionOptimum: for N(μ, s²I) data and independent
// pairs, the exact noise network E[x₀ | x_t] = σr/V leaves the noise loss
// at E‖x₀ − E[x₀ | x_t]‖² = d·∫₀¹ α²s²/V dt, and the exact score −r/V the
// score loss E‖σ·s + x₀‖² at the same value; both within 5 standard errors
// of one big batch, on the linear and cosine paths, and a network 10% off
// (scale 0.9 or 1.1) does worse.
func TestFlowMatchingPredictionOptimum(t *testing.T) {
	const n, d, mu, s = 40000, 2, 1.5, 0.6
	rng := rand.New(rand.NewPCG(4, 4))
	data := diagGaussianData(rng, n, []float64{mu, mu}, []float64{s, s})
	for name, p := range map[string]interpolant.Interpolant{"linear": interpolant.Linear{}, "cosine": interpolant.Cosine{}} {
		want := 0.0 // d·∫ α²s²/V dt by the midpoint rule
		const m = 100000
		for i := range m {
			alpha, sigma, _, _ := p.Coefficients((float64(i) + 0.5) / m)
			want += d * alpha * alpha * s * s / (alpha*alpha*s*s + sigma*sigma) / m
		}
		for _, k := range []interpolant.Prediction{interpolant.Noise, interpolant.Score} {
			fm := FlowMatching{Interpolant: p, Prediction: k}
			losses := map[float64]float64{}
			for _, scale := range []float64{1, 0.9, 1.1} {
				// The same pairs and times for each scale.
				l, err := fm.Loss(tensor.NewNoGradTape(), exactGauss{path: p, k: k, mu: mu, s: s, scale: scale}, data, rand.New(rand.NewPCG(5, 5)))
				if err != nil {
					t.Fatal(err)
				}
				losses[scale] = l.Item()
			}
			// The per-row loss is a sum of d terms of at most χ²₁ size: its sd
			// is below √(2d)·max α²s²/V ≤ √(2d).
			if got := losses[1]; math.Abs(got-want) > 5*math.Sqrt(2*d)/math.Sqrt(n) {
				t.Errorf("%s, %v: loss of the exact network %.4f, want %.4f", name, k, got, want)
			}
			if losses[0.9] <= losses[1] || losses[1.1] <= losses[1] {
				t.Errorf("%s, %v: the exact network's loss %.4f is not below 0.9×'s %.4f and 1.1×'s %.4f", name, k, losses[1], losses[0.9], losses[1.1])
			}
		}
	}
	if _, err := (FlowMatching{Prediction: interpolant.Data}).Loss(tensor.NewNoGradTape(), exactGauss{path: interpolant.Linear{}, scale: 1}, data, rng); !errors.Is(err, ErrInvalid) {
		t.Errorf("data prediction: %v, want ErrInvalid", err)
	}
}

// TestFlowMatchingLearnsScore trains a TimeMLP by flow matching with score
// prediction on the VP path on N(μ, diag(s²)) data: the loss falls by
// a third or more between the first and the last 100 steps, and the
// generated points (the score converted to the velocity, RK4) have means
// and sds within 10% (of the sd) of the data's.
func TestFlowMatchingLearnsScore(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a flow; -short skips it")
	}
	mu, sd := []float64{2, -1}, []float64{0.6, 0.3}
	rng := rand.New(rand.NewPCG(1, 1))
	data := diagGaussianData(rng, 4000, mu, sd)
	net, err := nn.NewTimeMLP(rand.New(rand.NewPCG(2, 2)), 2, 4, []int{64, 64}, 2, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	params := nn.Values(net.Params())
	const steps = 1500
	opt := &optim.Adam{Schedule: schedule.Cosine{Start: 3e-3, End: 1e-4, Steps: steps}}
	fm := FlowMatching{Interpolant: interpolant.VariancePreserving{}, Prediction: interpolant.Score}
	tp := tensor.NewTape()
	var first, last float64
	for s := range steps {
		batch := (*tensor.Tape)(nil).GatherRows(data, rng.Perm(4000)[:128])
		l, err := fm.Loss(tp, net, batch, rng)
		if err != nil {
			t.Fatal(err)
		}
		if s < 100 {
			first += l.Item() / 100
		} else if s >= steps-100 {
			last += l.Item() / 100
		}
		g := tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{})
		if err := opt.Step(params, g); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		tp.Reset()
	}
	if !(last < 2*first/3) {
		t.Errorf("loss from %.4f over the first 100 steps to %.4f over the last", first, last)
	}
	gen := flow.Generator{Field: flow.VelocityOf(net, 2), Prediction: interpolant.Score, Interpolant: interpolant.VariancePreserving{}, Steps: 50}
	x, _, err := gen.Generate(context.Background(), 4000, 2, 3)
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
		t.Logf("coordinate %d: mean %.3f sd %.3f (loss %.4f → %.4f)", j, m, math.Sqrt(v), first, last)
		if math.Abs(m-mu[j]) > 0.1*sd[j]+0.03 || math.Abs(math.Sqrt(v)-sd[j]) > 0.1*sd[j]+0.02 {
			t.Errorf("coordinate %d: mean %.3f sd %.3f, want %g and %g", j, m, math.Sqrt(v), mu[j], sd[j])
		}
	}
}
