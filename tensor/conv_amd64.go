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

// padPhases32AVX512 is in conv_amd64.s.
//
//go:noescape
func padPhases32AVX512(dst *float32, src *float64, masks *uint16, chunks, hs, phase, ws, w, ymax, ph, pw int)

// padPhases32 writes the four phase planes (phase values apart: rows even
// and odd, columns even and odd) of an image plane img (rows w apart; ymax
// rows and xmax columns taken, at padded row and column y + ph and x +
// pw) into dst, hs rows of ws values each, zeros outside the image; masks
// are phaseMasks(ws, xmax, pw). With AVX-512 where the CPU has it (float32
// grids always do), else in Go.
func padPhases32(dst []float32, phase, hs, ws int, img []float64, w, ymax, xmax, ph, pw int, masks []uint16) {
	if !haveAVX512 || hs == 0 || ws == 0 || len(img) == 0 {
		padPhasesGo(dst, phase, hs, ws, img, w, ymax, xmax, ph, pw)
		return
	}
	_ = dst[3*phase+hs*ws-1]
	_ = masks[4*((ws+7)/8)-1]
	if ymax > 0 && xmax > 0 {
		_ = img[(ymax-1)*w+xmax-1]
	} else {
		ymax = 0 // every row zero
	}
	padPhases32AVX512(&dst[0], &img[0], &masks[0], (ws+7)/8, hs, phase, ws, w, ymax, ph, pw)
}
