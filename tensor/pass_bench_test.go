package tensor

import "testing"

// BenchmarkPasses times the float32 conv energy's passes over a whole
// activation, its second layer's input [128, 32, 28, 28] (26 MB of
// float64), a piece of samples at a time as the convolutions run them:
// where=memory walks the whole activation, so the pass reads (and writes)
// memory not in cache, and where=cache repeats one piece. The two differ by
// what the memory costs: on Zen 5, 2–3× more for masked loads and stores
// than for plain ones, which is why the kernels keep masks to a run's last
// values and prefetch what they must read under masks (doc.go). merge
// still stores under masks (a scratch plane merged in cache and copied out
// was 1.16× faster out of cache, slower in it, and no faster in the conv
// energy's steps).
//
//	pad       padding the stride-2 input into its float32 phase grid (padPhases32)
//	cvt14     rounding 14-value rows to float32 (cvtRows32: a 14×14 map's rows)
//	merge     a stride-2 adjoint's planes put together from their phases (convInterleave)
//	silugrad  g·SiLU′(x), σ recomputed in float32 (siluGradBlock32)
//	silugrad12 SiLU's double backward, both gradients (siluGrad12Block32)
func BenchmarkPasses(b *testing.B) {
	if !haveAVX512 {
		b.Skip("the float32 passes need AVX-512")
	}
	g := convGeom{n: 128, c: 32, h: 28, w: 28, o: 32, p: 14, q: 14, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1, prec: Float32, cores: 1}
	f, _ := g.phased()
	gr, zs := g.grid(), f.o*f.pq()
	const ns = 4 // samples a piece
	img := g.c * g.h * g.w
	act := func(seed int) []float64 {
		x := make([]float64, g.n*img)
		for i := range x {
			x[i] = float64((i*seed)%97)*0.02 - 1
		}
		return x
	}
	x, h, gy, d1, d2 := act(1), act(3), act(5), act(7), act(11)
	grid := make([]float32, 4*g.c*ns*gr.plane+64)
	piece := ns * img
	rows := make([]float32, piece/14*16) // a piece's grid, in cache
	z := make([]float64, ns*zs)
	for _, c := range []struct {
		name string
		run  func(off int)
	}{
		{"pad", func(off int) { gridPhases32(gr, grid, x[off:], &g, ns) }},
		{"cvt14", func(off int) { cvtRows32(rows, 16, x[off:], 14, piece/14, 14) }},
		{"merge", func(off int) { convInterleave(d1[off:off+piece], &g, &f, nil, z, zs, f.pq(), f.q) }},
		{"silugrad", func(off int) { siluGradBlock32(d1[off:off+piece], gy[off:off+piece], x[off:off+piece]) }},
		{"silugrad12", func(off int) {
			siluGrad12Block32(d1[off:off+piece], d2[off:off+piece], h[off:off+piece], gy[off:off+piece], x[off:off+piece])
		}},
	} {
		for _, where := range []string{"memory", "cache"} {
			b.Run("pass="+c.name+"/where="+where, func(b *testing.B) {
				b.SetBytes(int64(8 * len(x)))
				for b.Loop() {
					for s := 0; s+ns <= g.n; s += ns {
						off := s * img
						if where == "cache" {
							off = 0
						}
						c.run(off)
					}
				}
			})
		}
	}
}
