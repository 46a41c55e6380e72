package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// TimeModule is a network of a batch and a time per row: a velocity field
// v(x, t) for flow matching, or a time-conditioned energy. It is a Module
// too, whose Forward is the network at t = 0: the time-invariant field that
// equilibrium matching learns, and what a trainer saves and loads.
type TimeModule interface {
	Module
	// ForwardT maps x ([n, d]) and t ([n, 1]) to [n, out].
	ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor
}

// TimeMLP is an MLP of the concatenation of x and a sinusoidal embedding of
// t: [sin(ωₖt), cos(ωₖt)] for Frequencies ωₖ = π·2ᵏ, k = 0 … K−1, so the
// network resolves both slow and fast changes in time (Vaswani et al. 2017;
// Tancik et al. 2020). The embedding is built from tape ops, so gradients
// reach t too.
type TimeMLP struct {
	MLP   *Sequential
	freqs *tensor.Tensor // [1, K]
}

var _ TimeModule = (*TimeMLP)(nil)

// NewTimeMLP returns a TimeMLP from dimension d (and K time frequencies) to
// out, with the given hidden sizes.
func NewTimeMLP(rng *rand.Rand, d, k int, hidden []int, out int, act Activation) (*TimeMLP, error) {
	if d <= 0 || k <= 0 || out <= 0 {
		return nil, fmt.Errorf("nn: TimeMLP of dimension %d, %d frequencies, output %d: %w", d, k, out, ErrInvalid)
	}
	sizes := append(append([]int{d + 2*k}, hidden...), out)
	m, err := NewMLP(rng, sizes, act, nil)
	if err != nil {
		return nil, err
	}
	return &TimeMLP{MLP: m, freqs: octaves(k)}, nil
}

// octaves returns the time frequencies ωₖ = π·2ᵏ, k < K, as [1, K]: from
// half a period over [0, 1] up, so that an embedding resolves both slow and
// fast changes in t.
func octaves(k int) *tensor.Tensor {
	f := tensor.Zeros(1, k)
	for i := range k {
		f.Data()[i] = math.Pi * math.Pow(2, float64(i))
	}
	return f
}

// timeFeatures returns [sin(ωₖt)…, cos(ωₖt)…], [n, 2K], of times t [n, 1]
// and frequencies [1, K], from tape ops so that gradients reach t.
func timeFeatures(tp *tensor.Tape, t, freqs *tensor.Tensor) *tensor.Tensor {
	wt := tp.Mul(t, freqs) // [n, K]
	return tp.Concat(1, tp.Sin(wt), tp.Cos(wt))
}

// ForwardT evaluates the network at (x, t).
func (m *TimeMLP) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	return m.MLP.Forward(tp, tp.Concat(1, x, timeFeatures(tp, t, m.freqs)))
}

// Forward evaluates the network at (x, 0).
func (m *TimeMLP) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return m.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

// Params returns the MLP's parameters.
func (m *TimeMLP) Params() []Param { return m.MLP.Params() }
