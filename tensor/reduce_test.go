package tensor

import "testing"

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
