package model

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tinyConfig() Config {
	return Config{Data: "twomoons", Loss: "dsm", Dim: 2, Hidden: 8, Layers: 1, Activation: "silu", Steps: 6, Batch: 16, LR: 1e-3, Seed: 2}
}

// fit trains c into the run's work directory, with a checkpoint every 3
// steps.
func fit(t *testing.T, r *Run, c Config, resume bool) error {
	t.Helper()
	data, _, err := Data(c.Data, c.Seed, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Fit(context.Background(), c, data, TrainOptions{Dir: r.Work, CheckpointEvery: 3, Resume: resume})
	return err
}

// trained returns a directory holding a finished model of c.
func trained(t *testing.T, c Config) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m")
	r, err := OpenRun(out, c, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := fit(t, r, c, false); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(); err != nil {
		t.Fatal(err)
	}
	return out
}

// snapshot returns every file under dir and beside it (its siblings
// named after it), by path, with its bytes.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	matches, _ := filepath.Glob(dir + "*")
	for _, m := range matches {
		filepath.Walk(m, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				b, _ := os.ReadFile(p)
				files[p] = string(b)
			}
			return nil
		})
	}
	return files
}

func sameFiles(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for p := range want {
		if got[p] != want[p] {
			t.Errorf("%s: %s changed or went", what, p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: %s appeared", what, p)
		}
	}
}

func TestOpenRunRefuses(t *testing.T) {
	c := tinyConfig()
	dir := t.TempDir()
	stray := filepath.Join(dir, "notes.txt")
	os.WriteFile(stray, []byte("mine"), 0o644)
	if _, err := OpenRun(dir, c, false, false); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("a directory of other files: %v, want ErrNotEmpty", err)
	}
	if _, err := OpenRun(stray, c, true, false); !errors.Is(err, ErrInvalid) {
		t.Errorf("a file: %v, want ErrInvalid", err)
	}
	if b, _ := os.ReadFile(stray); string(b) != "mine" {
		t.Error("the refused run touched a file")
	}
	out := trained(t, c)
	if _, err := OpenRun(out, c, false, false); !errors.Is(err, ErrExists) {
		t.Errorf("a model: %v, want ErrExists", err)
	}
	if _, err := OpenRun(filepath.Join(t.TempDir(), "none"), c, false, true); !errors.Is(err, ErrNotModel) {
		t.Errorf("resuming nothing: %v, want ErrNotModel", err)
	}
	r, err := OpenRun(filepath.Join(t.TempDir(), "new", "m"), c, false, false)
	if err != nil {
		t.Fatalf("a new directory: %v", err)
	}
	r.Close()
}

// Two runs cannot hold one directory; the second is refused until the first
// closes, and no lock file is left behind.
func TestOpenRunLocks(t *testing.T) {
	c := tinyConfig()
	out := filepath.Join(t.TempDir(), "m")
	a, err := OpenRun(out, c, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRun(out, c, true, false); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second run: %v, want ErrLocked", err)
	}
	if _, err := OpenRun(out, c, false, true); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second run resuming: %v, want ErrLocked", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := OpenRun(out, c, false, false)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	b.Close()
	if m, _ := filepath.Glob(out + "*"); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
}

// A -resume with other settings is refused before anything is written: the
// model and its checkpoint are as they were.
func TestResumeMismatch(t *testing.T) {
	c := tinyConfig()
	out := trained(t, c)
	before := snapshot(t, out)
	for name, f := range map[string]func(*Config){
		"hidden": func(c *Config) { c.Hidden = 16 },
		"data":   func(c *Config) { c.Data = "circle" },
		"seed":   func(c *Config) { c.Seed = 3 },
		"steps":  func(c *Config) { c.Steps = 9 },
		// The same rows in other steps: another run.
		"accumulate": func(c *Config) { c.Accumulate = 2 },
		// A run without the field was float64, and the error says so.
		"precision": func(c *Config) { c.Precision = "float32" },
	} {
		d := c
		f(&d)
		_, err := OpenRun(out, d, false, true)
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v, want ErrMismatch", name, err)
		}
		if name == "precision" && err != nil && !strings.Contains(err.Error(), `precision "float64" (now "float32")`) {
			t.Errorf("precision: %v, want it to name float64 and float32", err)
		}
		sameFiles(t, name, snapshot(t, out), before)
	}
	// Train itself checks before it writes.
	d := c
	d.Hidden = 16
	if err := fit(t, &Run{Work: out}, d, true); !errors.Is(err, ErrMismatch) {
		t.Errorf("Train resuming with another width: %v, want ErrMismatch", err)
	}
	sameFiles(t, "Train", snapshot(t, out), before)
}

// An interrupted run resumes to the parameters of an uninterrupted one,
// and a finished model resumes to itself.
// TestResumeInterrupted: an interrupted run resumed from its checkpoint
// writes the same parameter file as an uninterrupted one, in float64 and in
// float32 (whose checkpoint keeps the float64 values between steps), and
// with gradient accumulation.
func TestResumeInterrupted(t *testing.T) {
	for _, prec := range []string{"", "float32"} {
		t.Run("precision="+prec, func(t *testing.T) {
			c := tinyConfig()
			c.Precision = prec
			testResumeInterrupted(t, c)
		})
	}
	t.Run("accumulate=3", func(t *testing.T) {
		c := tinyConfig()
		c.Accumulate = 3
		testResumeInterrupted(t, c)
	})
}

// TestAccumulateConfig: config.json names accumulate only when it is set,
// so the directories of earlier versions read and resume unchanged, and a
// negative count is refused.
func TestAccumulateConfig(t *testing.T) {
	c := tinyConfig()
	b, err := os.ReadFile(filepath.Join(trained(t, c), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "accumulate") {
		t.Errorf("config.json of a run without accumulation names it: %s", b)
	}
	plain, _ := os.ReadFile(filepath.Join(trained(t, c), "model.params"))
	c.Accumulate = 2
	out := trained(t, c)
	got, err := ReadConfig(out)
	if err != nil || got.Accumulate != 2 {
		t.Errorf("read back accumulate %d (%v), want 2", got.Accumulate, err)
	}
	// It reaches the trainer: twice the batches, other weights.
	if acc, _ := os.ReadFile(filepath.Join(out, "model.params")); bytes.Equal(acc, plain) {
		t.Error("accumulate 2 trained the same weights as 1")
	}
	c.Accumulate = -1
	if err := c.Check(); !errors.Is(err, ErrInvalid) {
		t.Errorf("accumulate -1: %v, want ErrInvalid", err)
	}
	c.Accumulate, c.Steps = 1<<30, 1<<20
	if err := c.Check(); !errors.Is(err, ErrInvalid) {
		t.Errorf("2^50 batches: %v, want ErrInvalid", err)
	}
}

func testResumeInterrupted(t *testing.T, c Config) {
	want, err := os.ReadFile(filepath.Join(trained(t, c), "model.params"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "m")
	r, err := OpenRun(out, c, false, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	data, _, _ := Data(c.Data, c.Seed, 10)
	cancel()
	if _, _, err := Fit(ctx, c, data, TrainOptions{Dir: r.Work, CheckpointEvery: 3}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if !r.HasCheckpoint() {
		t.Fatal("no checkpoint after cancellation")
	}
	r.Close()
	if _, err := OpenRun(out, c, false, false); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("a fresh run over an interrupted one: %v, want ErrInterrupted", err)
	}
	if exists(out) {
		t.Fatalf("%s exists before the run finished", out)
	}
	for i := range 2 { // the interrupted run, then the finished one
		r, err := OpenRun(out, c, false, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := fit(t, r, c, true); err != nil {
			t.Fatal(err)
		}
		if err := r.Commit(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if b, _ := os.ReadFile(filepath.Join(out, "model.params")); !bytes.Equal(b, want) {
			t.Errorf("resume %d: the parameters differ from an uninterrupted run's", i)
		}
	}
}

// -force removes nothing until the new run has a checkpoint: a run that
// fails before one leaves the old model, or the old interrupted run,
// exactly as it was; a crash before one is undone by the next OpenRun.
func TestForceKeepsOld(t *testing.T) {
	c := tinyConfig()
	out := trained(t, c)
	// An interrupted run beside the model.
	os.Mkdir(out+".training", 0o755)
	for _, f := range []string{"config.json", "checkpoint.bin", "metrics.jsonl"} {
		b, _ := os.ReadFile(filepath.Join(out, f))
		os.WriteFile(filepath.Join(out+".training", f), b, 0o644)
	}
	before := snapshot(t, out)
	r, err := OpenRun(out, c, true, false)
	if err != nil {
		t.Fatal(err)
	}
	bad := c
	bad.Steps = 0
	if err := fit(t, r, bad, false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a run of 0 steps: %v, want ErrInvalid", err)
	}
	r.Close()
	sameFiles(t, "a failed -force run", snapshot(t, out), before)

	// A crash after the new run wrote its config, before its checkpoint.
	r, _ = OpenRun(out, c, true, false)
	d := c
	d.Hidden = 4
	if err := d.write(r.Work); err != nil {
		t.Fatal(err)
	}
	r.unlock() // the process dies holding nothing
	r, err = OpenRun(out, c, false, true)
	if err != nil {
		t.Fatalf("resuming after the crash: %v", err)
	}
	r.Close()
	sameFiles(t, "after a crashed -force run", snapshot(t, out), before)
}

// A crash between Commit's two renames leaves the old model aside; the
// next OpenRun puts it back.
func TestCommitRecovers(t *testing.T) {
	c := tinyConfig()
	out := trained(t, c)
	before := snapshot(t, out)
	if err := os.Rename(out, out+".replaced"); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRun(out, c, false, true)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	sameFiles(t, "after a crashed commit", snapshot(t, out), before)
}
