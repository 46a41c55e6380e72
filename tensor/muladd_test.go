package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMulAddSameBits: MulAdd gives Add(Mul(a, b), c)'s bits, its values and
// its gradients with respect to all three (the fused backward pass where
// it applies: b and c [n, 1, D] or a's shape; the composition's ops where
// not: a single row, a single value), on shapes whose rows span several
// vector blocks, with −0 in a, and on any number of cores (-cpu 1,2).
// Planted: the fused pass adding the rows in reverse order (this test),
// b's gradient taken as g·b and c's from a (this test and TestGradCheck) —
// each failed.
func TestMulAddSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 21))
	for _, sh := range [][3][]int{
		{{4, 16, 70}, {4, 1, 70}, {4, 1, 70}},
		{{4, 16, 70}, {4, 1, 70}, {4, 16, 70}},
		{{2, 3, 16, 40}, {2, 3, 1, 40}, {2, 1, 1, 40}},
		{{5, 40}, {5, 40}, {40}},
		{{1, 16, 40}, {1, 1, 40}, {1, 1, 40}},
		{{6, 3}, {1}, {6, 3}},
		{{7}, {7}, {1}},
	} {
		a, b, c := Randn(rng, sh[0]...), Randn(rng, sh[1]...), Randn(rng, sh[2]...)
		a.data[0] = math.Copysign(0, -1)
		run := func(fused bool) (out []float64, grads [][]float64) {
			tp := NewTape()
			var y *Tensor
			if fused {
				y = tp.MulAdd(a, b, c)
			} else {
				y = tp.Add(tp.Mul(a, b), c)
			}
			u := Randn(rand.New(rand.NewPCG(1, 1)), y.shape...)
			gs := tp.Grad([]*Tensor{y}, []*Tensor{a, b, c}, GradOptions{GradOutputs: []*Tensor{u}})
			out = append(out, y.data...)
			for _, g := range gs {
				grads = append(grads, append([]float64(nil), g.data...))
			}
			return out, grads
		}
		wantY, wantG := run(false)
		gotY, gotG := run(true)
		what := fmt.Sprint(sh)
		equalBits(t, what+" values", gotY, wantY)
		for i := range wantG {
			equalBits(t, fmt.Sprintf("%s gradient %d", what, i), gotG[i], wantG[i])
		}
	}
}
