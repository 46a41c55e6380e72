package train

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// TestAccumulateEqualsBigBatch: with exact score matching (deterministic,
// a mean over rows), k = 4 accumulated batches of b rows take the same
// steps as batches of 4b rows. The data have 4b rows, so each step's k
// batches are one epoch, the same rows as the big batch in another order:
// the weights and the logged losses agree to rounding (1e-12), for SGD
// (the update is linear in the gradient) and Adam (its state sees the
// same gradients).
func TestAccumulateEqualsBigBatch(t *testing.T) {
	const b, k, steps = 8, 4, 3
	for name, opt := range map[string]func() optim.Stateful{
		"sgd":  func() optim.Stateful { return &optim.SGD{LR: 0.05, Momentum: 0.5} },
		"adam": func() optim.Stateful { return &optim.Adam{LR: 1e-2} },
	} {
		run := func(batch, acc int) ([]*tensor.Tensor, []float64) {
			var losses []float64
			rec := StepFunc(func(_ *Trainer, s Status) error { losses = append(losses, s.Loss); return nil })
			tr, err := New(mlp(t, 1), loss.ScoreMatching{}, opt(), moons(b*k),
				Config{Steps: steps, BatchSize: batch, Accumulate: acc, Seed: 5, Hooks: []Hook{rec}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tr.Step() != steps {
				t.Fatalf("%s: %d steps taken, want %d optimizer steps", name, tr.Step(), steps)
			}
			return nn.Values(tr.Params()), losses
		}
		wa, la := run(b, k)
		wb, lb := run(b*k, 1)
		w0 := nn.Values(mlp(t, 1).Params())
		moved, worst := 0.0, 0.0
		for i := range wa {
			for j, v := range wa[i].Data() {
				d := math.Abs(v - wb[i].Data()[j])
				worst = max(worst, d)
				if d > 1e-12 {
					t.Fatalf("%s: tensor %d element %d: accumulated %v, big batch %v (|Δ| %.3g)", name, i, j, v, wb[i].Data()[j], d)
				}
				moved = max(moved, math.Abs(v-w0[i].Data()[j]))
			}
		}
		t.Logf("%s: largest |Δ| %.3g over weights that moved up to %.3g", name, worst, moved)
		if moved < 1e-3 {
			t.Fatalf("%s: the weights hardly moved (%g): the test would not see a wrong step", name, moved)
		}
		for s := range la {
			if math.Abs(la[s]-lb[s]) > 1e-12*max(1, math.Abs(lb[s])) {
				t.Fatalf("%s: step %d loss %v accumulated, %v big batch", name, s+1, la[s], lb[s])
			}
		}
	}
}

// TestEMAWarmupClosedForm: with warm-up and a decay that never binds
// (0.9999 over 40 steps), the rate after step s is s/(s+9), so the average
// after N steps weighs the weights θ_s after step s by
// 9·(s+1)⋯(s+8) / ((N+1)⋯(N+9)) and the initial ones by
// 9! / ((N+1)⋯(N+9)). The test records θ_s from a real run and checks the
// trainer's average against these weights (relative 1e-12).
func TestEMAWarmupClosedForm(t *testing.T) {
	const n = 40
	var seq [][]float64 // flattened weights after each step; seq[0] the initial
	flat := func(tr *Trainer) []float64 {
		var out []float64
		for _, v := range nn.Values(tr.Params()) {
			out = append(out, v.Data()...)
		}
		return out
	}
	rec := StepFunc(func(tr *Trainer, _ Status) error { seq = append(seq, flat(tr)); return nil })
	tr := newTrainer(t, 1, loss.ScoreMatching{}, Config{Steps: n, BatchSize: 32, EMADecay: 0.9999, EMAWarmup: true, Hooks: []Hook{rec}})
	seq = append(seq, flat(tr))
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// rising(a, m) = a·(a+1)⋯(a+m−1).
	rising := func(a, m int) float64 {
		p := 1.0
		for i := range m {
			p *= float64(a + i)
		}
		return p
	}
	den := rising(n+1, 9)
	var got []float64
	for _, v := range tr.EMA() {
		got = append(got, v.Data()...)
	}
	for j := range got {
		want := rising(1, 9) / den * seq[0][j]
		for s := 1; s <= n; s++ {
			want += 9 * rising(s+1, 8) / den * seq[s][j]
		}
		if math.Abs(got[j]-want) > 1e-12*max(1, math.Abs(want)) {
			t.Fatalf("element %d: EMA %v, closed form %v", j, got[j], want)
		}
	}
	// The cap: past s = 9·d/(1−d) the decay itself is used.
	e := &ema{decay: 0.9, warmup: true}
	for step, want := range map[int]float64{1: 0.1, 2: 2.0 / 11, 80: 80.0 / 89, 81: 0.9, 500: 0.9} {
		if r := e.rate(step); math.Abs(r-want) > 1e-15 {
			t.Errorf("rate after step %d: %v, want %v", step, r, want)
		}
	}
	if r := (&ema{decay: 0.9}).rate(1); r != 0.9 {
		t.Errorf("without warm-up, rate %v, want the decay 0.9", r)
	}
}

// TestResumeAccumulateWarmup: resuming stays bit for bit with gradient
// accumulation (the loader advancing k batches a step) and EMA warm-up (a
// rate that depends on the step), with persistent CD and Adam.
func TestResumeAccumulateWarmup(t *testing.T) {
	cfg := Config{BatchSize: 32, Accumulate: 3, Seed: 3, EMADecay: 0.99, EMAWarmup: true}
	newT := func(seed uint64, cfg Config) *Trainer { return newTrainer(t, seed, pcd(), cfg) }
	a, b, ckpt := straightAndResumed(t, cfg, 6, newT)
	sameBits(t, "weights", nn.Values(a.Params()), nn.Values(b.Params()))
	sameBits(t, "EMA", a.EMA(), b.EMA())
	// The same checkpoint without warm-up is another run's.
	cfg.EMAWarmup, cfg.Steps, cfg.Dir = false, 12, t.TempDir()
	if err := newT(99, cfg).Resume(ckpt); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("resuming a warm-up checkpoint without warm-up: %v, want ErrCheckpoint", err)
	}
}
