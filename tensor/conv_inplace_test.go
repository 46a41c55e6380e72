package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestConvInPlaceSameBits: the in-place forward and adjoint kernels give
// the same bits as im2col's and col2im's, and the in-place weight gradient,
// whose depth blocks are shifted by the grid's extra positions, agrees with
// im2col's within the sums' rounding (sumTol), for every geometry of the
// definition tests (strides, padding, dilation, groups; read as Conv2d and
// as ConvTranspose2d, with output padding, whose last rows and columns no
// output reads), the conv energy's layers, and batches of 1, 19 (pieces of
// 2, the last short) and 40, in both precisions.
func TestConvInPlaceSameBits(t *testing.T) {
	type geo struct {
		name string
		g    convGeom
	}
	var geos []geo
	for i, c := range convCases() {
		geos = append(geos, geo{fmt.Sprintf("conv %d", i), conv2dGeom(c.x, c.w, c.o)})
	}
	for i, c := range convTransposeCases() {
		geos = append(geos, geo{fmt.Sprintf("transposed %d", i), convTranspose2dGeom(c.x, c.w, c.o)})
	}
	for _, c := range []struct{ x, w []int }{{[]int{1, 1, 28, 28}, []int{32, 1, 3, 3}}, {[]int{1, 32, 28, 28}, []int{32, 32, 4, 4}}, {[]int{1, 32, 7, 7}, []int{64, 32, 4, 4}}} {
		o := ConvOptions{Padding: [2]int{1, 1}}
		if c.w[2] == 4 {
			o.Stride = [2]int{2, 2}
		}
		geos = append(geos, geo{fmt.Sprintf("energy %v", c.x[1:]), conv2dGeom(c.x, c.w, o)})
	}
	stride3 := ConvOptions{Stride: [2]int{3, 3}, Padding: [2]int{1, 2}, Dilation: [2]int{1, 2}} // the pad's general branch
	geos = append(geos, geo{"conv stride 3", conv2dGeom([]int{1, 2, 10, 11}, []int{3, 2, 3, 2}, stride3)})
	stride3.OutputPadding = [2]int{2, 1}
	geos = append(geos, geo{"transposed stride 3", convTranspose2dGeom([]int{1, 3, 4, 4}, []int{3, 2, 3, 2}, stride3)})
	// shallow products (convForwardShallow32) with rows of more than 32
	// outputs, channels past a block of eight, groups and dilation
	geos = append(geos, geo{"shallow wide", conv2dGeom([]int{1, 3, 5, 70}, []int{12, 3, 3, 3}, ConvOptions{Padding: [2]int{1, 1}})})
	geos = append(geos, geo{"shallow groups", conv2dGeom([]int{1, 4, 6, 34}, []int{6, 2, 3, 3}, ConvOptions{Padding: [2]int{2, 1}, Dilation: [2]int{2, 1}, Groups: 2})})
	rng := rand.New(rand.NewPCG(3, 4))
	randn := func(n int) []float64 { return Randn(rng, n).data }
	shallow := 0 // forward products through convForwardShallow32
	for _, prec := range []Precision{Float64, Float32} {
		if !packedProduct(prec) {
			t.Logf("%v: no packed product in this build, nothing to compare", prec)
			continue
		}
		for _, gc := range geos {
			for _, n := range []int{1, 19, 40} {
				g := gc.g
				g.n, g.prec = n, prec
				x, y, w := randn(n*g.c*g.h*g.w), randn(n*g.o*g.pq()), randn(g.o*g.rows()/g.groups)
				for _, withBias := range []bool{false, true} {
					var bo, bc []float64
					if withBias {
						bo, bc = randn(g.o), randn(g.c)
					}
					want, got := make([]float64, len(y)), make([]float64, len(y))
					convForwardIm2col(want, x, w, bo, &g, nil)
					convForwardInPlace(got, convSource{x: x}, w, bo, &g, nil)
					equalBits(t, fmt.Sprintf("%v %s n=%d bias %v: forward", prec, gc.name, n, withBias), got, want)
					if g.shallow32() {
						shallow++
						for i := range got {
							got[i] = math.NaN() // every element must be written
						}
						convForwardShallow32(got, x, w, bo, &g, nil)
						equalBits(t, fmt.Sprintf("%v %s n=%d bias %v: shallow forward", prec, gc.name, n, withBias), got, want)
					}
					want, got = make([]float64, len(x)), make([]float64, len(x))
					for i := range got {
						got[i] = math.NaN() // every element must be written
					}
					convAdjointCol2im(want, y, w, bc, &g)
					convAdjointInPlace(got, y, w, bc, &g)
					equalBits(t, fmt.Sprintf("%v %s n=%d bias %v: adjoint", prec, gc.name, n, withBias), got, want)
				}
				chunks := (n + convBatchChunk - 1) / convBatchChunk
				weight := func(x, y []float64, chunk func(acc, x, y []float64, lo, hi int, g *convGeom)) []float64 {
					dw := make([]float64, len(w))
					convWeightChunks(dw, make([]float64, chunks*len(w)), x, y, &g, chunk)
					return dw
				}
				got, want, bound := weight(x, y, convWeightInPlace), weight(x, y, convWeightIm2col), weight(abs(x), abs(y), convWeightIm2col)
				for i := range want {
					if d := math.Abs(got[i] - want[i]); d > sumTol(prec)*bound[i] || math.IsNaN(got[i]) {
						t.Fatalf("%v %s n=%d: weight gradient element %d is %v, want %v (difference %.3g, bound %.3g)", prec, gc.name, n, i, got[i], want[i], d, sumTol(prec)*bound[i])
					}
				}
			}
		}
	}
	if haveAVX512 && packedProduct(Float32) {
		t.Logf("%d forward products through convForwardShallow32", shallow)
		if shallow < 20 {
			t.Errorf("%d forward products through convForwardShallow32, want at least 20", shallow)
		}
	}
}

// abs returns the absolute values of v, for the bound Σ|terms| of a sum's
// rounding.
func abs(v []float64) []float64 {
	a := make([]float64, len(v))
	for i, e := range v {
		a[i] = math.Abs(e)
	}
	return a
}

// sumTol bounds the difference between two sums of the same terms in
// other orders, relative to Σ|terms|: 1e-13 in float64, about 900 units of
// rounding for these tests' sums of up to a few thousand terms, whose
// worst case (n−1)·2⁻⁵³ random terms' errors do not approach; and
// 258·2⁻²⁴ in float32, whose sums run in float32 over blocks of up to 256
// terms.
func sumTol(prec Precision) float64 {
	if prec == Float32 && HasFloat32 {
		return 258 * 0x1p-24
	}
	return 1e-13
}

func equalBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestConvAdjointAsForward: the adjoint of a stride-1 conv runs as a
// forward conv of the flipped weight (flipped), and that of a strided conv
// whose kernel is a multiple of its stride as one forward conv of all the
// stride's phases (phased). Both sum each element in another order than
// col2im: they must agree within the rounding of the sums, bounded by the
// terms' absolute sum Σ|ȳ||w| (computed by the col2im adjoint on |ȳ| and
// |w|) times 1e-13 in float64, and times 258·2⁻²⁴ in float32, whose sums
// run in float32 over blocks of up to 256 terms. Each path must be taken for
// the layers of the networks (3×3 padding 1, 1×1; 4×4 stride 2) and refused
// where it does not apply or would make a product of few rows (a first
// layer's one channel) — except a stride-1 adjoint in float32 with
// AVX-512, whose in-place product takes the rows past its 6-row panels one
// at a time (path32).
func TestConvAdjointAsForward(t *testing.T) {
	type geo struct {
		name   string
		g      convGeom
		path   string // "flipped", "phased" or "" (col2im)
		path32 string // the path of a float32 grid, where it differs; "auto": path's in each precision
	}
	geos := []geo{
		{"resnet 3x3", conv2dGeom([]int{1, 32, 28, 28}, []int{32, 32, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}), "flipped", ""},
		{"3x3 unpadded", conv2dGeom([]int{1, 8, 9, 8}, []int{4, 8, 3, 3}, ConvOptions{}), "flipped", ""},
		{"first layer, one channel", conv2dGeom([]int{1, 1, 28, 28}, []int{32, 1, 3, 3}, ConvOptions{Padding: [2]int{1, 1}}), "", "flipped"},
		{"first layer stride 2, one channel", conv2dGeom([]int{1, 1, 28, 28}, []int{32, 1, 4, 4}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}), "", ""},
		{"1x1 skip", conv2dGeom([]int{1, 16, 8, 8}, []int{32, 16, 1, 1}, ConvOptions{}), "flipped", ""},
		{"dilated, grouped", conv2dGeom([]int{1, 16, 9, 10}, []int{6, 8, 3, 2}, ConvOptions{Padding: [2]int{2, 1}, Dilation: [2]int{2, 3}, Groups: 2}), "flipped", ""},
		{"grouped, 2 channels a group", conv2dGeom([]int{1, 4, 9, 10}, []int{6, 2, 3, 2}, ConvOptions{Padding: [2]int{2, 1}, Groups: 2}), "", "flipped"},
		{"energy 4x4 stride 2", conv2dGeom([]int{1, 32, 28, 28}, []int{32, 32, 4, 4}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}), "phased", ""},
		{"energy 7x7 to 3x3, stride 2 (float32: at the outputs only)", conv2dGeom([]int{1, 64, 7, 7}, []int{64, 64, 4, 4}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}), "phased", ""},
		{"odd size, stride 2", conv2dGeom([]int{1, 8, 7, 7}, []int{16, 8, 4, 4}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}), "phased", ""},
		{"2x2 stride 2", conv2dGeom([]int{1, 3, 6, 5}, []int{2, 3, 2, 2}, ConvOptions{Stride: [2]int{2, 2}}), "phased", ""},
		{"stride (2, 1), (3, 1) padded, grouped", conv2dGeom([]int{1, 4, 9, 7}, []int{6, 2, 4, 3}, ConvOptions{Stride: [2]int{2, 3}, Padding: [2]int{3, 2}, Groups: 2}), "phased", ""},
		{"stride 2, kernel 3", conv2dGeom([]int{1, 4, 9, 10}, []int{6, 4, 3, 3}, ConvOptions{Stride: [2]int{2, 2}}), "", ""},
		{"stride 2, dilated", conv2dGeom([]int{1, 2, 9, 10}, []int{3, 2, 2, 2}, ConvOptions{Stride: [2]int{2, 2}, Dilation: [2]int{2, 1}}), "", ""},
		{"padding past the kernel", conv2dGeom([]int{1, 2, 5, 5}, []int{3, 2, 3, 3}, ConvOptions{Padding: [2]int{3, 0}}), "", ""},
		{"transposed, output padding", convTranspose2dGeom([]int{1, 3, 5, 5}, []int{3, 2, 3, 3}, ConvOptions{Dilation: [2]int{2, 2}, OutputPadding: [2]int{1, 0}}), "", ""},
		{"transposed stride 2, output padding", convTranspose2dGeom([]int{1, 3, 5, 4}, []int{3, 2, 4, 2}, ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 0}, OutputPadding: [2]int{1, 1}}), "phased", ""},
	}
	path := func(g *convGeom) string {
		if _, ok := g.flipped(); ok {
			return "flipped"
		}
		if _, ok := g.phased(); ok {
			return "phased"
		}
		return ""
	}
	for i, c := range convCases() {
		g := conv2dGeom(c.x, c.w, c.o)
		geos = append(geos, geo{fmt.Sprintf("conv %d", i), g, "", "auto"})
	}
	for i, c := range convTransposeCases() {
		g := convTranspose2dGeom(c.x, c.w, c.o)
		geos = append(geos, geo{fmt.Sprintf("transposed %d", i), g, "", "auto"})
	}
	rng := rand.New(rand.NewPCG(5, 6))
	randn := func(n int) []float64 { return Randn(rng, n).data }
	for _, prec := range []Precision{Float64, Float32} {
		tol := sumTol(prec)
		for _, gc := range geos {
			g := gc.g
			g.n, g.prec = 3, prec
			wantPath := gc.path
			switch {
			case gc.path32 == "auto":
				wantPath = path(&g)
			case gc.path32 != "" && g.grid32():
				wantPath = gc.path32
			}
			if p := path(&g); p != wantPath {
				t.Fatalf("%v %s: the adjoint takes path %q, want %q", prec, gc.name, p, wantPath)
			}
			if wantPath == "" {
				continue
			}
			y, w, b := randn(g.n*g.o*g.pq()), randn(g.o*g.rows()/g.groups), randn(g.c)
			got, want, bound := make([]float64, g.n*g.c*g.h*g.w), make([]float64, g.n*g.c*g.h*g.w), make([]float64, g.n*g.c*g.h*g.w)
			for i := range got {
				got[i] = math.NaN() // every element must be written
			}
			convAdjointKernel(got, convSource{x: y}, w, b, &g)
			convAdjointCol2im(want, y, w, b, &g)
			convAdjointCol2im(bound, abs(y), abs(w), abs(b), &g)
			for i := range want {
				if d := math.Abs(got[i] - want[i]); d > tol*bound[i] || math.IsNaN(got[i]) {
					t.Fatalf("%v %s: element %d is %v, want %v (difference %.3g, bound %.3g)", prec, gc.name, i, got[i], want[i], d, tol*bound[i])
				}
			}
		}
	}
}

// TestSplitRow32: a stride-2 row's split into its even and odd columns as
// float32 (AVX-512 eight pairs a step, the rest under masks) matches the
// Go loop's values for every length from 0 to 40 pairs, and writes nothing
// past them. Planted: the tail storing the even values into both rows, the
// source advancing 15 values a step, and the tail's mask one lane long —
// each failed.
func TestSplitRow32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for n := range 41 {
		pairs := make([]float64, 2*n)
		for i := range pairs {
			pairs[i] = rng.NormFloat64()
		}
		ev, od := make([]float32, n+1), make([]float32, n+1)
		ev[n], od[n] = 7, 7
		wantE, wantO := make([]float32, n), make([]float32, n)
		splitRowGo(wantE, wantO, pairs)
		splitRow32(ev[:n], od[:n], pairs)
		for k := range n {
			if ev[k] != wantE[k] || od[k] != wantO[k] || ev[k] != float32(pairs[2*k]) {
				t.Fatalf("n=%d: pair %d split to (%v, %v), want (%v, %v)", n, k, ev[k], od[k], wantE[k], wantO[k])
			}
		}
		if ev[n] != 7 || od[n] != 7 {
			t.Fatalf("n=%d: wrote past the row", n)
		}
	}
}

// TestMergeRow: a stride-2 row put together from its two column phases
// (AVX-512 eight pairs a step, the rest under masks) matches the Go loop
// for every length from 0 to 40 pairs, and writes nothing past them.
// Planted: the tail's second store mask one lane short, the odd phase
// advancing seven values a step, and the fifth pair's even value taken
// from the first pair — each failed.
func TestMergeRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for n := range 41 {
		ev, od := make([]float64, n), make([]float64, n)
		for k := range n {
			ev[k], od[k] = rng.NormFloat64(), rng.NormFloat64()
		}
		pairs, want := make([]float64, 2*n+1), make([]float64, 2*n)
		pairs[2*n] = 7
		mergeRowGo(want, ev, od)
		mergeRow(pairs[:2*n], ev, od)
		for k := range n {
			if pairs[2*k] != ev[k] || pairs[2*k+1] != od[k] || want[2*k] != ev[k] || want[2*k+1] != od[k] {
				t.Fatalf("n=%d: pair %d merged to (%v, %v), want (%v, %v)", n, k, pairs[2*k], pairs[2*k+1], ev[k], od[k])
			}
		}
		if pairs[2*n] != 7 {
			t.Fatalf("n=%d: wrote past the row", n)
		}
	}
}

// TestCopyRows: short rows copied between strides (AVX-512 eight values a
// step, the last under a mask), as they are and rounded to float32, match
// a copy per row, for row lengths around the vector width, and write
// nothing between or past the rows. Planted: the tail mask one lane short,
// and the destination stepping the source's stride, in either kernel —
// each failed.
func TestCopyRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 11))
	for _, n := range []int{1, 3, 7, 8, 9, 14, 16, 28, 30} {
		for rows := 1; rows <= 3; rows++ {
			ss, ds := n+5, n+2
			src := make([]float64, rows*ss)
			for i := range src {
				src[i] = rng.NormFloat64()
			}
			got, want := make([]float64, rows*ds+1), make([]float64, rows*ds+1)
			for i := range got {
				got[i], want[i] = 7, 7
			}
			copyRows(got, ds, src, ss, rows, n)
			copyRowsGo(want, ds, src, ss, rows, n)
			got32, want32 := make([]float32, len(got)), make([]float32, len(got))
			for i := range got {
				got32[i], want32[i] = 7, 7
			}
			cvtRows32(got32, ds, src, ss, rows, n)
			cvtRows32Go(want32, ds, src, ss, rows, n)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%d rows of %d: value %d is %v, want %v", rows, n, i, got[i], want[i])
				}
				if got32[i] != want32[i] || i%ds < n && got32[i] != float32(got[i]) {
					t.Fatalf("%d rows of %d, float32: value %d is %v, want %v", rows, n, i, got32[i], want32[i])
				}
			}
		}
	}
}

// TestPadPhases32: a float32 grid of stride 2 both ways written whole, a
// plane's four phases at a time (padPhases32, and its Go loop), holds the
// same values as the buffer cleared and filled row by row (gridRows), for
// images from 1 to 33 pixels a side, paddings 0 to 3, kernels of 3 to 5
// taps and dilations 1 and 2, over a buffer first filled with NaN: every
// value of the planes is written, the slack cleared. Planted: the zero
// rows' stores one phase plane off, the column masks computed for pw − 1,
// and the row phases not swapped after a row — each failed.
func TestPadPhases32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 12))
	nan := float32(math.NaN())
	for _, h := range []int{1, 2, 3, 7, 8, 13, 14, 28, 33} {
		for _, w := range []int{1, 6, 7, 14, 17, 33} {
			for _, pad := range [][2]int{{0, 0}, {1, 1}, {2, 1}, {0, 3}, {3, 2}} {
				for _, k := range []int{3, 4, 5} {
					for _, dil := range []int{1, 2} {
						const n, c = 3, 2
						o := ConvOptions{Stride: [2]int{2, 2}, Padding: pad, Dilation: [2]int{dil, dil}}
						if h+2*pad[0] < dil*(k-1)+1 || w+2*pad[1] < dil*(k-1)+1 {
							continue
						}
						g := conv2dGeom([]int{n, c, h, w}, []int{4, c, k, k}, o)
						gr := g.grid()
						x := Randn(rng, n*c*h*w).data
						want := make([]float32, gr.size(&g, n))
						gridRows(gr, want, x, &g, n, false)
						for _, kernel := range []string{"padPhases32", "padPhasesGo"} {
							got := make([]float32, len(want))
							for i := range got {
								got[i] = nan
							}
							if kernel == "padPhases32" {
								gridPad(gr, got, x, &g, n)
							} else {
								hw, phase := h*w, n*gr.plane
								ymax, xmax := max(0, min(h, 2*gr.hs-g.ph)), max(0, min(w, 2*gr.ws-g.pw))
								clear(got[4*c*phase:])
								for s := range n {
									for ch := range c {
										padPhasesGo(got[gr.index(&g, n, ch, s, 0, 0):], phase, gr.hs, gr.ws, x[(s*c+ch)*hw:][:hw], w, ymax, xmax, g.ph, g.pw)
									}
								}
							}
							for i := range want {
								if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
									t.Fatalf("%s: %d×%d, padding %v, %d taps, dilation %d: grid value %d is %v, want %v", kernel, h, w, pad, k, dil, i, got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestMergePlane2: an image plane of a stride-2 adjoint put together from
// its four phase planes in one call (mergePlane2) holds, for every pixel,
// its phase's value or zero past the phases' fp rows and fq columns, plus
// the bias when there is one, for images from 1 to 33 pixels a side,
// paddings 0 to 3 and phases of every size around the image's half, over
// a plane first filled with NaN (every pixel written, none past it).
// Planted: the odd row phase taken from the even, the store masks shifted
// by pw + 1, and the bias added to the zero rows only — each failed.
func TestMergePlane2(t *testing.T) {
	if !haveAVX512 {
		t.Skip("mergePlane2 needs AVX-512")
	}
	rng := rand.New(rand.NewPCG(9, 15))
	for _, h := range []int{1, 2, 7, 14, 28, 33} {
		for _, w := range []int{1, 3, 7, 14, 17, 28, 33} {
			for _, pad := range [][2]int{{0, 0}, {1, 1}, {2, 1}, {0, 3}, {3, 2}} {
				for _, fp := range []int{0, (h+pad[0])/2 - 1, (h + pad[0] + 1) / 2, h} {
					for _, fq := range []int{0, (w+pad[1])/2 - 1, (w + pad[1] + 1) / 2, w} {
						if fp < 0 || fq < 0 {
							continue
						}
						ld := fq + 3
						pstride := fp*ld + 5
						p := Randn(rng, 4*pstride).data
						for _, withBias := range []bool{false, true} {
							var bias *float64
							b := rng.NormFloat64()
							if withBias {
								bias = &b
							}
							var tab [64]uint16
							masks := mergeMasks(tab[:0], w, fq, pad[1])
							x := make([]float64, h*w+1)
							for i := range x {
								x[i] = math.NaN()
							}
							if !mergePlane2(x[:h*w], p, masks, h, w, pstride, ld, fp, fq, pad[0], pad[1], bias) {
								t.Fatal("mergePlane2 did not run")
							}
							for yy := range h {
								for xx := range w {
									y, xp := yy+pad[0], xx+pad[1]
									want := 0.0
									if q, qx := y/2, xp/2; q < fp && qx < fq {
										want = p[(2*(y%2)+xp%2)*pstride+q*ld+qx]
									}
									if withBias {
										want += b
									}
									if got := x[yy*w+xx]; got != want {
										t.Fatalf("%d×%d, padding %v, phases %d×%d, bias %v: pixel (%d, %d) is %v, want %v", h, w, pad, fp, fq, withBias, yy, xx, got, want)
									}
								}
							}
							if !math.IsNaN(x[h*w]) {
								t.Fatalf("%d×%d, padding %v: wrote past the plane", h, w, pad)
							}
						}
					}
				}
			}
		}
	}
}
