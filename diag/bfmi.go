package diag

import "math"

// EBFMIThreshold is the E-BFMI below which Stan warns that HMC may not
// explore the target well (CmdStan's diagnose uses 0.3).
const EBFMIThreshold = 0.3

// EBFMI returns the energy Bayesian fraction of missing information of one
// chain from its Hamiltonians at successive draws (Stan's energy__;
// Betancourt 2016, "Diagnosing suboptimal cotangent disintegrations in
// Hamiltonian Monte Carlo"): the mean of the squared differences of
// successive energies over their sample variance (denominator N − 1), as
// CmdStan's diagnose computes it. Values near 1 say the momentum resampling
// moves the chain between energy levels as fast as the energy varies;
// values below EBFMIThreshold say it does not. It returns NaN for fewer
// than 2 energies, non-finite ones, or energies that never vary.
func EBFMI(energy []float64) float64 {
	n := len(energy)
	if n < 2 {
		return math.NaN()
	}
	num := 0.0
	for i := 1; i < n; i++ {
		d := energy[i] - energy[i-1]
		num += d * d
	}
	num /= float64(n - 1)
	v := sampleVar(energy)
	if !(v > 0) || math.IsInf(v, 0) || math.IsNaN(num) {
		return math.NaN()
	}
	return num / v
}

// MAD returns the median absolute deviation of the pooled draws about their
// median, scaled by 1.4826 (≈ 1/Φ⁻¹(3/4)) so that it estimates the standard
// deviation of a normal distribution, as R's mad and stansummary's MAD
// column do; both medians are type-7 quantiles. NaN when there is no draw
// or a draw is NaN.
func MAD(chains [][]float64) float64 {
	all := pool(chains)
	if len(all) == 0 {
		return math.NaN()
	}
	for _, v := range all {
		if math.IsNaN(v) {
			return math.NaN()
		}
	}
	med := quantile7([][]float64{all}, 0.5)
	dev := make([]float64, len(all))
	for i, v := range all {
		dev[i] = math.Abs(v - med)
	}
	return 1.4826 * quantile7([][]float64{dev}, 0.5)
}
