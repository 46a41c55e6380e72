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
