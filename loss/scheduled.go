package loss

import (
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Scheduled is a loss run whose settings follow a schedule.Schedule of the
// training step (TorchEBM's Schedulable): DSM's σ, the score penalty,
// CD's sampler step size. A trainer calls SetStep with the number of
// optimizer steps taken before each step's losses, so that a resumed run,
// which restores that number, reads its schedules where it left off and
// every batch of an accumulated step reads the same values. Until SetStep
// is called the schedules are read at step 0; a constant setting is read
// the same at every step.
type Scheduled interface {
	SetStep(step int)
}

var (
	_ Scheduled = (*stepRun)(nil)
	_ Scheduled = (*cdRun)(nil)
	_ Scheduled = (*jemRun)(nil)
)

// stepRun is the run of a loss whose only state is the step at which it
// reads its schedules, which the trainer restores: it saves nothing.
type stepRun struct {
	step int
	at   func(step int, tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error)
}

// SetStep sets the training step at which the schedules are read.
func (r *stepRun) SetStep(step int) { r.step = step }

func (r *stepRun) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return r.at(r.step, tp, net, x, rng)
}

// Params returns nil.
func (r *stepRun) Params() []nn.Param { return nil }

// Save returns nil: the step is the trainer's.
func (r *stepRun) Save() []nn.Param { return nil }

// Restore accepts only an empty state.
func (r *stepRun) Restore(saved []nn.Param) error {
	if len(saved) > 0 {
		return fmt.Errorf("loss: score-matching state %v: want none: %w", names(saved), ErrInvalid)
	}
	return nil
}
