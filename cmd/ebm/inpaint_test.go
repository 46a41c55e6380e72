package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/model"
)

// TestInpaint trains a tiny 2-D energy, inpaints three points each missing
// one coordinate, and denoises them: the completions keep the observed
// coordinates, stay inside the box (the training data's, or -box), come in
// -completions rows per image, and the grid PNG has a row per image. A
// bounded ebm sample stays in its box too.
func TestInpaint(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m")
	if _, _, err := ebm(t, "train", "-data", "circle", "-loss", "dsm", "-steps", "30", "-hidden", "8", "-out", m); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	images := write("images.csv", "0.5,0\n0,-0.9\n0.7,0.7\n")
	mask := write("mask.csv", "1,0\n0,1\n1,0\n")
	out, grid := filepath.Join(dir, "c.npy"), filepath.Join(dir, "grid.png")
	js, _, err := ebm(t, "inpaint", "-model", m, "-in", images, "-mask", mask, "-out", out, "-plot", grid,
		"-completions", "3", "-warmup", "50", "-steps", "50", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var s inpaintSummary
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		t.Fatal(err)
	}
	if s.Images != 3 || s.Completions != 3 || s.Mode != "inpaint" || s.Bounds != "reflect, the training data's box" || s.Acceptance <= 0 {
		t.Errorf("summary %+v", s)
	}
	c, err := dataset.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := model.ReadConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	box, err := model.DataBounds(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	in := [][2]float64{{0.5, 0}, {0, -0.9}, {0.7, 0.7}}
	obs := []int{0, 1, 0}
	if c.Dim(0) != 9 || c.Dim(1) != 2 {
		t.Fatalf("completions of shape %v, want 9×2", c.Shape())
	}
	for r := range 9 {
		i := r / 3
		row := c.Data()[r*2 : r*2+2]
		if row[obs[i]] != in[i][obs[i]] {
			t.Errorf("completion %d of image %d changed the observed %g to %g", r%3, i, in[i][obs[i]], row[obs[i]])
		}
		for j, v := range row {
			if v < box.Lo[j] || v > box.Hi[j] {
				t.Errorf("completion %d of image %d: %g outside the data's box [%g, %g]", r%3, i, v, box.Lo[j], box.Hi[j])
			}
		}
	}
	img := decodePNG(t, grid)
	// Tiles of 1×2 pixels at scale 32, a gap of 2: 3 rows, 2 + 3 columns.
	if b := img.Bounds(); b.Dx() != 5*66+2 || b.Dy() != 3*34+2 {
		t.Errorf("grid of %v", b)
	}

	out2 := filepath.Join(dir, "d.csv")
	js, _, err = ebm(t, "inpaint", "-model", m, "-in", images, "-denoise", "0.2", "-out", out2, "-bounds", "clamp", "-box", "-0.5,0.5",
		"-sampler", "nuts", "-completions", "2", "-warmup", "30", "-steps", "30", "-json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		t.Fatal(err)
	}
	if s.Mode != "denoise" || s.Noise != 0.2 || s.Bounds != "clamp [-0.5, 0.5]" {
		t.Errorf("summary %+v", s)
	}
	d, err := dataset.Load(out2)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range d.Data() {
		if v < -0.5 || v > 0.5 {
			t.Fatalf("denoised value %g outside -box -0.5,0.5", v)
		}
	}

	draws := filepath.Join(dir, "draws.csv")
	if _, _, err := ebm(t, "sample", "-model", m, "-sampler", "hmc", "-bounds", "reflect", "-box", "-0.3,0.4", "-chains", "2",
		"-warmup", "30", "-steps", "30", "-out", draws); err != nil {
		t.Fatal(err)
	}
	x, err := dataset.Load(draws)
	if err != nil {
		t.Fatal(err)
	}
	for r := range x.Dim(0) {
		for _, v := range x.Data()[r*4+2 : r*4+4] { // chain, draw, x0, x1
			if v < -0.3 || v > 0.4 {
				t.Fatalf("draw %g outside -box -0.3,0.4", v)
			}
		}
	}
}
