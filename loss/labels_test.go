package loss

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// fixedLogits is a classifier whose logits are its parameter: one row of
// K logits shared by every input row, so that the cross-entropy has a
// closed form.
type fixedLogits struct{ f *tensor.Tensor }

func (m fixedLogits) Logits(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.Add(tp.Scale(tp.Reshape(tp.Sum(x), 1, 1), 0), tp.Reshape(m.f, 1, m.f.Len())) // [1, K] broadcast
}
func (m fixedLogits) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return nn.JEMEnergy(tp, m.Logits(tp, x))
}
func (m fixedLogits) Params() []nn.Param { return []nn.Param{{Name: "f", Value: m.f}} }
func (m fixedLogits) NumClasses() int    { return m.f.Len() }

// tinyClassifier is a ResNet classifier of 3 classes on 4×4 images.
func tinyClassifier(t *testing.T) *nn.ResNet {
	t.Helper()
	net, err := nn.NewResNetEnergy(rngOf(1), 1, 4, 4, nn.ResNetSettings{Channels: []int{3}, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestCrossEntropyClosedForm: with logits f the same for every row, the
// loss is log Σ exp f − mean f[y], to 1e-12; a label out of range, a
// missing label and a network without classes are errors, and Loss without
// labels says it needs them.
func TestCrossEntropyClosedForm(t *testing.T) {
	f := []float64{0.3, -1.2, 2}
	net := fixedLogits{f: tensor.New(slices.Clone(f), 3)}
	x := tensor.Zeros(4, 2)
	y := []int{0, 2, 2, 1}
	got, err := CrossEntropy{}.LossLabels(tensor.NewTape(), net, x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	lse := math.Log(math.Exp(f[0]) + math.Exp(f[1]) + math.Exp(f[2]))
	want := lse - (f[0]+f[2]+f[2]+f[1])/4
	if math.Abs(got.Item()-want) > 1e-12 {
		t.Errorf("cross-entropy %g, want %g", got.Item(), want)
	}
	for name, yy := range map[string][]int{"out of range": {0, 3, 1, 1}, "negative": {0, -1, 1, 1}, "short": {0, 1}} {
		if _, err := (CrossEntropy{}).LossLabels(nil, net, x, yy, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("labels %s: %v", name, err)
		}
	}
	mlp, _ := nn.NewMLP(rngOf(1), []int{2, 3, 1}, nn.SiLU(), nil)
	if _, err := (CrossEntropy{}).LossLabels(nil, mlp, x, y, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("an MLP energy as a classifier: %v", err)
	}
	if _, err := (CrossEntropy{}).Loss(nil, net, x, nil); !errors.Is(err, ErrNeedsLabels) {
		t.Errorf("without labels: %v", err)
	}
}

// TestJEMGradient checks JEM's gradient with respect to a ResNet
// classifier's parameters against central finite differences (tensor's
// CheckGrad, its first-order tolerances), for the cross-entropy alone and
// for the whole loss. The CD chains move by steps of 1e-12, so that the
// negatives, which the loss holds fixed, barely depend on the parameters
// being perturbed; each evaluation restarts JEM with the same stream.
func TestJEMGradient(t *testing.T) {
	net := tinyClassifier(t)
	rng := rngOf(2)
	x := tensor.Zeros(5, 16)
	for i := range x.Data() {
		x.Data()[i] = 2*rng.Float64() - 1
	}
	y := []int{0, 1, 2, 1, 0}
	jem := JEM{CD: ContrastiveDivergence{K: 2, Persistent: true, BufferSize: 7, InitSteps: -1,
		Sampler: sampler.Langevin{StepSize: schedule.Constant(1e-12)}}}
	params := nn.Values(net.Params())
	for name, l := range map[string]EnergyLabelLoss{"cross-entropy": CrossEntropy{}, "JEM": jem} {
		f := func(tp *tensor.Tape, _ []*tensor.Tensor) *tensor.Tensor {
			v, err := l.LossLabels(tp, net, x, y, rand.New(rand.NewPCG(5, 5)))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if err := tensor.CheckGrad(f, params, tensor.CheckOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestJEMIsCrossEntropyPlusCD: JEM's loss is the cross-entropy plus
// GenWeight times persistent CD's loss on E(x) = −logsumexp f(x), each
// computed apart with the same stream (to 1e-12), and its state is CD's
// replay buffer.
func TestJEMIsCrossEntropyPlusCD(t *testing.T) {
	net := tinyClassifier(t)
	x := tensor.Zeros(4, 16)
	for i := range x.Data() {
		x.Data()[i] = math.Sin(float64(i))
	}
	y := []int{2, 0, 1, 1}
	cd := ContrastiveDivergence{K: 3, Persistent: true, BufferSize: 6, InitSteps: 2, Sampler: sampler.Langevin{StepSize: schedule.Constant(0.01)}}
	const w = 0.25
	l, st := JEM{CD: cd, GenWeight: w}.Start()
	got, err := l.(EnergyLabelLoss).LossLabels(nil, net, x, y, rngOf(7))
	if err != nil {
		t.Fatal(err)
	}
	ce, _ := CrossEntropy{}.LossLabels(nil, net, x, y, nil)
	gen, _ := cd.Loss(nil, net, x, rngOf(7))
	if want := ce.Item() + w*gen.Item(); math.Abs(got.Item()-want) > 1e-12 {
		t.Errorf("JEM %g, want CE %g + %g·CD %g = %g", got.Item(), ce.Item(), w, gen.Item(), want)
	}
	if s := st.Save(); len(s) != 1 || s[0].Name != "buffer" || s[0].Value.Dim(0) != 6 {
		t.Errorf("JEM's state %v: want CD's buffer of 6", names(s))
	}
	if _, err := (JEM{CD: cd}).Loss(nil, net, x, nil); !errors.Is(err, ErrNeedsLabels) {
		t.Errorf("JEM without labels: %v", err)
	}
}

// labelEcho is a label-conditional velocity that outputs its label (the
// null label as −1) in every coordinate: what reaches the network.
type labelEcho struct{ null int }

func (l labelEcho) ForwardTY(tp *tensor.Tape, x, t *tensor.Tensor, y []int) *tensor.Tensor {
	out := tensor.Zeros(x.Dim(0), x.Dim(1))
	for i, v := range y {
		if v == l.null {
			v = -1
		}
		for j := range x.Dim(1) {
			out.Data()[i*x.Dim(1)+j] = float64(v)
		}
	}
	return tp.Add(tp.Scale(x, 0), out)
}
func (l labelEcho) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	return l.ForwardTY(tp, x, t, make([]int, x.Dim(0)))
}
func (l labelEcho) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return l.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}
func (labelEcho) Params() []nn.Param { return nil }
func (l labelEcho) NullLabel() int   { return l.null }

// TestFlowLabels: the labels reach a label-conditional network, following
// their rows through the coupling; LabelDrop 1 gives the loss of all-null
// labels and −1 drops none; flow matching and equilibrium matching alike.
func TestFlowLabels(t *testing.T) {
	x := tensor.New([]float64{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, 6, 2)
	y := []int{0, 1, 2, 0, 1, 2}
	net := labelEcho{null: 3}
	nulls := []int{3, 3, 3, 3, 3, 3}
	for name, mk := range map[string]func(drop float64) TimeLabelLoss{
		"fm":  func(drop float64) TimeLabelLoss { return FlowMatching{LabelDrop: drop} },
		"eqm": func(drop float64) TimeLabelLoss { return EquilibriumMatching{LabelDrop: drop} },
	} {
		all, err := mk(1).LossLabels(nil, net, x, y, rngOf(3))
		if err != nil {
			t.Fatal(err)
		}
		null, _ := mk(-1).LossLabels(nil, net, x, nulls, rngOf(3))
		kept, _ := mk(-1).LossLabels(nil, net, x, y, rngOf(3))
		if all.Item() != null.Item() || kept.Item() == null.Item() {
			t.Errorf("%s: dropping all %g, null labels %g, keeping all %g", name, all.Item(), null.Item(), kept.Item())
		}
		if _, err := mk(0).LossLabels(nil, net, x, []int{0, 1, 4, 0, 1, 2}, rngOf(3)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: label beyond the classes: %v", name, err)
		}
	}
	// With an exact-OT coupling the rows are paired anew; the label must
	// travel with its row: the echoed labels, mapped back through the
	// pairing, are the data's. Checked on dropLabels directly.
	idx := []int{5, 0, 3, 1, 4, 2}
	got := dropLabels(y, idx, 3, -1, rngOf(1))
	for i, j := range idx {
		if got[i] != y[j] {
			t.Fatalf("paired labels %v for pairing %v of %v", got, idx, y)
		}
	}
}

// TestJEMStateResumes: a JEM run saved after two steps and restored into a
// fresh run continues bit for bit: the third loss and the replay buffer
// after it are the uninterrupted run's, for the same stream. The state is
// persistent CD's buffer, and one of the wrong size is refused.
func TestJEMStateResumes(t *testing.T) {
	net := tinyClassifier(t)
	x := tensor.Zeros(6, 16)
	for i := range x.Data() {
		x.Data()[i] = math.Cos(0.7 * float64(i))
	}
	y := []int{0, 1, 2, 2, 1, 0}
	j := JEM{CD: ContrastiveDivergence{K: 2, Persistent: true, BufferSize: 8, InitSteps: 3, NewSampleRatio: 0.25,
		Sampler: sampler.Langevin{StepSize: schedule.Constant(0.01)}}, GenWeight: 0.5}
	a, sa := j.Start()
	src := rand.NewPCG(18, 0)
	rng := rand.New(src)
	for range 2 {
		if _, err := a.(EnergyLabelLoss).LossLabels(nil, net, x, y, rng); err != nil {
			t.Fatal(err)
		}
	}
	saved := sa.Save()
	if len(saved) != 1 || saved[0].Name != "buffer" || saved[0].Value.Dim(0) != 8 || saved[0].Value.Dim(1) != 16 {
		t.Fatalf("saved state %v, want one [8 16] replay buffer", names(saved))
	}
	for i := range saved {
		saved[i].Value = saved[i].Value.Clone()
	}
	srcB := *src
	want, err := a.(EnergyLabelLoss).LossLabels(nil, net, x, y, rng)
	if err != nil {
		t.Fatal(err)
	}
	b, sb := j.Start()
	if err := sb.Restore([]nn.Param{{Name: "buffer", Value: tensor.Zeros(7, 16)}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a buffer of 7 rows for 8: error %v, want ErrInvalid", err)
	}
	if err := sb.Restore(saved); err != nil {
		t.Fatal(err)
	}
	got, err := b.(EnergyLabelLoss).LossLabels(nil, net, x, y, rand.New(&srcB))
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(got.Item()) != math.Float64bits(want.Item()) {
		t.Errorf("restored run: third loss %v, want %v", got.Item(), want.Item())
	}
	if !slices.Equal(sb.Save()[0].Value.Data(), sa.Save()[0].Value.Data()) {
		t.Error("restored run: the buffer after the third step differs from the uninterrupted run's")
	}
}

// labelRecorder is labelEcho that also keeps the labels of its last call.
type labelRecorder struct {
	labelEcho
	seen *[]int
}

func (l labelRecorder) ForwardTY(tp *tensor.Tape, x, t *tensor.Tensor, y []int) *tensor.Tensor {
	*l.seen = slices.Clone(y)
	return l.labelEcho.ForwardTY(tp, x, t, y)
}

// TestLabelDropRate: the fraction of labels that flow and equilibrium
// matching drop to the null label before they reach the network is
// LabelDrop (0.25), and 0.1 for LabelDrop 0, within 5 binomial standard
// errors over 40 batches of 64.
func TestLabelDropRate(t *testing.T) {
	const n, k, batches = 64, 3, 40
	x := tensor.Zeros(n, 2)
	y := make([]int, n)
	for i := range y {
		x.Data()[2*i], x.Data()[2*i+1] = float64(i), -float64(i)
		y[i] = i % k
	}
	for name, mk := range map[string]func(drop float64) TimeLabelLoss{
		"fm":  func(drop float64) TimeLabelLoss { return FlowMatching{LabelDrop: drop} },
		"eqm": func(drop float64) TimeLabelLoss { return EquilibriumMatching{LabelDrop: drop} },
	} {
		for _, c := range []struct{ set, want float64 }{{0.25, 0.25}, {0, 0.1}} {
			net := labelRecorder{labelEcho{null: k}, new([]int)}
			rng := rngOf(25)
			drops := 0
			for range batches {
				if _, err := mk(c.set).LossLabels(nil, net, x, y, rng); err != nil {
					t.Fatal(err)
				}
				if len(*net.seen) != n {
					t.Fatalf("%s: %d labels reached the network for %d rows", name, len(*net.seen), n)
				}
				for _, l := range *net.seen {
					if l == k {
						drops++
					}
				}
			}
			total := float64(n * batches)
			frac, se := float64(drops)/total, math.Sqrt(c.want*(1-c.want)/total)
			if math.Abs(frac-c.want) > 5*se {
				t.Errorf("%s: LabelDrop %g dropped %.4f of the labels, want %g ± %.4f", name, c.set, frac, c.want, 5*se)
			}
		}
	}
}

// TestLabelLossesRefuse: JEM with a label out of range or a generative
// weight that is not finite (NaN, +Inf; −1 is none), and the flow losses given labels
// for a network without them (not label-conditional, or a conditional
// transformer without classes) or beyond its null label, return errors
// wrapping ErrInvalid, not panics.
func TestLabelLossesRefuse(t *testing.T) {
	net := tinyClassifier(t)
	x := tensor.Zeros(4, 16)
	good := []int{0, 1, 2, 0}
	cd := ContrastiveDivergence{K: 1, Persistent: true, BufferSize: 4, InitSteps: -1}
	tm, _ := nn.NewTimeMLP(rngOf(5), 2, 2, []int{4}, 2, nn.SiLU())
	x2 := tensor.Zeros(4, 2)
	classless, err := nn.NewConditionalTransformer(rngOf(6), nn.TransformerConfig{Channels: 1, Height: 2, Width: 2, Patch: 1, Dim: 4, Depth: 1, Heads: 1, FreqDim: 4})
	if err != nil {
		t.Fatal(err)
	}
	errOf := func(_ *tensor.Tensor, err error) error { return err }
	for name, err := range map[string]error{
		"JEM, label 3 of 3":     errOf(JEM{CD: cd}.LossLabels(nil, net, x, []int{0, 1, 3, 0}, rngOf(1))),
		"JEM, 3 labels, 4 rows": errOf(JEM{CD: cd}.LossLabels(nil, net, x, good[:3], rngOf(1))),
		"JEM, NaN weight":       errOf(JEM{CD: cd, GenWeight: math.NaN()}.LossLabels(nil, net, x, good, rngOf(1))),
		"JEM, infinite weight":  errOf(JEM{CD: cd, GenWeight: math.Inf(1)}.LossLabels(nil, net, x, good, rngOf(1))),
		"FM, unlabelled net":    errOf(FlowMatching{}.LossLabels(nil, tm, x2, good, rngOf(1))),
		"EqM, unlabelled net":   errOf(EquilibriumMatching{}.LossLabels(nil, tm, x2, good, rngOf(1))),
		"FM, classless net":     errOf(FlowMatching{}.LossLabels(nil, classless, tensor.Zeros(4, 4), good, rngOf(1))),
		"FM, label past null":   errOf(FlowMatching{}.LossLabels(nil, labelEcho{null: 3}, x2, []int{0, 4, 1, 2}, rngOf(1))),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

// TestJEMWarmup: with Warmup 2, JEM's first two losses are the
// cross-entropy, bit for bit, and draw nothing from the stream; the third
// is the cross-entropy plus w times the first loss of a fresh persistent-CD
// run fed the same stream (to 1e-12). Its state is CD's and the step count:
// a run saved after one step (in the warm-up) or three (past it) and
// restored into a fresh run takes the next two steps as the uninterrupted
// run does, bit for bit, buffer included; a state without a step count, or
// with a count that is negative or not whole, is refused.
func TestJEMWarmup(t *testing.T) {
	net := tinyClassifier(t)
	x := tensor.Zeros(6, 16)
	for i := range x.Data() {
		x.Data()[i] = math.Sin(1.3 * float64(i))
	}
	y := []int{2, 1, 0, 0, 1, 2}
	cd := ContrastiveDivergence{K: 2, Persistent: true, BufferSize: 8, InitSteps: 2, NewSampleRatio: 0.25,
		Sampler: sampler.Langevin{StepSize: schedule.Constant(0.01)}}
	const w = 0.3
	j := JEM{CD: cd, GenWeight: w, Warmup: 2}
	ce, err := CrossEntropy{}.LossLabels(nil, net, x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := j.Start()
	rng := rngOf(30)
	for step := range 2 {
		v, err := l.(EnergyLabelLoss).LossLabels(nil, net, x, y, rng)
		if err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(v.Item()) != math.Float64bits(ce.Item()) {
			t.Errorf("warm-up step %d: loss %v, want the cross-entropy %v", step, v.Item(), ce.Item())
		}
	}
	if rng.Uint64() != rngOf(30).Uint64() {
		t.Fatal("the warm-up drew from the stream")
	}
	rng = rngOf(30)
	v, err := l.(EnergyLabelLoss).LossLabels(nil, net, x, y, rng)
	if err != nil {
		t.Fatal(err)
	}
	gen, _ := cd.Loss(nil, net, x, rngOf(30))
	if want := ce.Item() + w*gen.Item(); math.Abs(v.Item()-want) > 1e-12 {
		t.Errorf("first step past the warm-up: %v, want CE + w·CD = %v", v.Item(), want)
	}

	for _, at := range []int{1, 3} {
		a, sa := j.Start()
		src := rand.NewPCG(31, 0)
		rng := rand.New(src)
		step := func(l EnergyLoss, rng *rand.Rand) float64 {
			v, err := l.(EnergyLabelLoss).LossLabels(nil, net, x, y, rng)
			if err != nil {
				t.Fatal(err)
			}
			return v.Item()
		}
		for range at {
			step(a, rng)
		}
		saved := sa.Save()
		last := saved[len(saved)-1]
		if last.Name != "steps" || last.Value.Item() != float64(at) || (len(saved) == 2) != (at > 2) {
			t.Fatalf("after %d steps: state %v (steps %v), want the buffer once CD has run, then the step count", at, names(saved), last.Value.Item())
		}
		for i := range saved {
			saved[i].Value = saved[i].Value.Clone()
		}
		srcB := *src
		b, sb := j.Start()
		if err := sb.Restore(saved); err != nil {
			t.Fatal(err)
		}
		rngB := rand.New(&srcB)
		for k := range 2 {
			if va, vb := step(a, rng), step(b, rngB); math.Float64bits(va) != math.Float64bits(vb) {
				t.Errorf("restored after %d steps: step %d: loss %v, want %v", at, at+k+1, vb, va)
			}
		}
		if !slices.Equal(sa.Save()[0].Value.Data(), sb.Save()[0].Value.Data()) {
			t.Errorf("restored after %d steps: the buffer differs from the uninterrupted run's", at)
		}
	}

	_, st := j.Start()
	for name, bad := range map[string][]nn.Param{
		"nothing":    nil,
		"no count":   {{Name: "buffer", Value: tensor.Zeros(8, 16)}},
		"count −1":   {{Name: "steps", Value: tensor.New([]float64{-1}, 1)}},
		"count 1.5":  {{Name: "steps", Value: tensor.New([]float64{1.5}, 1)}},
		"bad buffer": {{Name: "buffer", Value: tensor.Zeros(7, 16)}, {Name: "steps", Value: tensor.New([]float64{4}, 1)}},
		"two counts": {{Name: "steps", Value: tensor.New([]float64{1, 2}, 2)}},
	} {
		if err := st.Restore(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("state %s: error %v, want ErrInvalid", name, err)
		}
	}
	if _, err := (JEM{CD: cd, Warmup: -1}).LossLabels(nil, net, x, y, rngOf(1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("warm-up −1: error %v, want ErrInvalid", err)
	}
}

// TestZeroSettingsCanBeAskedFor: the settings whose 0 means a default take
// a negative value for none. JEM's generative weight −1 is the
// cross-entropy alone past the warm-up, drawing nothing from the stream; a
// new-sample ratio −1 restarts no chain from noise, and a NaN one is
// refused.
func TestZeroSettingsCanBeAskedFor(t *testing.T) {
	net := tinyClassifier(t)
	x := tensor.Zeros(6, 16)
	for i := range x.Data() {
		x.Data()[i] = math.Cos(0.7 * float64(i))
	}
	y := []int{0, 1, 2, 2, 1, 0}
	ce, err := CrossEntropy{}.LossLabels(nil, net, x, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := JEM{CD: ContrastiveDivergence{K: 2, Persistent: true, BufferSize: 8, InitSteps: -1,
		Sampler: sampler.Langevin{StepSize: schedule.Constant(0.01)}}, GenWeight: -1}
	l, _ := j.Start()
	rng := rngOf(40)
	v, err := l.(EnergyLabelLoss).LossLabels(nil, net, x, y, rng)
	if err != nil {
		t.Fatal(err)
	}
	if v.Item() != ce.Item() || rng.Uint64() != rngOf(40).Uint64() {
		t.Errorf("JEM at weight −1: %v, want the cross-entropy %v and no draws", v.Item(), ce.Item())
	}
	for _, c := range []struct{ set, want float64 }{{0, 0.05}, {-1, 0}, {0.3, 0.3}} {
		s, err := ContrastiveDivergence{NewSampleRatio: c.set}.settings()
		if err != nil || s.ratio != c.want {
			t.Errorf("new-sample ratio %g: %g (%v), want %g", c.set, s.ratio, err, c.want)
		}
	}
	if _, err := (ContrastiveDivergence{NewSampleRatio: math.NaN()}).settings(); err == nil {
		t.Error("new-sample ratio NaN: no error")
	}
}
