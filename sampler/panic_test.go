package sampler

import (
	"context"
	"strings"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/panics"
)

// panicky is a kernel that panics in the block of chain bad at step 3.
type panicky struct{ bad int }

func (k panicky) Init(*State, *Tuning) error { return nil }

func (k panicky) Step(s *State, _ *Tuning, _ []StepInfo) error {
	if s.T == 3 && s.First <= k.bad && k.bad < s.First+s.N {
		plantedKernelPanic()
	}
	return nil
}

func plantedKernelPanic() { panic("planted kernel bug") }

// TestRunRaisesWorkerPanic: a panic inside a block, on one of Run's
// goroutines, reaches the caller's goroutine (where recover sees it)
// carrying the stack of the goroutine that panicked, whichever block and
// however many workers.
func TestRunRaisesWorkerPanic(t *testing.T) {
	for _, c := range []struct{ bad, workers int }{{0, 1}, {40, 2}, {95, 4}} {
		func() {
			defer func() {
				r := recover()
				err, ok := r.(*panics.Error)
				if !ok {
					t.Fatalf("bad chain %d, %d workers: Run did not panic with a *panics.Error (recovered %v)", c.bad, c.workers, r)
				}
				if err.Error() != "planted kernel bug" || !strings.Contains(string(err.Stack), "plantedKernelPanic") {
					t.Errorf("bad chain %d, %d workers: raised %q with stack\n%s\nwant the worker's stack", c.bad, c.workers, err, err.Stack)
				}
			}()
			Run(context.Background(), energy.Harmonic{}, Options{Chains: 96, Dim: 2, Steps: 10, Workers: c.workers},
				func() Kernel { return panicky{c.bad} })
			t.Errorf("bad chain %d, %d workers: Run returned", c.bad, c.workers)
		}()
	}
}
