package bench

import (
	"context"
	"errors"
	"testing"
)

// TestMeasureCancelled checks that Measure stops between calls once ctx
// is cancelled, even when the workload does not check it.
func TestMeasureCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	c := Case{Name: "fake", Setup: func(Case) (Func, error) {
		return func(context.Context) (int, error) {
			if calls++; calls == 2 {
				cancel()
			}
			return 0, nil
		}, nil
	}}
	if _, err := Measure(ctx, c, 100); !errors.Is(err, context.Canceled) || calls != 2 {
		t.Errorf("cancelled in call 2: %v after %d calls; want context.Canceled after 2", err, calls)
	}
	if _, err := Measure(ctx, c, 100); !errors.Is(err, context.Canceled) || calls != 2 {
		t.Errorf("cancelled before: %v after %d calls; want context.Canceled and no call", err, calls)
	}
}
