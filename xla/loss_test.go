package xla

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/normal"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
	"github.com/gomlx/gomlx/core/tensors"
)

// goebmLoss returns goebm's loss of net on x and its parameter gradients.
func goebmLoss[N nn.Module](t *testing.T, l loss.Loss[N], net N, x *tensor.Tensor, rng *rand.Rand) (float64, [][]float64) {
	t.Helper()
	tp := tensor.NewTape()
	v, err := l.Loss(tp, net, x, rng)
	if err != nil {
		t.Fatal(err)
	}
	gs := tp.Grad([]*tensor.Tensor{v}, nn.Values(net.Params()), tensor.GradOptions{})
	out := make([][]float64, len(gs))
	for i, g := range gs {
		out[i] = g.Data()
	}
	return v.Data()[0], out
}

// checkGrads checks a Grads evaluation against goebm's value and gradients.
func checkGrads(t *testing.T, name string, g *Grads, want float64, wantG [][]float64, in ...*tensors.Tensor) {
	t.Helper()
	v, gs, err := g.Eval(in...)
	if err != nil {
		t.Fatal(err)
	}
	near(t, name+" loss", []float64{v}, []float64{want}, float32Tol)
	for i := range gs {
		near(t, name+" gradient", Float64s(gs[i]), wantG[i], float32Tol)
	}
}

// testMLP returns a goebm energy MLP d → 16 → 16 → 1 (SiLU), its xla copy
// and a batch of n points.
func testMLP(t *testing.T, seed uint64, n, d int) (*nn.Sequential, *MLP, []float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	net, err := nn.NewMLP(rng, []int{d, 16, 16, 1}, nn.SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromMLP(net)
	if err != nil {
		t.Fatal(err)
	}
	return net, m, randn(rng, n*d)
}

// dsmNoise draws n standard normals as goebm's denoising losses do: from a
// bulk normal stream seeded by rng.
func dsmNoise(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	normal.New(rng).Fill(v)
	return v
}

// TestDSMMatchesGoebm checks DSM's value and parameter gradient against
// goebm's, given the noise goebm draws (n·d normals from dsmNoise).
func TestDSMMatchesGoebm(t *testing.T) {
	const n, d, sigma = 32, 3, 0.1
	net, m, x := testMLP(t, 1, n, d)
	want, wantG := goebmLoss(t, loss.DenoisingScoreMatching{Sigma: sigma}, nn.Module(net), tensor.New(x, n, d), rand.New(rand.NewPCG(9, 9)))
	eps := dsmNoise(rand.New(rand.NewPCG(9, 9)), n*d)
	g, err := NewGrads(testBackend(t), DSM{Sigma: sigma}, m)
	if err != nil {
		t.Fatal(err)
	}
	checkGrads(t, "DSM", g, want, wantG, Tensor(x, n, d), Tensor(eps, n, d))
}

// TestSSMMatchesGoebm checks SSM with two Gaussian probes against goebm's
// (its probes are n·d normals per projection, drawn after the score).
func TestSSMMatchesGoebm(t *testing.T) {
	const n, d, k = 32, 3, 2
	net, m, x := testMLP(t, 2, n, d)
	want, wantG := goebmLoss(t, loss.SlicedScoreMatching{Projections: k, ProbeType: loss.Gaussian}, nn.Module(net), tensor.New(x, n, d), rand.New(rand.NewPCG(8, 8)))
	v := randn(rand.New(rand.NewPCG(8, 8)), k*n*d)
	g, err := NewGrads(testBackend(t), SSM{}, m)
	if err != nil {
		t.Fatal(err)
	}
	checkGrads(t, "SSM", g, want, wantG, Tensor(x, n, d), Tensor(v, k, n, d))
}

// fixedSampler returns the same negatives whatever it is asked: goebm's CD
// with the negatives of the test.
type fixedSampler struct{ neg []float64 }

func (f fixedSampler) Sample(_ context.Context, _ energy.Energy, o sampler.Options) (*sampler.Result, error) {
	return &sampler.Result{Dim: o.Dim, Chains: len(f.neg) / o.Dim, Final: f.neg}, nil
}

// TestCDMatchesGoebm checks CD with its α term against goebm's on the same
// negatives.
func TestCDMatchesGoebm(t *testing.T) {
	const n, d = 32, 3
	net, m, x := testMLP(t, 3, n, d)
	neg := randn(rand.New(rand.NewPCG(4, 4)), n*d)
	cd := loss.ContrastiveDivergence{K: 1, FromData: true, Sampler: fixedSampler{neg}, RegWeight: 0.1}
	want, wantG := goebmLoss(t, loss.EnergyLoss(cd), nn.Module(net), tensor.New(x, n, d), rand.New(rand.NewPCG(1, 1)))
	g, err := NewGrads(testBackend(t), CD{RegWeight: 0.1}, m)
	if err != nil {
		t.Fatal(err)
	}
	checkGrads(t, "CD", g, want, wantG, Tensor(x, n, d), Tensor(neg, n, d))
}

// TestFlowMatchingMatchesGoebm checks flow matching of a TimeMLP against
// goebm's, given its draws: n·d noise normals, then n uniform times.
func TestFlowMatchingMatchesGoebm(t *testing.T) {
	const n, d = 32, 2
	rng := rand.New(rand.NewPCG(6, 6))
	net, err := nn.NewTimeMLP(rng, d, 3, []int{16, 16}, d, nn.SiLU())
	if err != nil {
		t.Fatal(err)
	}
	x := randn(rng, n*d)
	want, wantG := goebmLoss(t, loss.TimeLoss(loss.FlowMatching{}), nn.TimeModule(net), tensor.New(x, n, d), rand.New(rand.NewPCG(5, 5)))
	draws := rand.New(rand.NewPCG(5, 5))
	x0, ts := randn(draws, n*d), make([]float64, n)
	for i := range ts {
		ts[i] = draws.Float64()
	}
	m, err := FromTimeMLP(net, d)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGrads(testBackend(t), FlowMatching{}, m)
	if err != nil {
		t.Fatal(err)
	}
	checkGrads(t, "flow matching", g, want, wantG, Tensor(x, n, d), Tensor(x0, n, d), Tensor(ts, n, 1))
	if _, _, err := g.Eval(Tensor(x, n, d)); !errors.Is(err, ErrInvalid) {
		t.Errorf("one input for three: %v, want ErrInvalid", err)
	}
}

// TestDSMTrainingMatchesGoebm runs 20 Adam steps of DSM on a small MLP in
// both engines, with a cosine learning rate and gradients clipped to norm 0.6
// (which clips about half the steps), the noise of each step the same, and checks the
// loss at every step and the final parameters within float32Tol.
func TestDSMTrainingMatchesGoebm(t *testing.T) {
	const n, d, sigma, lr, steps, clipNorm = 64, 2, 0.1, 1e-2, 20, 0.6
	net, m, x := testMLP(t, 4, n, d)
	xt := tensor.New(x, n, d)
	sched := schedule.Cosine{Start: lr, End: lr / 50, Steps: steps}
	opt := &optim.Adam{Schedule: sched}
	l := loss.DenoisingScoreMatching{Sigma: sigma}
	rngGo := rand.New(rand.NewPCG(2, 2))
	tr, err := NewTrainer(testBackend(t), DSM{Sigma: sigma}, m, Adam{Schedule: sched, ClipNorm: clipNorm})
	if err != nil {
		t.Fatal(err)
	}
	draws := rand.New(rand.NewPCG(2, 2))
	want, got := make([]float64, steps), make([]float64, steps)
	clipped := 0
	for s := range steps {
		tp := tensor.NewTape()
		v, err := l.Loss(tp, net, xt, rngGo)
		if err != nil {
			t.Fatal(err)
		}
		ps := nn.Values(net.Params())
		gs := tp.Grad([]*tensor.Tensor{v}, ps, tensor.GradOptions{})
		if optim.ClipGradNorm(gs, clipNorm) > clipNorm {
			clipped++
		}
		if err := opt.Step(ps, gs); err != nil {
			t.Fatal(err)
		}
		want[s] = v.Data()[0]
		if got[s], err = tr.Step(Tensor(x, n, d), Tensor(dsmNoise(draws, n*d), n, d)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("DSM loss: step 1 %.5g → step %d %.5g (goebm %.5g → %.5g); %d steps clipped", got[0], steps, got[steps-1], want[0], want[steps-1], clipped)
	if clipped == 0 || clipped == steps {
		t.Errorf("%d of %d steps clipped: the test needs both", clipped, steps)
	}
	near(t, "loss trajectory", got, want, float32Tol)
	for i, p := range net.Params() {
		near(t, "trained "+p.Name, Float64s(m.Params()[i]), p.Value.Data(), float32Tol)
	}
	if want[steps-1] >= want[0] {
		t.Errorf("DSM did not decrease in %d steps: %.5g → %.5g", steps, want[0], want[steps-1])
	}
}
