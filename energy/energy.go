package energy

import (
	"errors"
	"fmt"
)

// Energy is a batched energy function.
type Energy interface {
	// Dim returns the dimension of the points, or 0 if any dimension works.
	Dim() int
	// Energy sets e[i] = E(xᵢ) for the len(e) points of dimension d in x.
	Energy(e, x []float64, d int)
	// Grad sets e[i] = E(xᵢ) and g[i·d:(i+1)·d] = ∇E(xᵢ).
	Grad(e, g, x []float64, d int)
}

// BatchDependent is an Energy whose values at a point may differ, in their
// last bits, with the other points of the batch it is evaluated with: a
// network whose matrix products a BLAS library blocks by the batch's size
// (tensor.BatchInvariant). Samplers keep the chains of such an energy in
// blocks of a fixed size, so that the draws do not depend on the number of
// workers. An energy without the method evaluates each point on its own.
type BatchDependent interface {
	Energy
	// BatchDependent reports whether a point's values depend on its batch.
	BatchDependent() bool
}

// IsBatchDependent reports whether e says that a point's values depend on
// the batch it is evaluated with.
func IsBatchDependent(e Energy) bool {
	b, ok := e.(BatchDependent)
	return ok && b.BatchDependent()
}

// ErrInvalid is wrapped by errors about invalid energy settings.
var ErrInvalid = errors.New("invalid energy")

// CheckDim returns an error unless energy e accepts points of dimension d.
func CheckDim(e Energy, d int) error {
	if d <= 0 {
		return fmt.Errorf("energy: dimension %d: %w", d, ErrInvalid)
	}
	if want := e.Dim(); want != 0 && want != d {
		return fmt.Errorf("energy: %T takes dimension %d, got %d: %w", e, want, d, ErrInvalid)
	}
	return nil
}

// checkBatch panics when the buffers do not fit n points of dimension d:
// a programmer error inside a sampler, not a user's.
func checkBatch(e, g, x []float64, d int) {
	if d <= 0 || len(x) != len(e)*d || (g != nil && len(g) != len(x)) {
		panic(fmt.Sprintf("energy: buffers of %d energies, %d gradient and %d point values for dimension %d", len(e), len(g), len(x), d))
	}
}

// rows calls f for each point i with its coordinates and, when g is not nil,
// its gradient slot.
func rows(e, g, x []float64, d int, f func(i int, xi, gi []float64) float64) {
	checkBatch(e, g, x, d)
	for i := range e {
		var gi []float64
		if g != nil {
			gi = g[i*d : (i+1)*d]
		}
		e[i] = f(i, x[i*d:(i+1)*d], gi)
	}
}
