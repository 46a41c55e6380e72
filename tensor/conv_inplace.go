package tensor

import "sync"

// A convolution's column matrix need not be written out. Pad each input
// sample with zeros and split it into its sh·sw phases (space to depth:
// padded pixel (Y, X) goes to phase (Y mod sh, X mod sw), position
// (Y div sh, X div sw) of an hs×ws plane). Tap (u, v) of output (i, j)
// reads padded pixel (i·sh + u·dh, j·sw + v·dw), which is position
// (i + u·dh div sh, j + v·dw div sw) of one phase's plane: so with the
// outputs numbered on the plane's grid, i·ws + j, row (c, u, v) of the
// column matrix is one contiguous run of that phase's plane, starting at a
// fixed offset. The packed product reads those runs in place (gemmAt with
// row offsets), and the adjoint adds its column rows back as whole runs
// instead of scattering them pixel by pixel.
//
// Grid positions with i ≥ p or j ≥ q are not outputs: the forward pass
// drops them, the adjoint gives them zero columns, whose products add
// exact zeros. Every output is therefore the same sum, in the same order,
// as with im2col: the same bits.

// convGrid is that layout for pieces of ns samples: buffer index
// ((c·sh + Y mod sh)·sw + X mod sw)·ns·plane + s·plane + (Y div sh)·ws + X div sw
// for padded pixel (Y, X) of channel c of sample s.
type convGrid struct {
	hs, ws, plane int
}

// grid returns the layout of g's padded input: the plane covers every
// padded pixel an output reads.
func (g *convGeom) grid() convGrid {
	hp := (g.p-1)*g.sh + (g.kh-1)*g.dh + 1
	wp := (g.q-1)*g.sw + (g.kw-1)*g.dw + 1
	hs, ws := (hp+g.sh-1)/g.sh, (wp+g.sw-1)/g.sw
	return convGrid{hs: hs, ws: ws, plane: hs * ws}
}

// inPlace says whether g's products read the padded input in place rather
// than an im2col matrix: where the packed kernels run (they take row
// offsets), the column matrix is not the input itself, and the grid's extra
// columns cost less than im2col. im2col costs about as much per element as
// og multiply-adds of the product (measured on the conv energy's layers), so
// the in-place product wins while its wasted multiply-adds per output,
// og·(plane − p·q)/(p·q), stay below that.
func (g *convGeom) inPlace() bool { return g.wasteWithin(convInPlaceWaste) }

// wasteWithin says whether g's in-place products can run and waste at most
// bound multiply-adds per output (see inPlace).
func (g *convGeom) wasteWithin(bound int) bool {
	if !packedProduct(g.prec) || g.direct() {
		return false
	}
	waste := g.grid().plane - g.pq()
	return waste*(g.o/g.groups) <= bound*g.pq()
}

// forwardInPlace says whether g's forward product reads its input in
// place: as inPlace, and up to twice the waste where it reads a float32
// grid (grid32), which costs less than packing (measured: a 4×4 stride-2
// conv from 7×7 to 3×3 1.5× faster, its adjoint 1.2×; the weight
// gradient likewise, see weightInPlace), or any waste where its product
// runs at the outputs only (atOutputs).
func (g *convGeom) forwardInPlace() bool {
	return g.gridInPlace() || g.grid32() && !g.direct() && g.atOutputs()
}

// gridInPlace is forwardInPlace by the waste alone, which the weight
// gradient's sums along the grid's rows pay whatever the forward product
// does (weightInPlace).
func (g *convGeom) gridInPlace() bool {
	if g.grid32() {
		return g.wasteWithin(2 * convInPlaceWaste)
	}
	return g.inPlace()
}

// grid32 says whether g's in-place forward product reads a float32 grid
// (gemmGrid): float32 with AVX-512. It does at any depth: with the kernel
// setting each row from its bias, a first layer's few taps gain from it too
// (measured on 128 28×28 inputs to 32 channels, forward: 3×3 taps of one
// channel 1.6–2× faster, 2×2 taps 1.3–1.9×, a 1×1 conv of 3 channels
// within noise).
func (g *convGeom) grid32() bool {
	return g.prec == Float32 && haveAVX512 && packedProduct(g.prec)
}

// convInPlaceWaste bounds the wasted multiply-adds per output of the
// in-place product (see inPlace).
const convInPlaceWaste = 32

// pieceSamples returns the samples per piece of the in-place kernels, as
// convSamples does for im2col's.
func (gr convGrid) pieceSamples(n int) int {
	return max(1, min(convBatchCols/gr.plane, n/8))
}

// size is the buffer length for a piece of ns samples: the phases' planes
// and one plane of slack, which the last rows' runs reach into at grid
// positions that are not outputs.
func (gr convGrid) size(g *convGeom, ns int) int {
	return g.c*g.sh*g.sw*ns*gr.plane + gr.plane
}

// offsets writes the start of each row (c, u, v) of the column matrix of a
// piece of ns samples into off.
func (gr convGrid) offsets(off []int, g *convGeom, ns int) {
	r := 0
	for c := range g.c {
		for u := range g.kh {
			for v := range g.kw {
				ph, pw := (u*g.dh)%g.sh, (v*g.dw)%g.sw
				off[r] = ((c*g.sh+ph)*g.sw+pw)*ns*gr.plane + (u*g.dh/g.sh)*gr.ws + v*g.dw/g.sw
				r++
			}
		}
	}
}

// index returns the buffer index of padded pixel (Y, X) of channel c of
// sample s in a piece of ns samples.
func (gr convGrid) index(g *convGeom, ns, c, s, y, x int) int {
	return ((c*g.sh+y%g.sh)*g.sw+x%g.sw)*ns*gr.plane + s*gr.plane + (y/g.sh)*gr.ws + x/g.sw
}

// pad writes the ns samples of x [ns, c, h, w] into buf in the grid layout,
// zero outside the images.
func (gr convGrid) pad(buf, x []float64, g *convGeom, ns int) { gridPad(gr, buf, x, g, ns) }

// pad32 is pad into a float32 grid, each value rounded to float32 as the
// float32 product's packing would round it.
func (gr convGrid) pad32(buf []float32, x []float64, g *convGeom, ns int) {
	gridPad(gr, buf, x, g, ns)
}

// gridPad is pad into a float64 or a float32 grid.
func gridPad[T float32 | float64](gr convGrid, buf []T, x []float64, g *convGeom, ns int) {
	if b32, ok := any(buf).([]float32); ok && g.sh == 2 && g.sw == 2 {
		gridPhases32(gr, b32, x, g, ns)
		return
	}
	clear(buf)
	gridRows(gr, buf, x, g, ns, false)
}

// gridPhases32 is pad into a float32 grid of stride 2 both ways: each
// image plane's four phase planes written whole, zeros included, in one
// call (padPhases32), where clearing the buffer and splitting it row by
// row cost as much as the layer's product (0.6–3 ns a value against 0.2;
// the rows are short).
func gridPhases32(gr convGrid, buf []float32, x []float64, g *convGeom, ns int) {
	hw, phase := g.h*g.w, ns*gr.plane
	ymax, xmax := max(0, min(g.h, 2*gr.hs-g.ph)), max(0, min(g.w, 2*gr.ws-g.pw))
	var tab [64]uint16
	masks := phaseMasks(tab[:0], gr.ws, xmax, g.pw)
	for s := range ns {
		for c := range g.c {
			padPhases32(buf[gr.index(g, ns, c, s, 0, 0):], phase, gr.hs, gr.ws,
				x[(s*g.c+c)*hw:(s*g.c+c+1)*hw], g.w, ymax, xmax, g.ph, g.pw, masks)
		}
	}
	clear(buf[4*g.c*phase:]) // the slack, which only positions that are not outputs read
}

// phaseMasks appends to buf, for each run of eight columns of a phase
// plane ws wide, the masks padPhases32 applies: of the sixteen pixels of
// the padded row that the run's two phases take (padded column X is image
// column X − pw, taken where in [0, xmax)), the first eight and the last
// eight, then the run's columns within the plane, and a zero.
func phaseMasks(buf []uint16, ws, xmax, pw int) []uint16 {
	for j := 0; 8*j < ws; j++ {
		var load uint32
		for l := range 16 {
			if i := 16*j + l - pw; 0 <= i && i < xmax {
				load |= 1 << l
			}
		}
		buf = append(buf, uint16(load&0xff), uint16(load>>8), uint16(1)<<min(8, ws-8*j)-1, 0)
	}
	return buf
}

// padPhasesGo is padPhases32 in Go.
func padPhasesGo(dst []float32, phase, hs, ws int, img []float64, w, ymax, xmax, ph, pw int) {
	for y := range 2 * hs {
		ev := dst[(y%2)*2*phase+(y/2)*ws:][:ws]
		od := dst[(y%2)*2*phase+phase+(y/2)*ws:][:ws]
		yy := y - ph
		for k := range ws {
			ev[k], od[k] = 0, 0
			if yy < 0 || yy >= ymax {
				continue
			}
			if i := 2*k - pw; 0 <= i && i < xmax {
				ev[k] = float32(img[yy*w+i])
			}
			if i := 2*k + 1 - pw; 0 <= i && i < xmax {
				od[k] = float32(img[yy*w+i])
			}
		}
	}
}

// unpad writes the pixels of the ns samples x [ns, c, h, w] from buf in the
// grid layout: pad's adjoint for what pad wrote, and zero for the pixels
// past the grid, which no output reads.
func (gr convGrid) unpad(x, buf []float64, g *convGeom, ns int) {
	gridRows(gr, buf, x, g, ns, true)
}

// gridPut copies src into dst, rounding to float32 where dst is.
func gridPut[T float32 | float64](dst []T, src []float64) {
	if d, ok := any(dst).([]float64); ok {
		copy(d, src)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = T(v)
	}
}

// gridGet copies src into dst, widening to float64 where src is float32.
func gridGet[T float32 | float64](dst []float64, src []T) {
	if s, ok := any(src).([]float64); ok {
		copy(dst, s)
		return
	}
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// splitRowGo is splitRow32 in Go.
func splitRowGo(ev, od []float32, pairs []float64) {
	od, pairs = od[:len(ev)], pairs[:2*len(ev)]
	for k := range ev {
		ev[k], od[k] = float32(pairs[2*k]), float32(pairs[2*k+1])
	}
}

// copyPlanesGo is copyPlanes in Go.
func copyPlanesGo(dst []float64, dstStride, dstPlane int, src []float64, srcStride, srcPlane, planes, rows, n int) {
	for k := range planes {
		copyRowsGo(dst[k*dstPlane:], dstStride, src[k*srcPlane:], srcStride, rows, n)
	}
}

// copyRowsGo is copyRows in Go.
func copyRowsGo(dst []float64, dstStride int, src []float64, srcStride, rows, n int) {
	for r := range rows {
		copy(dst[r*dstStride:][:n], src[r*srcStride:][:n])
	}
}

// cvtRows32Go is cvtRows32 in Go.
func cvtRows32Go(dst []float32, dstStride int, src []float64, srcStride, rows, n int) {
	for r := range rows {
		gridPut(dst[r*dstStride:][:n], src[r*srcStride:][:n])
	}
}

// mergeRowGo is mergeRow in Go.
func mergeRowGo(pairs, ev, od []float64) {
	od, pairs = od[:len(ev)], pairs[:2*len(ev)]
	for k := range ev {
		pairs[2*k], pairs[2*k+1] = ev[k], od[k]
	}
}

// gridRows copies each image row of the ns samples x [ns, c, h, w] to its
// places in buf in gr's layout, or back where back is set (clearing the
// pixels past the grid; float64 grids only).
func gridRows[T float32 | float64](gr convGrid, buf []T, x []float64, g *convGeom, ns int, back bool) {
	hw, phase := g.h*g.w, ns*gr.plane                                  // phase: the distance between phases' planes
	ymax, xmax := min(g.h, gr.hs*g.sh-g.ph), min(g.w, gr.ws*g.sw-g.pw) // pixels a plane holds
	for s := range ns {
		for c := range g.c {
			xc := x[(s*g.c+c)*hw : (s*g.c+c+1)*hw]
			if back {
				clear(xc[ymax*g.w:])
			}
			// Padded row yp = yy + ph is row yp div sh of phase yp mod sh:
			// both stepped along, as divisions per row cost more than the
			// row's copy.
			base := gr.index(g, ns, c, s, 0, 0)
			if g.sh == 1 && g.sw == 1 && ymax > 0 && xmax == g.w { // a stride-1 grid holds whole rows
				gridPlane(buf[base+g.ph*gr.ws+g.pw:], gr.ws, xc, g.w, ymax, xmax, back)
				continue
			}
			a, q := g.ph%g.sh, g.ph/g.sh
			for yy := range ymax {
				img := xc[yy*g.w : yy*g.w+xmax]
				if back {
					clear(xc[yy*g.w+xmax : (yy+1)*g.w])
				}
				row := base + a*g.sw*phase + q*gr.ws
				if a++; a == g.sh {
					a, q = 0, q+1
				}
				switch g.sw {
				case 1:
					grid := buf[row+g.pw : row+g.pw+xmax]
					if back {
						gridGet(img, grid)
					} else {
						gridPut(grid, img)
					}
				case 2: // even columns of the image in one phase, odd in the other
					n2 := xmax / 2
					ev := buf[row+(g.pw%2)*phase+g.pw/2:]
					od := buf[row+((g.pw+1)%2)*phase+(g.pw+1)/2:]
					ev, od, pairs := ev[:n2], od[:n2], img[:2*n2]
					ev32, f32 := any(ev).([]float32)
					switch {
					case back: // unpad: float64 grids only
						mergeRow(pairs, any(ev).([]float64), any(od).([]float64))
					case f32:
						splitRow32(ev32, any(od).([]float32), pairs)
					default:
						for k := range ev {
							ev[k], od[k] = T(pairs[2*k]), T(pairs[2*k+1])
						}
					}
					if xmax%2 == 1 {
						at := row + (g.pw%2)*phase + g.pw/2 + n2
						if back {
							img[xmax-1] = float64(buf[at])
						} else {
							buf[at] = T(img[xmax-1])
						}
					}
				default:
					for a := range g.sw { // phase a: padded columns xp ≡ a (mod sw)
						xx := ((a-g.pw)%g.sw + g.sw) % g.sw
						if xx >= xmax {
							continue
						}
						grid := buf[row+a*phase+(xx+g.pw)/g.sw:]
						for k := range (xmax - xx + g.sw - 1) / g.sw {
							if back {
								img[xx+k*g.sw] = float64(grid[k])
							} else {
								grid[k] = T(img[xx+k*g.sw])
							}
						}
					}
				}
			}
		}
	}
}

// atOutputs says whether g's float32 grid product runs at the outputs'
// positions only (gemmGridPos) rather than at every position of the grid
// (gemmGrid): where the grid has at least 1.25 positions an output, or the
// product exactly 32 rows (output channels) a group, one panel, which
// gemmGrid computes as five 6-row panels and two rows; and at least 32
// rows, the panel's width, and 256 terms, which make up for writing each
// block of results across the rows. Measured in float32, every position
// against outputs only, ms (forward; adjoint): a ResNet's 3×3 of 64
// channels on 8×8 (1.6 positions an output) 4.83 → 3.34 and 4.96 → 3.55;
// the conv energy's 7×7 → 3×3 (1.8) 3.6 → 2.6 and 6.1 → 4.6 (1.6; its
// adjoint was not in place before, see forwardInPlace); its 28×28 → 14×14
// of 32 channels (1.15) 13.9 → 12.0. Its 14×14 → 7×7 (1.31) measured
// 6.4 → 6.8 and 8.4 → 8.0 when the rule asked for 1.5; since the kernel
// sets its tile and writes it out in assembly, the product of a piece of
// 16 samples takes 0.63 → 0.50 ms, and at 1.25 the conv energy's E(x) and
// ∇ₓE run 1.05× faster, its DSM 1.01×, and the ResNet's Fashion-MNIST
// steps, whose 14×14 3×3 layers (1.31) now qualify, 1.04× (PCD) and 1.02×
// (DSM). Where the rule says no: the 28×28 → 14×14's adjoint 14.0 → 26.0
// (1.1, 128 terms), and the first layer (32 rows of 9 terms; one row)
// 4.3 → 5.9 and 3.2 → 20.4.
func (g *convGeom) atOutputs() bool {
	og := g.o / g.groups
	return (4*g.grid().plane >= 5*g.pq() || og == 32) && og >= 32 && g.rows()/g.groups >= 256
}

// positions returns, in buf's storage, the grid positions of the outputs
// of a piece of ns samples: output (i, j) of sample s at s·plane + i·ws + j.
func (gr convGrid) positions(buf []int, g *convGeom, ns int) []int {
	buf = buf[:0]
	for s := range ns {
		for i := range g.p {
			for j := range g.q {
				buf = append(buf, s*gr.plane+i*gr.ws+j)
			}
		}
	}
	return buf
}

// convOffPool holds row-offset tables.
var convOffPool = sync.Pool{New: func() any { return new([]int) }}

// offsetTable returns a pooled table of the row offsets (offsets) for a
// piece of ns samples, and the pool's entry to put back in convOffPool.
func (gr convGrid) offsetTable(g *convGeom, ns int) ([]int, *[]int) {
	offp := convOffPool.Get().(*[]int)
	if cap(*offp) < g.rows() {
		*offp = make([]int, g.rows())
	}
	off := (*offp)[:g.rows()]
	gr.offsets(off, g, ns)
	return off, offp
}

// outputs copies the outputs y [ns, o, p, q] of a piece of ns samples to
// their grid positions in grid [o, ns·plane] (output (o, i, j) of sample s
// at o·ns·plane + s·plane + i·ws + j), or back from them where back is set.
// Grid positions that are not outputs are left as they are.
func (gr convGrid) outputs(grid, y []float64, g *convGeom, ns int, back bool) {
	gridOutputs(gr, grid, y, g, ns, back)
}

// gridOutputs is outputs for a float64 or a float32 grid (rounded to
// float32 where grid is; back from float64 grids only).
func gridOutputs[T float32 | float64](gr convGrid, grid []T, y []float64, g *convGeom, ns int, back bool) {
	pq, ld := g.pq(), ns*gr.plane
	if g64, ok := any(grid).([]float64); ok && ns > 0 {
		// A channel's planes for all the samples in one call.
		for o := range g.o {
			if back {
				copyPlanes(y[o*pq:], g.q, g.o*pq, g64[o*ld:], gr.ws, gr.plane, ns, g.p, g.q)
			} else {
				copyPlanes(g64[o*ld:], gr.ws, gr.plane, y[o*pq:], g.q, g.o*pq, ns, g.p, g.q)
			}
		}
		return
	}
	for s := range ns {
		for o := range g.o {
			gridPlane(grid[o*ld+s*gr.plane:], gr.ws, y[(s*g.o+o)*pq:], g.q, g.p, g.q, back)
		}
	}
}

// gridPlane copies rows rows of n values of an image plane img (rows
// istride apart) to a grid's plane (rows gstride apart), rounding to
// float32 where the grid is, or back where back is set (float64 grids
// only): a plane in one call (copyRows, cvtRows32), as its rows are short.
func gridPlane[T float32 | float64](grid []T, gstride int, img []float64, istride, rows, n int, back bool) {
	switch grid := any(grid).(type) {
	case []float64:
		if back {
			copyRows(img, istride, grid, gstride, rows, n)
		} else {
			copyRows(grid, gstride, img, istride, rows, n)
		}
	case []float32:
		if back {
			panic("tensor: gridPlane: back from a float32 grid")
		}
		cvtRows32(grid, gstride, img, istride, rows, n)
	}
}

// convForwardInPlace is convForwardKernel with the products reading the
// padded input in place.
func convForwardInPlace(y []float64, x convSource, w, b []float64, g *convGeom, post func(off int, y []float64)) {
	ys := g.o * g.pq()
	convForwardGrid(x, w, b, g, func(lo, hi int, out []float64, gr convGrid) {
		gr.outputs(out, y[lo*ys:hi*ys], g, hi-lo, true)
		if post != nil {
			post(lo*ys, y[lo*ys:hi*ys])
		}
	})
}

// shallow32 says whether g's forward product is shallow enough to write
// its outputs where they go (convForwardShallow32): a float32 grid of
// stride 1, at most 32 terms a sum. On so few terms gemmGrid's tiles cost
// more to write out, and the grid's rows to copy to the outputs, than to
// compute (measured, a first layer of 128 28×28 images to 32 channels by
// 3×3 taps: 1.41 ms against 2.63 through gemmGrid; the kernel loops over
// the rows itself, as a call per row cost as much again).
func (g *convGeom) shallow32() bool {
	return g.grid32() && g.sh == 1 && g.sw == 1 && g.rows()/g.groups <= 32 && !g.direct()
}

// convForwardShallow32 is convForwardInPlace for a shallow32 geometry: the
// outputs of a row of the grid, 32 at a time, for eight channels at a
// time, summed in float32 as gemmGrid sums them and written, with the
// bias, straight to y (sconvRows8x32), so the same bits.
func convForwardShallow32(y, x, w, b []float64, g *convGeom, post func(off int, y []float64)) {
	og, kk := g.o/g.groups, g.rows()/g.groups
	xs, pq, ys := g.c*g.h*g.w, g.pq(), g.o*g.pq()
	blocks := (og + 7) / 8
	// The weights in blocks of eight channels, [kk][8] each, and the biases
	// likewise; channels past og are zeros, computed but not written.
	bufs := shallowPool.Get().(*shallowBufs)
	defer shallowPool.Put(bufs)
	wp, bp := grow(&bufs.w, g.groups*blocks*kk*8), grow(&bufs.b, g.groups*blocks*8)
	clear(wp)
	clear(bp)
	for gi := range g.groups {
		for o := range og {
			blk := (gi*blocks + o/8) * kk * 8
			for p := range kk {
				wp[blk+p*8+o%8] = float32(w[(gi*og+o)*kk+p])
			}
			if b != nil {
				bp[(gi*blocks+o/8)*8+o%8] = b[gi*og+o]
			}
		}
	}
	gr := g.grid()
	g.chunked(g.n, gr.pieceSamples(g.n), func(_, lo, hi int) {
		m := hi - lo
		gbuf := conv32Pool.Get().(*[]float32)
		defer conv32Pool.Put(gbuf)
		in := grow(gbuf, gr.size(g, m)+31) // a row's last 32 columns read up to 31 values past it
		gr.pad32(in, x[lo*xs:hi*xs], g, m)
		off, offp := gr.offsetTable(g, m)
		defer convOffPool.Put(offp)
		checkRows("convForwardShallow32", off, (m-1)*gr.plane+(g.p-1)*gr.ws+(g.q-1)/32*32+32, len(in))
		for s := range m {
			for j := 0; j < g.q; j += 32 {
				for gi := range g.groups {
					for bl := range blocks {
						o := gi*og + bl*8
						nch := min(8, og-bl*8)
						yo := ((lo+s)*g.o+o)*pq + j
						_ = y[yo+(nch-1)*pq+(g.p-1)*g.q+min(32, g.q-j)-1]
						sconvRows8x32(kk, &in[s*gr.plane+j], &off[gi*kk], &wp[(gi*blocks+bl)*kk*8], &y[yo], pq,
							&bp[(gi*blocks+bl)*8], min(32, g.q-j), nch, g.p, gr.ws, g.q)
					}
				}
			}
		}
		if post != nil {
			post(lo*ys, y[lo*ys:hi*ys])
		}
	})
}

// shallowBufs are convForwardShallow32's packed weights and biases, pooled
// apart from the grids, whose pool hands out buffers by role.
type shallowBufs struct {
	w []float32
	b []float64
}

var shallowPool = sync.Pool{New: func() any { return new(shallowBufs) }}

// convSource is the input a convolution pads into its grid: x itself, or,
// where silu is set, a SiLU's lazy gradient g·SiLU′(z) (gradSums), written
// a piece of samples at a time into a buffer that the padding then reads
// while it is in cache, rather than whole by a pass of its own and read
// back from memory.
type convSource struct {
	x    []float64
	silu *siluLazy
}

// with calls do with the source's values [lo, hi): x's own, or the lazy
// gradient's written into a pooled buffer, held while do reads them.
func (src convSource) with(lo, hi int, do func(v []float64)) {
	if src.silu == nil {
		do(src.x[lo:hi])
		return
	}
	buf := sourcePool.Get().(*[]float64)
	d := grow(buf, hi-lo)
	src.silu.into(d, lo, hi)
	do(d)
	sourcePool.Put(buf)
}

// from returns the source from value off on: a lazy adjoint's piece of
// samples.
func (src convSource) from(off int) convSource {
	if src.silu == nil {
		return convSource{x: src.x[off:]}
	}
	l := *src.silu
	l.at += off
	return convSource{silu: &l}
}

// plain returns x, for the kernels that read their input where it lies; it
// panics where the source is computed (a caller that did not check
// padsGrid or adjointPadsGrid).
func (src convSource) plain() []float64 {
	if src.silu != nil {
		panic("tensor: a computed convolution input where no grid is padded")
	}
	return src.x
}

// sourcePool holds the buffers of convSource's computed pieces.
var sourcePool = sync.Pool{New: func() any { return new([]float64) }}

// convForwardGrid computes conv(x, w) + b for geometry g in pieces of
// samples, reading the padded input in place, and hands each piece's
// output, on the grid, to emit: output (o, i, j) of sample lo + s is
// out[o·ld + s·plane + i·ws + j] with ld = (hi − lo)·plane.
func convForwardGrid(x convSource, w, b []float64, g *convGeom, emit func(lo, hi int, out []float64, gr convGrid)) {
	og, kk := g.o/g.groups, g.rows()/g.groups
	xs := g.c * g.h * g.w
	gr := g.grid()
	ns := gr.pieceSamples(g.n)
	grid32 := g.grid32() // else the float64 grid's rows are packed
	g.chunked(g.n, ns, func(_, lo, hi int) {
		m := hi - lo
		ld := m * gr.plane
		obuf := convGetCol(g.o * ld)
		out := (*obuf)[:g.o*ld]
		off, offp := gr.offsetTable(g, m)
		var posp *[]int     // the outputs' positions (gemmGridPos)
		var pbuf *[]float64 // the float64 grid
		if grid32 {         // the kernel sets each row from its bias
			size := gr.size(g, m) + 31 // the last partial panel of columns reads 31 values past a row
			gbuf := conv32Pool.Get().(*[]float32)
			in := grow(gbuf, size)
			x.with(lo*xs, hi*xs, func(v []float64) { gr.pad32(in, v, g, m) })
			var pos []int // the outputs' grid positions, where most are not outputs
			if g.atOutputs() {
				posp = convOffPool.Get().(*[]int)
				pos = gr.positions(*posp, g, m)
				*posp = pos
			}
			for gi := range g.groups {
				var init []float64
				if b != nil {
					init = b[gi*og : (gi+1)*og]
				}
				if pos != nil {
					gemmGridPos(og, pos, kk, w[gi*og*kk:], kk, in, off[gi*kk:(gi+1)*kk], init, out[gi*og*ld:(gi+1)*og*ld], ld)
				} else {
					gemmGrid(og, ld, kk, w[gi*og*kk:], kk, in, off[gi*kk:(gi+1)*kk], init, out[gi*og*ld:(gi+1)*og*ld], ld)
				}
			}
			conv32Pool.Put(gbuf)
		} else {
			beta := 0.0
			if b != nil { // the bias first, then the product added, as im2col's kernel does
				for o := range g.o {
					fill(out[o*ld:(o+1)*ld], b[o])
				}
				beta = 1
			}
			pbuf = convGetCol(gr.size(g, m))
			in := (*pbuf)[:gr.size(g, m)]
			x.with(lo*xs, hi*xs, func(v []float64) { gr.pad(in, v, g, m) })
			for gi := range g.groups {
				gemmAt(g.cores, g.prec, false, false, og, ld, kk, w[gi*og*kk:], kk, in, 0, off[gi*kk:(gi+1)*kk], beta, nil, out[gi*og*ld:(gi+1)*og*ld])
			}
		}
		emit(lo, hi, out, gr)
		// put back in the order taken, which a pool hands out again in that
		// order on the same P, so that each buffer keeps its role's size
		convColPool.Put(obuf)
		if pbuf != nil {
			convColPool.Put(pbuf)
		}
		convOffPool.Put(offp)
		if posp != nil {
			convOffPool.Put(posp)
		}
	})
}

// conv32Pool holds float32 grids.
var conv32Pool = sync.Pool{New: func() any { return new([]float32) }}

// convAdjointInPlace is convAdjointKernel with the column rows added back
// as whole runs of the grid layout.
func convAdjointInPlace(x, y, w, b []float64, g *convGeom) {
	og, kk := g.o/g.groups, g.rows()/g.groups
	xs, ys := g.c*g.h*g.w, g.o*g.pq()
	gr := g.grid()
	ns := gr.pieceSamples(g.n)
	g.chunked(g.n, ns, func(_, lo, hi int) {
		m := hi - lo
		ld := m * gr.plane
		ybuf, cbuf, pbuf := convGetCol(g.o*ld), convGetCol(g.rows()*ld), convGetCol(gr.size(g, m))
		ym, col, acc := (*ybuf)[:g.o*ld], (*cbuf)[:g.rows()*ld], (*pbuf)[:gr.size(g, m)]
		off, offp := gr.offsetTable(g, m)
		clear(ym)
		gr.outputs(ym, y[lo*ys:hi*ys], g, m, false)
		for gi := range g.groups {
			gemm(g.cores, g.prec, true, false, kk, ld, og, w[gi*og*kk:], kk, ym[gi*og*ld:], ld, 0, col[gi*kk*ld:(gi+1)*kk*ld])
		}
		clear(acc)
		for r, o := range off {
			addTo(acc[o:o+ld], col[r*ld:(r+1)*ld])
		}
		gr.unpad(x[lo*xs:hi*xs], acc, g, m)
		convAddBias(x[lo*xs:hi*xs], b, g)
		convColPool.Put(ybuf)
		convColPool.Put(cbuf)
		convColPool.Put(pbuf)
		convOffPool.Put(offp)
	})
}

// weightInPlace says whether the weight gradient of g reads the padded
// input in place: as the forward pass (up to twice inPlace's waste with a
// float32 grid, whose sums run along its rows: measured against im2col,
// 4×4 stride 2 from 7×7 to 3×3 1.45× faster, 3×3 of 64 channels on 8×8
// 1.33×, on 7×7 1.22×), and only where a sample's grid fits one block of
// the product's depth (a first layer's 30×30 grid measured slower in place
// than through im2col in float32, 6.0 against 3.5 ms).
func (g *convGeom) weightInPlace() bool {
	if g.grid().plane > gemmDepth {
		return false
	}
	return g.gridInPlace()
}

// convWeightInPlace writes into acc the weight gradient summed over samples
// lo to hi, in pieces of samples as convWeightIm2col takes them, each
// piece's padded inputs read in place, its output gradients laid on the
// same grid. In float32 with AVX-512 both are float32 grids and the sums
// run along their rows (sdotGrid): no operand is packed (measured against
// the packed product: 4×4 stride 2 from 28×28 to 14×14, 32 channels to
// 32, 1.5× faster; from 14×14 to 7×7, 32 to 64, 1.1×).
func convWeightInPlace(acc, x, y []float64, lo, hi int, g *convGeom) {
	og, kk := g.o/g.groups, g.rows()/g.groups
	gr := g.grid()
	ns := max(1, min(hi-lo, convBatchCols/gr.plane))
	if g.grid32() {
		gbuf, ybuf := conv32Pool.Get().(*[]float32), conv32Pool.Get().(*[]float32)
		clear(acc)
		weightPieces(gr, grow(gbuf, gr.size(g, ns)), grow(ybuf, g.o*ns*gr.plane), x, y, lo, hi, ns, g, func(in, ym []float32, ld int, off []int, _ bool) {
			for gi := range g.groups {
				sdotGrid(og, kk, ld, ym[gi*og*ld:(gi+1)*og*ld], ld, in, off[gi*kk:(gi+1)*kk], acc[gi*og*kk:(gi+1)*og*kk], kk)
			}
		})
		conv32Pool.Put(gbuf)
		conv32Pool.Put(ybuf)
		return
	}
	pbuf, ybuf := convGetCol(gr.size(g, ns)), convGetCol(g.o*ns*gr.plane)
	weightPieces(gr, *pbuf, *ybuf, x, y, lo, hi, ns, g, func(in, ym []float64, ld int, off []int, first bool) {
		beta := 1.0
		if first {
			beta = 0
		}
		for gi := range g.groups {
			gemmAt(g.cores, g.prec, false, true, og, kk, ld, ym[gi*og*ld:], ld, in, 0, off[gi*kk:(gi+1)*kk], beta, nil, acc[gi*og*kk:(gi+1)*og*kk])
		}
	})
	convColPool.Put(pbuf)
	convColPool.Put(ybuf)
}

// weightPieces runs convWeightInPlace's pieces of ns samples from lo to hi:
// each piece's inputs padded into in and its output gradients laid on the
// same grid in ym (both sliced to the piece), then product with the
// piece's depth ld, its row offsets, and whether it is the first piece.
func weightPieces[T float32 | float64](gr convGrid, in, ym []T, x, y []float64, lo, hi, ns int, g *convGeom, product func(in, ym []T, ld int, off []int, first bool)) {
	xs, ys := g.c*g.h*g.w, g.o*g.pq()
	for s0 := lo; s0 < hi; s0 += ns {
		m := min(ns, hi-s0)
		ld := m * gr.plane
		in, ym := in[:gr.size(g, m)], ym[:g.o*ld]
		off, offp := gr.offsetTable(g, m)
		clear(ym)
		gridPad(gr, in, x[s0*xs:(s0+m)*xs], g, m)
		gridOutputs(gr, ym, y[s0*ys:(s0+m)*ys], g, m, false)
		product(in, ym, ld, off, s0 == lo)
		convOffPool.Put(offp)
	}
}
