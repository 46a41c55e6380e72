package sampler

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestNUTSStepCancelled checks that a NUTS step stops between its trees
// once the run's context is cancelled, and runs as before without one.
func TestNUTSStepCancelled(t *testing.T) {
	g, _, _ := gaussian2D(t)
	const n, d = 4, 2
	newState := func(ctx context.Context) *State {
		s := &State{Energy: g, N: n, Dim: d, X: make([]float64, n*d), E: make([]float64, n), G: make([]float64, n*d),
			RNG: make([]*rand.Rand, n), Ctx: ctx}
		for i := range n {
			s.RNG[i] = rand.New(rand.NewPCG(1, uint64(i)))
		}
		s.Grad(s.E, s.G, s.X)
		return s
	}
	step := func(s *State) error {
		k := &nutsKernel{step0: 0.1, maxDepth: 10}
		tune := Tuning{StepSize: make([]float64, n)}
		if err := k.Init(s, &tune); err != nil {
			t.Fatal(err)
		}
		return k.Step(s, &tune, make([]StepInfo, n))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newState(ctx)
	if err := step(s); !errors.Is(err, context.Canceled) || s.GradEvals != n {
		t.Errorf("cancelled: %v after %d gradients; want context.Canceled after the initial %d", err, s.GradEvals, n)
	}
	for _, ctx := range []context.Context{nil, context.Background()} {
		s := newState(ctx)
		if err := step(s); err != nil || s.GradEvals <= n {
			t.Errorf("context %v: %v after %d gradients", ctx, err, s.GradEvals)
		}
	}
}
