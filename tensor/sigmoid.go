package tensor

import "math"

// The logistic function σ(x) = 1/(1 + e⁻ˣ) is the hot spot of SiLU networks
// (one per hidden unit per evaluation). It is computed here with an exp of
// our own, so that the AVX2 kernel in silu_amd64.s can do the very same
// operations four lanes at a time and give the same bits: results do not
// depend on the CPU.
//
// e^t for t = −x: t is clamped to [−50, 708] (σ is exactly 1 in float64 below
// −37, and e^708 is finite); n = round(t/ln 2) by adding and subtracting
// 1.5·2⁵² (so no branch and no conversion); r = t − n·ln 2 with ln 2 split in
// two (Cody and Waite), |r| ≤ ln 2/2; e^r by its Taylor polynomial of degree
// 12 in Horner form with fused multiply-adds (truncation error below 2⁻⁵²);
// then 2ⁿ is added to the exponent bits. Relative error: about 2 ulp.
const (
	expLog2e = 1.44269504088896338700e+00
	expMagic = 6755399441055744.0 // 1.5·2⁵²
	expLn2Hi = 6.93147180369123816490e-01
	expLn2Lo = 1.90821492927058770002e-10
	sigTLo   = -50.0
	sigTHi   = 708.0
)

// expCoef are 1/k! for k = 12 down to 0.
var expCoef = [13]float64{
	1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040,
	1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1, 1,
}

// sigmoid returns σ(x); NaN gives NaN.
func sigmoid(x float64) float64 {
	if x != x {
		return x
	}
	return 1 / (1 + expPoly(max(sigTLo, min(sigTHi, -x))))
}

// expPoly returns e^t for t in [−708, 708] by the algorithm above: the
// exponential of sigmoid and expSoft, and of the AVX-512 kernels' EXP8.
func expPoly(t float64) float64 {
	k := math.FMA(t, expLog2e, expMagic)
	n := k - expMagic
	r := math.FMA(-n, expLn2Hi, t)
	r = math.FMA(-n, expLn2Lo, r)
	p := expCoef[0]
	for _, c := range expCoef[1:] {
		p = math.FMA(p, r, c)
	}
	return math.Float64frombits(math.Float64bits(p) + math.Float64bits(k)<<52)
}

// siluGeneric writes s[i] = σ(x[i]) and y[i] = x[i]·s[i]; s and y may be x.
func siluGeneric(s, y, x []float64) {
	s, y = s[:len(x)], y[:len(x)]
	for i, v := range x {
		si := sigmoid(v)
		s[i] = si
		y[i] = v * si
	}
}

// siluGradGeneric writes d = g·SiLU′(x) given s = σ(x), with SiLU′ =
// s + x·s·(1−s) rounded in that order.
func siluGradGeneric(d, g, x, s []float64) {
	d, g, s = d[:len(x)], g[:len(x)], s[:len(x)]
	for i, v := range x {
		d[i] = g[i] * siluD1(v, s[i])
	}
}

// siluGrad12Generic writes dg = h·SiLU′(x) and dx = (h·g)·SiLU″(x) given s
// = σ(x), rounded as siluGradGeneric and siluGradInto's second order
// round them.
func siluGrad12Generic(dg, dx, h, g, x, s []float64) {
	dx, h, g, s = dx[:len(x)], h[:len(x)], g[:len(x)], s[:len(x)]
	dg = dg[:len(x)]
	for i, v := range x {
		dg[i] = h[i] * siluD1(v, s[i])
		dx[i] = h[i] * g[i] * siluD2(v, s[i])
	}
}

// expLo is the least argument expSoft exponentiates; below it (−∞
// included) it gives 0. e^−708 is still a normal number, so adding n to
// the exponent bits stays exact.
const expLo = -708.0

// expSoft returns e^x by sigmoid's algorithm, for softmax: x is clamped
// above at 708, and x < −708 (−∞ included) gives 0 rather than a
// subnormal, which against a softmax's largest term, 1, is nothing. NaN
// gives NaN. expBlock's AVX-512 kernel does the same operations eight
// lanes at a time, so the two give the same bits.
func expSoft(x float64) float64 {
	if x != x {
		return x
	}
	if x < expLo {
		return 0
	}
	return expPoly(min(sigTHi, x))
}

// expGeneric writes y[i] = expSoft(x[i]); y may be x.
func expGeneric(y, x []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = expSoft(v)
	}
}
