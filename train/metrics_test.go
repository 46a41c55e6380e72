package train

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Every metrics line is valid JSON, whatever the values: a gradient norm
// of +Inf (an overflowing gradient whose loss is still finite) used to
// make a blank line.
func TestMetricsNonFinite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	m := &metrics{path: path, every: 1}
	for i, g := range []float64{1.5, math.Inf(1), math.NaN(), math.Inf(-1)} {
		if err := m.AfterStep(nil, Status{Step: i + 1, Steps: 4, Loss: 0.25, GradNorm: g, Elapsed: time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Stop(nil, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []any{1.5, "+Inf", "NaN", "-Inf"}
	sc := bufio.NewScanner(f)
	n := 0
	for ; sc.Scan(); n++ {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d %q: %v", n+1, sc.Text(), err)
		}
		if r["grad_norm"] != want[n] || r["loss"] != 0.25 || r["step"] != float64(n+1) {
			t.Errorf("line %d: %v, want grad_norm %v", n+1, r, want[n])
		}
	}
	if n != len(want) {
		t.Errorf("%d lines, want %d", n, len(want))
	}
}

// The metrics file is appended without following a symbolic link.
func TestMetricsRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target, path := filepath.Join(dir, "elsewhere"), filepath.Join(dir, "metrics.jsonl")
	if err := os.Symlink(target, path); err != nil {
		t.Skip(err)
	}
	m := &metrics{path: path, every: 1}
	if err := m.AfterStep(nil, Status{Step: 1, Steps: 1}); err == nil {
		t.Error("metrics written through a symbolic link")
	}
	m.Stop(nil, nil)
	if _, err := os.Stat(target); err == nil {
		t.Error("the link's target was created")
	}
}
