//go:build amd64 && !purego

package tensor

import "golang.org/x/sys/cpu"

// The kernels are in gemm_amd64.s.
//
//go:noescape
func dgemmKernel4x8(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func dgemmKernel6x16(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func sgemmKernel6x16(k int, a, b *float32, c *float64, ldc int)

//go:noescape
func sgemmKernel6x32(k int, a, b *float32, c *float64, ldc int, init *float64)

//go:noescape
func sgemmKernel6x32At(k int, a, b *float32, off *int, c *float64, ldc int, init *float64)

//go:noescape
func sconvRows8x32(k int, x *float32, off *int, w *float32, y *float64, ystride int, bias *float64, n, nch, rows, xstep, ystep int)

//go:noescape
func sgemmRow128At(k int, a, b *float32, off *int, c *float64, init *float64)

//go:noescape
func sgemmRow16At(k int, a, b *float32, off *int, c *float64, n int, init *float64)

//go:noescape
func sgemmRows4x32At(k int, a, b *float32, off *int, c *float64, ldc, n, h int, init *float64)

//go:noescape
func posScatter(c *float64, ldc int, pos *int, w int, tile *float64)

//go:noescape
func sgemmPos6x32(k int, grid *float32, pos *int, off *int, b *float32, tile *float64, init *float64)

//go:noescape
func sgemmSmall4x32(k int, a *float64, ars, ads int, b *float32, c *float64, ldc int, h, n int, init *float64)

//go:noescape
func sdotKernel4x4(k int, a *float32, lda int, b *float32, off *int, c *float64, ldc int)

// packRows16 is in gemm_amd64.s.
//
//go:noescape
func packRows16(dst *float32, src *float64, ld int, k int, dld int)

// packPanels32 is in gemm_amd64.s.
//
//go:noescape
func packPanels32(dst *float32, src *float64, ld, k, panels, pstride int)

// packT8 is in gemm_amd64.s.
//
//go:noescape
func packT8(dst, src *float64, ld int, k int, dld int)

// packT8F32 is in gemm_amd64.s.
//
//go:noescape
func packT8F32(dst *float32, src *float64, ld int, k int, dld int)

// packAT6 is in gemm_amd64.s.
//
//go:noescape
func packAT6(pan *float32, a *float64, lda int, k int)

// packRowsAt16 is in gemm_amd64.s.
//
//go:noescape
func packRowsAt16(dst *float32, src *float64, off *int, k int, dld int)

// packA6x32 is in gemm_amd64.s.
//
//go:noescape
func packA6x32(pan *float32, a *float64, lda int, k int, idx *int32)

// packA6Idx holds packA6x32's permutations: for each of the panel's three
// 16-value stretches of eight columns, the indices into rows 0–3 (rows 0–1
// as lanes 0–15, rows 2–3 as 16–31), then the indices into rows 4–5 (lanes
// 0–15); after the three pairs, the three masks of the lanes rows 4–5 fill.
var packA6Idx = func() (t [99]int32) {
	for k := range 3 {
		for l := range 16 {
			f := 16*k + l
			p, i := f/6, f%6 // the panel's value f is row i of column p
			switch {
			case i < 2:
				t[32*k+l] = int32(i*8 + p)
			case i < 4:
				t[32*k+l] = int32(16 + (i-2)*8 + p)
			default:
				t[32*k+16+l] = int32((i-4)*8 + p)
				t[96+k] |= 1 << l
			}
		}
	}
	return t
}()

// packA6F32 packs the first kb &^ 7 columns of a full six-row float32
// panel (packA6's arguments) with AVX-512 where the CPU has it, and returns
// how many it packed.
func packA6F32(pan []float32, a []float64, off, lda, kb int) int {
	k8 := kb &^ 7
	if !haveAVX512 || k8 == 0 {
		return 0
	}
	_, _ = a[off+5*lda+k8-1], pan[6*k8-1] // the last values read and written
	packA6x32(&pan[0], &a[off], lda, k8, &packA6Idx[0])
	return k8
}

// packAT6F32 packs a full six-row float32 panel of a transposed A (packA's
// pan, and a's six columns from at over kb rows) with AVX-512 where the
// CPU has it, and reports whether it did.
func packAT6F32(pan []float32, a []float64, at, lda, kb int) bool {
	if !haveAVX512 {
		return false
	}
	_, _ = a[at+(kb-1)*lda+5], pan[6*kb-1] // the last values read and written
	packAT6(&pan[0], &a[at], lda, kb)
	return true
}

// haveKernel reports whether dgemm and sgemmPacked can run on this CPU.
var haveKernel = haveAVX2FMA

// haveAVX512 reports whether the products can use their AVX-512 kernels
// (the CPU and the OS support the 512-bit registers).
var haveAVX512 = haveAVX2FMA && cpu.X86.HasAVX512F

// smallZeros are sgemmSmall's initial values where it has none.
var smallZeros [32]float64

// sgemmSmall sets c = init + op(a)·op(b) in float32 (init one value a
// column, or zeros where nil) with sgemmSmall4x32, four rows at a time,
// where the CPU has AVX-512, n ≤ 32 and k ≤ gemmDepth, and reports
// whether it did. It packs op(b) alone, into one panel of 32 columns, and
// reads a in place: attention's many small products (16×16 by 32 for a
// head of 16 tokens) ran at half the speed through gemmPacked's blocks,
// packed A and partial blocks, and so did a Linear's of 32 outputs. Each
// value is the sum gemmPacked's 6×32 kernel computes in one depth block,
// set from init, so the same bits.
func sgemmSmall(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, init, c []float64, ldc int) bool {
	if !haveAVX512 || m == 0 || n == 0 || n > 32 || k == 0 || k > gemmDepth {
		return false
	}
	ars, ads := lda, 1
	if tA {
		ars, ads = 1, lda
	}
	_, _ = a[(m-1)*ars+(k-1)*ads], c[(m-1)*ldc+n-1] // the last values read and written
	in := &smallZeros[0]
	if init != nil {
		in = &init[:n][0]
	}
	buf := packPool32.Get().(*packBufs[float32])
	bp := grow(&buf.b, 32*k)
	packB(bp, 32, tB, b, ldb, nil, 0, k, 0, n)
	for i := 0; i < m; i += 4 {
		sgemmSmall4x32(k, &a[i*ars], ars, ads, &bp[0], &c[i*ldc], ldc, min(4, m-i), n, in)
	}
	packPool32.Put(buf)
	return true
}
