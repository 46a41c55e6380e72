package tensor

import (
	"fmt"
	"sync"
	"unsafe"
)

// gemmPacked computes c = op(a)·op(b) + beta·c (c row-major [m, n] with row
// length ldc, always float64) in float32, in the manner of GotoBLAS: blocks
// of op(b) and op(a) are rounded to float32 as they are copied into panels
// nr columns and mr rows wide, laid out in the order the mr×nr micro-kernel
// reads them, so that it streams through L1 cache (twice float64's lanes
// per instruction). float64 products read their operands in place instead
// (dgemmDirect).
//
// The kernel sums each block of kc products in float32, in order, and adds
// the sum to c in float64, so each element's rounding does not depend on
// how C is split among goroutines. A kernel that sets C (sets) does so with
// the first block of sums, from init (one value per column; beta is then
// ignored) or, where beta is 0, from zeros: no pass filling or clearing C
// first and no read of it, the same bits.
//
// With boff non-nil, row i of b as stored starts at b[boff[i]] instead of
// b[i·ldb]: b's rows may overlap, and a convolution's column matrix is then
// rows of its (padded) input read in place, with no im2col.
//
// A product of at most 32 columns and one depth block that sets C goes to
// sgemmSmall, which computes the same sums.
func gemmPacked(mr, nr int, kernel skernel, sets bool,
	tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, init, c []float64, ldc int) {
	if sets && boff == nil && (init != nil || beta == 0) && sgemmSmall(tA, tB, m, n, k, a, lda, b, ldb, init, c, ldc) {
		return
	}
	gemmPackedBlocks(mr, nr, kernel, sets, tA, tB, m, n, k, a, lda, b, ldb, boff, beta, init, c, ldc)
}

// gemmPackedBlocks is gemmPacked through gemmBlocks.
func gemmPackedBlocks(mr, nr int, kernel skernel, sets bool,
	tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, init, c []float64, ldc int) {
	buf := packPool32.Get().(*packBufs[float32])
	defer packPool32.Put(buf)
	// Sized for this product, so that a pool emptied by the collector
	// refills with what small products need, not with the largest blocks.
	bp := grow(&buf.b, ((min(n, gemmCols)+nr-1)/nr*nr)*min(k, gemmDepth))
	switch {
	case init != nil: // C's columns' initial values
		if !sets {
			panic("tensor: gemmPacked: initial columns for a kernel that only adds")
		}
	case sets && beta == 0:
		init = grow(&buf.zeros, n)
		clear(init)
	default:
		scaleC(beta, m, n, c, ldc)
	}
	gemmBlocks(buf, mr, nr, tA, m, n, k, a, lda, init, true, c, ldc,
		func(p0, kb, j0, nb int) { packB(bp, nr, tB, b, ldb, boff, p0, kb, j0, nb) },
		func(kb int, apan *float32, p0, j0, jp int, c *float64, ldc int, init *float64) {
			kernel(kb, apan, &bp[(jp/nr)*kb*nr], c, ldc, init)
		})
}

// skernel is a float32 micro-kernel: the mr×nr sums over p < k of a packed
// A panel's columns times a packed B panel's rows, each in float32 in
// order from zero, widened and added to C, or with init not nil (where the
// kernel can: see gemmPacked) C set to init[j] + the sums, init holding
// one value per column of the block.
type skernel func(k int, a, b *float32, c *float64, ldc int, init *float64)

// sgemm6x16 is the AVX2 kernel as an skernel: it only adds (init is nil).
func sgemm6x16(k int, a, b *float32, c *float64, ldc int, _ *float64) {
	sgemmKernel6x16(k, a, b, c, ldc)
}

// gemmGrid computes c = init + op(a)·b, init[i] added to row i of c (a
// conv's bias; zeros where init is nil), for a b already in float32 whose
// rows start at the offsets boff (a convolution's float32 grid): the 6×32
// AVX-512 kernel reads b's rows where they lie, so b is not packed, and it
// sets c's rows from init with the first block of sums rather than having c
// filled first. Each element is the same sum as gemmPacked's of the same
// values on c filled with init, the same bits. b must hold 31 values past
// the last row's end, which the last partial panel of columns reads. The
// caller checks haveAVX512.
func gemmGrid(m, n, k int, a []float64, lda int, b []float32, boff []int, init []float64, c []float64, ldc int) {
	checkRows("gemmGrid", boff[:k], n+31, len(b)) // the kernel reads rows, and 31 values past them, unchecked
	buf := packPool32.Get().(*packBufs[float32])
	defer packPool32.Put(buf)
	if init == nil {
		init = grow(&buf.zeros, m)
		clear(init)
	}
	// The rows past the whole 6-row panels: the 6-row kernel computes a
	// partial panel whole, so three or four go through a 4-row kernel (on
	// a 3×3 conv of 16 channels on 8×8, four rows at 107 GFLOP/s against
	// 62 a row at a time), and one or two a row at a time, where a row
	// costs one load of B and one FMA per 16 sums (measured, 288 deep by
	// 7,200 columns: one row 4.1× faster than through the 6-row kernel,
	// two 2.1×; five would be no faster, and take the 6-row kernel).
	full := m - m%6
	if m%6 == 5 {
		full = m
	}
	if full > 0 {
		gemmBlocks(buf, 6, 32, false, full, n, k, a, lda, init[:full], false, c, ldc,
			func(p0, kb, j0, nb int) {},
			func(kb int, apan *float32, p0, j0, jp int, c *float64, ldc int, init *float64) {
				sgemmKernel6x32At(kb, apan, &b[j0+jp], &boff[p0], c, ldc, init)
			})
	}
	if full == m || n == 0 || k == 0 {
		return
	}
	if h := m - full; h >= 3 {
		// Four rows packed a step at a time, a row past h repeating the
		// last (computed, not written).
		ap := grow(&buf.a, 4*k)
		for r := range 4 {
			row := a[(full+min(r, h-1))*lda:][:k]
			for p, v := range row {
				ap[4*p+r] = float32(v)
			}
		}
		for p0 := 0; p0 < k; p0 += gemmDepth {
			var first *float64 // the rows' initial values, with the first depth block's sums
			if p0 == 0 {
				first = &init[full]
			}
			sgemmRows4x32At(min(gemmDepth, k-p0), &ap[4*p0], &b[0], &boff[p0], &c[full*ldc], ldc, n, h, first)
		}
		return
	}
	arow := grow(&buf.a, k)
	for i := full; i < m; i++ {
		for p, v := range a[i*lda : i*lda+k] {
			arow[p] = float32(v)
		}
		ci := c[i*ldc : i*ldc+n]
		for p0 := 0; p0 < k; p0 += gemmDepth {
			kb := min(gemmDepth, k-p0)
			var first *float64 // the row's initial value, with the first depth block's sums
			if p0 == 0 {
				first = &init[i]
			}
			j := 0
			for ; j+128 <= n; j += 128 {
				sgemmRow128At(kb, &arow[p0], &b[j], &boff[p0], &ci[j], first)
			}
			for ; j < n; j += 16 {
				sgemmRow16At(kb, &arow[p0], &b[j], &boff[p0], &ci[j], min(16, n-j), first)
			}
		}
	}
}

// gemmGridPos is gemmGrid at the columns pos lists only: c[i·ldc + q] =
// init[i] + Σₚ a[i·lda + p]·b[boff[p] + q] for i < m and q in pos, the
// same bits, and the other columns of c left as they are. A convolution's
// grid on a small map is mostly positions that are no output (a 3×3
// output's grid has 16 positions), which gemmGrid computes too. Here the
// positions are the product's rows six at a time (sgemmPos6x32), the
// weights packed once as B, each sum widened and added in a tile of the
// six positions' 32 channels, which is then written to c's columns. The
// caller checks haveAVX512.
func gemmGridPos(m int, pos []int, k int, a []float64, lda int, b []float32, boff []int, init []float64, c []float64, ldc int) {
	if m == 0 || len(pos) == 0 || k == 0 {
		return
	}
	width := 0
	for _, q := range pos {
		if q < 0 {
			panic(fmt.Sprintf("tensor: gemmGridPos: negative position %d", q))
		}
		width = max(width, q+1)
	}
	checkRows("gemmGridPos", boff[:k], width, len(b)) // the kernel reads b unchecked
	_ = c[(m-1)*ldc+width-1]
	buf := packPool32.Get().(*packBufs[float32])
	defer packPool32.Put(buf)
	panels := (m + 31) / 32
	ip := grow(&buf.zeros, panels*32) // the initial values, zeros past m: the kernel reads 32 a panel
	clear(ip)
	copy(ip, init)
	bp := grow(&buf.b, panels*32*k)
	for jp := 0; jp < m; jp += 32 { // each panel all k deep: the kernel runs the depth blocks
		packB(bp[jp*k:(jp+32)*k], 32, true, a, lda, nil, 0, k, jp, min(32, m-jp))
	}
	tile := &buf.edge
	var p6 [6]int
	for r := 0; r < len(pos); r += 6 {
		h := min(6, len(pos)-r)
		for i := range p6 { // a partial tile repeats its last position: the same sums, written again
			p6[i] = pos[r+min(i, h-1)]
		}
		for jp := 0; jp < m; jp += 32 {
			sgemmPos6x32(k, &b[0], &p6[0], &boff[0], &bp[jp*k], &tile[0], &ip[jp])
			posScatter(&c[jp*ldc], ldc, &p6[0], min(32, m-jp), &tile[0])
		}
	}
}

// sdotGrid adds to c [m, n] (row stride ldc) the products of a's rows
// [m, k] (row stride lda) with the n rows of b that start at boff, each k
// long: c[i·ldc + j] += Σₚ a[i·lda + p]·b[boff[j] + p], in float32 as
// sdotKernel4x4 sums, over depth blocks of 16·gemmDepth (so that each lane
// sums at most gemmDepth terms in float32), each block's sums added to c.
// Neither operand is packed: a convolution's weight gradient sums over
// output positions, which its output gradient's rows and its float32
// grid's rows both hold in order, where a packed product transposes them
// first. It runs on one core: its callers run
// their chunks on the cores. The caller checks haveAVX512.
func sdotGrid(m, n, k int, a []float32, lda int, b []float32, boff []int, c []float64, ldc int) {
	if m == 0 || n == 0 || k == 0 {
		return
	}
	checkRows("sdotGrid", boff[:n], k, len(b)) // the kernel reads rows unchecked
	_, _ = a[(m-1)*lda+k-1], c[(m-1)*ldc+n-1]  // the last values read and written
	// edge takes a block past C's last row or column, computed whole.
	var edge [16]float64
	var at [4]int
	for p0 := 0; p0 < k; p0 += 16 * gemmDepth {
		kb := min(16*gemmDepth, k-p0)
		for j := 0; j < n; j += 4 {
			w := min(4, n-j)
			for q := range at { // a partial block repeats its last row of b
				at[q] = boff[j+min(q, w-1)] + p0
			}
			if m < 4 {
				for i := range m {
					for q := range w {
						c[i*ldc+j+q] += sdotLanes(a[i*lda+p0:i*lda+p0+kb], b[at[q]:at[q]+kb])
					}
				}
				continue
			}
			for i := 0; i < m; i += 4 {
				if i+4 <= m && w == 4 {
					sdotKernel4x4(kb, &a[i*lda+p0], lda, &b[0], &at[0], &c[i*ldc+j], ldc)
					continue
				}
				// A partial block: the last four rows, into edge, of
				// which the rows and columns not yet summed are added.
				i0 := min(i, m-4)
				edge = [16]float64{}
				sdotKernel4x4(kb, &a[i0*lda+p0], lda, &b[0], &at[0], &edge[0], 4)
				for ii := i; ii < min(m, i+4); ii++ {
					for q := range w {
						c[ii*ldc+j+q] += edge[(ii-i0)*4+q]
					}
				}
			}
		}
	}
}

// sdotLanes returns Σₚ a[p]·b[p] summed as sdotKernel4x4 sums: sixteen
// float32 lanes, lane l the terms p ≡ l (mod 16), added in float64.
func sdotLanes(a, b []float32) float64 {
	var lanes [16]float32
	b = b[:len(a)]
	for p, v := range a {
		lanes[p%16] += v * b[p]
	}
	s := 0.0
	for _, v := range lanes {
		s += float64(v)
	}
	return s
}

// gemmCols is the number of columns of B a block of gemmBlocks takes.
const gemmCols = 512

// gemmBlocks runs the float32 products' blocks: for blocks of gemmCols
// columns and gemmDepth depth, it has B's block prepared (prepB packs it,
// or does nothing where the kernel reads B in place), packs A's panels of
// mr rows, and calls kern on each mr×nr block of C with the packed A panel,
// the block's depth p0, its columns j0, the panel's offset jp in them, and
// nil, or with init non-nil in the first depth block the initial values of
// the block's columns (cols; init has one per column of C) or rows (one
// per row), which kern then sets C from (C is not read). A partial block
// of C is computed whole into a scratch block and the part inside C added,
// or set from init.
func gemmBlocks(buf *packBufs[float32], mr, nr int, tA bool, m, n, k int, a []float64, lda int, init []float64, cols bool, c []float64, ldc int,
	prepB func(p0, kb, j0, nb int), kern func(kb int, apan *float32, p0, j0, jp int, c *float64, ldc int, init *float64)) {
	const (
		kc = gemmDepth
		mc = 96 // rows of A packed at once (a multiple of 4 and 6)
		nc = gemmCols
	)
	ap := grow(&buf.a, ((min(m, mc)+mr-1)/mr*mr)*min(k, kc))
	edge := buf.edge[:mr*nr] // one mr×nr block (pooled: the kernel is called through a func value, so a local array would escape)
	for j0 := 0; j0 < n; j0 += nc {
		nb := min(nc, n-j0)
		for p0 := 0; p0 < k; p0 += kc {
			kb := min(kc, k-p0)
			prepB(p0, kb, j0, nb)
			for i0 := 0; i0 < m; i0 += mc {
				mb := min(mc, m-i0)
				packA(ap, mr, tA, a, lda, i0, mb, p0, kb)
				for jp := 0; jp < nb; jp += nr {
					for ip := 0; ip < mb; ip += mr {
						apan := &ap[(ip/mr)*kb*mr]
						ci := (i0+ip)*ldc + j0 + jp
						h, w := min(mr, mb-ip), min(nr, nb-jp)
						var vals []float64 // the block's initial values, in the first depth block
						if init != nil && p0 == 0 {
							if cols {
								vals = init[j0+jp : j0+jp+w]
							} else {
								vals = init[i0+ip : i0+ip+h]
							}
						}
						if h == mr && w == nr {
							var first *float64
							if vals != nil {
								first = &vals[0]
							}
							kern(kb, apan, p0, j0, jp, &c[ci], ldc, first)
							continue
						}
						clear(edge)
						kern(kb, apan, p0, j0, jp, &edge[0], nr, nil)
						switch {
						case vals != nil && cols:
							setEdgeCols(c[ci:], ldc, edge, nr, vals, h)
						case vals != nil:
							setEdge(c[ci:], ldc, edge, nr, vals, w)
						default:
							addEdge(c[ci:], ldc, edge, nr, h, w)
						}
					}
				}
			}
		}
	}
}

// scaleC sets c = beta·c, c row-major [m, n] with row length ldc.
func scaleC(beta float64, m, n int, c []float64, ldc int) {
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
}

// checkRows panics, naming op, unless every row at an offset in boff, of
// width values, lies inside the n values of its operand: a programmer
// error, checked before a kernel reads the rows unchecked.
func checkRows(op string, boff []int, width, n int) {
	for _, o := range boff {
		if o < 0 || o+width > n {
			panic(fmt.Sprintf("tensor: %s: a row at %d of width %d outside %d values", op, o, width, n))
		}
	}
}

// setEdge sets the h×w top-left part of c (row length ldc) to the block e
// (row length ld) plus init[i] on row i, h = len(init): addEdge where C's
// rows start from init rather than from C.
func setEdge(c []float64, ldc int, e []float64, ld int, init []float64, w int) {
	for ii, v := range init {
		for jj := range w {
			c[ii*ldc+jj] = v + e[ii*ld+jj]
		}
	}
}

// setEdgeCols sets the h×w top-left part of c (row length ldc) to the
// block e (row length ld) plus init[j] on column j, w = len(init).
func setEdgeCols(c []float64, ldc int, e []float64, ld int, init []float64, h int) {
	for ii := range h {
		for jj, v := range init {
			c[ii*ldc+jj] = v + e[ii*ld+jj]
		}
	}
}

// addEdge adds the h×w top-left part of the block e (row length ld) to c
// (row length ldc): the part of a partial block that lies inside C.
func addEdge(c []float64, ldc int, e []float64, ld, h, w int) {
	for ii := range h {
		for jj := range w {
			c[ii*ldc+jj] += e[ii*ld+jj]
		}
	}
}

// dkernel is a float64 micro-kernel: c[i·ldc + j] += Σₚ a[i·ars + p·ads]·
// b[p·ldb + j] over an mr×nr block, the sum over p < k in order from zero.
type dkernel func(k int, a *float64, ars, ads int, b *float64, ldb int, c *float64, ldc int)

// dgemmDirect is the float64 product with an mr×nr kernel that reads its
// operands where they lie, with their strides: A's rows (or, transposed,
// its columns) and B's rows. Packing them (as gemmPacked does for float32,
// converting) cost as much as the products themselves in a 32-chain block
// of a 128-wide MLP, each product packing all of B for 32 rows of A. Only
// the panels the kernel cannot read in place are packed: a transposed B's,
// B's rows at offsets (boff), and the last, partial, panels of A's rows
// and B's columns, zero-padded so that the kernel reads nothing past the
// operands. Each element is the sum of its blocks of gemmDepth terms, each
// summed in order from zero and added to C in turn, whatever the kernel
// or the split of C, so the 4×8 AVX2 and 6×16 AVX-512 kernels give the
// same bits.
func dgemmDirect(mr, nr int, kernel dkernel, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, c []float64, ldc int) {
	const (
		kc = gemmDepth
		mc = 96 // rows of A read per sweep of B's panels (a multiple of 4 and 6)
		nc = 512
	)
	inPlaceB := !tB && boff == nil
	if m == 0 || n == 0 {
		return
	}
	// The kernel reads past Go's bounds checks: check the operands' extents.
	need := func(name string, have, rows, ld, width int) {
		if rows > 0 && have < (rows-1)*ld+width {
			panic(fmt.Sprintf("tensor: dgemmDirect: %s has %d values, want %d", name, have, (rows-1)*ld+width))
		}
	}
	if tA {
		need("a", len(a), k, lda, m)
	} else {
		need("a", len(a), m, lda, k)
	}
	switch {
	case inPlaceB:
		need("b", len(b), k, ldb, n)
	case boff == nil: // a transposed B, whose panels packT8 reads unchecked
		need("b", len(b), n, ldb, k)
	}
	need("c", len(c), m, ldc, n)
	scaleC(beta, m, n, c, ldc)
	if k == 0 {
		return
	}
	ars, ads := lda, 1
	if tA {
		ars, ads = 1, lda
	}
	buf := packPool64.Get().(*packBufs[float64])
	defer packPool64.Put(buf)
	edge := buf.edge[:mr*nr]
	for j0 := 0; j0 < n; j0 += nc {
		nb := min(nc, n-j0)
		full := nb / nr * nr // B's columns read in place
		for p0 := 0; p0 < k; p0 += kc {
			kb := min(kc, k-p0)
			var bp []float64
			switch {
			case !inPlaceB:
				bp = grow(&buf.b, (nb+nr-1)/nr*nr*kb)
				packB(bp, nr, tB, b, ldb, boff, p0, kb, j0, nb)
			case full < nb:
				bp = grow(&buf.b, nr*kb)
				packB(bp, nr, false, b, ldb, nil, p0, kb, j0+full, nb-full)
			}
			for i0 := 0; i0 < m; i0 += mc {
				mb := min(mc, m-i0)
				rows := mb / mr * mr // A's rows read in place
				var ap []float64
				if rows < mb {
					ap = grow(&buf.a, mr*kb)
					packA(ap, mr, tA, a, lda, i0+rows, mb-rows, p0, kb)
				}
				for jp := 0; jp < nb; jp += nr {
					var bpan *float64
					bs := nr
					switch {
					case !inPlaceB:
						bpan = &bp[(jp/nr)*kb*nr]
					case jp < full:
						bpan, bs = &b[p0*ldb+j0+jp], ldb
					default:
						bpan = &bp[0]
					}
					for ip := 0; ip < mb; ip += mr {
						i, ci := i0+ip, (i0+ip)*ldc+j0+jp
						var apan *float64
						ra, da := ars, ads
						switch {
						case ip >= rows:
							apan, ra, da = &ap[0], 1, mr
						case tA:
							apan = &a[p0*lda+i]
						default:
							apan = &a[i*lda+p0]
						}
						if ip < rows && jp < full {
							kernel(kb, apan, ra, da, bpan, bs, &c[ci], ldc)
							continue
						}
						clear(edge)
						kernel(kb, apan, ra, da, bpan, bs, &edge[0], nr)
						addEdge(c[ci:], ldc, edge, nr, min(mr, mb-ip), min(nr, nb-jp))
					}
				}
			}
		}
	}
}

// gemmDepth is the depth of the products' blocks: an mr×gemmDepth panel of
// A and gemmDepth×nr of B fit in L1, and each element's sum is rounded in
// blocks of gemmDepth terms.
const gemmDepth = 256

// dgemm is the float64 product with this CPU's kernel (AVX-512 or AVX2).
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	packedGemm(Float64, tA, tB, m, n, k, a, lda, b, ldb, nil, beta, c, ldc)
}

// sgemmPacked is gemmPacked in float32: the operands are rounded to float32
// as they are packed, and each block's float32 sum is added to c in
// float64. It runs the 6×32 AVX-512 kernel where the CPU has AVX-512, else
// the 6×16 AVX2 one; both sum each element in the same order, so they give
// the same bits.
func sgemmPacked(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	packedGemm(Float32, tA, tB, m, n, k, a, lda, b, ldb, nil, beta, c, ldc)
}

// dgemm256 is the float64 product with the 4×8 AVX2 kernel.
func dgemm256(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, c []float64, ldc int) {
	dgemmDirect(4, 8, dgemmKernel4x8, tA, tB, m, n, k, a, lda, b, ldb, boff, beta, c, ldc)
}

// dgemm512 is the float64 product with the 6×16 AVX-512 kernel.
func dgemm512(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, c []float64, ldc int) {
	dgemmDirect(6, 16, dgemmKernel6x16, tA, tB, m, n, k, a, lda, b, ldb, boff, beta, c, ldc)
}

// sgemm256 is the float32 product with the 6×16 AVX2 kernel.
func sgemm256(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmPacked(6, 16, sgemm6x16, false, tA, tB, m, n, k, a, lda, b, ldb, nil, beta, nil, c, ldc)
}

// sgemm512 is the float32 product with the 6×32 AVX-512 kernel.
func sgemm512(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmPacked(6, 32, sgemmKernel6x32, true, tA, tB, m, n, k, a, lda, b, ldb, nil, beta, nil, c, ldc)
}

// packedGemm is the product in precision p with this CPU's kernel (float64:
// dgemmDirect's 6×16 with AVX-512, else 4×8; float32: 6×32 with AVX-512,
// else 6×16); b's rows lie ldb apart, or
// at the offsets boff where boff is not nil. The caller checks
// packedProduct(p).
func packedGemm(p Precision, tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, boff []int, beta float64, c []float64, ldc int) {
	if boff != nil {
		rows, width := k, n // b as stored
		if tB {
			rows, width = n, k
		}
		checkRows("packedGemm", boff[:rows], width, len(b)) // the float32 packing reads rows unchecked
	}
	switch {
	case p == Float32 && haveAVX512:
		gemmPacked(6, 32, sgemmKernel6x32, true, tA, tB, m, n, k, a, lda, b, ldb, boff, beta, nil, c, ldc)
	case p == Float32:
		gemmPacked(6, 16, sgemm6x16, false, tA, tB, m, n, k, a, lda, b, ldb, boff, beta, nil, c, ldc)
	case haveAVX512:
		dgemm512(tA, tB, m, n, k, a, lda, b, ldb, boff, beta, c, ldc)
	default:
		dgemm256(tA, tB, m, n, k, a, lda, b, ldb, boff, beta, c, ldc)
	}
}

// packB copies op(b)[p0:p0+kb, j0:j0+nb] into panels of nr columns, each
// kb×nr row-major, zero-padding the last panel. Every loop reads its source
// in order: rows of b, or for a transposed b its columns' rows. Row i of b
// starts at i·ldb, or at boff[i] where boff is not nil.
func packB[T float32 | float64](dst []T, nr int, tB bool, b []float64, ldb int, boff []int, p0, kb, j0, nb int) {
	row0 := func(i int) int { return i * ldb }
	if boff != nil {
		row0 = func(i int) int { return boff[i] }
	}
	jp0 := 0
	if full := nb / nr; !tB && boff == nil && nr == 32 && full > 0 && kb > 0 && haveAVX512 && unsafe.Sizeof(dst[0]) == 4 {
		// All full float32 panels at once, B's rows read in order.
		_, _ = dst[full*kb*nr-1], b[(p0+kb-1)*ldb+j0+full*nr-1]
		packPanels32((*float32)(unsafe.Pointer(&dst[0])), &b[p0*ldb+j0], ldb, kb, full, kb*nr)
		jp0 = full * nr
	}
	for jp := jp0; jp < nb; jp += nr {
		pan := dst[(jp/nr)*kb*nr : (jp/nr+1)*kb*nr]
		w := min(nr, nb-jp)
		switch {
		case !tB && w == nr && nr%16 == 0 && unsafe.Sizeof(pan[0]) == 4:
			// A full float32 panel: converted four at a time, 16 columns
			// by 16.
			for q := 0; q < nr; q += 16 {
				if boff != nil {
					packRowsAt16((*float32)(unsafe.Pointer(&pan[q])), &b[j0+jp+q], &boff[p0], kb, nr)
					continue
				}
				packRows16((*float32)(unsafe.Pointer(&pan[q])), &b[p0*ldb+j0+jp+q], ldb, kb, nr)
			}
		case !tB && w == nr && boff == nil:
			for p := range kb {
				row, src := pan[p*nr:p*nr+nr], b[(p0+p)*ldb+j0+jp:][:nr]
				for jj, v := range src {
					row[jj] = T(v)
				}
			}
		case !tB:
			for p := range kb {
				row, src := pan[p*nr:p*nr+nr], b[row0(p0+p)+j0+jp:][:w]
				for jj, v := range src {
					row[jj] = T(v)
				}
				if w < nr {
					clear(row[w:])
				}
			}
		default:
			if w < nr {
				clear(pan)
			}
			jj := 0
			if k8 := kb &^ 7; haveAVX512 && boff == nil && k8 > 0 {
				// Eight rows of b at a time, transposed in 8×8 blocks (and
				// rounded, for float32); the last kb − k8 columns of the
				// panel below.
				for ; jj+8 <= w; jj += 8 {
					if src := &b[(j0+jp+jj)*ldb+p0]; unsafe.Sizeof(pan[0]) == 8 {
						packT8((*float64)(unsafe.Pointer(&pan[jj])), src, ldb, k8, nr)
					} else {
						packT8F32((*float32)(unsafe.Pointer(&pan[jj])), src, ldb, k8, nr)
					}
					for q := range 8 {
						r := (j0+jp+jj+q)*ldb + p0
						for p, v := range b[r+k8 : r+kb] {
							pan[(k8+p)*nr+jj+q] = T(v)
						}
					}
				}
			}
			for ; jj+4 <= w; jj += 4 { // four rows of b at once, written four in a row
				r0, r1, r2, r3 := row0(j0+jp+jj), row0(j0+jp+jj+1), row0(j0+jp+jj+2), row0(j0+jp+jj+3)
				s0, s1, s2, s3 := b[r0+p0:r0+p0+kb], b[r1+p0:r1+p0+kb], b[r2+p0:r2+p0+kb], b[r3+p0:r3+p0+kb]
				for p := range kb {
					q := pan[p*nr+jj : p*nr+jj+4 : p*nr+jj+4]
					q[0], q[1], q[2], q[3] = T(s0[p]), T(s1[p]), T(s2[p]), T(s3[p])
				}
			}
			for ; jj < w; jj++ {
				r := row0(j0 + jp + jj)
				for p, v := range b[r+p0 : r+p0+kb] {
					pan[p*nr+jj] = T(v)
				}
			}
		}
	}
}

// packA copies op(a)[i0:i0+mb, p0:p0+kb] into panels of mr rows, each stored
// as kb columns of mr, zero-padding the last panel. Like packB it reads its
// source in order.
func packA[T float32 | float64](dst []T, mr int, tA bool, a []float64, lda, i0, mb, p0, kb int) {
	for ip := 0; ip < mb; ip += mr {
		pan := dst[(ip/mr)*kb*mr : (ip/mr+1)*kb*mr]
		h := min(mr, mb-ip)
		if h < mr {
			clear(pan)
		}
		if tA {
			at := p0*lda + i0 + ip
			if h == 6 && mr == 6 { // a full panel: six values a column, unrolled
				if unsafe.Sizeof(pan[0]) == 4 && packAT6F32(unsafe.Slice((*float32)(unsafe.Pointer(&pan[0])), len(pan)), a, at, lda, kb) {
					continue
				}
				for p := range kb {
					q, src := pan[p*6:p*6+6:p*6+6], a[at+p*lda:at+p*lda+6:at+p*lda+6]
					q[0], q[1], q[2], q[3], q[4], q[5] = T(src[0]), T(src[1]), T(src[2]), T(src[3]), T(src[4]), T(src[5])
				}
				continue
			}
			for p := range kb {
				col, src := pan[p*mr:p*mr+h], a[at+p*lda:]
				for ii := range col {
					col[ii] = T(src[ii])
				}
			}
			continue
		}
		if h == 6 && mr == 6 {
			packA6(pan, a, (i0+ip)*lda+p0, lda, kb)
			continue
		}
		for ii := range h {
			i := i0 + ip + ii
			for p, v := range a[i*lda+p0 : i*lda+p0+kb] {
				pan[p*mr+ii] = T(v)
			}
		}
	}
}

// packA6 packs a full panel of six rows of a (the first at off, row length
// lda) and kb columns, writing the panel in order.
func packA6[T float32 | float64](pan []T, a []float64, off, lda, kb int) {
	p0 := 0
	if unsafe.Sizeof(pan[0]) == 4 { // eight columns at a time with AVX-512 where it runs
		p0 = packA6F32(unsafe.Slice((*float32)(unsafe.Pointer(&pan[0])), len(pan)), a, off, lda, kb)
	}
	r0, r1, r2 := a[off:off+kb], a[off+lda:off+lda+kb], a[off+2*lda:off+2*lda+kb]
	r3, r4, r5 := a[off+3*lda:off+3*lda+kb], a[off+4*lda:off+4*lda+kb], a[off+5*lda:off+5*lda+kb]
	for p := p0; p < kb; p++ {
		q := pan[p*6 : p*6+6 : p*6+6]
		q[0], q[1], q[2] = T(r0[p]), T(r1[p]), T(r2[p])
		q[3], q[4], q[5] = T(r3[p]), T(r4[p]), T(r5[p])
	}
}

// packBufs are reused between products: packing a block must not allocate.
type packBufs[T float32 | float64] struct {
	a, b  []T
	edge  [6 * 32]float64
	zeros []float64 // gemmGrid's initial rows where there is no bias; gemmGridPos's, padded to whole panels
}

var (
	packPool64 = sync.Pool{New: func() any { return new(packBufs[float64]) }}
	packPool32 = sync.Pool{New: func() any { return new(packBufs[float32]) }}
)

func grow[T float32 | float64](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	return (*s)[:n]
}

// BatchInvariant reports whether a matrix product gives each element the
// same bits whatever the other rows of its operands, so that a network
// evaluates a point the same in any batch: true for goebm's own products,
// which sum each element in an order set by the shared dimension alone;
// false with OpenBLAS, whose kernels choose their blocking by the operands'
// sizes.
func BatchInvariant() bool { return BLAS != "openblas" }
