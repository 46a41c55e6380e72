//go:build !amd64 || purego

package tensor

// addRows adds the rows of x [rows, len(dst)] to dst one after the other.
func addRows(dst, x []float64) { addRowsGo(dst, x) }
