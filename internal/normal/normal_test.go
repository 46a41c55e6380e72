package normal

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// draws is the sample size of the statistical tests: large enough that a
// wrong layer or a lost sign shows many standard errors away, small
// enough to take well under a second.
const draws = 4_000_000

// sample returns n draws of a stream seeded from PCG(seed, 0).
func sample(seed uint64, n int) []float64 {
	x := make([]float64, n)
	New(rand.NewPCG(seed, 0)).Fill(x)
	return x
}

// constSource is a rand.Source that returns its words in turn.
type constSource struct {
	w []uint64
	i int
}

func (c *constSource) Uint64() uint64 { c.i++; return c.w[(c.i-1)%len(c.w)] }

// TestXoshiroKnownAnswer: from the state (1, 2, 3, 4) xoshiro256++ first
// returns rotl(1+4, 23)+1 = 41943041, then 58720359 (the reference
// implementation's first outputs); each lane runs the generator on its
// own and the lanes interleave.
func TestXoshiroKnownAnswer(t *testing.T) {
	// Lane l gets words 4l+1 … 4l+4 from the source: (1, 2, 3, 4) for lane 0.
	w := make([]uint64, 16)
	for i := range w {
		w[i] = uint64(i + 1)
	}
	st := New(&constSource{w: w})
	if got := []uint64{st.Uint64(), st.Uint64(), st.Uint64(), st.Uint64(), st.Uint64()}; got[0] != 41943041 || got[4] != 58720359 {
		t.Errorf("first outputs of lane 0: %d then %d, want 41943041 then 58720359", got[0], got[4])
	}
	// Every word against a plain scalar xoshiro256++ per lane, across
	// several refills.
	st = New(&constSource{w: w})
	var ref [lanes][4]uint64
	for l := range lanes {
		copy(ref[l][:], w[4*l:4*l+4])
	}
	for i := range 5 * bufLen {
		s := &ref[i%lanes]
		want := bits.RotateLeft64(s[0]+s[3], 23) + s[0]
		t1 := s[1] << 17
		s[2] ^= s[0]
		s[3] ^= s[1]
		s[1] ^= s[2]
		s[0] ^= s[3]
		s[2] ^= t1
		s[3] = bits.RotateLeft64(s[3], 45)
		if got := st.Uint64(); got != want {
			t.Fatalf("word %d: %#x, want %#x", i, got, want)
		}
	}
}

// TestZeroState: an all-zero seed, xoshiro's fixed point, still gives a
// stream that moves.
func TestZeroState(t *testing.T) {
	st := New(&constSource{w: []uint64{0}})
	zeros := 0
	for range 64 {
		if st.Uint64() == 0 {
			zeros++
		}
	}
	if zeros > 1 {
		t.Errorf("%d zero words of 64 from a zero seed", zeros)
	}
}

// TestFillSplits: the draws do not depend on how calls cut them, nor on
// interleaving Norm and Fill; the same seed gives the same draws.
func TestFillSplits(t *testing.T) {
	const n = 3000
	whole := sample(7, n)
	st := New(rand.NewPCG(7, 0))
	got := make([]float64, 0, n)
	for k := 1; len(got) < n; k = k*3%97 + 1 {
		if k%5 == 0 {
			got = append(got, st.Norm())
			continue
		}
		chunk := make([]float64, min(k, n-len(got)))
		st.Fill(chunk)
		got = append(got, chunk...)
	}
	for i := range whole {
		if math.Float64bits(got[i]) != math.Float64bits(whole[i]) {
			t.Fatalf("draw %d: %v in pieces, %v at once", i, got[i], whole[i])
		}
	}
	other := sample(8, n)
	same := 0
	for i := range other {
		if other[i] == whole[i] {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 7 and 8 share %d of %d draws", same, n)
	}
}

// TestMoments: mean 0, variance 1, skewness 0 and excess kurtosis 0, each
// within 5 of its standard error under normality (1/√n, √(2/n), √(6/n),
// √(24/n)).
func TestMoments(t *testing.T) {
	x := sample(1, draws)
	n := float64(len(x))
	var m1, m2, m3, m4 float64
	for _, v := range x {
		m1 += v
		v2 := v * v
		m2 += v2
		m3 += v2 * v
		m4 += v2 * v2
	}
	m1, m2, m3, m4 = m1/n, m2/n, m3/n, m4/n
	// Central moments about the true mean 0 (the sample mean's correction
	// is far below these errors).
	for _, c := range []struct {
		name      string
		got, want float64
		se        float64
	}{
		{"mean", m1, 0, 1 / math.Sqrt(n)},
		{"variance", m2, 1, math.Sqrt(2 / n)},
		{"skewness", m3 / math.Pow(m2, 1.5), 0, math.Sqrt(6 / n)},
		{"excess kurtosis", m4/(m2*m2) - 3, 0, math.Sqrt(24 / n)},
	} {
		if z := (c.got - c.want) / c.se; math.Abs(z) > 5 {
			t.Errorf("%s %.5f, want %g: %.1f standard errors off", c.name, c.got, c.want, z)
		}
	}
}

// chiSquare returns Pearson's statistic of counts against probabilities p
// (which sum to 1) and its upper-tail p-value with len(p)−1 degrees of
// freedom.
func chiSquare(counts []int, p []float64) (stat, pval float64) {
	n := 0
	for _, c := range counts {
		n += c
	}
	for i, c := range counts {
		e := float64(n) * p[i]
		stat += (float64(c) - e) * (float64(c) - e) / e
	}
	return stat, distuv.ChiSquared{K: float64(len(p) - 1)}.Survival(stat)
}

// TestLayers is the chi-square of the ziggurat's layers: |x| binned by the
// layer edges, [x₂₅₆ = 0, x₂₅₅), …, [x₂, x₁ = r) and the tail [r, ∞), with
// each sign apart (512 bins), against the normal's probabilities of those
// bins. A wrong edge, layer or sign moves mass between bins. Each band is
// also tested alone.
func TestLayers(t *testing.T) {
	x := sample(2, draws)
	const bins = 256 // 255 layers' bands and the tail, per sign
	counts := make([]int, 2*bins)
	for _, v := range x {
		a := math.Abs(v)
		b := 0 // the tail
		if a < zig.x[1] {
			// Find the layer i with x[i+1] <= a < x[i], i in [1, 255].
			lo, hi := 1, 256
			for hi-lo > 1 {
				mid := (lo + hi) / 2
				if zig.x[mid] > a {
					lo = mid
				} else {
					hi = mid
				}
			}
			b = lo
		}
		if math.Signbit(v) {
			b += bins
		}
		counts[b]++
	}
	p := make([]float64, 2*bins)
	std := distuv.UnitNormal
	p[0] = std.Survival(zig.x[1])
	for i := 1; i < bins; i++ {
		p[i] = std.CDF(zig.x[i]) - std.CDF(zig.x[i+1])
	}
	copy(p[bins:], p[:bins])
	stat, pval := chiSquare(counts, p)
	if pval < 1e-6 {
		t.Errorf("chi-square over the layers %.0f on %d degrees of freedom: p = %.2g", stat, len(p)-1, pval)
	}
	// Each layer's band alone, both signs together: a fault in one layer
	// (the top one's wedge, say, which holds a sixth of the draws) moves too
	// little mass to show in the chi-square's 511 degrees of freedom.
	for b := range bins {
		pb := 2 * p[b]
		want := float64(len(x)) * pb
		got := float64(counts[b] + counts[b+bins])
		if z := (got - want) / math.Sqrt(want*(1-pb)); math.Abs(z) > 5 {
			t.Errorf("band %d: %.0f draws, want %.0f (%.1f standard errors)", b, got, want, z)
		}
	}
}

// TestQuantileBins is the chi-square over 200 bins of equal normal
// probability, cut at the normal's quantiles.
func TestQuantileBins(t *testing.T) {
	x := sample(3, draws)
	const bins = 200
	edges := make([]float64, bins-1)
	for i := range edges {
		edges[i] = distuv.UnitNormal.Quantile(float64(i+1) / bins)
	}
	counts := make([]int, bins)
	for _, v := range x {
		lo, hi := 0, len(edges) // the first edge above v
		for lo < hi {
			mid := (lo + hi) / 2
			if edges[mid] > v {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		counts[lo]++
	}
	p := make([]float64, bins)
	for i := range p {
		p[i] = 1.0 / bins
	}
	stat, pval := chiSquare(counts, p)
	if pval < 1e-6 {
		t.Errorf("chi-square over %d quantile bins %.0f: p = %.2g", bins, stat, pval)
	}
}

// TestTails: the frequencies beyond ±r (where the base layer hands over to
// Marsaglia's tail method), beyond ±4 and beyond ±4.5, each sign apart,
// within 5 Poisson standard errors of the normal's, and the mean of |x|
// beyond r within 5 standard errors of its closed form φ(r)/Q(r).
func TestTails(t *testing.T) {
	const n = 4 * draws
	st := New(rand.NewPCG(4, 0))
	buf := make([]float64, 1<<16)
	std := distuv.UnitNormal
	edges := []float64{zigR, 4, 4.5}
	var hi, lo [3]int
	var sumTail, sumTail2 float64
	for range n / len(buf) {
		st.Fill(buf)
		for _, v := range buf {
			for k, e := range edges {
				if v > e {
					hi[k]++
				}
				if v < -e {
					lo[k]++
				}
			}
			if a := math.Abs(v); a > zigR {
				sumTail += a
				sumTail2 += a * a
			}
		}
	}
	for k, e := range edges {
		want := n * std.Survival(e)
		for side, got := range []int{hi[k], lo[k]} {
			if z := (float64(got) - want) / math.Sqrt(want); math.Abs(z) > 5 {
				t.Errorf("beyond %s%.3g: %d draws, want %.1f (%.1f standard errors)", []string{"+", "−"}[side], e, got, want, z)
			}
		}
	}
	m := float64(hi[0] + lo[0])
	mean := sumTail / m
	sd := math.Sqrt(sumTail2/m - mean*mean)
	want := std.Prob(zigR) / std.Survival(zigR)
	if z := (mean - want) / (sd / math.Sqrt(m)); math.Abs(z) > 5 {
		t.Errorf("mean |x| beyond r = %.4f: %.5f, want %.5f (%.1f standard errors)", zigR, mean, want, z)
	}
}

// TestTable checks the layers against what defines them: every layer's
// area is v (the top one's closes the recursion at f(0) = 1 only if r is
// right), the edges fall, and the tables agree with the edges.
func TestTable(t *testing.T) {
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	v := zig.x[0] * f(zigR)
	tailArea := math.Sqrt(math.Pi/2) * math.Erfc(zigR/math.Sqrt2)
	if got := zigR*f(zigR) + tailArea; math.Abs(got-v) > 1e-15 {
		t.Errorf("base layer area %.17g, want v = %.17g", got, v)
	}
	for i := 1; i < 256; i++ {
		area := zig.x[i] * (zig.f[i+1] - zig.f[i])
		if math.Abs(area-v) > 1e-9*v {
			t.Errorf("layer %d: area %.12g, want %.12g", i, area, v)
		}
		if !(zig.x[i+1] < zig.x[i]) {
			t.Errorf("edges %d, %d do not fall: %g, %g", i, i+1, zig.x[i], zig.x[i+1])
		}
	}
	for i := range 256 {
		if k := float64(zig.k[i]) * 0x1p-52; math.Abs(k-zig.x[i+1]/zig.x[i]) > 0x1p-51 {
			t.Errorf("k[%d] = %g, want %g", i, k, zig.x[i+1]/zig.x[i])
		}
	}
}

// TestChordSides: wherever the wedge test takes the chord's shortcuts, the
// density lies on the side of the chord that they assume and within the
// gap, at 20,001 points across the layer; the shortcuts are taken on all
// but a few layers (the base and the one across the inflection); and they
// leave exp, on average over the layers, under 2% of the wedge tests.
func TestChordSides(t *testing.T) {
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	taken := 0
	for l := range 256 {
		if zig.side[l] == crossing {
			continue
		}
		taken++
		lo, hi := zig.x[l+1], zig.x[l]
		band := zig.f[l+1] - zig.f[l]
		for k := range 20001 {
			x := lo + (hi-lo)*float64(k)/20000
			tt := (hi - x) * zig.dx[l]
			off := (f(x) - (zig.f[l] + tt*band)) / band // f above the chord, in bands
			const tol = 1e-9
			if zig.side[l] == convex && (off > tol || off < -zig.gap[l]) || zig.side[l] == concave && (off < -tol || off > zig.gap[l]) {
				t.Fatalf("layer %d (side %d, gap %.3g) at x = %g: f is %.3g bands off the chord", l, zig.side[l], zig.gap[l], x, off)
			}
		}
	}
	if taken < 253 {
		t.Errorf("the chord decides on %d layers, want 253 or more", taken)
	}
	// The share of wedge tests that reach exp, by the areas: within each
	// layer the sliver is at most gap of the band.
	sum := 0.0
	for l := 1; l < 256; l++ {
		share := 1.0
		if zig.side[l] != crossing {
			share = zig.gap[l]
		}
		sum += share
	}
	if sum/255 > 0.02 {
		t.Errorf("exp decides %.2f of wedge tests on average over the layers, want under 0.02", sum/255)
	}
}

// TestWedge: the wedge test with its chord shortcuts decides as the exact
// test y < f(x) does, at 20,000 random points (x, v) of every layer's band
// and at points within 10⁻⁹ of the chord, where the shortcuts' edges lie.
func TestWedge(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	for l := 1; l < 256; l++ {
		lo, hi := zig.x[l+1], zig.x[l]
		for k := range 20000 {
			x := lo + (hi-lo)*r.Float64()
			v := r.Float64()
			if k%2 == 1 { // near the chord
				v = (hi-x)*zig.dx[l] + 1e-9*(2*r.Float64()-1)
			}
			y := zig.f[l] + v*(zig.f[l+1]-zig.f[l])
			if want := y < f(x); wedge(l, x, v) != want && math.Abs(y-f(x)) > 1e-15 {
				t.Fatalf("layer %d, x = %g, v = %g: wedge says %v, y < f(x) is %v", l, x, v, !want, want)
			}
		}
	}
}
