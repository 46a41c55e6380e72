package loss

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// This file holds the losses that learn from labels: a classifier's
// cross-entropy, JEM, and what the label-conditional flow losses share.

// CrossEntropy trains a classifier (an nn.Classifier) of the labels:
//
//	mean over the batch of −log softmax(f(x))[y]
//
// It learns only from labels: Loss, without them, is an error wrapping
// ErrNeedsLabels.
type CrossEntropy struct{}

// Loss returns an error: cross-entropy needs labels (LossLabels).
func (CrossEntropy) Loss(*tensor.Tape, nn.Module, *tensor.Tensor, *rand.Rand) (*tensor.Tensor, error) {
	return nil, fmt.Errorf("loss: cross-entropy: %w", ErrNeedsLabels)
}

// LossLabels returns the cross-entropy of the classifier net on the batch x
// with labels y.
func (CrossEntropy) LossLabels(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, y []int, _ *rand.Rand) (*tensor.Tensor, error) {
	return crossEntropy(tp, net, x, y)
}

// crossEntropy is the mean of −log softmax(f(x))[y] over the rows of x.
func crossEntropy(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, y []int) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	clf, ok := net.(nn.Classifier)
	if !ok || clf.NumClasses() == 0 {
		return nil, fmt.Errorf("loss: cross-entropy needs a classifier (class logits), not a %T: %w", net, ErrInvalid)
	}
	if err := checkLabels(y, x.Dim(0), clf.NumClasses()); err != nil {
		return nil, err
	}
	logp := tp.LogSoftmax(clf.Logits(tp, x), 1)
	return tp.Neg(tp.Mean(tp.Gather(logp, 1, y))), nil
}

// checkLabels wants one label per row, each in 0 … k−1.
func checkLabels(y []int, n, k int) error {
	if len(y) != n {
		return fmt.Errorf("loss: %d labels for %d rows: %w", len(y), n, ErrInvalid)
	}
	for i, v := range y {
		if v < 0 || v >= k {
			return fmt.Errorf("loss: label %d of row %d: want 0 … %d: %w", v, i, k-1, ErrInvalid)
		}
	}
	return nil
}

// JEM trains a classifier as an energy-based model too (Grathwohl et al.
// 2019): its logits f(x) define p(y | x) = softmax f(x) and the energy
// E(x) = −logsumexp_y f(x)[y] (what nn.ResNet with classes gives as its
// energy), and the loss is
//
//	cross-entropy of f on (x, y) + GenWeight · CD's loss on E
//
// so that one network classifies, generates (from exp(−E), or by class
// from exp(f(x)[y])) and scores points as in or out of distribution. CD is
// usually persistent; its replay buffer is JEM's state, checkpointed like
// ContrastiveDivergence's, with the number of steps taken when there is a
// warm-up.
type JEM struct {
	// CD is the generative part's contrastive divergence.
	CD ContrastiveDivergence
	// GenWeight weighs the generative part; 0 means 1, and negative none:
	// the cross-entropy alone, without chains (an ablation).
	GenWeight float64
	// Warmup is the number of first steps that train the cross-entropy
	// alone (and cost no sampling), so that CD starts on a classifier that
	// already separates the classes; 0 means none.
	Warmup int
}

// Loss returns an error: JEM needs labels (LossLabels).
func (JEM) Loss(*tensor.Tape, nn.Module, *tensor.Tensor, *rand.Rand) (*tensor.Tensor, error) {
	return nil, fmt.Errorf("loss: JEM: %w", ErrNeedsLabels)
}

// LossLabels returns JEM's loss on x and y as the first step of a fresh run.
func (j JEM) LossLabels(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
	l, _ := j.Start()
	return l.(*jemRun).LossLabels(tp, net, x, y, rng)
}

// Start returns the loss of a fresh run and its state: CD's, and with a
// warm-up the number of steps taken.
func (j JEM) Start() (EnergyLoss, State) {
	cd, st := j.CD.Start()
	r := &jemRun{j: j, cd: cd, cdState: st}
	if j.Warmup == 0 {
		return r, st
	}
	return r, r
}

// jemRun is a JEM run: its CD run carries the replay buffer, and it counts
// its steps for the warm-up.
type jemRun struct {
	j       JEM
	cd      EnergyLoss
	cdState State
	steps   int
}

// SetStep passes the training step to the CD run, for its StepSchedule.
func (r *jemRun) SetStep(step int) { r.cd.(Scheduled).SetStep(step) }

// Params returns nil: JEM learns nothing besides the network.
func (r *jemRun) Params() []nn.Param { return nil }

// Save returns CD's state, then the number of steps taken, named "steps".
func (r *jemRun) Save() []nn.Param {
	return append(r.cdState.Save(), stepsParam(r.steps))
}

// Restore takes CD's saved state followed by a step count.
func (r *jemRun) Restore(saved []nn.Param) error {
	n := len(saved)
	if n == 0 || !isSteps(saved[n-1]) {
		return fmt.Errorf("loss: JEM state %v: want CD's state and a step count: %w", names(saved), ErrInvalid)
	}
	steps, err := readSteps(saved[n-1], "JEM")
	if err != nil {
		return err
	}
	if err := r.cdState.Restore(saved[:n-1]); err != nil {
		return err
	}
	r.steps = steps
	return nil
}

func (r *jemRun) Loss(*tensor.Tape, nn.Module, *tensor.Tensor, *rand.Rand) (*tensor.Tensor, error) {
	return nil, fmt.Errorf("loss: JEM: %w", ErrNeedsLabels)
}

func (r *jemRun) LossLabels(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
	// Every call is a step, failed or not, so the count stays the trainer's.
	step := r.steps
	r.steps++
	w := defaultOrOff(r.j.GenWeight, 1)
	if !(w >= 0) || math.IsInf(w, 1) || r.j.Warmup < 0 {
		return nil, fmt.Errorf("loss: JEM's generative weight %g, warm-up %d: the weight must be finite, the warm-up not negative: %w", r.j.GenWeight, r.j.Warmup, ErrInvalid)
	}
	ce, err := crossEntropy(tp, net, x, y)
	if err != nil || step < r.j.Warmup || w == 0 {
		return ce, err
	}
	gen, err := r.cd.Loss(tp, net, x, rng)
	if err != nil {
		return nil, err
	}
	return tp.Add(ce, tp.Scale(gen, w)), nil
}

// labelNet returns net as a label-conditional network when there are
// labels y (nil otherwise), after checking them against it.
func labelNet(net nn.TimeModule, x *tensor.Tensor, y []int) (nn.LabelTimeModule, error) {
	if y == nil {
		return nil, nil
	}
	ln, ok := net.(nn.LabelTimeModule)
	if !ok || ln.NullLabel() < 0 {
		return nil, fmt.Errorf("loss: labels for a network without classes (%T): %w", net, ErrInvalid)
	}
	if err := checkLabels(y, x.Dim(0), ln.NullLabel()+1); err != nil { // the null label too: a row without one
		return nil, err
	}
	return ln, nil
}

// dropLabels returns the labels of the paired rows, y[idx[i]], each
// replaced by null with probability p (0: 0.1; negative: never), drawn
// from rng.
func dropLabels(y, idx []int, null int, p float64, rng *rand.Rand) []int {
	p = defaultOrOff(p, 0.1)
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = y[j]
		if p > 0 && rng.Float64() < p {
			out[i] = null
		}
	}
	return out
}
