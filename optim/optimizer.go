package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// Optimizer updates parameters in place from their gradients.
type Optimizer interface {
	// Step applies one update. params and grads are parallel slices and must
	// be the same parameters, in the same order, at every step.
	Step(params, grads []*tensor.Tensor) error
	// Steps returns the number of updates applied so far.
	Steps() int
}

// ErrNonFinite is wrapped by Step's error when a gradient is NaN or ±Inf.
var ErrNonFinite = errors.New("non-finite gradient")

// rate returns the learning rate for the step about to be taken: the
// schedule's value if there is one, else lr, else def.
// Rater is an optimizer that can say its learning rate, for a log.
type Rater interface {
	// Rate returns the learning rate of the last step taken (of the first,
	// before any).
	Rate() float64
}

func rate(s schedule.Schedule, lr, def float64, step int) float64 {
	switch {
	case s != nil:
		return s.At(step)
	case lr != 0:
		return lr
	}
	return def
}

// checkGrads panics on mismatched lists (a programmer error) and returns an
// error naming the first non-finite gradient.
func checkGrads(params, grads []*tensor.Tensor, state [][]float64) error {
	if len(params) != len(grads) {
		panic(fmt.Sprintf("optim: %d parameters but %d gradients", len(params), len(grads)))
	}
	for i, g := range grads {
		if g.Len() != params[i].Len() {
			panic(fmt.Sprintf("optim: parameter %d has %d values, its gradient %d", i, params[i].Len(), g.Len()))
		}
		for j, v := range g.Data() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("optim: gradient of parameter %d, element %d, is %g: %w", i, j, v, ErrNonFinite)
			}
		}
	}
	return nil
}

// zerosLike allocates one zero buffer per parameter.
func zerosLike(params []*tensor.Tensor) [][]float64 {
	s := make([][]float64, len(params))
	for i, p := range params {
		s[i] = make([]float64, p.Len())
	}
	return s
}
