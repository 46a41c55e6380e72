package main

import (
	"bytes"
	"encoding/csv"
	"os"
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

// TestDevices trains the losses that sample (cd, pcd) and one that does
// not (ssm) data-parallel over two shards of device 0, samples over three
// into a file, and checks the refusals of devices the backend lacks and of
// a batch that does not split.
func TestDevices(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	tmp := t.TempDir()
	var out bytes.Buffer
	for _, l := range []string{"ssm", "cd", "pcd"} {
		dir := filepath.Join(tmp, l)
		if err := run([]string{"train", "-loss", l, "-steps", "2", "-batch", "16", "-hidden", "8", "-devices", "0,0", "-out", dir}, &out, &out); err != nil {
			t.Fatalf("train %s on two shards: %v", l, err)
		}
	}
	if !strings.Contains(out.String(), "devices [0 0]") {
		t.Errorf("train's report does not name its devices: %q", out.String())
	}
	file := filepath.Join(tmp, "draws.csv")
	if err := run([]string{"sample", "-model", filepath.Join(tmp, "cd"), "-n", "7", "-steps", "3", "-devices", "0,0,0", "-out", file}, &out, &out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, err := csv.NewReader(f).ReadAll(); err != nil || len(rows) != 7 {
		t.Errorf("sample over three shards wrote %d rows (%v), want 7", len(rows), err)
	}
	for _, args := range [][]string{
		{"train", "-out", filepath.Join(tmp, "x"), "-devices", "7"},
		{"train", "-out", filepath.Join(tmp, "x"), "-batch", "15", "-devices", "0,0"},
		{"sample", "-model", filepath.Join(tmp, "cd"), "-devices", "0,x"},
		{"sample", "-model", filepath.Join(tmp, "cd"), "-n", "2", "-devices", "0,0,0"},
	} {
		err := run(args, &out, &out)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want a one-line refusal", args, err)
		}
		if _, serr := os.Stat(filepath.Join(tmp, "x")); serr == nil {
			t.Errorf("%v wrote a model directory", args)
		}
	}
}
