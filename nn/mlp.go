package nn

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// ErrInvalid is wrapped by errors about invalid configurations.
var ErrInvalid = errors.New("invalid argument")

// NewMLP returns a multilayer perceptron with the given layer sizes: Linear
// layers sizes[0]→sizes[1]→…→sizes[n-1] with act after every one but the
// last. An energy network ends in size 1, e.g. sizes {2, 128, 128, 1}.
// A nil init uses PyTorch's default (see NewLinear).
func NewMLP(rng *rand.Rand, sizes []int, act Activation, init Init) (*Sequential, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("nn: MLP needs at least an input and an output size, got %v: %w", sizes, ErrInvalid)
	}
	for _, s := range sizes {
		if s <= 0 {
			return nil, fmt.Errorf("nn: MLP layer sizes must be positive, got %v: %w", sizes, ErrInvalid)
		}
	}
	if act.f == nil {
		return nil, fmt.Errorf("nn: MLP needs an activation: %w", ErrInvalid)
	}
	s := &Sequential{}
	for i := 0; i+1 < len(sizes); i++ {
		s.Layers = append(s.Layers, NewLinear(rng, sizes[i], sizes[i+1], init))
		if i+2 < len(sizes) {
			s.Layers = append(s.Layers, act)
		}
	}
	return s, nil
}
