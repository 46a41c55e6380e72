package main

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/goebm/goebm/model"
)

// TestKillAndResume kills ebm train with SIGKILL at random moments, over
// and over, and checks after each kill that -out is the old model, or
// absent, or the finished new one, and that the run resumes (or, killed
// before its first checkpoint, starts again) to the parameters of a run
// never interrupted, byte for byte. Half the iterations retrain over an
// old model with -force.
//
// It builds the binary and takes about a minute, so it runs only with
// GOEBM_LONG=1 (GOEBM_KILLS sets the number of iterations, 10 by default):
//
//	GOEBM_LONG=1 go test ./cmd/ebm -run TestKillAndResume -v
func TestKillAndResume(t *testing.T) {
	if os.Getenv("GOEBM_LONG") == "" {
		t.Skip("long: set GOEBM_LONG=1")
	}
	iters := 10
	if n, err := strconv.Atoi(os.Getenv("GOEBM_KILLS")); err == nil {
		iters = n
	}
	dir := t.TempDir()
	bin := build(t, dir)
	args := []string{"train", "-data", "twomoons", "-loss", "pcd", "-steps", "400", "-batch", "64", "-hidden", "16", "-checkpoint-every", "20"}
	ebm := func(extra ...string) *exec.Cmd {
		return exec.Command(bin, append(append([]string{}, args...), extra...)...)
	}
	run := func(extra ...string) {
		t.Helper()
		if out, err := ebm(extra...).CombinedOutput(); err != nil {
			t.Fatalf("ebm %v: %v\n%s", extra, err, out)
		}
	}
	ref := filepath.Join(dir, "ref")
	run("-out", ref)
	want, err := os.ReadFile(filepath.Join(ref, "model.params"))
	if err != nil {
		t.Fatal(err)
	}
	oldModel := filepath.Join(dir, "old")
	run("-out", oldModel, "-seed", "7")

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills := 0
	seen := map[string]int{} // what each kill left
	for i := range iters {
		out := filepath.Join(dir, "m"+strconv.Itoa(i))
		fresh := []string{"-out", out}
		var was map[string]string // the old model in out, if any
		if i%2 == 1 {
			if err := os.CopyFS(out, os.DirFS(oldModel)); err != nil {
				t.Fatal(err)
			}
			was = rebase(files(t, out), out, oldModel)
			fresh = append(fresh, "-force")
		}
		next := fresh
		for k := 0; ; k++ {
			cmd := ebm(next...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			if k < 4 { // then let it finish
				time.Sleep(time.Duration(rng.Float64() * float64(time.Second)))
				killed = cmd.Process.Kill() == nil
			}
			err := cmd.Wait()
			if !killed && err != nil {
				t.Fatalf("iteration %d, run %d %v: %v\n%s", i, k, next, err, stderr.String())
			}
			if killed && err == nil {
				killed = false // it had finished
			}
			if b, err := os.ReadFile(filepath.Join(out, "model.params")); err == nil && bytes.Equal(b, want) {
				if _, err := model.Load(out); err != nil {
					t.Fatalf("iteration %d, run %d: the new model does not load: %v", i, k, err)
				}
				break // done
			}
			// Not the new model: out must be the old one, whole, or absent.
			if exists(out) && (was == nil || !maps.Equal(rebase(files(t, out), out, oldModel), was)) {
				t.Fatalf("iteration %d, run %d: %s is neither the old model nor the new one", i, k, out)
			}
			if !killed {
				t.Fatalf("iteration %d, run %d: finished without the model\n%s", i, k, stderr.String())
			}
			kills++
			next = fresh
			ckpt := exists(filepath.Join(out+".training", "checkpoint.bin"))
			seen[map[bool]string{true: "old model", false: "no model"}[exists(out)]+
				map[bool]string{true: " + checkpoint", false: ", no checkpoint"}[ckpt]]++
			if ckpt {
				if _, err := model.ReadConfig(out + ".training"); err != nil {
					t.Fatalf("iteration %d, run %d: a checkpoint without a config: %v", i, k, err)
				}
				next = []string{"-out", out, "-resume"}
			}
		}
		if m, _ := filepath.Glob(out + ".*"); len(m) != 0 {
			t.Errorf("iteration %d: left behind %v", i, m)
		}
	}
	t.Logf("%d iterations, %d kills (%v): every directory was the old model, absent, or the new one; every run resumed to the same bytes", iters, kills, seen)
}

// build builds ebm into dir.
func build(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ebm")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestTwoProcesses: a second process cannot train into a directory while
// another holds it (TestTrainLocked checks the same within one process).
// Long, as TestKillAndResume is.
func TestTwoProcesses(t *testing.T) {
	if os.Getenv("GOEBM_LONG") == "" {
		t.Skip("long: set GOEBM_LONG=1")
	}
	dir := t.TempDir()
	bin, out := build(t, dir), filepath.Join(dir, "m")
	first := exec.Command(bin, append(append([]string{}, tiny...), "-steps", "100000", "-out", out)...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Wait()
	defer first.Process.Kill()
	for deadline := time.Now().Add(time.Minute); !exists(out + ".training"); { // the first holds the lock
		if time.Now().After(deadline) {
			t.Fatal("the first process never started training")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, extra := range [][]string{{}, {"-force"}, {"-resume"}} {
		b, err := exec.Command(bin, append(append(append([]string{}, tiny...), "-out", out), extra...)...).CombinedOutput()
		if err == nil || !bytes.Contains(b, []byte("another ebm train holds "+out)) {
			t.Errorf("a second process %v: %v\n%s", extra, err, b)
		}
	}
}

// rebase renames the paths of files under from to paths under to.
func rebase(files map[string]string, from, to string) map[string]string {
	out := map[string]string{}
	for p, b := range files {
		if rel, err := filepath.Rel(from, p); err == nil && filepath.IsLocal(rel) {
			out[filepath.Join(to, rel)] = b
		}
	}
	return out
}
