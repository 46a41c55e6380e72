package train

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// labelCheck is a labelled loss (a stand-in for JEM) that checks that each
// batch's labels are its rows' (a row's label is the floor of its first
// coordinate) and otherwise trains like CD's energy term.
type labelCheck struct {
	t       *testing.T
	batches int
}

func (l *labelCheck) Loss(*tensor.Tape, nn.Module, *tensor.Tensor, *rand.Rand) (*tensor.Tensor, error) {
	return nil, loss.ErrNeedsLabels
}

func (l *labelCheck) LossLabels(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
	l.batches++
	if len(y) != x.Dim(0) {
		l.t.Fatalf("%d labels for a batch of %d", len(y), x.Dim(0))
	}
	for i, v := range y {
		if want := int(x.Data()[i*x.Dim(1)] + 100); v != want {
			l.t.Fatalf("row %d of a batch has label %d, its own is %d", i, v, want)
		}
	}
	return tp.Mean(tp.Square(net.Forward(tp, x))), nil
}

// labelled returns n 2-D points whose label is their first coordinate
// plus 100.
func labelled(n int) (*tensor.Tensor, []int) {
	x := tensor.Zeros(n, 2)
	y := make([]int, n)
	for i := range n {
		x.Data()[2*i] = float64(i%7) - 3
		x.Data()[2*i+1] = float64(i) / float64(n)
		y[i] = i%7 - 3 + 100
	}
	return x, y
}

// TestLabelsFollowRows: with Labels, the loss gets each batch's own labels
// (over several epochs), a run resumed from a checkpoint ends on the same
// weights bit for bit, a label count that does not match the rows and a
// loss that takes no labels are refused, and labels not given to a loss
// that needs them stop the run with loss.ErrNeedsLabels.
func TestLabelsFollowRows(t *testing.T) {
	x, y := labelled(50)
	run := func(steps int, dir string, resume bool) *Trainer {
		t.Helper()
		tr, err := New(mlp(t, 1), &labelCheck{t: t}, &optim.Adam{}, x, Config{Steps: steps, BatchSize: 16, Seed: 4, Labels: y, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if resume {
			if err := tr.Resume(filepath.Join(dir, "checkpoint.bin")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	whole := run(12, t.TempDir(), false)
	dir := t.TempDir()
	run(5, dir, false)
	resumed := run(12, dir, true)
	sameBits(t, "weights", nn.Values(whole.Params()), nn.Values(resumed.Params()))

	if _, err := New(mlp(t, 1), &labelCheck{t: t}, &optim.Adam{}, x, Config{Steps: 1, BatchSize: 16, Labels: y[:49]}); !errors.Is(err, ErrInvalid) {
		t.Errorf("49 labels for 50 rows: %v", err)
	}
	if _, err := New(mlp(t, 1), pcd(), &optim.Adam{}, x, Config{Steps: 1, BatchSize: 16, Labels: y}); !errors.Is(err, ErrInvalid) {
		t.Errorf("labels for CD: %v", err)
	}
	tr, _ := New(mlp(t, 1), &labelCheck{t: t}, &optim.Adam{}, x, Config{Steps: 1, BatchSize: 16})
	if _, err := tr.Run(context.Background()); !errors.Is(err, loss.ErrNeedsLabels) {
		t.Errorf("a labelled loss without labels: %v", err)
	}
}

// labelledImages returns n random 1×4×4 images, each with a label in
// 0 … 2.
func labelledImages(n int) (*tensor.Tensor, []int) {
	rng := rand.New(rand.NewPCG(8, 8))
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(3)
	}
	return tensor.Randn(rng, n, 16), y
}

// labelledTrainer trains on labelledImages: JEM (persistent CD, so a
// replay buffer; "jem-warmup" with 4 steps of cross-entropy alone first)
// on a tiny ResNet classifier, or label-conditional flow
// matching (labels dropped at random) on a tiny conditional transformer,
// its weights drawn from netSeed.
func labelledTrainer(t *testing.T, kind string, netSeed uint64, cfg Config) *Trainer {
	t.Helper()
	x, y := labelledImages(40)
	cfg.Labels = y
	rng := rand.New(rand.NewPCG(netSeed, 0))
	var tr *Trainer
	var err error
	switch kind {
	case "jem", "jem-warmup":
		net, nerr := nn.NewResNetEnergy(rng, 1, 4, 4, nn.ResNetSettings{Channels: []int{4}, Classes: 3})
		if nerr != nil {
			t.Fatal(nerr)
		}
		j := loss.JEM{GenWeight: 0.5, CD: loss.ContrastiveDivergence{Persistent: true, BufferSize: 16, K: 2, InitSteps: 3,
			Sampler: sampler.Langevin{StepSize: schedule.Constant(0.01)}}}
		if kind == "jem-warmup" {
			j.Warmup = 4
		}
		tr, err = New(net, j, &optim.Adam{LR: 1e-3}, x, cfg)
	case "fm":
		net, nerr := nn.NewConditionalTransformer(rng, nn.TransformerConfig{Channels: 1, Height: 4, Width: 4, Patch: 2, Dim: 8, Depth: 1, Heads: 2, FreqDim: 8, Classes: 3})
		if nerr != nil {
			t.Fatal(nerr)
		}
		tr, err = NewTime(net, loss.FlowMatching{LabelDrop: 0.3}, &optim.Adam{LR: 1e-2}, x, cfg)
	default:
		t.Fatalf("unknown kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestResumeWithLabels: with labelled data, 2N steps straight and N steps
// resumed (into a network initialised otherwise) for N more end on the same
// weights and EMA, bit for bit: for JEM (a replay buffer, labels through
// the cross-entropy; with a warm-up, also its step count) and for
// label-conditional flow matching (labels dropped at random).
func TestResumeWithLabels(t *testing.T) {
	for _, kind := range []string{"jem", "jem-warmup", "fm"} {
		a, b, _ := straightAndResumed(t, Config{BatchSize: 8, Seed: 4, EMADecay: 0.9}, 5, func(seed uint64, cfg Config) *Trainer {
			return labelledTrainer(t, kind, seed, cfg)
		})
		if len(a.EMA()) == 0 || len(a.EMA()) != len(b.EMA()) {
			t.Fatalf("%s: EMAs of %d and %d tensors", kind, len(a.EMA()), len(b.EMA()))
		}
		sameBits(t, kind+": weights", nn.Values(a.Params()), nn.Values(b.Params()))
		sameBits(t, kind+": EMA", a.EMA(), b.EMA())
	}
}
