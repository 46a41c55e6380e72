package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/model"
)

// tiny are the settings of a quick training run.
var tiny = []string{"train", "-data", "twomoons", "-loss", "dsm", "-steps", "6", "-batch", "16", "-hidden", "8", "-layers", "1", "-checkpoint-every", "3"}

func train(t *testing.T, args ...string) error {
	t.Helper()
	_, _, err := ebm(t, append(append([]string{}, tiny...), args...)...)
	return err
}

// files returns the bytes of every file in dir and its siblings
// (DIR.training, DIR.lock, …), by path.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	matches, _ := filepath.Glob(dir + "*")
	for _, m := range matches {
		filepath.Walk(m, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				b, _ := os.ReadFile(p)
				out[p] = string(b)
			}
			return nil
		})
	}
	return out
}

func unchanged(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d files, want %d", what, len(got), len(want))
	}
	for p, b := range want {
		if got[p] != b {
			t.Errorf("%s: %s changed or went", what, p)
		}
	}
}

// A -resume with other settings is refused and leaves the model as it was:
// it used to rewrite config.json before checking the checkpoint (a
// different -hidden), or accept the run and relabel the model (a different
// -data or -seed).
func TestTrainResumeOtherSettings(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	if err := train(t, "-out", out); err != nil {
		t.Fatal(err)
	}
	before := files(t, out)
	for _, args := range [][]string{{"-hidden", "16"}, {"-data", "circle"}, {"-seed", "2"}, {"-accumulate", "2"}} {
		err := train(t, append(args, "-out", out, "-resume")...)
		if err == nil || !strings.Contains(err.Error(), "was started with") {
			t.Errorf("-resume %v: %v, want a refusal naming the setting", args, err)
		}
		unchanged(t, "-resume "+strings.Join(args, " "), files(t, out), before)
	}
	if _, err := model.Load(out); err != nil {
		t.Errorf("the model no longer loads: %v", err)
	}
}

// -accumulate k is written to config.json (and -accumulate 1, the default,
// is not, so the directory is the one earlier versions wrote) and a run
// with it resumes.
func TestTrainAccumulate(t *testing.T) {
	for _, k := range []string{"1", "3"} {
		out := filepath.Join(t.TempDir(), "m")
		if err := train(t, "-accumulate", k, "-out", out); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		if named := strings.Contains(string(b), `"accumulate"`); named != (k != "1") {
			t.Errorf("-accumulate %s: config.json %s", k, b)
		}
		if err := train(t, "-accumulate", k, "-out", out, "-resume"); err != nil {
			t.Errorf("-accumulate %s -resume: %v", k, err)
		}
	}
}

// A run that diverges before its first checkpoint neither points at a
// checkpoint nor leaves anything behind; with -force, the old model, its
// checkpoint and metrics are untouched.
func TestTrainDivergedEarly(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m")
	err := train(t, "-lr", "1e300", "-out", out)
	if err == nil || strings.Contains(err.Error(), "checkpoint") {
		t.Errorf("diverged: %v, want an error that names no checkpoint", err)
	}
	if m, _ := filepath.Glob(out + "*"); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
	if err := train(t, "-out", out); err != nil {
		t.Fatal(err)
	}
	before := files(t, out)
	if err := train(t, "-lr", "1e300", "-out", out, "-force"); err == nil {
		t.Fatal("-lr 1e300 trained")
	}
	unchanged(t, "a failed -force run", files(t, out), before)
}

// Two trainings cannot write one directory at once: the second is refused
// while the first holds the lock.
func TestTrainLocked(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	var c model.Config // the lock comes before any setting is read
	r, err := model.OpenRun(out, c, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, args := range [][]string{{}, {"-force"}, {"-resume"}} {
		err := train(t, append(args, "-out", out)...)
		if err == nil || !strings.Contains(err.Error(), "another ebm train holds "+out) {
			t.Errorf("%v while another run holds %s: %v", args, out, err)
		}
	}
}

// -out into a directory of other files is refused, and -force replaces it.
func TestTrainIntoOtherFiles(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644)
	err := train(t, "-out", out)
	if err == nil || !strings.Contains(err.Error(), "no config.json") || !strings.Contains(err.Error(), "-force") {
		t.Errorf("%v, want a refusal that says why and names -force", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "notes.txt")); string(b) != "mine" {
		t.Error("the refused run touched the directory")
	}
	if err := train(t, "-out", out, "-force"); err != nil {
		t.Fatal(err)
	}
	if _, err := model.Load(out); err != nil {
		t.Error(err)
	}
}
