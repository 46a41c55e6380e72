package train

import (
	"slices"
	"testing"

	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/schedule"
)

// TestLossSchedulesFollowSteps: a loss's schedule is read at the trainer's
// step, the same for every batch of an accumulated step, and a run resumed
// from a checkpoint reads it from where the first left off, bit for bit
// with a straight run.
func TestLossSchedulesFollowSteps(t *testing.T) {
	const n = 4
	var seen []int
	sigma := schedule.Func(func(step int) float64 {
		seen = append(seen, step)
		return 0.3 / float64(1+step)
	})
	dsm := loss.DenoisingScoreMatching{SigmaSchedule: sigma}
	tr := newTrainer(t, 1, dsm, Config{Steps: 3, BatchSize: 16, Accumulate: 2, Seed: 2})
	if _, err := tr.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 0, 1, 1, 2, 2}; !slices.Equal(seen, want) {
		t.Errorf("accumulated steps read σ at %v, want %v", seen, want)
	}
	seen = nil
	a, b, _ := straightAndResumed(t, Config{BatchSize: 32, Seed: 3}, n, func(seed uint64, cfg Config) *Trainer {
		return newTrainer(t, seed, dsm, cfg)
	})
	// The straight run reads 0 … 2n−1, the half run 0 … n−1, the resumed
	// one n … 2n−1.
	var want []int
	for s := range 2 * n {
		want = append(want, s)
	}
	for s := range n {
		want = append(want, s)
	}
	for s := n; s < 2*n; s++ {
		want = append(want, s)
	}
	if !slices.Equal(seen, want) {
		t.Errorf("the runs read σ at %v, want %v", seen, want)
	}
	sameBits(t, "weights", nn.Values(a.Params()), nn.Values(b.Params()))
	// CD's step schedule, resumed from a persistent buffer.
	cd := pcd()
	cd.StepSchedule = schedule.Linear{Start: 0.02, End: 0.002, Steps: 2 * n}
	a, b, _ = straightAndResumed(t, Config{BatchSize: 32, Seed: 3}, n, func(seed uint64, cfg Config) *Trainer {
		return newTrainer(t, seed, cd, cfg)
	})
	sameBits(t, "CD weights", nn.Values(a.Params()), nn.Values(b.Params()))
}
