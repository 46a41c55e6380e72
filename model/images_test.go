package model

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/tensor"
)

// TestImageClassifiersLearn trains the two image classifiers (ce, jem) as
// small conv networks on the digits for 150 steps and checks what each
// must do: label the held-out fifth better than chance, where an untrained
// network (checked too) labels about 10% (chance's sd on 359 images is
// 1.6 points): cross-entropy (49.6% at 150 steps) above 40%, JEM, whose
// generative term slows its classifier down (35.7%: 50 steps of
// cross-entropy alone, then 100 with CD), above 25%; and JEM must give the
// held-out digits a lower mean energy than uniform noise in [−1, 1]: it
// has learnt a density as well. So short a run learns that density only
// with a generative weight above the recipe's 0.2 (at 0.2 the noise sits
// 0.02 below the digits; after the default 900 steps it is 1.7 above
// them): the test sets 0.5.
func TestImageClassifiersLearn(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two conv networks; runs without -short")
	}
	ctx := context.Background()
	train, test, im, err := ImageData("digits", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, loss := range []string{"ce", "jem"} {
		c := Config{Data: "digits", Loss: loss, Arch: ArchConv, Widths: []int{8, 16}, Activation: "silu", Steps: 150, Batch: 32, LR: 3e-3, Seed: 1,
			CDSteps: 5, CDStep: 1, CDNoise: dataset.Float(0.01), CDReg: dataset.Float(0.1), GenWeight: dataset.Float(0.5)}.ForImages(im)
		untrained, o := newUntrained(t, c)
		clf0, err := AsClassifier(untrained)
		if err != nil {
			t.Fatal(err)
		}
		acc0, _ := clf0.Accuracy(ctx, test)
		m, _, err := Train(ctx, c, o, train.X, TrainOptions{Labels: train.Y})
		if err != nil {
			t.Fatal(err)
		}
		clf, _ := AsClassifier(m)
		acc, err := clf.Accuracy(ctx, test)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"ce": 0.4, "jem": 0.25}[loss]
		if acc < want || acc0 > 0.15 {
			t.Errorf("%s: held-out accuracy %.3f after training (want > %g), %.3f before (want about 0.1)", loss, acc, want, acc0)
		}
		if loss != "jem" {
			if m.Kind() != KindClassifier {
				t.Errorf("ce trains %s", m.Kind().Describe())
			}
			continue
		}
		n, d := test.X.Dim(0), c.Dim
		eData, eNoise := make([]float64, n), make([]float64, n)
		if err := m.NegLogDensity(ctx, eData, test.X.Data()); err != nil {
			t.Fatal(err)
		}
		noise := make([]float64, n*d)
		for i := range noise {
			noise[i] = 2*float64((i*7919)%1000)/1000 - 1
		}
		if err := m.NegLogDensity(ctx, eNoise, noise); err != nil {
			t.Fatal(err)
		}
		if mean(eData) >= mean(eNoise) {
			t.Errorf("jem: mean energy of held-out digits %.3f, of noise %.3f: want the digits lower", mean(eData), mean(eNoise))
		}
	}
}

// newUntrained returns the untrained model of a checked config c, and its
// loss.
func newUntrained(t *testing.T, c Config) (Model, Objective) {
	t.Helper()
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	o, err := c.NewLoss(nil)
	if err != nil {
		t.Fatal(err)
	}
	return untrainedWith(t, c, o), o
}

// untrainedWith returns the untrained model of config c and loss o.
func untrainedWith(t *testing.T, c Config, o Objective) Model {
	t.Helper()
	net, err := c.Network(KindOf(o), c.Seed)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(c, net, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// TestGenerateChunked checks the chunks' sizes, their order and a
// cancelled context.
func TestGenerateChunked(t *testing.T) {
	var sizes []int
	gen := func(c, rows int) (*tensor.Tensor, error) {
		sizes = append(sizes, rows)
		return tensor.Full(float64(c), rows, 2), nil
	}
	var told []int
	got, err := generateChunked(context.Background(), 2*genChunk+7, 2, gen, func(rows int) { told = append(told, rows) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{genChunk, genChunk, 7}; !slices.Equal(sizes, want) || !slices.Equal(told, want) {
		t.Fatalf("chunks of %v rows, told %v, want %v", sizes, told, want)
	}
	if len(got) != 2*(2*genChunk+7) || got[0] != 0 || got[2*genChunk] != 1 || got[len(got)-1] != 2 {
		t.Fatalf("rows out of order or missing: %d values", len(got))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := generateChunked(ctx, 3, 2, gen, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: got %v", err)
	}
}

// TestScoreImagesProgress: scoring draws a bar of the images generated, out
// of their number, on ScoreOptions.Progress (10 classes of 2 here, by an
// untrained JEM energy that is its own classifier). The bar redraws at most
// every 100 ms and is cleared when finished, so only its first drawing is
// sure to be seen.
func TestScoreImagesProgress(t *testing.T) {
	train, test, im, err := ImageData("digits", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := newUntrained(t, Config{Data: "digits", Loss: "jem", Arch: ArchConv, Widths: []int{4}, Activation: "silu", Steps: 1, Batch: 8, LR: 1e-3, Seed: 1,
		CDSteps: 2, CDStep: 1, CDNoise: dataset.Float(0.01), CDReg: dataset.Float(0.1), GenWeight: dataset.Float(0.5)}.ForImages(im))
	clf, err := AsClassifier(m)
	if err != nil {
		t.Fatal(err)
	}
	var bar strings.Builder
	s, err := ScoreImages(context.Background(), m, clf, train, test, ScoreOptions{Samples: 25, Guidance: 1, Seed: 1, Progress: &bar})
	if err != nil {
		t.Fatal(err)
	}
	if s.Samples != 20 || !strings.Contains(bar.String(), "generate") || !strings.Contains(bar.String(), "/20,") {
		t.Errorf("%d images scored, bar %q: want 20 and a bar of 20", s.Samples, bar.String())
	}
}
