package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// recorder is a hook that records what it is told.
type recorder struct {
	steps  []Status
	causes []error
	failAt int
}

func (r *recorder) AfterStep(_ *Trainer, s Status) error {
	r.steps = append(r.steps, s)
	if len(r.steps) == r.failAt {
		return errors.New("hook failure")
	}
	return nil
}

func (r *recorder) Stop(_ *Trainer, cause error) error {
	r.causes = append(r.causes, cause)
	return nil
}

// TestHooks: a caller's hook sees every step with its figures, and Stop
// once with the reason the run ended: nil, the context's error, or the
// hook's own error, which ends the run.
func TestHooks(t *testing.T) {
	r := &recorder{}
	tr := newTrainer(t, 1, loss.DenoisingScoreMatching{Sigma: 0.1}, Config{Steps: 5, BatchSize: 32, Hooks: []Hook{r}})
	sum, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.steps) != 5 || len(r.causes) != 1 || r.causes[0] != nil {
		t.Fatalf("%d steps and causes %v; want 5 and one nil", len(r.steps), r.causes)
	}
	for i, s := range r.steps {
		if s.Step != i+1 || s.Steps != 5 || !(s.GradNorm > 0) || s.Elapsed <= 0 {
			t.Errorf("status %d: %+v", i, s)
		}
	}
	if r.steps[4].Loss != sum.FinalLoss {
		t.Errorf("last status loss %v, summary %v", r.steps[4].Loss, sum.FinalLoss)
	}

	ctx, cancel := context.WithCancel(context.Background())
	c := &recorder{}
	stopAt := StepFunc(func(_ *Trainer, s Status) error {
		if s.Step == 2 {
			cancel()
		}
		return nil
	})
	tr = newTrainer(t, 1, loss.DenoisingScoreMatching{Sigma: 0.1}, Config{Steps: 5, BatchSize: 32, Hooks: []Hook{stopAt, c}})
	if _, err := tr.Run(ctx); !errors.Is(err, context.Canceled) || len(c.steps) != 2 || len(c.causes) != 1 || !errors.Is(c.causes[0], context.Canceled) {
		t.Errorf("cancelled: error %v after %d steps, causes %v", err, len(c.steps), c.causes)
	}

	dir := t.TempDir()
	f := &recorder{failAt: 3}
	tr = newTrainer(t, 1, loss.DenoisingScoreMatching{Sigma: 0.1}, Config{Steps: 5, BatchSize: 32, Dir: dir, Hooks: []Hook{f}})
	if _, err := tr.Run(context.Background()); err == nil || err.Error() != "hook failure" || len(f.causes) != 1 || f.causes[0] != err {
		t.Errorf("failing hook: error %v, causes %v", err, f.causes)
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoint.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run ended by an error wrote a checkpoint: %v", err)
	}
}

// TestResumeEnergyMatching: energy matching's step count is state, saved
// and restored, so a run resumed across the end of its warm-up gives the
// same weights as one straight through.
func TestResumeEnergyMatching(t *testing.T) {
	em := loss.EnergyMatching{CDWarmup: 5, LangevinSteps: 3}
	a, b, _ := straightAndResumed(t, Config{BatchSize: 32, Seed: 5}, 4, func(seed uint64, cfg Config) *Trainer {
		return newTrainer(t, seed, em, cfg)
	})
	sameBits(t, "weights", nn.Values(a.Params()), nn.Values(b.Params()))
}

// TestResumeRefusesLossState: a checkpoint whose loss state this loss cannot
// take (a replay buffer for a stateless loss, or of another size) is
// refused, and the trainer is left as it was.
func TestResumeRefusesLossState(t *testing.T) {
	dir := t.TempDir()
	if _, err := newTrainer(t, 1, pcd(), Config{Steps: 3, BatchSize: 32, Dir: dir}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	smaller := pcd()
	smaller.BufferSize = 32
	for name, l := range map[string]loss.EnergyLoss{"stateless loss": loss.ScoreMatching{}, "other buffer size": smaller} {
		tr := newTrainer(t, 7, l, Config{Steps: 3, BatchSize: 32})
		before := nn.Values(tr.Params())
		snap := make([]*tensor.Tensor, len(before))
		for i, v := range before {
			snap[i] = v.Clone()
		}
		optBefore := tr.opt.State()
		if err := tr.Resume(filepath.Join(dir, "checkpoint.bin")); !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: error %v, want ErrCheckpoint", name, err)
		}
		sameBits(t, name+": weights after a failed resume", snap, before)
		if st := tr.opt.State(); tr.Step() != 0 || st.Steps != optBefore.Steps || len(st.Buffers) != len(optBefore.Buffers) {
			t.Errorf("%s: step %d, optimizer %d steps and %d buffers after a failed resume", name, tr.Step(), st.Steps, len(st.Buffers))
		}
	}
}
