package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/dataset"
)

// TestImagesEndToEnd trains tiny image models on the digits, a few steps
// each (seconds): a conv classifier (ce), a conv energy by persistent CD
// with its replay-buffer grid, JEM, and a label-conditional transformer
// flow; then eval reads the classifier's accuracy and scores the other
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
	small := []string{"-data", "digits", "-steps", "4", "-batch", "16", "-checkpoint-every", "2"}
	train := func(name string, args ...string) {
		t.Helper()
		if _, _, err := ebm(t, append(append([]string{"train", "-out", p(name)}, small...), args...)...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	train("clf", "-model", "conv", "-loss", "ce", "-widths", "4,8")
	train("pcd", "-model", "conv", "-loss", "pcd", "-widths", "4", "-cd-steps", "2")
	train("jem", "-model", "conv", "-loss", "jem", "-widths", "4", "-cd-steps", "2")
	train("fm", "-model", "transformer", "-loss", "fm", "-hidden", "16", "-layers", "1", "-heads", "2", "-patch", "4")

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
	for _, m := range []string{"pcd", "jem", "fm"} {
		js, _, err := ebm(t, "eval", "-model", p(m), "-classifier", p("clf"), "-n", "40", "-json")
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		var s imageEvalSummary
		if err := json.Unmarshal([]byte(js), &s); err != nil || s.ImageScores == nil {
			t.Fatalf("%s: eval %s: %v", m, js, err)
		}
		sum := 0
		for _, c := range s.Histogram {
			sum += c
		}
		conditional := m != "pcd"
		if sum != s.Samples || !(s.Floor > 0) || !(s.Frechet > 0) || (s.LabelAccuracy != nil) != conditional || (m == "jem") != (s.Accuracy != nil) {
			t.Errorf("%s: scores %s", m, js)
		}
	}
	if _, _, err := ebm(t, "eval", "-model", p("pcd")); err == nil {
		t.Error("eval of an image energy without -classifier succeeded")
	}

	for _, m := range []string{"jem", "fm"} {
		out := p(m + "-3.npy")
		if m == "fm" {
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
