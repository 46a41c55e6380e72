package model

import (
	"context"
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/internal/progress"
	"github.com/goebm/goebm/tensor"
)

// Image models are scored in the feature space of a classifier that the
// project trains itself (ebm train -loss ce -model conv), not of Inception:
// a Fréchet distance on the domain's own features (Heusel et al. 2017's FID,
// with the classifier's pooled features), the fraction of generated images
// of class y that the classifier labels y, and the classes of an
// unconditional model's images (mode coverage).

// featurer is a classifier whose pooled features can be read (nn.ResNet).
type featurer interface {
	logits
	Features(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor
}

// Classifier is a trained image classifier (a model of KindClassifier, or
// a JEM energy) read as features and labels.
type Classifier struct {
	m   Model
	net featurer
}

// AsClassifier returns the classifier of a model trained with classes
// (ce or jem), or an error for any other model.
func AsClassifier(m Model) (*Classifier, error) {
	net, ok := m.Net().(featurer)
	if !ok || m.Config().Classes == 0 {
		return nil, fmt.Errorf("model: %s is not a classifier: train one with -loss ce -model conv: %w", m.Kind().Describe(), ErrInvalid)
	}
	return &Classifier{m: m, net: net}, nil
}

// Config returns the classifier's config.
func (c *Classifier) Config() Config { return c.m.Config() }

// scoreChunk is how many images a classifier reads at once.
const scoreChunk = 256

// apply runs f on the rows of x in chunks, on no-grad tapes (the engine
// spreads each chunk's convolutions over the cores), and returns the rows of
// its outputs [n, k] in order.
func (c *Classifier) apply(ctx context.Context, x *tensor.Tensor, f func(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor) (*tensor.Tensor, error) {
	d := c.m.Config().Dim
	if x.Rank() != 2 || x.Dim(1) != d || x.Dim(0) == 0 {
		return nil, fmt.Errorf("model: images of shape %v for a classifier of %d pixels: %w", x.Shape(), d, ErrInvalid)
	}
	n := x.Dim(0)
	var all []float64
	k := 0
	tp := tensor.NewNoGradTape()
	for lo := 0; lo < n; lo += scoreChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+scoreChunk, n)
		out := f(tp, tensor.New(x.Data()[lo*d:hi*d], hi-lo, d))
		k = out.Dim(1)
		all = append(all, out.Data()...)
		tp.Reset()
	}
	return tensor.New(all, n, k), nil
}

// Features returns the classifier's pooled features of the images x
// [n, Dim].
func (c *Classifier) Features(ctx context.Context, x *tensor.Tensor) (*tensor.Tensor, error) {
	return c.apply(ctx, x, c.net.Features)
}

// Classify returns the classifier's label of each image of x: the argmax
// of its logits.
func (c *Classifier) Classify(ctx context.Context, x *tensor.Tensor) ([]int, error) {
	f, err := c.apply(ctx, x, c.net.Logits)
	if err != nil {
		return nil, err
	}
	n, k := f.Dim(0), f.Dim(1)
	out := make([]int, n)
	for i := range n {
		row := f.Data()[i*k : (i+1)*k]
		for j, v := range row {
			if v > row[out[i]] {
				out[i] = j
			}
		}
	}
	return out, nil
}

// Accuracy returns the fraction of the labelled images that the classifier
// labels correctly.
func (c *Classifier) Accuracy(ctx context.Context, data Labelled) (float64, error) {
	if len(data.Y) != data.X.Dim(0) || len(data.Y) == 0 {
		return 0, fmt.Errorf("model: accuracy of %d images with %d labels: %w", data.X.Dim(0), len(data.Y), ErrInvalid)
	}
	got, err := c.Classify(ctx, data.X)
	if err != nil {
		return 0, err
	}
	right := 0
	for i, y := range got {
		if y == data.Y[i] {
			right++
		}
	}
	return float64(right) / float64(len(got)), nil
}

// ImageScores are an image model's scores in a classifier's feature space.
type ImageScores struct {
	// Samples is the number of generated images scored.
	Samples int `json:"samples"`
	// Frechet is the Fréchet distance between the features of the
	// generated images and of the test images; Floor is that between the
	// test and the training images (what a perfect model reaches, about),
	// and Ratio is Frechet / Floor.
	Frechet float64 `json:"frechet"`
	Floor   float64 `json:"frechet_floor"`
	Ratio   float64 `json:"frechet_ratio"`
	// ClassifierAccuracy is the classifier's accuracy on the test images.
	ClassifierAccuracy float64 `json:"classifier_accuracy"`
	// For a conditional model, generated with guidance Guidance:
	// LabelAccuracy is the fraction of the images of class y that the
	// classifier labels y, and PerClass that fraction per class.
	Guidance      *float64  `json:"guidance,omitempty"`
	LabelAccuracy *float64  `json:"label_accuracy,omitempty"`
	PerClass      []float64 `json:"per_class_accuracy,omitempty"`
	// Histogram is how many generated images the classifier puts in each
	// class (for a conditional model, of all the classes' images).
	Histogram []int `json:"histogram"`
}

// ScoreOptions says what ScoreImages generates.
type ScoreOptions struct {
	// Samples is how many images are generated: Samples/K per class, with
	// guidance Guidance, for a conditional model of K classes (at least one
	// each).
	Samples int
	// Guidance is a conditional model's guidance weight w.
	Guidance float64
	// Seed seeds the generation.
	Seed uint64
	// Progress receives a progress bar of the images generated, with the
	// time left; nil means standard error where that is a terminal.
	Progress io.Writer
}

// ScoreImages generates images from m as o says and scores them in clf's
// feature space against the test images (ImageScores).
func ScoreImages(ctx context.Context, m Model, clf *Classifier, train, test Labelled, o ScoreOptions) (ImageScores, error) {
	var s ImageScores
	if m.Config().Dim != clf.Config().Dim {
		return s, fmt.Errorf("model: a model of %d pixels scored by a classifier of %d: %w", m.Config().Dim, clf.Config().Dim, ErrInvalid)
	}
	n, w, seed := o.Samples, o.Guidance, o.Seed
	cm, conditional := m.(Conditional)
	conditional = conditional && cm.Classes() > 0
	per := 0 // images of each class
	if conditional {
		per = max(n/cm.Classes(), 1)
		n = per * cm.Classes()
	}
	bar := progress.New(o.Progress, int64(n), "generate",
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("images"))
	x, want, err := generateToScore(ctx, m, n, per, w, seed, func(rows int) {
		if bar != nil {
			bar.Add(rows)
		}
	})
	progress.End(bar, err)
	if err != nil {
		return s, err
	}
	if conditional {
		s.Guidance = &w
	}
	s.Samples = x.Dim(0)
	fx, err := clf.Features(ctx, x)
	if err != nil {
		return s, err
	}
	fte, err := clf.Features(ctx, test.X)
	if err != nil {
		return s, err
	}
	ftr, err := clf.Features(ctx, train.X)
	if err != nil {
		return s, err
	}
	if s.Frechet, err = eval.FrechetDistance(fx, fte); err != nil {
		return s, fmt.Errorf("model: %w", err)
	}
	if s.Floor, err = eval.FrechetDistance(fte, ftr); err != nil {
		return s, fmt.Errorf("model: %w", err)
	}
	s.Ratio = s.Frechet / s.Floor
	if s.ClassifierAccuracy, err = clf.Accuracy(ctx, test); err != nil {
		return s, err
	}
	got, err := clf.Classify(ctx, x)
	if err != nil {
		return s, err
	}
	s.Histogram = make([]int, clf.Config().Classes)
	for _, y := range got {
		s.Histogram[y]++
	}
	if want != nil {
		k := clf.Config().Classes
		right, per, count := 0, make([]float64, k), make([]float64, k)
		for i, y := range got {
			count[want[i]]++
			if y == want[i] {
				right++
				per[want[i]]++
			}
		}
		for j := range per {
			if count[j] > 0 {
				per[j] /= count[j]
			}
		}
		acc := float64(right) / float64(len(got))
		s.LabelAccuracy, s.PerClass = &acc, per
	}
	return s, nil
}

// generateToScore draws ScoreImages' n images of m: per images of each
// class at guidance w where m is conditional (the labels in want), with
// done told of the rows as they are made.
func generateToScore(ctx context.Context, m Model, n, per int, w float64, seed uint64, done func(rows int)) (x *tensor.Tensor, want []int, err error) {
	if cm, ok := m.(Conditional); ok && per > 0 {
		if x, err = generateByClass(ctx, cm, per, w, seed, done); err != nil {
			return nil, nil, err
		}
		for y := range cm.Classes() {
			for range per {
				want = append(want, y)
			}
		}
		return x, want, nil
	}
	data, err := generateChunked(ctx, n, m.Config().Dim, func(c, rows int) (*tensor.Tensor, error) {
		return m.Generate(ctx, rows, newRandStream(seed, 5+uint64(c)<<32)) // chunk 0: newRand(seed)
	}, done)
	if err != nil {
		return nil, nil, err
	}
	return tensor.New(data, n, m.Config().Dim), nil, nil
}
