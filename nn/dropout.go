package nn

import (
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// Dropout zeroes each input element with probability P in training and
// scales the rest by 1/(1 − P); in evaluation it is the identity. Masks are
// drawn from Rng, so the same seed gives the same masks.
//
// A training Dropout draws from Rng and is not safe for concurrent use; a
// sampler that evaluates the energy from several goroutines runs it in
// evaluation (see SetTrain).
type Dropout struct {
	P     float64
	Rng   *rand.Rand
	Train bool
}

var (
	_ Module  = (*Dropout)(nil)
	_ Trainer = (*Dropout)(nil)
)

// Forward applies dropout to x in training and returns x otherwise.
func (d *Dropout) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.Dropout(x, d.P, d.Rng, d.Train)
}

// Params returns none.
func (d *Dropout) Params() []Param { return nil }

// SetTrain switches between training and evaluation.
func (d *Dropout) SetTrain(train bool) { d.Train = train }

// Trainer is a layer that behaves differently in training and evaluation:
// dropout, spectral normalisation's power iteration.
type Trainer interface {
	SetTrain(train bool)
}

// SetTrain switches m and, through Sequential, every layer inside it that is
// a Trainer, to training (true) or evaluation (false).
func SetTrain(m Module, train bool) {
	if t, ok := m.(Trainer); ok {
		t.SetTrain(train)
	}
	if s, ok := m.(*Sequential); ok {
		for _, l := range s.Layers {
			SetTrain(l, train)
		}
	}
}
