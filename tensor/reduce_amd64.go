//go:build amd64 && !purego

package tensor

// addRowsAVX512 is in reduce_amd64.s.
//
//go:noescape
func addRowsAVX512(dst, x *float64, rows, cols int)

// addRows adds the rows of x [rows, len(dst)] to dst one after the other,
// as addTo row by row would (the same bits): with AVX-512 where the CPU
// has it, the columns' sums in registers down all the rows.
func addRows(dst, x []float64) {
	cols := len(dst)
	if !haveAVX512 || cols == 0 || len(x) < cols {
		addRowsGo(dst, x)
		return
	}
	rows := len(x) / cols
	_ = x[rows*cols-1]
	addRowsAVX512(&dst[0], &x[0], rows, cols)
}
