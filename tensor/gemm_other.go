//go:build !amd64 || purego

package tensor

var haveKernel, haveAVX512 = false, false

func dgemmKernel4x8(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int) {
	panic("tensor: no dgemm kernel in this build")
}

func dgemmKernel6x16(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int) {
	panic("tensor: no dgemm kernel in this build")
}

func sgemmKernel6x16(k int, a, b *float32, c *float64, ldc int) {
	panic("tensor: no sgemm kernel in this build")
}

func sgemmKernel6x32(k int, a, b *float32, c *float64, ldc int, init *float64) {
	panic("tensor: no sgemm kernel in this build")
}

func sgemmKernel6x32At(k int, a, b *float32, off *int, c *float64, ldc int, init *float64) {
	panic("tensor: no sgemm kernel in this build")
}

func sconvRows8x32(k int, x *float32, off *int, w *float32, y *float64, ystride int, bias *float64, n, nch, rows, xstep, ystep int) {
	panic("tensor: no sgemm kernel in this build")
}

func sgemmRow128At(k int, a, b *float32, off *int, c *float64, init *float64) {
	panic("tensor: no sgemm kernel in this build")
}

func sgemmRow16At(k int, a, b *float32, off *int, c *float64, n int, init *float64) {
	panic("tensor: no sgemm kernel in this build")
}

func sgemmRows4x32At(k int, a, b *float32, off *int, c *float64, ldc, n, h int, init *float64) {
	panic("tensor: no sgemm kernel in this build")
}

func posScatter(c *float64, ldc int, pos *int, w int, tile *float64) {
	panic("tensor: no sgemm kernel in this build")
}

func sgemmPos6x32(k int, grid *float32, pos *int, off *int, b *float32, tile *float64, init *float64) {
	panic("tensor: no sgemm kernel in this build")
}

func sdotKernel4x4(k int, a *float32, lda int, b *float32, off *int, c *float64, ldc int) {
	panic("tensor: no sgemm kernel in this build")
}

func packRows16(dst *float32, src *float64, ld int, k int, dld int) {
	panic("tensor: no sgemm kernel in this build")
}

func packPanels32(dst *float32, src *float64, ld, k, panels, pstride int) {
	panic("tensor: no sgemm kernel in this build")
}

func packRowsAt16(dst *float32, src *float64, off *int, k int, dld int) {
	panic("tensor: no sgemm kernel in this build")
}

func packT8(dst, src *float64, ld int, k int, dld int) {
	panic("tensor: no dgemm kernel in this build")
}

func packT8F32(dst *float32, src *float64, ld int, k int, dld int) {
	panic("tensor: no sgemm kernel in this build")
}

func packAT6(pan *float32, a *float64, lda int, k int) {
	panic("tensor: no sgemm kernel in this build")
}

// packAT6F32 packs nothing in this build: packA packs the panel.
func packAT6F32(pan []float32, a []float64, at, lda, kb int) bool { return false }

// packA6F32 packs nothing in this build: packA6 packs every column.
func packA6F32(pan []float32, a []float64, off, lda, kb int) int { return 0 }

// sgemmSmall reports false: there is no small-product kernel.
func sgemmSmall(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, init, c []float64, ldc int) bool {
	return false
}
