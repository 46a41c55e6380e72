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

// copyRows copies n values from src[r·srcStride:] to dst[r·dstStride:] for
// each r < rows: with AVX-512 where the CPU has it, else a copy per row.
func copyRows(dst []float64, dstStride int, src []float64, srcStride, rows, n int) {
	copyPlanes(dst, dstStride, 0, src, srcStride, 0, 1, rows, n)
}

// copyPlanesAVX512 is in conv_amd64.s.
//
//go:noescape
func copyPlanesAVX512(dst, src *float64, rows, n, dstStride, srcStride, planes, dstPlane, srcPlane int)

// copyPlanes is copyRows for planes planes, dstPlane and srcPlane apart.
func copyPlanes(dst []float64, dstStride, dstPlane int, src []float64, srcStride, srcPlane, planes, rows, n int) {
	if !haveAVX512 || planes == 0 || rows == 0 || n == 0 {
		copyPlanesGo(dst, dstStride, dstPlane, src, srcStride, srcPlane, planes, rows, n)
		return
	}
	_ = dst[(planes-1)*dstPlane+(rows-1)*dstStride+n-1]
	_ = src[(planes-1)*srcPlane+(rows-1)*srcStride+n-1]
	copyPlanesAVX512(&dst[0], &src[0], rows, n, dstStride, srcStride, planes, dstPlane, srcPlane)
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

// mergePhases2 is in conv_amd64.s.
//
//go:noescape
func mergePhases2(x, p *float64, masks *uint16, chunks, rows, w, pstride, ld, fp, ph, pw int, bias *float64)

// mergePlane2 writes the h×w image plane x (plus bias unless nil) of a
// stride-2 adjoint from its four phase planes in p (phase (r, rv) at
// (2r + rv)·pstride, fp rows of fq values, ld apart; image row yy is row
// (yy + ph) div 2 of row phase (yy + ph) mod 2, zeros from row fp on, and
// likewise the columns with pw, zeros from column fq on), and reports
// whether it did: with AVX-512 where the CPU has it, masks mergeMasks(w,
// fq, pw).
func mergePlane2(x, p []float64, masks []uint16, h, w, pstride, ld, fp, fq, ph, pw int, bias *float64) bool {
	if !haveAVX512 || h == 0 || w == 0 {
		return false
	}
	_ = x[h*w-1]
	_ = masks[4*((w+pw+15)/16)-1]
	if fp > 0 && fq > 0 {
		_ = p[3*pstride+(fp-1)*ld+fq-1]
	} else {
		fp = 0 // every row zero (or the bias)
	}
	mergePhases2(&x[0], &p[0], &masks[0], (w+pw+15)/16, h, w, pstride, ld, fp, ph, pw, bias)
	return true
}
