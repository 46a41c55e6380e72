package loss

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// quadratic is E(x) = ½xᵀWx; its score is ½(W + Wᵀ)x.
type quadratic struct{ W *tensor.Tensor }

func (q quadratic) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	e := tp.Scale(tp.SumAxis(tp.Mul(tp.MatMul(x, q.W), x), 1), 0.5)
	return tp.Reshape(e, x.Dim(0), 1)
}

func (q quadratic) Params() []nn.Param { return []nn.Param{{Name: "W", Value: q.W}} }

func rngOf(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// gaussianData draws n points of N(0, S) for S = LLᵀ, L lower-triangular.
func gaussianData(rng *rand.Rand, n int, l [2][2]float64) *tensor.Tensor {
	x := tensor.Zeros(n, 2)
	for i := range n {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		x.Data()[2*i] = l[0][0] * a
		x.Data()[2*i+1] = l[1][0]*a + l[1][1]*b
	}
	return x
}

// exactSM is ½ mean‖Px‖² − tr P for symmetric P.
func exactSM(p []float64, x *tensor.Tensor) float64 {
	d := x.Dim(1)
	n := x.Dim(0)
	s := 0.0
	for i := range n {
		for r := range d {
			v := 0.0
			for c := range d {
				v += p[r*d+c] * x.Data()[i*d+c]
			}
			s += 0.5 * v * v / float64(n)
		}
	}
	for r := range d {
		s -= p[r*d+r]
	}
	return s
}

func lossValue(t *testing.T, l EnergyLoss, net nn.Module, x *tensor.Tensor, seed uint64) float64 {
	t.Helper()
	v, err := l.Loss(tensor.NewTape(), net, x, rngOf(seed))
	if err != nil {
		t.Fatal(err)
	}
	return v.Item()
}

func TestScoreMatchingValues(t *testing.T) {
	x := gaussianData(rngOf(1), 64, [2][2]float64{{1, 0}, {0.5, 0.8}})
	diag := []float64{1.5, 0, 0, 0.7}
	sym := []float64{1.5, 0.4, 0.4, 0.7}
	// Exact trace: the closed form, for both.
	for _, p := range [][]float64{diag, sym} {
		got := lossValue(t, ScoreMatching{}, quadratic{tensor.New(append([]float64(nil), p...), 2, 2)}, x, 1)
		if want := exactSM(p, x); math.Abs(got-want) > 1e-12 {
			t.Errorf("exact SM %v: %.15g, want %.15g", p, got, want)
		}
	}
	// With diagonal P, Rademacher probes give vᵀPv = tr P exactly, and
	// central differences of a linear score are exact.
	q := quadratic{tensor.New(append([]float64(nil), diag...), 2, 2)}
	want := exactSM(diag, x)
	for name, l := range map[string]EnergyLoss{
		"hutchinson":        ScoreMatching{Method: Hutchinson, Probes: 3},
		"finite difference": ScoreMatching{Method: FiniteDifference, Probes: 2},
	} {
		if got := lossValue(t, l, q, x, 2); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s on diagonal P: %.12g, want %.12g", name, got, want)
		}
	}
	// With off-diagonal P, the estimators average to the exact value: the
	// Rademacher estimate of tr P has variance 2Σᵢ≠ⱼPᵢⱼ² per probe and row.
	qs := quadratic{tensor.New(append([]float64(nil), sym...), 2, 2)}
	wantS := exactSM(sym, x)
	const reps, probes = 200, 4
	se := math.Sqrt(2 * 2 * 0.4 * 0.4 / float64(reps*probes*64))
	for name, l := range map[string]EnergyLoss{
		"hutchinson":        ScoreMatching{Method: Hutchinson, Probes: probes},
		"finite difference": ScoreMatching{Method: FiniteDifference, Probes: probes},
	} {
		m := 0.0
		for r := range reps {
			m += lossValue(t, l, qs, x, uint64(10+r)) / reps
		}
		if math.Abs(m-wantS) > 5*se {
			t.Errorf("%s on symmetric P: mean %.6f, want %.6f ± %.6f", name, m, wantS, 5*se)
		}
	}
	// Sliced SM with Gaussian projections: E[½(vᵀPx)² − vᵀPv] = ½‖Px‖² − tr P.
	m := 0.0
	for r := range reps {
		m += lossValue(t, SlicedScoreMatching{Projections: probes, ProbeType: Gaussian}, qs, x, uint64(500+r)) / reps
	}
	if math.Abs(m-wantS) > 0.03*math.Abs(wantS)+0.02 {
		t.Errorf("sliced SM: mean %.4f, want %.4f", m, wantS)
	}
}

// TestParameterGradients checks each loss's ∇θ (second order through the
// score) against finite differences, with a fixed random stream per call.
func TestParameterGradients(t *testing.T) {
	x := gaussianData(rngOf(3), 16, [2][2]float64{{1, 0}, {0.3, 0.9}})
	net := func(xs []*tensor.Tensor) nn.Module {
		m, _ := nn.NewMLP(rngOf(4), []int{2, 5, 1}, nn.SiLU(), nil)
		// Use the checked tensors as the MLP's parameters.
		for i, p := range m.Params() {
			copy(p.Value.Data(), xs[i].Data())
			xs[i] = p.Value
		}
		return m
	}
	m0, _ := nn.NewMLP(rngOf(4), []int{2, 5, 1}, nn.SiLU(), nil)
	for name, l := range map[string]EnergyLoss{
		"exact":       ScoreMatching{},
		"hutchinson":  ScoreMatching{Method: Hutchinson, Probes: 2},
		"fd":          ScoreMatching{Method: FiniteDifference, Probes: 2},
		"sliced":      SlicedScoreMatching{Projections: 2},
		"dsm":         DenoisingScoreMatching{Sigma: 0.3},
		"dsm-ladder":  DenoisingScoreMatching{NumScales: 4, SigmaMin: 0.1, SigmaMax: 1},
		"sm-penalty":  ScoreMatching{Penalty: 0.7},
		"ssm-penalty": SlicedScoreMatching{Projections: 2, Penalty: 0.7},
		"dsm-penalty": DenoisingScoreMatching{Sigma: 0.3, Penalty: 0.7},
		// CD's gradient treats the negatives as constants (no gradient
		// through the sampler), so the check holds them still: a step of
		// 1e-12 leaves them independent of θ to rounding.
		"cd":    &ContrastiveDivergence{K: 3, RegWeight: 0.1, Sampler: sampler.Langevin{StepSize: schedule.Constant(1e-12)}},
		"nce":   NCE{NoiseStd: 1.5, Ratio: 2},
		"ed":    EnergyDiscrepancy{T: 0.5, M: 3},
		"ed-w":  EnergyDiscrepancy{M: 2, W: 0.3},
		"ed-w0": EnergyDiscrepancy{W: -1},
		// FCE with its flow fixed: a flow step would move the draws
		// between the recorded call and the differences.
		"fce": FCE{Flow: mustFlow(t, []float64{0.1, 0}, []float64{1.5, 0.3, 0.3, 1}), FlowLR: -1},
	} {
		xs := nn.Values(m0.Params())
		for i := range xs {
			xs[i] = xs[i].Clone()
		}
		m := net(xs)
		f := func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
			v, err := l.Loss(tp, m, x, rngOf(7))
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

// train runs Adam on a loss for a quadratic model started at the identity
// and returns the symmetric part of W.
func train(t *testing.T, l EnergyLoss, x *tensor.Tensor, steps int, extra []*tensor.Tensor) []float64 {
	t.Helper()
	q := quadratic{tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
	fit(t, l, q, x, append([]*tensor.Tensor{q.W}, extra...), steps)
	w := q.W.Data()
	return []float64{w[0], (w[1] + w[2]) / 2, (w[1] + w[2]) / 2, w[3]}
}

// fit runs steps of Adam (cosine rate from 0.05 to 0.001) on the loss of
// net on x over params.
func fit(t *testing.T, l EnergyLoss, net nn.Module, x *tensor.Tensor, params []*tensor.Tensor, steps int) {
	t.Helper()
	opt := &optim.Adam{Schedule: schedule.Cosine{Start: 0.05, End: 0.001, Steps: steps}}
	rng := rngOf(11)
	tp := tensor.NewTape()
	for range steps {
		v, err := l.Loss(tp, net, x, rng)
		if err != nil {
			t.Fatal(err)
		}
		g := tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{})
		if err := opt.Step(params, g); err != nil {
			t.Fatal(err)
		}
		tp.Reset()
	}
}

// inv2 inverts a 2×2 matrix.
func inv2(m []float64) []float64 {
	det := m[0]*m[3] - m[1]*m[2]
	return []float64{m[3] / det, -m[1] / det, -m[2] / det, m[0] / det}
}

// secondMoment returns mean xxᵀ, the covariance of zero-mean data.
func secondMoment(x *tensor.Tensor) []float64 {
	n := x.Dim(0)
	s := make([]float64, 4)
	for i := range n {
		a, b := x.Data()[2*i], x.Data()[2*i+1]
		s[0] += a * a / float64(n)
		s[1] += a * b / float64(n)
		s[3] += b * b / float64(n)
	}
	s[2] = s[1]
	return s
}

func close(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Errorf("%s: P = %.4f, want %.4f (tolerance %g)", name, got, want, tol)
			return
		}
	}
}

// TestOptima trains a quadratic energy on Gaussian data with each loss and
// compares with the closed-form optimum.
func TestOptima(t *testing.T) {
	if testing.Short() {
		t.Skip("trains to convergence; -short (the race-detector pass) skips it")
	}
	x := gaussianData(rngOf(5), 2000, [2][2]float64{{1.2, 0}, {0.6, 0.7}})
	s := secondMoment(x)
	// Score matching's empirical optimum is exactly the inverse of the
	// sample second moment.
	close(t, "score matching", train(t, ScoreMatching{}, x, 1500, nil), inv2(s), 0.01)
	// Denoising score matching: (S + σ²I)⁻¹, within the noise of the
	// stochastic objective.
	const sigma = 0.5
	sn := []float64{s[0] + sigma*sigma, s[1], s[2], s[3] + sigma*sigma}
	close(t, "denoising", train(t, DenoisingScoreMatching{Sigma: sigma}, x, 3000, nil), inv2(sn), 0.05)
	// NCE recovers P = S⁻¹ and log Z = log 2π + ½ log|S|.
	nce, st := NCE{NoiseStd: 1.5, Ratio: 4}.Start()
	logZ := st.Params()[0].Value
	p := train(t, nce, x, 3000, []*tensor.Tensor{logZ})
	close(t, "NCE", p, inv2(s), 0.1)
	wantZ := math.Log(2*math.Pi) + 0.5*math.Log(s[0]*s[3]-s[1]*s[2])
	if math.Abs(logZ.Item()-wantZ) > 0.1 {
		t.Errorf("NCE log Z = %.3f, want %.3f", logZ.Item(), wantZ)
	}
}

// TestContrastiveDivergenceOptimum: persistent CD with Langevin negatives
// trains a quadratic energy to S⁻¹ (within Langevin's O(η) bias and the
// noise of the negatives).
func TestContrastiveDivergenceOptimum(t *testing.T) {
	if testing.Short() {
		t.Skip("trains to convergence; -short (the race-detector pass) skips it")
	}
	x := gaussianData(rngOf(6), 2000, [2][2]float64{{1.2, 0}, {0.6, 0.7}})
	s := secondMoment(x)
	cd, st := ContrastiveDivergence{Persistent: true, BufferSize: 2000, K: 20, RegWeight: -1, InitSteps: 200}.Start()
	close(t, "persistent CD", train(t, cd, x, 1500, nil), inv2(s), 0.12)
	if b := st.Save(); len(b) != 1 || b[0].Value.Len() != 2000*2 {
		t.Fatalf("state %v, want a buffer of 2000 × 2", b)
	}
}

func TestBadInput(t *testing.T) {
	q := quadratic{tensor.New([]float64{1, 0, 0, 1}, 2, 2)}
	x := tensor.Zeros(4, 2)
	wrong, _ := nn.NewMLP(rngOf(1), []int{3, 4, 1}, nn.SiLU(), nil)
	twoOut, _ := nn.NewMLP(rngOf(1), []int{2, 4, 2}, nn.SiLU(), nil)
	for name, c := range map[string]struct {
		l   EnergyLoss
		net nn.Module
		x   *tensor.Tensor
	}{
		"empty batch":    {ScoreMatching{}, q, tensor.Zeros(0, 2)},
		"rank-1 batch":   {ScoreMatching{}, q, tensor.Zeros(4)},
		"input mismatch": {SlicedScoreMatching{}, wrong, x},
		"two outputs":    {DenoisingScoreMatching{}, twoOut, x},
		"negative sigma": {DenoisingScoreMatching{Sigma: -1}, q, x},
		"bad ladder":     {DenoisingScoreMatching{NumScales: 3, SigmaMin: 1, SigmaMax: 0.5}, q, x},
		"bad method":     {ScoreMatching{Method: 9}, q, x},
		"bad ratio":      {&ContrastiveDivergence{NewSampleRatio: 2}, q, x},
		"nce noise mean": {NCE{NoiseMean: []float64{0}}, q, x},
		"sm penalty":     {ScoreMatching{Penalty: -1}, q, x},
		"ssm penalty":    {SlicedScoreMatching{Penalty: math.NaN()}, q, x},
		"dsm penalty":    {DenoisingScoreMatching{Penalty: math.Inf(1)}, q, x},
	} {
		if _, err := c.l.Loss(tensor.NewTape(), c.net, c.x, rngOf(1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// diagGaussianData draws n points of N(μ, diag(sd²)).
func diagGaussianData(rng *rand.Rand, n int, mu, sd []float64) *tensor.Tensor {
	d := len(mu)
	x := tensor.Zeros(n, d)
	for i := range n {
		for j := range d {
			x.Data()[d*i+j] = mu[j] + sd[j]*rng.NormFloat64()
		}
	}
	return x
}

// TestFiniteDifferenceStacked: the finite-difference trace takes its
// scores from one pass over x and x ± εv stacked when the network's rows
// do not meet, and from a pass per set when they may (nn.Coupled); both
// give the same loss and ∇θ, to rounding (the stacked products sum θ's
// gradient over more rows in one block).
func TestFiniteDifferenceStacked(t *testing.T) {
	x := gaussianData(rngOf(5), 24, [2][2]float64{{1, 0}, {0.4, 0.7}})
	mlp, err := nn.NewMLP(rngOf(6), []int{2, 8, 8, 1}, nn.SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// An evaluation-mode Dropout is the identity, but a Trainer.
	coupled := &nn.Sequential{Layers: append(append([]nn.Module(nil), mlp.Layers...), &nn.Dropout{P: 0.5})}
	if nn.Coupled(mlp) || !nn.Coupled(coupled) {
		t.Fatalf("Coupled: MLP %v, with a Dropout %v; want false, true", nn.Coupled(mlp), nn.Coupled(coupled))
	}
	params := nn.Values(mlp.Params())
	for _, probes := range []int{1, 3} {
		l := ScoreMatching{Method: FiniteDifference, Probes: probes, Penalty: 0.2}
		grad := func(net nn.Module) (float64, []float64) {
			tp := tensor.NewTape()
			v, err := l.Loss(tp, net, x, rngOf(7))
			if err != nil {
				t.Fatal(err)
			}
			var flat []float64
			for _, g := range tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{}) {
				flat = append(flat, g.Data()...)
			}
			return v.Item(), flat
		}
		v1, g1 := grad(mlp)
		v2, g2 := grad(coupled)
		const tol = 1e-10 // relative; the two orders of summation differ in the last bits
		if math.Abs(v1-v2) > tol*math.Abs(v2) {
			t.Errorf("%d probes: stacked loss %.15g, per set %.15g", probes, v1, v2)
		}
		for i := range g1 {
			if math.Abs(g1[i]-g2[i]) > tol*(1+math.Abs(g2[i])) {
				t.Errorf("%d probes: ∇θ[%d] stacked %.15g, per set %.15g", probes, i, g1[i], g2[i])
				break
			}
		}
	}
}
