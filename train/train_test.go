package train

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

func mlp(t *testing.T, seed uint64) nn.Module {
	t.Helper()
	m, err := nn.NewMLP(rand.New(rand.NewPCG(seed, 0)), []int{2, 16, 16, 1}, nn.SiLU(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func moons(n int) *tensor.Tensor {
	return dataset.TwoMoons{}.Sample(rand.New(rand.NewPCG(1, 1)), n)
}

func pcd() *loss.ContrastiveDivergence {
	return &loss.ContrastiveDivergence{Persistent: true, BufferSize: 64, K: 3, InitSteps: 5,
		Sampler: sampler.Langevin{StepSize: schedule.Constant(0.01)}}
}

func newTrainer(t *testing.T, netSeed uint64, l loss.EnergyLoss, cfg Config) *Trainer {
	t.Helper()
	tr, err := New(mlp(t, netSeed), l, &optim.Adam{LR: 1e-3}, moons(200), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// straightAndResumed trains cfg for 2n steps straight through, and again
// for n steps that a third trainer, built with another network seed (99),
// resumes from the checkpoint for the n left. It returns the straight and
// the resumed trainers after their runs and the checkpoint's path; newT
// builds a trainer of a network seed and a config.
func straightAndResumed(t *testing.T, cfg Config, n int, newT func(netSeed uint64, cfg Config) *Trainer) (straight, resumed *Trainer, ckpt string) {
	t.Helper()
	cfg.Steps, cfg.Dir = 2*n, t.TempDir()
	straight = newT(1, cfg)
	if _, err := straight.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	half := cfg
	half.Steps, half.Dir = n, t.TempDir()
	if _, err := newT(1, half).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ckpt = filepath.Join(half.Dir, "checkpoint.bin")
	half.Steps = 2 * n
	resumed = newT(99, half) // other initial weights, fresh loss and optimizer
	if err := resumed.Resume(ckpt); err != nil {
		t.Fatal(err)
	}
	if resumed.Step() != n {
		t.Fatalf("resumed at step %d, want %d", resumed.Step(), n)
	}
	if _, err := resumed.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return straight, resumed, ckpt
}

func sameBits(t *testing.T, what string, a, b []*tensor.Tensor) {
	t.Helper()
	for i := range a {
		for j, v := range a[i].Data() {
			if math.Float64bits(v) != math.Float64bits(b[i].Data()[j]) {
				t.Fatalf("%s: tensor %d element %d: %v vs %v", what, i, j, v, b[i].Data()[j])
			}
		}
	}
}

// TestResumeEquivalence: 2N steps straight and N steps resumed for N more
// give the same weights and EMA, bit for bit, with persistent CD (a replay
// buffer and a sampler's randomness), Adam and an EMA in play.
func TestResumeEquivalence(t *testing.T) {
	a, b, _ := straightAndResumed(t, Config{BatchSize: 32, Seed: 3, EMADecay: 0.9}, 12, func(seed uint64, cfg Config) *Trainer {
		return newTrainer(t, seed, pcd(), cfg)
	})
	sameBits(t, "weights", nn.Values(a.Params()), nn.Values(b.Params()))
	sameBits(t, "EMA", a.EMA(), b.EMA())
}

// TestBadCheckpointsRefused: a truncated, corrupted, foreign or mismatched
// checkpoint gives an error and leaves the trainer as it was.
func TestBadCheckpointsRefused(t *testing.T) {
	dir := t.TempDir()
	src := newTrainer(t, 1, pcd(), Config{Steps: 3, BatchSize: 32, Dir: dir})
	if _, err := src.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, "checkpoint.bin"))
	corrupt := append([]byte(nil), good...)
	corrupt[len(corrupt)/3] ^= 1
	otherDir := t.TempDir()
	other, _ := New(mlp(t, 1), pcd(), &optim.SGD{}, moons(200), Config{Steps: 1, BatchSize: 32, Dir: otherDir})
	other.Run(context.Background())
	sgdCkpt, _ := os.ReadFile(filepath.Join(otherDir, "checkpoint.bin"))
	for name, data := range map[string][]byte{
		"truncated": good[:len(good)-10], "corrupted": corrupt, "foreign": []byte("GIF89a not a checkpoint"),
		"empty": nil, "other optimizer": sgdCkpt,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		tr := newTrainer(t, 7, pcd(), Config{Steps: 3, BatchSize: 32})
		before := nn.Values(tr.Params())
		snap := make([]*tensor.Tensor, len(before))
		for i, v := range before {
			snap[i] = v.Clone()
		}
		err := tr.Resume(p)
		if !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: error %v, want ErrCheckpoint", name, err)
		}
		sameBits(t, name+": weights after a failed resume", snap, before)
		if tr.Step() != 0 {
			t.Errorf("%s: step %d after a failed resume", name, tr.Step())
		}
	}
	// A checkpoint of another architecture.
	bigger, _ := nn.NewMLP(rand.New(rand.NewPCG(1, 0)), []int{2, 8, 1}, nn.SiLU(), nil)
	tr, _ := New(bigger, pcd(), &optim.Adam{}, moons(200), Config{Steps: 3, BatchSize: 32})
	if err := tr.Resume(filepath.Join(dir, "checkpoint.bin")); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("other architecture: error %v", err)
	}
}

// nanAfter wraps a loss and returns NaN from step k on.
type nanAfter struct {
	l     loss.EnergyLoss
	k, at int
}

func (n *nanAfter) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	n.at++
	v, err := n.l.Loss(tp, net, x, rng)
	if n.at >= n.k {
		v = tp.Mul(v, tensor.Scalar(math.NaN()))
	}
	return v, err
}

func TestNaNStopsAndKeepsLastCheckpoint(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, 1, &nanAfter{l: loss.ScoreMatching{}, k: 6}, Config{Steps: 20, BatchSize: 32, Dir: dir, CheckpointEvery: 2})
	_, err := tr.Run(context.Background())
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "step 6") {
		t.Fatalf("error %v, want ErrDiverged at step 6", err)
	}
	c, err := readCheckpoint(filepath.Join(dir, "checkpoint.bin"))
	if err != nil || c.Step != 4 {
		t.Fatalf("last checkpoint: step %v, %v; want the one of step 4", c, err)
	}
	for _, v := range c.params {
		for _, x := range v.Data() {
			if math.IsNaN(x) {
				t.Fatal("the kept checkpoint holds NaN weights")
			}
		}
	}
}

// cancelAt cancels a context at its k-th call.
type cancelAt struct {
	l      loss.EnergyLoss
	k, at  int
	cancel func()
}

func (c *cancelAt) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	c.at++
	if c.at == c.k {
		c.cancel()
	}
	return c.l.Loss(tp, net, x, rng)
}

// TestInterruptSavesCheckpoint: cancelling the context (what Ctrl-C does in
// the command) saves a checkpoint at the step reached, and metrics lines
// are JSON.
func TestInterruptSavesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	l := &cancelAt{l: loss.DenoisingScoreMatching{Sigma: 0.1}, k: 5, cancel: cancel}
	tr := newTrainer(t, 1, l, Config{Steps: 50, BatchSize: 32, Dir: dir, LogEvery: 1})
	sum, err := tr.Run(ctx)
	if !errors.Is(err, context.Canceled) || sum.Steps != 5 {
		t.Fatalf("error %v after %d steps, want context.Canceled after 5", err, sum.Steps)
	}
	c, err := readCheckpoint(filepath.Join(dir, "checkpoint.bin"))
	if err != nil || c.Step != 5 {
		t.Fatalf("checkpoint at step %v (%v), want 5", c, err)
	}
	f, _ := os.Open(filepath.Join(dir, "metrics.jsonl"))
	defer f.Close()
	sc := bufio.NewScanner(f)
	steps := 0
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		steps++
		if r.Step != steps || math.IsNaN(float64(r.Loss)) {
			t.Fatalf("metrics line %d: %+v", steps, r)
		}
	}
	if steps != 5 {
		t.Fatalf("%d metrics lines, want 5", steps)
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	for name, cfg := range map[string]Config{
		"negative steps":      {Steps: -1},
		"batch too big":       {Steps: 1, BatchSize: 1000},
		"EMA decay 1":         {Steps: 1, EMADecay: 1},
		"EMA decay NaN":       {Steps: 1, EMADecay: math.NaN()},
		"negative clip":       {Steps: 1, ClipNorm: -1},
		"negative accumulate": {Steps: 1, Accumulate: -1},
		"warm-up without EMA": {Steps: 1, EMAWarmup: true},
	} {
		if _, err := New(mlp(t, 1), loss.ScoreMatching{}, &optim.Adam{}, moons(200), cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}
