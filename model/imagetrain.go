package model

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/goebm/goebm/plot"
	"github.com/goebm/goebm/tensor"
	"github.com/goebm/goebm/train"
)

// gridSide is the number of images per row of the pictures of image
// models.
const gridSide = 8

// bufferGrid is a training hook that draws the first 64 chains of a
// persistent loss's replay buffer into dir/buffer.png every `every` steps
// and at the end: what the negatives look like while the model learns.
type bufferGrid struct {
	dir   string
	every int
	c     Config
}

func (h bufferGrid) AfterStep(t *train.Trainer, s train.Status) error {
	if s.Step%h.every != 0 && s.Step != s.Steps {
		return nil
	}
	st := t.LossState()
	if st == nil {
		return nil
	}
	for _, p := range st.Save() {
		if p.Name == "buffer" {
			return h.c.imageGrid(filepath.Join(h.dir, "buffer.png"), p.Value, nil, gridSide)
		}
	}
	return nil
}

func (bufferGrid) Stop(*train.Trainer, error) error { return nil }

// imageGrid draws up to rows×8 images of x ([n, Dim], in [−1, 1]) into a
// PNG at path, then a row of 8 of ref (nil: none).
func (c Config) imageGrid(path string, x, ref *tensor.Tensor, rows int) error {
	if len(c.Image) != 3 {
		return fmt.Errorf("model: an image grid needs an image model: %w", ErrInvalid)
	}
	d := c.Dim
	rows = min(rows, x.Dim(0)/gridSide)
	tiles := append([]float64(nil), x.Data()[:rows*gridSide*d]...)
	if ref != nil && ref.Dim(0) >= gridSide {
		tiles = append(tiles, ref.Data()[:gridSide*d]...)
		rows++
	}
	if rows == 0 {
		return fmt.Errorf("model: an image grid of %d images: want %d or more: %w", x.Dim(0), gridSide, ErrInvalid)
	}
	return plot.ImageGrid(path, tiles, rows, gridSide, c.Image[0]*c.Image[1], c.Image[2], plot.ImageGridSettings{Lo: -1, Hi: 1})
}

// ImagePictures draws an image model's samples into dir and returns the
// files' names: samples.png (none for a classifier), a row of 8 generated images per class for a
// conditional model (Conditional with classes, guidance w) or 8 rows of 8
// otherwise, then a row of training images; and curves.png, from
// dir/metrics.jsonl. It returns the generated images, [rows·8, Dim].
func ImagePictures(ctx context.Context, dir string, m Model, w float64, ref *tensor.Tensor, seed uint64) (*tensor.Tensor, []string, error) {
	var x *tensor.Tensor
	var files []string
	if m.Kind() != KindClassifier { // which generates nothing
		var err error
		if x, err = GenerateGrid(ctx, m, w, seed); err != nil {
			return nil, nil, err
		}
		if err := m.Config().imageGrid(filepath.Join(dir, "samples.png"), x, ref, x.Dim(0)/gridSide); err != nil {
			return nil, nil, err
		}
		files = append(files, "samples.png")
	}
	steps, losses, err := ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil || len(steps) < 2 {
		return x, files, nil
	}
	if err := plot.Curve(filepath.Join(dir, "curves.png"), "training loss", "step", "loss", steps, losses); err != nil {
		return nil, nil, err
	}
	return x, append(files, "curves.png"), nil
}

// GenerateGrid generates the images of a grid: 8 per class, class after
// class, for a conditional model (guidance w), 64 otherwise, seeded by
// seed.
func GenerateGrid(ctx context.Context, m Model, w float64, seed uint64) (*tensor.Tensor, error) {
	if cm, ok := m.(Conditional); ok && cm.Classes() > 0 {
		return GenerateByClass(ctx, cm, gridSide, w, seed)
	}
	return m.Generate(ctx, gridSide*gridSide, newRand(seed))
}

// GenerateByClass draws n images of each class of m with guidance w, class
// after class, each class seeded from seed and its label, in chunks of at
// most genChunk images (the next chunk of a class from the next stream).
func GenerateByClass(ctx context.Context, m Conditional, n int, w float64, seed uint64) (*tensor.Tensor, error) {
	return generateByClass(ctx, m, n, w, seed, nil)
}

// generateByClass is GenerateByClass calling done (if not nil) with the
// rows of each chunk drawn.
func generateByClass(ctx context.Context, m Conditional, n int, w float64, seed uint64, done func(rows int)) (*tensor.Tensor, error) {
	k, d := m.Classes(), m.Config().Dim
	out := make([]float64, 0, k*n*d)
	for y := range k {
		x, err := generateChunked(ctx, n, d, func(c, rows int) (*tensor.Tensor, error) {
			return m.GenerateLabel(ctx, rows, y, w, newRandStream(seed, uint64(y)+10+uint64(c)<<32))
		}, done)
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	return tensor.New(out, k*n, d), nil
}

// genChunk is the most images generated in one integration: the
// activations of a batch of images at every evaluation of the field take
// memory in proportion (an image U-Net's for 1,000 Fashion-MNIST images
// and their guidance twins would be gigabytes), and a chunk of this size
// already keeps the cores busy.
const genChunk = 250

// generateChunked draws n rows of dimension d by gen in chunks of at most
// genChunk rows; gen(c, rows) draws chunk c, and done (if not nil) is told
// each chunk's rows.
func generateChunked(ctx context.Context, n, d int, gen func(c, rows int) (*tensor.Tensor, error), done func(rows int)) ([]float64, error) {
	out := make([]float64, 0, n*d)
	for c := 0; len(out) < n*d; c++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows := min(genChunk, n-len(out)/d)
		x, err := gen(c, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x.Data()...)
		if done != nil {
			done(rows)
		}
	}
	return out, nil
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 5)) }

func newRandStream(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// WriteImageGrid draws up to 16 rows of 8 of the images x ([n, Dim], in
// [−1, 1]) of an image model's config into a PNG at path.
func WriteImageGrid(path string, c Config, x *tensor.Tensor) error {
	if x.Rank() != 2 || x.Dim(1) != c.Dim {
		return fmt.Errorf("model: images of shape %v for a model of %d pixels: %w", x.Shape(), c.Dim, ErrInvalid)
	}
	if x.Dim(0) < gridSide {
		return c.imageGrid(path, x, nil, 1) // reports the shortfall
	}
	return c.imageGrid(path, x, nil, 2*gridSide)
}
