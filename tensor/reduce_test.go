package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestGradCheckSumAxes checks SumAxes to third order.
func TestGradCheckSumAxes(t *testing.T) {
	checkOpCases(t, 1900, []opCase{
		fn1("SumAxes/1", []int{3, 4}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumAxes(x, 1)) }),
		fn1("SumAxes/0,-1", []int{2, 3, 2}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumAxes(x, 0, -1)) }),
		fn1("SumAxes/all", []int{2, 3}, func(tp *Tape, x *Tensor) *Tensor { return sq(tp, tp.SumAxes(x)) }),
	})
}

// TestSumAxesKeepsDims checks SumAxes's values and shapes, and documents the
// broadcast it avoids: an [n] beside an [n, 1] makes [n, n]. Reducing over
// all axes instead of the given ones (a planted bug) fails it.
func TestSumAxesKeepsDims(t *testing.T) {
	var tp *Tape
	x := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	rows := tp.SumAxes(x, 1)
	if want := []int{2, 1}; !sameShape(rows.shape, want) || rows.data[0] != 6 || rows.data[1] != 15 {
		t.Errorf("SumAxes(x, 1) = %v, want [6 15] of shape %v", rows, want)
	}
	if c := tp.SumAxes(x, 0); !sameShape(c.shape, []int{1, 3}) || c.data[0] != 5 || c.data[2] != 9 {
		t.Errorf("SumAxes(x, 0) = %v, want [5 7 9] of shape [1 3]", c)
	}
	if all := tp.SumAxes(x); !sameShape(all.shape, []int{1, 1}) || all.data[0] != 21 {
		t.Errorf("SumAxes(x) = %v, want [21] of shape [1 1]", all)
	}
	if d := tp.Sub(x, rows); !sameShape(d.shape, x.shape) || d.data[5] != 6-15 {
		t.Errorf("x − SumAxes(x, 1) = %v, want shape %v", d, x.shape)
	}
	if d := tp.Sub(tp.SumAxis(x, 1), rows); !sameShape(d.shape, []int{2, 2}) {
		t.Errorf("[2] − [2, 1] has shape %v, want the documented broadcast to [2, 2]", d.shape)
	}
}

// TestSumToKernelOrder checks sumToKernel on every pattern of kept and
// reduced axes of a rank-4 tensor, and on targets of lower rank, against
// the definition: each element of x added to its target in x's order. The
// values span many magnitudes, so a different order of additions changes
// bits; the comparison is exact. Planted: the row path's offset stepped
// without the wrap of a finished axis, and the reduced-inner rows summed
// from zero and then added (a different order) — both failed.
func TestSumToKernelOrder(t *testing.T) {
	xs := []int{3, 4, 2, 5}
	x := make([]float64, numel(xs))
	for i := range x {
		x[i] = float64((i*7919)%23-11) * math.Pow(10, float64(i%9-4))
	}
	var targets [][]int
	for mask := range 16 {
		ds := make([]int, 4)
		for ax := range ds {
			ds[ax] = xs[ax]
			if mask&(1<<ax) != 0 {
				ds[ax] = 1
			}
		}
		targets = append(targets, ds, ds[1:], ds[2:])
	}
	for _, ds := range targets {
		got := make([]float64, numel(ds))
		sumToKernel(runtime.GOMAXPROCS(0), got, ds, x, xs)
		want := make([]float64, numel(ds))
		st := bstrides(ds, xs)
		idx := make([]int, len(xs))
		for _, v := range x {
			off := 0
			for ax, k := range idx {
				off += k * st[ax]
			}
			want[off] += v
			for ax := len(xs) - 1; ax >= 0; ax-- {
				if idx[ax]++; idx[ax] < xs[ax] {
					break
				}
				idx[ax] = 0
			}
		}
		if len(ds) == 0 || numel(ds) == 1 || (st[3] == 1 && numel(ds) == xs[3]) || (st[3] == 0 && numel(ds) == numel(xs)/xs[3]) {
			continue // sumAll, column and row sums: their own orders, tested by the ops' gradients
		}
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Errorf("SumTo %v → %v: element %d = %v, want %v", xs, ds, i, got[i], want[i])
				break
			}
		}
	}
}

// TestAddRows: column sums with AVX-512 (64 columns a block down all the
// rows, then eight at a time, the last under a mask) give the bits of
// adding the rows one by one, for widths around the block sizes and 1 to 4
// rows, with −0 and infinities among the values, and write nothing past
// dst. Planted: the 64-column block's fifth accumulator stored at the
// fourth's place, the tail mask one lane short, and the tail rows read a
// row apart minus one value — each failed.
func TestAddRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 11))
	for _, cols := range []int{1, 7, 8, 9, 63, 64, 65, 71, 72, 127, 128, 130, 200} {
		for rows := 1; rows <= 4; rows++ {
			x := make([]float64, rows*cols)
			for i := range x {
				x[i] = rng.NormFloat64() * math.Exp2(float64(rng.IntN(60)-30))
			}
			x[0], x[len(x)-1] = math.Copysign(0, -1), math.Inf(1)
			got, want := make([]float64, cols+1), make([]float64, cols)
			for j := range cols {
				got[j] = rng.NormFloat64()
				want[j] = got[j]
			}
			got[cols] = 7
			addRows(got[:cols], x)
			for r := range rows {
				for j := range cols {
					want[j] += x[r*cols+j]
				}
			}
			for j := range cols {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Fatalf("%d rows of %d: column %d sums to %v, want %v", rows, cols, j, got[j], want[j])
				}
			}
			if got[cols] != 7 {
				t.Fatalf("%d rows of %d: wrote past dst", rows, cols)
			}
		}
	}
}
