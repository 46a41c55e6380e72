package dataset

import (
	"slices"
	"testing"
)

// TestDrawsTable checks the header and that every row names its chain and
// draw beside the right point.
func TestDrawsTable(t *testing.T) {
	// 2 chains × 3 draws of 2-D points; point i is (i, −i).
	draws := []float64{0, 0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5}
	header, x := DrawsTable(draws, 2, 3, 2)
	if want := []string{"chain", "draw", "x0", "x1"}; !slices.Equal(header, want) {
		t.Errorf("header %q, want %q", header, want)
	}
	want := []float64{
		0, 0, 0, 0,
		0, 1, 1, -1,
		0, 2, 2, -2,
		1, 0, 3, -3,
		1, 1, 4, -4,
		1, 2, 5, -5,
	}
	if !slices.Equal(x.Shape(), []int{6, 4}) || !slices.Equal(x.Data(), want) {
		t.Errorf("table %v %v, want [6 4] %v", x.Shape(), x.Data(), want)
	}
}

func TestDrawsTablePanicsOnBadShape(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for 5 draws of 2 chains × 1 kept × 2 dimensions")
		}
	}()
	DrawsTable(make([]float64, 5), 2, 1, 2)
}
