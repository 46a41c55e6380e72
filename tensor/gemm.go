package tensor

import "sync"

// dgemmPacked computes c = op(a)·op(b) + beta·c (c row-major [m, n] with row
// length ldc) in the manner of GotoBLAS: blocks of op(b) and op(a) are copied
// into panels 8 columns and 4 rows wide, laid out in the order the 4×8
// micro-kernel reads them, so that it streams through L1 cache. It is the
// pure-Go build's matrix product where the CPU has AVX2 and FMA (several
// times gonum's speed); elsewhere gemm uses gonum.
func dgemmPacked(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	const (
		kc = 256 // depth of a block: a 4×kc panel of A and kc×8 of B fill half of L1
		mc = 64  // rows of A packed at once
		nc = 512 // columns of B packed at once
	)
	switch beta {
	case 0:
		for i := range m {
			clear(c[i*ldc : i*ldc+n])
		}
	case 1:
	default:
		for i := range m {
			for j := range n {
				c[i*ldc+j] *= beta
			}
		}
	}
	buf := packPool.Get().(*packBufs)
	defer packPool.Put(buf)
	bp := grow(&buf.b, ((min(n, nc)+7)/8*8)*kc)
	ap := grow(&buf.a, mc*kc)
	var edge [32]float64
	for j0 := 0; j0 < n; j0 += nc {
		nb := min(nc, n-j0)
		for p0 := 0; p0 < k; p0 += kc {
			kb := min(kc, k-p0)
			packB(bp, tB, b, ldb, p0, kb, j0, nb)
			for i0 := 0; i0 < m; i0 += mc {
				mb := min(mc, m-i0)
				packA(ap, tA, a, lda, i0, mb, p0, kb)
				for jp := 0; jp < nb; jp += 8 {
					bpan := &bp[(jp/8)*kb*8]
					for ip := 0; ip < mb; ip += 4 {
						apan := &ap[(ip/4)*kb*4]
						ci := (i0+ip)*ldc + j0 + jp
						if ip+4 <= mb && jp+8 <= nb {
							dgemmKernel4x8(kb, apan, bpan, &c[ci], ldc)
							continue
						}
						// A partial block: compute it whole into a scratch block,
						// then add the part that lies inside C.
						clear(edge[:])
						dgemmKernel4x8(kb, apan, bpan, &edge[0], 8)
						for ii := range min(4, mb-ip) {
							for jj := range min(8, nb-jp) {
								c[ci+ii*ldc+jj] += edge[ii*8+jj]
							}
						}
					}
				}
			}
		}
	}
}

// packB copies op(b)[p0:p0+kb, j0:j0+nb] into panels of 8 columns, each kb×8
// row-major, zero-padding the last panel.
func packB(dst []float64, tB bool, b []float64, ldb, p0, kb, j0, nb int) {
	for jp := 0; jp < nb; jp += 8 {
		pan := dst[(jp/8)*kb*8 : (jp/8+1)*kb*8]
		w := min(8, nb-jp)
		for p := range kb {
			row := pan[p*8 : p*8+8]
			if !tB {
				copy(row[:w], b[(p0+p)*ldb+j0+jp:])
			} else {
				for jj := range w {
					row[jj] = b[(j0+jp+jj)*ldb+p0+p]
				}
			}
			clear(row[w:])
		}
	}
}

// packA copies op(a)[i0:i0+mb, p0:p0+kb] into panels of 4 rows, each stored
// as kb columns of 4, zero-padding the last panel.
func packA(dst []float64, tA bool, a []float64, lda, i0, mb, p0, kb int) {
	for ip := 0; ip < mb; ip += 4 {
		pan := dst[(ip/4)*kb*4 : (ip/4+1)*kb*4]
		h := min(4, mb-ip)
		for ii := range 4 {
			if ii >= h {
				for p := range kb {
					pan[p*4+ii] = 0
				}
				continue
			}
			i := i0 + ip + ii
			if !tA {
				row := a[i*lda+p0 : i*lda+p0+kb]
				for p, v := range row {
					pan[p*4+ii] = v
				}
			} else {
				for p := range kb {
					pan[p*4+ii] = a[(p0+p)*lda+i]
				}
			}
		}
	}
}

// packBufs are reused between products: packing a block must not allocate.
type packBufs struct{ a, b []float64 }

var packPool = sync.Pool{New: func() any { return new(packBufs) }}

func grow(s *[]float64, n int) []float64 {
	if cap(*s) < n {
		*s = make([]float64, n)
	}
	return (*s)[:n]
}
