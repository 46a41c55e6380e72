package diag

import "math"

// MCSEMean returns the Monte Carlo standard error of the mean of all draws:
// sd/√ESS, with the ESS of the split chains (as R's posterior package and
// Stan's tests define it).
func MCSEMean(chains [][]float64) float64 {
	if !usable(chains) {
		return math.NaN()
	}
	return math.Sqrt(sampleVar(pool(chains)) / ESS(split(chains)))
}

// MCSESD returns the Monte Carlo standard error of the standard deviation of
// all draws, from the variance of the squared deviations adjusted by their
// ESS and a first-order (delta-method) step from variance to sd.
func MCSESD(chains [][]float64) float64 {
	if !usable(chains) {
		return math.NaN()
	}
	all := pool(chains)
	mean := 0.0
	for _, v := range all {
		mean += v
	}
	mean /= float64(len(all))
	dev := make([][]float64, len(chains))
	m2, m4 := 0.0, 0.0
	for c, x := range chains {
		dev[c] = make([]float64, len(x))
		for i, v := range x {
			d := math.Abs(v - mean)
			dev[c][i] = d
			m2 += d * d
			m4 += d * d * d * d
		}
	}
	m2 /= float64(len(all))
	m4 /= float64(len(all))
	varvar := (m4 - m2*m2) / ESS(split(dev))
	return math.Sqrt(varvar / m2 / 4)
}

func pool(chains [][]float64) []float64 {
	var all []float64
	for _, c := range chains {
		all = append(all, c...)
	}
	return all
}
