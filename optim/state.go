package optim

import (
	"fmt"

	"github.com/goebm/goebm/tensor"
)

// State is an optimizer's internal state, for checkpoints: the number of
// steps taken and its per-parameter buffers (SGD: velocities; Adam: first
// moments, then second moments).
type State struct {
	Steps   int
	Buffers [][]float64
}

// Stateful is an optimizer whose state can be saved and restored, so that a
// resumed run continues exactly.
type Stateful interface {
	Optimizer
	State() State
	// SetState restores a saved state; the next Step checks it against the
	// parameters.
	SetState(State) error
}

var (
	_ Stateful = (*SGD)(nil)
	_ Stateful = (*Adam)(nil)
	_ Rater    = (*SGD)(nil)
	_ Rater    = (*Adam)(nil)
)

func copyBufs(b [][]float64) [][]float64 {
	if b == nil {
		return nil
	}
	out := make([][]float64, len(b))
	for i, v := range b {
		out[i] = append([]float64(nil), v...)
	}
	return out
}

// State returns a copy of the velocities and step count.
func (o *SGD) State() State { return State{Steps: o.steps, Buffers: copyBufs(o.velocity)} }

// SetState restores a state from State.
func (o *SGD) SetState(s State) error {
	if s.Steps < 0 {
		return fmt.Errorf("optim: SGD state with %d steps", s.Steps)
	}
	o.steps, o.velocity = s.Steps, copyBufs(s.Buffers)
	return nil
}

// State returns a copy of the moments (first all m, then all v) and the step
// count.
func (o *Adam) State() State {
	if o.m == nil {
		return State{Steps: o.steps}
	}
	return State{Steps: o.steps, Buffers: append(copyBufs(o.m), copyBufs(o.v)...)}
}

// SetState restores a state from State.
func (o *Adam) SetState(s State) error {
	if s.Steps < 0 || len(s.Buffers)%2 != 0 {
		return fmt.Errorf("optim: Adam state with %d steps and %d buffers", s.Steps, len(s.Buffers))
	}
	b := copyBufs(s.Buffers)
	o.steps, o.m, o.v = s.Steps, nil, nil
	if len(b) > 0 {
		o.m, o.v = b[:len(b)/2], b[len(b)/2:]
	}
	return nil
}

// checkState returns an error when restored buffers do not fit params.
func checkState(params []*tensor.Tensor, bufs ...[][]float64) error {
	for _, b := range bufs {
		if b == nil {
			continue
		}
		if len(b) != len(params) {
			return fmt.Errorf("optim: restored state has %d buffers for %d parameters", len(b), len(params))
		}
		for i, v := range b {
			if len(v) != params[i].Len() {
				return fmt.Errorf("optim: restored state for parameter %d has %d values, want %d", i, len(v), params[i].Len())
			}
		}
	}
	return nil
}
