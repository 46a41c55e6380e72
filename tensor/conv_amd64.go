//go:build amd64 && !purego

package tensor

// splitPairs32 is in conv_amd64.s.
//
//go:noescape
func splitPairs32(ev, od *float32, src *float64, n int)

// splitRow32 sets ev[k] = float32(pairs[2k]) and od[k] = float32(pairs[2k+1])
// for k < len(ev): with AVX-512 where the CPU has it (float32 grids always
// do), else in Go.
func splitRow32(ev, od []float32, pairs []float64) {
	if !haveAVX512 || len(ev) == 0 {
		splitRowGo(ev, od, pairs)
		return
	}
	_, _ = od[len(ev)-1], pairs[2*len(ev)-1]
	splitPairs32(&ev[0], &od[0], &pairs[0], len(ev))
}

// mergePairs is in conv_amd64.s.
//
//go:noescape
func mergePairs(dst, ev, od *float64, n int)

// mergeRow sets pairs[2k] = ev[k] and pairs[2k+1] = od[k] for k < len(ev):
// with AVX-512 where the CPU has it, else in Go.
func mergeRow(pairs, ev, od []float64) {
	if !haveAVX512 || len(ev) == 0 {
		mergeRowGo(pairs, ev, od)
		return
	}
	_, _ = od[len(ev)-1], pairs[2*len(ev)-1]
	mergePairs(&pairs[0], &ev[0], &od[0], len(ev))
}

// copyRowsAVX512 is copyRows in conv_amd64.s.
//
//go:noescape
func copyRowsAVX512(dst, src *float64, rows, n, dstStride, srcStride int)

// copyRows copies n values from src[r·srcStride:] to dst[r·dstStride:] for
// each r < rows: with AVX-512 where the CPU has it, else a copy per row.
func copyRows(dst []float64, dstStride int, src []float64, srcStride, rows, n int) {
	if !haveAVX512 || rows == 0 || n == 0 {
		copyRowsGo(dst, dstStride, src, srcStride, rows, n)
		return
	}
	_, _ = dst[(rows-1)*dstStride+n-1], src[(rows-1)*srcStride+n-1]
	copyRowsAVX512(&dst[0], &src[0], rows, n, dstStride, srcStride)
}

// cvtRows32AVX512 is in conv_amd64.s.
//
//go:noescape
func cvtRows32AVX512(dst *float32, src *float64, rows, n, dstStride, srcStride int)

// cvtRows32 is copyRows into float32: dst[r·dstStride + j] =
// float32(src[r·srcStride + j]) for r < rows, j < n.
func cvtRows32(dst []float32, dstStride int, src []float64, srcStride, rows, n int) {
	if !haveAVX512 || rows == 0 || n == 0 {
		cvtRows32Go(dst, dstStride, src, srcStride, rows, n)
		return
	}
	_, _ = dst[(rows-1)*dstStride+n-1], src[(rows-1)*srcStride+n-1]
	cvtRows32AVX512(&dst[0], &src[0], rows, n, dstStride, srcStride)
}
