// Package normal draws standard normal numbers in bulk, for the samplers
// that need one per coordinate per step (Langevin's noise, HMC's momenta),
// where math/rand/v2's NormFloat64 (a PCG draw through an interface and a
// 128-layer ziggurat on 32 bits, about 4.4 ns a draw) was most of a
// Langevin step's time.
//
// A Stream holds four xoshiro256++ generators (Blackman and Vigna 2018), its
// lanes, whose outputs interleave in a fixed order (lane 0, 1, 2, 3, 0, …)
// into a buffer that is refilled whole: the lanes are independent of one
// another, so the processor (or, on amd64 with AVX2, one vector
// instruction per operation) advances the four at once. The sequence of
// 64-bit words is a function of the seed alone, whichever way it is
// computed.
//
// Each word becomes a normal by Marsaglia and Tsang's (2000) ziggurat with
// 256 layers, in Doornik's (2005) form: the low 8 bits choose the layer i,
// bits 11–62 a uniform u in [0, 1) and the top bit a sign, and x = ±u·xᵢ
// is returned at once when u < xᵢ₊₁/xᵢ (about 99% of draws). Otherwise the base
// layer (i = 0) draws from the tail beyond r = 3.6541528853610088 by
// Marsaglia's (1964) exponential method, and every other layer tests x
// against the density with one more word, drawing anew on a miss; the
// chord between the layer's corners, and the chord moved by the most that
// f strays from it, decide most of those tests without an exp (f lies on
// one side of the chord within a layer that does not cross the inflection
// at 1). The
// layer edges xᵢ are computed once, from r and the layers' common area
// v = r·f(r) + ∫ᵣ^∞ f, f(x) = exp(−x²/2), by xᵢ₊₁ = f⁻¹(f(xᵢ) + v/xᵢ).
//
// A Stream is not safe for concurrent use: a sampler keeps one per chain,
// seeded from the chain's own random stream, so that a chain's draws do not
// depend on which goroutine, block or core runs it.
package normal

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// lanes is the number of xoshiro256++ generators a Stream interleaves.
const lanes = 4

// bufLen is the number of words a refill makes: a multiple of lanes, and
// small, since a sampler keeps a Stream per chain and a short run's first
// touch of each buffer's memory costs more than the refills it saves.
const bufLen = 64

// Stream is a source of standard normal draws: four interleaved
// xoshiro256++ lanes and a 256-layer ziggurat. Its zero value is not
// usable; make one with New.
type Stream struct {
	// s[w][l] is word w of lane l's state: laid out so that one vector
	// holds one word of all four lanes.
	s   [4][lanes]uint64
	buf [bufLen]uint64
	pos int // next unread word of buf; bufLen: empty
}

// New returns a Stream seeded from src: sixteen words, four a lane. A lane
// whose state would be all zero (xoshiro's one fixed point) gets a
// constant instead. The same src state gives the same Stream.
func New(src rand.Source) *Stream {
	st := &Stream{pos: bufLen}
	for l := range lanes {
		zero := true
		for w := range 4 {
			st.s[w][l] = src.Uint64()
			zero = zero && st.s[w][l] == 0
		}
		if zero {
			st.s[0][l] = 0x9e3779b97f4a7c15
		}
	}
	return st
}

// Uint64 returns the stream's next 64-bit word: the words the normals are
// made from, exposed so that tests can check the generator itself.
func (st *Stream) Uint64() uint64 {
	if st.pos >= bufLen {
		st.refill()
	}
	u := st.buf[st.pos]
	st.pos++
	return u
}

// fill is the refill's kernel: fillGo, or on amd64 with AVX2 the same
// steps in vector registers (vec_amd64.go).
var fill = fillGo

// refill overwrites the buffer with the lanes' next bufLen/lanes outputs
// each, interleaved, and rewinds it.
func (st *Stream) refill() {
	fill(&st.s, &st.buf)
	st.pos = 0
}

// fillGo is the portable refill: xoshiro256++'s step on each lane in turn,
// the state in locals so that the four chains of dependent operations
// overlap.
func fillGo(s *[4][lanes]uint64, buf *[bufLen]uint64) {
	a0, a1, a2, a3 := s[0][0], s[1][0], s[2][0], s[3][0]
	b0, b1, b2, b3 := s[0][1], s[1][1], s[2][1], s[3][1]
	c0, c1, c2, c3 := s[0][2], s[1][2], s[2][2], s[3][2]
	d0, d1, d2, d3 := s[0][3], s[1][3], s[2][3], s[3][3]
	for i := 0; i < bufLen; i += lanes {
		o := buf[i : i+lanes : i+lanes]
		o[0] = bits.RotateLeft64(a0+a3, 23) + a0
		o[1] = bits.RotateLeft64(b0+b3, 23) + b0
		o[2] = bits.RotateLeft64(c0+c3, 23) + c0
		o[3] = bits.RotateLeft64(d0+d3, 23) + d0
		a0, a1, a2, a3 = xoshiro(a0, a1, a2, a3)
		b0, b1, b2, b3 = xoshiro(b0, b1, b2, b3)
		c0, c1, c2, c3 = xoshiro(c0, c1, c2, c3)
		d0, d1, d2, d3 = xoshiro(d0, d1, d2, d3)
	}
	s[0][0], s[1][0], s[2][0], s[3][0] = a0, a1, a2, a3
	s[0][1], s[1][1], s[2][1], s[3][1] = b0, b1, b2, b3
	s[0][2], s[1][2], s[2][2], s[3][2] = c0, c1, c2, c3
	s[0][3], s[1][3], s[2][3], s[3][3] = d0, d1, d2, d3
}

// xoshiro advances one xoshiro256 state by one step (the output is taken
// before, by the caller).
func xoshiro(s0, s1, s2, s3 uint64) (uint64, uint64, uint64, uint64) {
	t := s1 << 17
	s2 ^= s0
	s3 ^= s1
	s1 ^= s2
	s0 ^= s3
	s2 ^= t
	s3 = bits.RotateLeft64(s3, 45)
	return s0, s1, s2, s3
}

// Fill writes standard normal draws into dst, in order: the same stream
// state gives the same values whatever the lengths of the calls that
// consume it.
func (st *Stream) Fill(dst []float64) {
	for len(dst) > 0 {
		if st.pos >= bufLen {
			st.refill()
		}
		src := st.buf[st.pos:]
		n := min(len(src), len(dst))
		i := fast(src[:n], dst[:n])
		st.pos += i
		dst = dst[i:]
		if i < n { // the word at i failed the fast test
			st.pos++
			dst[0] = st.slow(src[i])
			dst = dst[1:]
		}
	}
}

// fast is the ziggurat's fast path over a run of words: fastGo, or on
// amd64 with AVX2 four words at a time (zig_amd64.go), with the same
// results.
var fast = fastGo

// fastGo writes the draw of each word of src into out while the word
// passes the fast test (u below the layer's ratio), and returns how many it
// wrote: len(src) (or len(out), if less), or the index of the first word
// that failed.
func fastGo(src []uint64, out []float64) int {
	n := min(len(src), len(out))
	src, out = src[:n], out[:n]
	for i, u := range src {
		l, a := uint8(u), int64(u>>11&mag)
		if a >= zig.k[l] {
			return i
		}
		out[i] = math.Float64frombits(math.Float64bits(float64(a)*zig.w[l]) | u&sign)
	}
	return n
}

// Norm returns one standard normal draw.
func (st *Stream) Norm() float64 {
	var x [1]float64
	st.Fill(x[:])
	return x[0]
}

// slow finishes a draw from word u that the fast test rejected, with as
// many fresh words as it takes.
func (st *Stream) slow(u uint64) float64 {
	for {
		l, a := uint8(u), int64(u>>11&mag)
		if a < zig.k[l] {
			return math.Float64frombits(math.Float64bits(float64(a)*zig.w[l]) | u&sign)
		}
		if l == 0 {
			return st.tail(u&sign != 0)
		}
		x := float64(a) * zig.w[l]
		if wedge(int(l), x, st.uniform()) {
			return math.Float64frombits(math.Float64bits(x) | u&sign)
		}
		u = st.Uint64()
	}
}

// wedge is the test of |x| in layer l ≥ 1 against the density, at the
// uniform height y = f(xₗ) + v·(f(xₗ₊₁) − f(xₗ)) within the layer's band:
// whether y < f(x). The chord between the band's corners has v = t at x.
// Where f is convex (xₗ₊₁ ≥ 1) it lies below the chord and above the chord
// lowered by gap: v > t rejects, v ≤ t − gap accepts. Where concave
// (xₗ ≤ 1) it lies above the chord and below it raised by gap: v ≤ t
// accepts, v > t + gap rejects. Only the sliver between, and the layer
// across the inflection at 1, need exp.
func wedge(l int, x, v float64) bool {
	t := (zig.x[l] - x) * zig.dx[l]
	lo, hi := -1.0, 2.0 // v ≤ lo accepts, v > hi rejects
	switch zig.side[l] {
	case convex:
		lo, hi = t-zig.gap[l], t
	case concave:
		lo, hi = t, t+zig.gap[l]
	}
	return v <= lo || v <= hi && zig.f[l]+v*(zig.f[l+1]-zig.f[l]) < math.Exp(-0.5*x*x)
}

// tail draws from the normal beyond zigR, negated if neg, by Marsaglia's
// method: x = −log(U₁)/r, y = −log(U₂) until 2y > x², then r + x.
func (st *Stream) tail(neg bool) float64 {
	for {
		x := -math.Log(st.uniformOpen()) / zigR
		y := -math.Log(st.uniformOpen())
		if y+y > x*x {
			if neg {
				return -(zigR + x)
			}
			return zigR + x
		}
	}
}

// uniform returns a uniform in [0, 1) from the next word's top 53 bits.
func (st *Stream) uniform() float64 { return float64(st.Uint64()>>11) * 0x1p-53 }

// uniformOpen returns a uniform in (0, 1], whose log is finite.
func (st *Stream) uniformOpen() float64 { return float64(st.Uint64()>>11+1) * 0x1p-53 }

// How a word splits: bits 0–7 choose the layer, bits 11–62 are the
// magnitude a of the uniform a·2⁻⁵² in [0, 1), bit 63 its sign.
const (
	mag  = 1<<52 - 1
	sign = 1 << 63
)

// zigR is the edge of the base layer: the tail starts there.
const zigR = 3.6541528853610088

// ziggurat holds the layers' tables, indexed by the layer's 8 bits.
type ziggurat struct {
	// x[i] is layer i's right edge (x[0] = v/f(r) stretches the base layer
	// to area v; x[1] = r; x[256] = 0).
	x [257]float64
	// f[i] = exp(−x[i]²/2), with f[256] = 1.
	f [257]float64
	// k[i] = (x[i+1]/x[i])·2⁵²: a magnitude below it is inside the
	// density.
	k [256]int64
	// w[i] = x[i]·2⁻⁵²: |x| = a·w[i] for the 52-bit magnitude a.
	w [256]float64
	// kw[i] holds k[i] and w[i]'s bits side by side, for the vector fast
	// path's loads.
	kw [256][2]uint64
	// dx[i] = 1/(x[i] − x[i+1]): the chord's slope in the wedge test.
	dx [256]float64
	// side[i] says where f lies against the chord of layer i's band, and
	// gap[i] how far at most, as a fraction of the band's height.
	side [256]side
	gap  [256]float64
}

// side is where the density lies against a layer's chord within the layer.
type side int8

const (
	// crossing: the layer spans the inflection at 1 (and the base layer,
	// which has no wedge); only exp decides.
	crossing side = iota
	// convex: f is convex on the layer (x ≥ 1), below its chord.
	convex
	// concave: f is concave on the layer (x ≤ 1), above its chord.
	concave
)

// chordGap returns a bound on the largest vertical distance between
// f(x) = exp(−x²/2) and its chord over [lo, hi], as a fraction of
// f(lo) − f(hi): the largest on a grid of 1024 intervals, plus a tenth
// (the distance is smooth at its peak, so the grid misses far less).
func chordGap(lo, hi float64) float64 {
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	band := f(lo) - f(hi)
	worst := 0.0
	for k := range 1025 {
		x := lo + (hi-lo)*float64(k)/1024
		chord := f(hi) + (hi-x)/(hi-lo)*band
		worst = max(worst, math.Abs(f(x)-chord)/band)
	}
	return 1.1*worst + 1e-12
}

// zig is the table every Stream reads.
var zig = *newZiggurat(zigR)

// newZiggurat computes the 256 layers of equal area v that the base edge r
// gives.
func newZiggurat(r float64) *ziggurat {
	z := new(ziggurat)
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	v := r*f(r) + math.Sqrt(math.Pi/2)*math.Erfc(r/math.Sqrt2)
	z.x[0], z.x[1] = v/f(r), r
	for i := 2; i < 256; i++ {
		z.x[i] = math.Sqrt(-2 * math.Log(v/z.x[i-1]+f(z.x[i-1])))
	}
	z.x[256] = 0
	for i := range z.x {
		z.f[i] = f(z.x[i])
	}
	for i := range 256 {
		z.k[i] = int64(z.x[i+1] / z.x[i] * 0x1p52)
		z.w[i] = z.x[i] * 0x1p-52
		z.kw[i] = [2]uint64{uint64(z.k[i]), math.Float64bits(z.w[i])}
		z.dx[i] = 1 / (z.x[i] - z.x[i+1])
		switch {
		case i == 0:
		case z.x[i+1] >= 1:
			z.side[i] = convex
		case z.x[i] <= 1:
			z.side[i] = concave
		}
		if z.side[i] != crossing {
			z.gap[i] = chordGap(z.x[i+1], z.x[i])
		}
	}
	return z
}
