package diag

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/gonum/stat/distuv"
)

// usable reports whether chains can be diagnosed: at least 4 draws each,
// all finite, not all equal.
func usable(chains [][]float64) bool {
	if len(chains) == 0 || len(chains[0]) < 4 {
		return false
	}
	first := chains[0][0]
	varies := false
	for _, c := range chains {
		if len(c) != len(chains[0]) {
			return false
		}
		for _, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
			if v != first {
				varies = true
			}
		}
	}
	return varies
}

// Autocovariance returns the biased autocovariance of x at lags 0 … len(x)−1,
// (1/N)·Σₙ (xₙ − x̄)(xₙ₊ₜ − x̄), computed by FFT in O(N log N).
func Autocovariance(x []float64) []float64 {
	n := len(x)
	if n == 0 {
		return nil
	}
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	m := 2 * n // zero padding: no wrap-around of the circular correlation
	seq := make([]float64, m)
	for i, v := range x {
		seq[i] = v - mean
	}
	fft := fourier.NewFFT(m)
	coef := fft.Coefficients(nil, seq)
	for i, c := range coef {
		coef[i] = complex(real(c)*real(c)+imag(c)*imag(c), 0)
	}
	ac := fft.Sequence(nil, coef) // unnormalised inverse: scale by 1/m
	out := make([]float64, n)
	for t := range out {
		out[t] = ac[t] / float64(m) / float64(n)
	}
	return out
}

// Autocorrelation returns the autocorrelation of x at lags 0 … maxLag.
func Autocorrelation(x []float64, maxLag int) []float64 {
	acov := Autocovariance(x)
	maxLag = min(maxLag, len(acov)-1)
	out := make([]float64, maxLag+1)
	for t := range out {
		out[t] = acov[t] / acov[0]
	}
	return out
}

// ESS returns the effective sample size of the chains as given (not split,
// not rank-normalised): Stan's ess. See the package doc.
func ESS(chains [][]float64) float64 {
	if !usable(chains) {
		return math.NaN()
	}
	m, n := len(chains), len(chains[0])
	acov := make([][]float64, m)
	means := make([]float64, m)
	w := 0.0
	for c, x := range chains {
		acov[c] = Autocovariance(x)
		for _, v := range x {
			means[c] += v
		}
		means[c] /= float64(n)
		w += acov[c][0] * float64(n) / float64(n-1) / float64(m)
	}
	varPlus := w * float64(n-1) / float64(n)
	if m > 1 {
		varPlus += sampleVar(means)
	}
	rhoAt := func(t int) float64 {
		s := 0.0
		for c := range acov {
			s += acov[c][t]
		}
		return 1 - (w-s/float64(m))/varPlus
	}
	rho := make([]float64, n+1)
	rho[0] = 1
	even, odd := 1.0, rhoAt(1)
	rho[1] = odd
	t := 1
	for t < n-4 && even+odd > 0 {
		even, odd = rhoAt(t+1), rhoAt(t+2)
		if even+odd >= 0 {
			rho[t+1], rho[t+2] = even, odd
		}
		t += 2
	}
	maxT := t
	if even > 0 {
		rho[maxT+1] = even
	}
	// Initial monotone sequence: no pair may exceed the pair before it.
	for i := 1; i <= maxT-3; i += 2 {
		if rho[i+1]+rho[i+2] > rho[i-1]+rho[i] {
			rho[i+1] = (rho[i-1] + rho[i]) / 2
			rho[i+2] = rho[i+1]
		}
	}
	total := float64(m * n)
	tau := -1 + rho[maxT+1]
	for _, r := range rho[:maxT] {
		tau += 2 * r
	}
	tau = math.Max(tau, 1/math.Log10(total))
	return total / tau
}

// sampleVar is the variance with denominator n−1.
func sampleVar(x []float64) float64 {
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	s := 0.0
	for _, v := range x {
		s += (v - mean) * (v - mean)
	}
	return s / float64(len(x)-1)
}

// split halves each chain, dropping the last draw of an odd-length chain.
func split(chains [][]float64) [][]float64 {
	out := make([][]float64, 0, 2*len(chains))
	for _, c := range chains {
		h := len(c) / 2
		out = append(out, c[:h], c[h:2*h])
	}
	return out
}

// rankNormalize replaces each draw by the normal score of its average rank
// among all draws pooled: Φ⁻¹((r − 3/8)/(S + 1/4)). Ties share their mean rank.
func rankNormalize(chains [][]float64) [][]float64 {
	type item struct {
		v    float64
		c, i int
	}
	var all []item
	for c, x := range chains {
		for i, v := range x {
			all = append(all, item{v, c, i})
		}
	}
	slices.SortFunc(all, func(a, b item) int { return cmp.Compare(a.v, b.v) })
	out := make([][]float64, len(chains))
	for c, x := range chains {
		out[c] = make([]float64, len(x))
	}
	s := float64(len(all))
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+1+j) / 2 // mean of ranks i+1 … j
		z := distuv.UnitNormal.Quantile((rank - 0.375) / (s + 0.25))
		for k := i; k < j; k++ {
			out[all[k].c][all[k].i] = z
		}
		i = j
	}
	return out
}

// quantile7 returns the p-quantile of the pooled draws, interpolating
// between order statistics as R's default (type 7) and Stan do.
func quantile7(chains [][]float64, p float64) float64 {
	var all []float64
	for _, c := range chains {
		all = append(all, c...)
	}
	slices.Sort(all)
	h := float64(len(all)-1) * p
	lo := math.Floor(h)
	hi := math.Min(lo+1, float64(len(all)-1))
	return all[int(lo)] + (h-lo)*(all[int(hi)]-all[int(lo)])
}

// ESSBulk returns the bulk effective sample size: ESS of the rank-normalised
// split chains. It measures how well the centre of the distribution is
// explored, and is the ESS to use for means and medians.
func ESSBulk(chains [][]float64) float64 {
	if !usable(chains) {
		return math.NaN()
	}
	return ESS(rankNormalize(split(chains)))
}

// ESSTail returns the tail effective sample size: the smaller ESS of the
// indicators of the 5% and 95% tails on split chains. It is the ESS to use
// for quantiles and interval ends.
func ESSTail(chains [][]float64) float64 {
	if !usable(chains) {
		return math.NaN()
	}
	sp := split(chains)
	q05, q95 := quantile7(sp, 0.05), quantile7(sp, 0.95)
	ind := func(in func(float64) bool) [][]float64 {
		out := make([][]float64, len(sp))
		for c, x := range sp {
			out[c] = make([]float64, len(x))
			for i, v := range x {
				if in(v) {
					out[c][i] = 1
				}
			}
		}
		return out
	}
	lo := ESS(ind(func(v float64) bool { return v <= q05 }))
	hi := ESS(ind(func(v float64) bool { return v >= q95 }))
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return ESSBulk(chains)
	}
	return math.Min(lo, hi)
}
