package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvBatchedSamplesSameBits: the forward and adjoint kernels multiply
// the column matrices of several samples at once (convSamples); every
// output must be the same bits as the same sample convolved alone, for each
// geometry of the definition tests, at a batch of 19 (pieces of 2, the last
// one short), and of 40 for the cases whose outputs are large. OpenBLAS
// picks its kernels by the matrices' sizes, so there a sample alone and in a
// piece may differ in the last bits: the test allows 1e-12 relative
// (results on any core count are still the same bits, as pieces are set by
// the geometry alone).
func TestConvBatchedSamplesSameBits(t *testing.T) {
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	if BLAS == "openblas" {
		same = func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	}
	rng := rand.New(rand.NewPCG(21, 21))
	for _, tr := range []bool{false, true} {
		cases := convCases()
		if tr {
			cases = convTransposeCases()
		}
		for i, c := range cases {
			for _, n := range []int{19, 40} {
				c.x[0] = n
				bl := c.w[0]
				if tr {
					bl = c.w[1] * max(c.o.Groups, 1)
				}
				xs := convInputs(rng, c, bl)
				op := func(x *Tensor) *Tensor {
					if tr {
						return (*Tape)(nil).ConvTranspose2d(x, xs[1], biasOf(xs), c.o)
					}
					return (*Tape)(nil).Conv2d(x, xs[1], biasOf(xs), c.o)
				}
				all := op(xs[0])
				per := all.Len() / n
				for s := range n {
					one := op((*Tape)(nil).Slice(xs[0], 0, s, s+1))
					for j, v := range one.data {
						if !same(all.data[s*per+j], v) {
							t.Fatalf("transposed %v, case %d, batch %d: sample %d element %d: %v in the batch, %v alone", tr, i, n, s, j, all.data[s*per+j], v)
						}
					}
				}
			}
		}
	}
}
