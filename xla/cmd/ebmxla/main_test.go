package main

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/model"
)

// TestTrainAndSample trains each loss for a few steps on the pure-Go
// backend, checks that ebm's model.Load reads what it wrote (the trained
// weights, not the initial ones), and samples the energy models.
func TestTrainAndSample(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	for _, l := range []string{"dsm", "ssm", "cd", "pcd", "fm"} {
		dir := filepath.Join(t.TempDir(), l)
		var out bytes.Buffer
		err := run([]string{"train", "-loss", l, "-steps", "3", "-batch", "16", "-hidden", "8", "-out", dir}, &out, &out)
		if err != nil {
			t.Fatalf("train %s: %v", l, err)
		}
		m, err := model.Load(dir)
		if err != nil {
			t.Fatalf("train %s wrote a model ebm cannot load: %v", l, err)
		}
		init, err := m.Config().Network(m.Kind(), m.Config().Seed)
		if err != nil {
			t.Fatal(err)
		}
		if w0, w := init.Params()[0].Value.Data()[0], m.Net().Params()[0].Value.Data()[0]; w0 == w {
			t.Errorf("train %s: the saved first weight %v is the initial one", l, w)
		}
		if l == "fm" {
			err := run([]string{"sample", "-model", dir}, &out, &out)
			if err == nil || !strings.Contains(err.Error(), "energy models") {
				t.Errorf("sample of a flow model: %v, want a refusal", err)
			}
			continue
		}
		var draws, log bytes.Buffer
		if err := run([]string{"sample", "-model", dir, "-n", "7", "-steps", "5", "-sampler", "hmc", "-step", "0.05"}, &draws, &log); err != nil {
			t.Fatalf("sample %s: %v", l, err)
		}
		rows, err := csv.NewReader(&draws).ReadAll()
		if err != nil || len(rows) != 7 || len(rows[0]) != 2 {
			t.Errorf("sample %s: %d rows (%v), want 7 of 2 values", l, len(rows), err)
		}
	}
}

// TestNoPlugin checks the one-line error of a backend whose plugin is
// missing.
func TestNoPlugin(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"sample", "-model", "x", "-backend", "xla:/nonexistent/xla_cuda_plugin.so"}, &out, &out)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "no PJRT plugin at /nonexistent/xla_cuda_plugin.so") {
		t.Errorf("missing plugin: %q, want one line naming the path", err)
	}
}
