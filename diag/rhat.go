package diag

import "math"

// rhat is the potential scale reduction of chains as given.
func rhat(chains [][]float64) float64 {
	m, n := len(chains), len(chains[0])
	means := make([]float64, m)
	w := 0.0
	for c, x := range chains {
		for _, v := range x {
			means[c] += v
		}
		means[c] /= float64(n)
		ss := 0.0
		for _, v := range x {
			ss += (v - means[c]) * (v - means[c])
		}
		w += ss / float64(n-1) / float64(m)
	}
	b := float64(n) * sampleVar(means)
	return math.Sqrt((b/w + float64(n) - 1) / float64(n))
}

// RhatBulkTail returns the split R-hat of the rank-normalised draws (bulk)
// and of the rank-normalised draws folded about their median (tail).
func RhatBulkTail(chains [][]float64) (bulk, tail float64) {
	if !usable(chains) {
		return math.NaN(), math.NaN()
	}
	sp := split(chains)
	med := quantile7(sp, 0.5)
	folded := make([][]float64, len(sp))
	for c, x := range sp {
		folded[c] = make([]float64, len(x))
		for i, v := range x {
			folded[c][i] = math.Abs(v - med)
		}
	}
	return rhat(rankNormalize(sp)), rhat(rankNormalize(folded))
}

// Rhat returns Stan's R-hat: the larger of the bulk and tail split R-hat.
// Above 1.01 the chains have not mixed.
func Rhat(chains [][]float64) float64 {
	b, t := RhatBulkTail(chains)
	return math.Max(b, t)
}
