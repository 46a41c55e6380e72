//go:build !amd64 || purego

package tensor

// splitRow32 sets ev[k] = float32(pairs[2k]) and od[k] = float32(pairs[2k+1])
// for k < len(ev).
func splitRow32(ev, od []float32, pairs []float64) { splitRowGo(ev, od, pairs) }

// mergeRow sets pairs[2k] = ev[k] and pairs[2k+1] = od[k] for k < len(ev).
func mergeRow(pairs, ev, od []float64) { mergeRowGo(pairs, ev, od) }

// copyRows copies n values from src[r·srcStride:] to dst[r·dstStride:] for
// each r < rows.
func copyRows(dst []float64, dstStride int, src []float64, srcStride, rows, n int) {
	copyRowsGo(dst, dstStride, src, srcStride, rows, n)
}

// cvtRows32 is copyRows into float32: dst[r·dstStride + j] =
// float32(src[r·srcStride + j]) for r < rows, j < n.
func cvtRows32(dst []float32, dstStride int, src []float64, srcStride, rows, n int) {
	cvtRows32Go(dst, dstStride, src, srcStride, rows, n)
}

// padPhases32 writes the four phase planes (phase values apart: rows even
// and odd, columns even and odd) of an image plane img (rows w apart; ymax
// rows and xmax columns taken, at padded row and column y + ph and x +
// pw) into dst, hs rows of ws values each, zeros outside the image.
func padPhases32(dst []float32, phase, hs, ws int, img []float64, w, ymax, xmax, ph, pw int, _ []uint16) {
	padPhasesGo(dst, phase, hs, ws, img, w, ymax, xmax, ph, pw)
}

// mergePlane2 reports false: convInterleave puts the plane together row
// by row.
func mergePlane2(x, p []float64, masks []uint16, h, w, pstride, ld, fp, fq, ph, pw int, bias *float64) bool {
	return false
}

// copyPlanes is copyRows for planes planes, dstPlane and srcPlane apart.
func copyPlanes(dst []float64, dstStride, dstPlane int, src []float64, srcStride, srcPlane, planes, rows, n int) {
	copyPlanesGo(dst, dstStride, dstPlane, src, srcStride, srcPlane, planes, rows, n)
}
