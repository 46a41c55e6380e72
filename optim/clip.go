package optim

import (
	"math"

	"github.com/goebm/goebm/tensor"
)

// ClipGradNorm scales grads in place so that their joint Euclidean norm is
// at most maxNorm, and returns the norm before clipping. When the norm is
// not finite the gradients are left alone and the norm is returned, for
// Step to refuse.
func ClipGradNorm(grads []*tensor.Tensor, maxNorm float64) float64 {
	ss := 0.0
	for _, g := range grads {
		for _, v := range g.Data() {
			ss += v * v
		}
	}
	norm := math.Sqrt(ss)
	if norm > maxNorm && !math.IsInf(norm, 0) && !math.IsNaN(norm) {
		s := maxNorm / norm
		for _, g := range grads {
			d := g.Data()
			for i := range d {
				d[i] *= s
			}
		}
	}
	return norm
}
