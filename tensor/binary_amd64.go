//go:build amd64 && !purego

package tensor

// binVV512, binVS512 and binSV512 are in binary_amd64.s.
//
//go:noescape
func binVV512(op int, dst, a, b *float64, n int)

//go:noescape
func binVS512(op int, dst, a, b *float64, n int)

//go:noescape
func binSV512(op int, dst, a, b *float64, n int)

// binaryVec computes the first len(dst) &^ 31 values of runBinary's dst
// (strides 0 or 1, not both 0) with AVX-512 where the CPU has it, and
// returns how many it computed.
func binaryVec(k binKind, dst, a []float64, sa int, b []float64, sb int) int {
	n := len(dst) &^ 31
	if !haveAVX512 || n == 0 {
		return 0
	}
	_, _ = a[(n-1)*sa], b[(n-1)*sb] // the last values read
	switch {
	case sa == 1 && sb == 1:
		binVV512(int(k), &dst[0], &a[0], &b[0], n)
	case sa == 1:
		binVS512(int(k), &dst[0], &a[0], &b[0], n)
	default:
		binSV512(int(k), &dst[0], &a[0], &b[0], n)
	}
	return n
}
