package loss

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// TestEnergyMatchingGradients checks the parameter gradient of the flow term
// (second order: it differentiates ∇ₓV) and of the whole loss. With one
// Langevin step of size 1e-12 the negatives barely move, so their stop-grad
// is invisible to finite differences; the trim and the missing floor make
// every part of the contrastive term count.
func TestEnergyMatchingGradients(t *testing.T) {
	net, _ := nn.NewMLP(rand.New(rand.NewPCG(3, 3)), []int{2, 5, 1}, nn.SiLU(), nil)
	x := tensor.Randn(rand.New(rand.NewPCG(4, 4)), 6, 2)
	for name, em := range map[string]*EnergyMatching{
		"flow":    {LambdaCD: -1},
		"flow+cd": {LangevinSteps: 1, LangevinStep: 1e-12, TrimFraction: 0.34, Clamp: -1},
		"no-gate": {LambdaCD: -1, FlowCutoff: 1, Sigma: -1},
	} {
		f := func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
			v, err := em.Loss(tp, net, x, rand.New(rand.NewPCG(5, 5)))
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

// TestEnergyMatchingPhases checks that the contrastive term is off during
// the warm-up (the loss is the flow term, drawn the same way) and on after.
func TestEnergyMatchingPhases(t *testing.T) {
	net, _ := nn.NewMLP(rand.New(rand.NewPCG(3, 3)), []int{2, 8, 1}, nn.SiLU(), nil)
	x := tensor.Randn(rand.New(rand.NewPCG(4, 4)), 16, 2)
	at := func(em EnergyMatching, step int) float64 {
		l, st := em.Start()
		if err := st.Restore([]nn.Param{{Name: "steps", Value: tensor.New([]float64{float64(step)}, 1)}}); err != nil {
			t.Fatal(err)
		}
		v, err := l.Loss(nil, net, x, rand.New(rand.NewPCG(5, 5)))
		if err != nil {
			t.Fatal(err)
		}
		return v.Item()
	}
	flow := at(EnergyMatching{LambdaCD: -1}, 0)
	em := EnergyMatching{CDWarmup: 10, LangevinSteps: 5, Clamp: -1}
	if got := at(em, 9); got != flow {
		t.Errorf("in the warm-up the loss is %g; want the flow term %g", got, flow)
	}
	if got := at(em, 10); got == flow {
		t.Errorf("after the warm-up the loss is still the flow term %g", got)
	}
}

func TestTrimmedMean(t *testing.T) {
	v := []float64{5, -1, 3, 9, 0, 2, 7, 4, 8, 6}
	for _, trim := range []float64{0, 0.1, 0.25, 0.5, 0.95} {
		s := slices.Clone(v)
		slices.Sort(s)
		k := int(trim * float64(len(v)))
		want := 0.0
		for _, x := range s[:len(v)-k] {
			want += x
		}
		want /= float64(len(v) - k)
		if got := trimmedMean(nil, tensor.New(slices.Clone(v), len(v)), trim).Item(); math.Abs(got-want) > 1e-12 {
			t.Errorf("trim %g: %g, want %g", trim, got, want)
		}
	}
}

func TestSweep(t *testing.T) {
	s := Sweep(0.15, 0.8, 200)
	for _, c := range []struct {
		step int
		want float64
	}{{0, 0}, {160, 0}, {180, 0.075}, {200, 0.15}, {300, 0.15}} {
		if got := s.At(c.step); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("ε at step %d = %g; want %g", c.step, got, c.want)
		}
	}
}

// TestEnergyMatchingLearnsGaussian trains a potential on N(μ, diag(s²)) in
// two phases and checks the moments of its Boltzmann density exp(−V/ε_max),
// computed by quadrature on a grid.
func TestEnergyMatchingLearnsGaussian(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a potential")
	}
	mu, sd := []float64{1, -0.5}, []float64{0.3, 0.5}
	rng := rand.New(rand.NewPCG(7, 7))
	data := diagGaussianData(rng, 2000, mu, sd)
	net, _ := nn.NewMLP(rand.New(rand.NewPCG(8, 8)), []int{2, 64, 64, 1}, nn.SiLU(), nil)
	params := nn.Values(net.Params())
	const steps, warm, batch = 2000, 1000, 128
	em, _ := EnergyMatching{CDWarmup: warm}.Start()
	opt := &optim.Adam{Schedule: schedule.Cosine{Start: 2e-3, End: 1e-4, Steps: steps}}
	tp := tensor.NewTape()
	for range steps {
		b := tensor.Zeros(batch, 2)
		for i := range batch {
			j := rng.IntN(2000)
			copy(b.Data()[2*i:2*i+2], data.Data()[2*j:2*j+2])
		}
		l, err := em.Loss(tp, net, b, rng)
		if err != nil {
			t.Fatal(err)
		}
		g := tp.Grad([]*tensor.Tensor{l}, params, tensor.GradOptions{})
		optim.ClipGradNorm(g, 10)
		if err := opt.Step(params, g); err != nil {
			t.Fatal(err)
		}
		tp.Reset()
	}
	m, _ := energy.NewModel(net, 2)
	// Generate as TorchEBM does: one noise-started chain through the sweep.
	gen := sampler.Langevin{StepSize: schedule.Constant(0.01), Temperature: Sweep(0.15, 0.8, 200)}
	r, err := gen.Sample(context.Background(), m, sampler.Options{Chains: 4000, Dim: 2, Steps: 200, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	var z, m1, m2 [2]float64
	for i := range 4000 {
		for j := range 2 {
			v := r.Final[2*i+j]
			z[j]++
			m1[j] += v
			m2[j] += v * v
		}
	}
	for j := range 2 {
		mean := m1[j] / z[j]
		s := math.Sqrt(m2[j]/z[j] - mean*mean)
		t.Logf("axis %d: mean %.3f (want %.3f), sd %.3f (want %.3f)", j, mean, mu[j], s, sd[j])
		if math.Abs(mean-mu[j]) > 0.1 || math.Abs(s/sd[j]-1) > 0.25 {
			t.Errorf("axis %d: exp(−V/ε) has mean %.3f and sd %.3f; want %.3f and %.3f", j, mean, s, mu[j], sd[j])
		}
	}
}

// TestEnergyMatchingPairWeights: the flow term is linear in the pairs'
// weights over their mean, so the mean of the losses with each pair alone
// weighted (one-hot weights) is the loss with all weighted alike, to 1e-12,
// and the one-hot losses differ (the weights are not ignored).
func TestEnergyMatchingPairWeights(t *testing.T) {
	net, _ := nn.NewMLP(rand.New(rand.NewPCG(3, 3)), []int{2, 5, 1}, nn.SiLU(), nil)
	x := tensor.Randn(rand.New(rand.NewPCG(4, 4)), 6, 2)
	loss := func(w fixedWeights) float64 {
		em := &EnergyMatching{LambdaCD: -1, Coupling: w}
		v, err := em.Loss(nil, net, x, rand.New(rand.NewPCG(5, 5)))
		if err != nil {
			t.Fatal(err)
		}
		return v.Item()
	}
	mean, lo, hi := 0.0, math.Inf(1), 0.0
	for k := range 6 {
		w := make(fixedWeights, 6)
		w[k] = 1
		l := loss(w)
		mean += l / 6
		lo, hi = math.Min(lo, l), math.Max(hi, l)
	}
	if all := loss(fixedWeights{2, 2, 2, 2, 2, 2}); math.Abs(mean-all) > 1e-12*all || !(hi > 1.5*lo) {
		t.Errorf("mean of one-hot weighted losses %.15g (from %g to %g), all weighted alike %.15g", mean, lo, hi, all)
	}
}
