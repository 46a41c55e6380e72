package model

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/plot"
	"github.com/goebm/goebm/tensor"
)

// DensityGrid evaluates a 2-D model's density on a grid over box, 200×200
// cells for the kinds with a Density and 100×100 for the flow kinds, whose
// density costs an integration per point (which ctx cancels).
func DensityGrid(ctx context.Context, m Model, box eval.Box) (plot.Grid, error) {
	n := 200
	if m.Density() == nil {
		n = 100
	}
	return plot.DensityGrid(func(dst, pts []float64) error { return m.NegLogDensity(ctx, dst, pts) }, box, n)
}

// DensityPicture draws a 2-D model's density over its Region, with layers
// of points over it, into a PNG at path.
func DensityPicture(ctx context.Context, path, title string, m Model, layers ...plot.Points) error {
	box, err := Region(m)
	if err != nil {
		return err
	}
	g, err := DensityGrid(ctx, m, box)
	if err != nil {
		return err
	}
	return plot.Density(path, title, g, layers...)
}

// WritePictures writes what ebm train draws into dir and returns the
// files' names: for a 2-D model energy.png (the model's density over a's
// box, with the training points) and samples.png (the generated points of a
// over the training points); beyond 2-D, where a density picture means
// nothing, samples.npy (the generated points) and, for an image set
// (dataset.ImagesByName), samples.png, a grid of generated images above
// training images (see SampleGrid), when a has samples; and, from
// dir/metrics.jsonl,
// curves.png (the loss against the step).
func WritePictures(ctx context.Context, dir, data string, m Model, a Assessment, train *tensor.Tensor) ([]string, error) {
	var files []string
	if m.Config().Dim == 2 {
		if err := densityPictures(ctx, dir, data, m, a, train); err != nil {
			return nil, err
		}
		files = append(files, "energy.png", "samples.png")
	} else if a.Samples != nil {
		if err := dataset.Save(filepath.Join(dir, "samples.npy"), nil, a.Samples); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		files = append(files, "samples.npy")
		if im, err := dataset.ImagesByName(data); err == nil {
			if err := SampleGrid(filepath.Join(dir, "samples.png"), im, a.Samples, train); err != nil {
				return nil, err
			}
			files = append(files, "samples.png")
		}
	}
	steps, losses, err := ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil || len(steps) < 2 {
		return files, err
	}
	if err := plot.Curve(filepath.Join(dir, "curves.png"), "training loss", "step", "loss", steps, losses); err != nil {
		return nil, err
	}
	return append(files, "curves.png"), nil
}

// densityPictures writes a 2-D model's energy.png and samples.png.
func densityPictures(ctx context.Context, dir, data string, m Model, a Assessment, train *tensor.Tensor) error {
	title := "learned density exp(−E), with the data (" + data + ")"
	switch m := m.(type) {
	case *Flow, *Equilibrium:
		title = "the flow's density, with the data (" + data + ")"
	case *Potential:
		title = fmt.Sprintf("learned exp(−V/%g), with the data (%s)", m.EpsMax, data)
	}
	g, err := DensityGrid(ctx, m, a.Box)
	if err != nil {
		return err
	}
	x := train.Data()
	if err := plot.Density(filepath.Join(dir, "energy.png"), title, g, plot.Points{XY: x, Max: 3000, Color: plot.White, Label: "data"}); err != nil {
		return err
	}
	return plot.Density(filepath.Join(dir, "samples.png"), "model samples over the data", g,
		plot.Points{XY: x, Max: 2000, Color: plot.Gray, Label: "data"}, plot.Points{XY: a.Samples.Data(), Max: 2000, Color: plot.Red, Label: "model samples"})
}

// SampleGrid draws images of the set im, scaled to [−1, 1] as
// Images.Scaled does (black −1, white 1), into a PNG at path: up to 8 rows
// of 8 of the samples ([n, C·H·W]; channels one above the other when C > 1), then
// a row of 8 of the reference images (such as the training data), for
// comparison.
func SampleGrid(path string, im *dataset.Images, samples, ref *tensor.Tensor) error {
	const cols = 8
	d := im.Dim()
	if samples.Rank() != 2 || samples.Dim(1) != d || ref.Rank() != 2 || ref.Dim(1) != d || ref.Dim(0) < cols {
		return fmt.Errorf("model: sample grid of %d-pixel images from samples %v and references %v: %w", d, samples.Shape(), ref.Shape(), ErrInvalid)
	}
	rows := min(samples.Dim(0)/cols, 8)
	tiles := slices.Clone(samples.Data()[:rows*cols*d])
	tiles = append(tiles, ref.Data()[:cols*d]...)
	return plot.ImageGrid(path, tiles, rows+1, cols, im.C*im.H, im.W, plot.ImageGridSettings{Lo: -1, Hi: 1})
}

// ReadMetrics reads the step and loss of each line of a metrics.jsonl file
// that the trainer wrote, skipping lines it cannot read.
func ReadMetrics(path string) (steps, losses []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			Step int     `json:"step"`
			Loss float64 `json:"loss"`
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			steps = append(steps, float64(r.Step))
			losses = append(losses, r.Loss)
		}
	}
	return steps, losses, sc.Err()
}
