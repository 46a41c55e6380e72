package tensor

import (
	"fmt"
	"math/rand/v2"
)

// Dropout zeroes each element of x with probability p and scales the others
// by 1/(1 − p) (inverted dropout), so that the expected output is x and
// evaluation needs no rescaling. When train is false, or p is 0, it returns x
// itself. p = 1 gives zeros.
//
// The mask is drawn from rng, one Float64 per element in row-major order, so
// the same rng state gives the same mask on any number of cores. The mask is a
// constant of the graph: the VJP is g times the same mask, and every higher
// derivative is zero beyond it. p outside [0, 1], or a nil rng when a mask is
// needed, is a programmer error and panics.
func (tp *Tape) Dropout(x *Tensor, p float64, rng *rand.Rand, train bool) *Tensor {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("tensor: Dropout: probability %v outside [0, 1]", p))
	}
	if !train || p == 0 {
		return x
	}
	if rng == nil {
		panic("tensor: Dropout: nil rng in training")
	}
	mask := tp.make(x.shape, tp.alloc(len(x.data)))
	dropoutMask(mask.data, p, rng)
	return tp.Mul(x, mask)
}

// dropoutMask fills m with 0 (probability p) or 1/(1 − p).
func dropoutMask(m []float64, p float64, rng *rand.Rand) {
	keep := 0.0
	if p < 1 {
		keep = 1 / (1 - p)
	}
	for i := range m {
		if rng.Float64() < p {
			m[i] = 0
		} else {
			m[i] = keep
		}
	}
}
