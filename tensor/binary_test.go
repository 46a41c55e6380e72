package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRunBinarySameBits checks runBinary, whose blocks of 32 run with
// AVX-512 where the CPU has it, value by value against the IEEE operation
// in Go: the four ops, both operands vectors or either one a single value
// (and addTo, whose dst is its first operand), lengths around the block
// size, and values that are zero of either sign, subnormal, huge, infinite
// or NaN. Planted: the vector-scalar division
// reading its scalar as a vector, and the vector-vector loop stepping b by
// 128 bytes — both failed.
func TestRunBinarySameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 5))
	special := []float64{0, math.Copysign(0, -1), 5e-324, -1e308, 1e308, math.Inf(1), math.Inf(-1), math.NaN(), 1, -3}
	draw := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			if rng.IntN(8) == 0 {
				x[i] = special[rng.IntN(len(special))]
			} else {
				x[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4))
			}
		}
		return x
	}
	op := func(k binKind, x, y float64) float64 {
		switch k {
		case opAdd:
			return x + y
		case opSub:
			return x - y
		case opMul:
			return x * y
		}
		return x / y
	}
	for _, n := range []int{1, 31, 32, 33, 64, 95, 200, 1000} {
		// addTo: dst is also the first operand.
		d, x := draw(n), draw(n)
		want := make([]float64, n)
		for i := range want {
			want[i] = d[i] + x[i]
		}
		addTo(d, x)
		for i, got := range d {
			if math.Float64bits(got) != math.Float64bits(want[i]) && !(math.IsNaN(got) && math.IsNaN(want[i])) {
				t.Fatalf("addTo n %d: element %d = %v, want %v", n, i, got, want[i])
			}
		}
		for k := opAdd; k <= opDiv; k++ {
			for _, st := range [][2]int{{1, 1}, {1, 0}, {0, 1}} {
				sa, sb := st[0], st[1]
				a, b := draw(max(n*sa, 1)), draw(max(n*sb, 1))
				dst := make([]float64, n)
				runBinary(k, dst, a, sa, b, sb)
				for i, got := range dst {
					want := op(k, a[i*sa], b[i*sb])
					if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
						t.Fatalf("%s n %d strides %d,%d: element %d: %v %s %v = %v, want %v",
							binNames[k], n, sa, sb, i, a[i*sa], binNames[k], b[i*sb], got, want)
					}
				}
			}
		}
	}
}
