package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goebm/goebm/dataset"
)

// TestImagesEndToEnd trains tiny image models on the digits, a few steps
// each (seconds): a conv classifier (ce), a conv energy by persistent CD
// with its replay-buffer grid, JEM, and label-conditional transformer and
// U-Net flows; then eval reads the classifier's accuracy and scores the other
// models' samples in its features, and generate draws by label. It checks
// the plumbing and the shapes (what the figures are is the long run's
// business): the pictures have a row per class where the model is
// conditional, the JSON carries the fields, and labels outside the
// classes are refused.
func TestImagesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four conv and transformer models: seconds, but minutes under the race detector; model's tests race the image code")
	}
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	train := tinyDigits(t, dir)
	train("clf", "-model", "conv", "-loss", "ce", "-widths", "4,8")
	train("pcd", "-model", "conv", "-loss", "pcd", "-widths", "4", "-cd-steps", "2")
	train("jem", "-model", "conv", "-loss", "jem", "-widths", "4", "-cd-steps", "2")
	train("fm", "-model", "transformer", "-loss", "fm", "-hidden", "16", "-layers", "1", "-heads", "2", "-patch", "4")
	train("unet", "-model", "unet", "-loss", "fm", "-widths", "4,4")

	rowsOf := func(path string) int { return decodePNG(t, path).Bounds().Dy() }
	// A conditional model draws a row per class (10) and a row of data;
	// an unconditional one 8 rows and a row of data: rows of 8-pixel tiles
	// with their gaps, so 11 rows are taller than 9.
	if jem, pcd := rowsOf(p("jem/samples.png")), rowsOf(p("pcd/samples.png")); jem <= pcd {
		t.Errorf("samples.png heights: jem %d, pcd %d: want a row per class for jem", jem, pcd)
	}
	if _, err := os.Stat(p("pcd/buffer.png")); err != nil {
		t.Errorf("persistent CD wrote no replay-buffer grid: %v", err)
	}

	var clf imageEvalSummary
	js, _, err := ebm(t, "eval", "-model", p("clf"), "-json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(js), &clf); err != nil || clf.Accuracy == nil || *clf.Accuracy < 0 || *clf.Accuracy > 1 {
		t.Fatalf("classifier eval %s: %v", js, err)
	}
	for _, m := range []string{"pcd", "jem", "fm", "unet"} {
		s, sum, js := scoreImages(t, m, "-model", p(m), "-classifier", p("clf"), "-n", "40")
		conditional := m != "pcd"
		if sum != s.Samples || !(s.Floor > 0) || !(s.Frechet > 0) || (s.LabelAccuracy != nil) != conditional || (m == "jem") != (s.Accuracy != nil) {
			t.Errorf("%s: scores %s", m, js)
		}
	}
	if _, _, err := ebm(t, "eval", "-model", p("pcd")); err == nil {
		t.Error("eval of an image energy without -classifier succeeded")
	}
	// -integrator and -ode-steps reach a flow's solver (one Euler step
	// scores otherwise than 50 of RK4), and an energy refuses them.
	coarse, _, js := scoreImages(t, "unet", "-model", p("unet"), "-classifier", p("clf"), "-n", "40", "-integrator", "euler", "-ode-steps", "1")
	if fine, _, _ := scoreImages(t, "unet", "-model", p("unet"), "-classifier", p("clf"), "-n", "40"); coarse.Frechet == fine.Frechet {
		t.Errorf("unet: one Euler step scores as 50 RK4 steps do: %s", js)
	}
	if _, _, err := ebm(t, "eval", "-model", p("pcd"), "-classifier", p("clf"), "-n", "40", "-ode-steps", "5"); err == nil {
		t.Error("eval accepted -ode-steps for an image energy")
	}

	for _, m := range []string{"jem", "fm", "unet"} {
		out := p(m + "-3.npy")
		if m != "jem" {
			out = p(m + "-3.csv") // 64 columns, no header
		}
		if _, _, err := ebm(t, "generate", "-model", p(m), "-label", "3", "-guidance", "2", "-n", "8", "-out", out, "-plot", p(m+"-3.png")); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		x, err := dataset.Load(out)
		if err != nil || x.Dim(0) != 8 || x.Dim(1) != 64 {
			t.Fatalf("%s: generated %v, %v", m, x, err)
		}
		for _, v := range x.Data() {
			if m == "jem" && (v < -1 || v > 1) {
				t.Fatalf("jem generated %g outside [-1, 1]", v)
			}
		}
		if _, _, err := ebm(t, "generate", "-model", p(m), "-label", "10", "-n", "8"); err == nil {
			t.Errorf("%s: -label 10 of 10 classes accepted", m)
		}
	}
	if _, _, err := ebm(t, "generate", "-model", p("pcd"), "-label", "3", "-n", "8"); err == nil {
		t.Error("-label accepted by an unconditional energy")
	}
}

// TestNCSNEndToEnd trains tiny noise-conditional energies (ncsn) on the
// digits, conv and MLP, a few steps each on a ladder of 3 levels, then
// checks the plumbing: config.json keeps the ladder and the image shape,
// the samples grid is drawn, eval scores the generated images in a
// classifier's features (an unconditional model: a histogram, no label
// accuracy), generate writes images in [−1, 1] with -chain-steps as the
// steps per level, and the same seed gives the same images; on images the
// ladder defaults to σ₁ = 3 in 20 levels.
func TestNCSNEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small image models: seconds, but minutes under the race detector")
	}
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	train := tinyDigits(t, dir)
	train("clf", "-model", "conv", "-loss", "ce", "-widths", "4")
	ladder := []string{"-loss", "ncsn", "-sigma-max", "0.5", "-sigma-min", "0.05", "-noise-levels", "3"}
	train("conv", append([]string{"-model", "conv", "-widths", "4"}, ladder...)...)
	train("mlp", append([]string{"-hidden", "16"}, ladder...)...)
	train("defaults", "-model", "conv", "-widths", "2", "-loss", "ncsn", "-steps", "1")
	if b, err := os.ReadFile(p("defaults/config.json")); err != nil || !strings.Contains(string(b), `"sigma_max": 3,`) || !strings.Contains(string(b), `"noise_levels": 20`) {
		t.Errorf("ncsn on images: config.json %s, %v: want the image ladder, σ₁ = 3 in 20 levels", b, err)
	}
	for _, m := range []string{"conv", "mlp"} {
		b, err := os.ReadFile(p(m + "/config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			SigmaMax    float64 `json:"sigma_max"`
			SigmaMin    float64 `json:"sigma_min"`
			NoiseLevels int     `json:"noise_levels"`
			Image       []int   `json:"image"`
		}
		if err := json.Unmarshal(b, &c); err != nil || c.SigmaMax != 0.5 || c.SigmaMin != 0.05 || c.NoiseLevels != 3 || len(c.Image) != 3 {
			t.Errorf("%s: config.json %s: %v", m, b, err)
		}
		if _, err := os.Stat(p(m + "/samples.png")); err != nil {
			t.Errorf("%s: no samples grid: %v", m, err)
		}
		s, sum, js := scoreImages(t, m, "-model", p(m), "-classifier", p("clf"), "-n", "24", "-chain-steps", "3")
		if sum != 24 || s.Samples != 24 || !(s.Frechet > 0) || s.LabelAccuracy != nil || s.Accuracy != nil {
			t.Errorf("%s: scores %s", m, js)
		}
		var draws [2][]float64
		for i := range draws {
			out := p(fmt.Sprintf("%s-%d.npy", m, i))
			if _, _, err := ebm(t, "generate", "-model", p(m), "-n", "8", "-chain-steps", "2", "-seed", "5", "-out", out, "-plot", p(fmt.Sprintf("%s-%d.png", m, i))); err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			x, err := dataset.Load(out)
			if err != nil || x.Dim(0) != 8 || x.Dim(1) != 64 {
				t.Fatalf("%s: generated %v, %v", m, x, err)
			}
			draws[i] = x.Data()
		}
		if !slices.Equal(draws[0], draws[1]) {
			t.Errorf("%s: the same seed generated different images", m)
		}
		if slices.ContainsFunc(draws[0], func(v float64) bool { return !(v >= -1 && v <= 1) }) {
			t.Errorf("%s: generated pixels outside [−1, 1]", m)
		}
		if _, _, err := ebm(t, "generate", "-model", p(m), "-label", "3", "-n", "8"); err == nil {
			t.Errorf("%s: -label accepted by an unconditional noise energy", m)
		}
	}
}

// tinyDigits returns a function that trains a model of a few steps on the
// digits into dir/name, with the given flags.
func tinyDigits(t *testing.T, dir string) func(name string, args ...string) {
	small := []string{"-data", "digits", "-steps", "4", "-batch", "16", "-checkpoint-every", "2"}
	return func(name string, args ...string) {
		t.Helper()
		if _, _, err := ebm(t, append(append([]string{"train", "-out", filepath.Join(dir, name)}, small...), args...)...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// scoreImages runs ebm eval -json with args on the image model named name
// and returns its summary, which must hold image scores, the sum of its
// class histogram, and the JSON.
func scoreImages(t *testing.T, name string, args ...string) (s imageEvalSummary, histogram int, js string) {
	t.Helper()
	js, _, err := ebm(t, append(append([]string{"eval"}, args...), "-json")...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := json.Unmarshal([]byte(js), &s); err != nil || s.ImageScores == nil {
		t.Fatalf("%s: eval %s: %v", name, js, err)
	}
	for _, c := range s.Histogram {
		histogram += c
	}
	return s, histogram, js
}
