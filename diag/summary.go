package diag

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// Summary describes the draws of one scalar quantity.
type Summary struct {
	Mean, SD         float64
	MCSEMean, MCSESD float64 // Monte Carlo standard errors of Mean and SD
	Q5, Median, Q95  float64
	ESSBulk, ESSTail float64
	Rhat             float64
}

// Summarize computes the Summary of chains.
func Summarize(chains [][]float64) Summary {
	all := pool(chains)
	s := Summary{
		MCSEMean: MCSEMean(chains), MCSESD: MCSESD(chains),
		ESSBulk: ESSBulk(chains), ESSTail: ESSTail(chains), Rhat: Rhat(chains),
		Mean: math.NaN(), SD: math.NaN(), Q5: math.NaN(), Median: math.NaN(), Q95: math.NaN(),
	}
	if len(all) == 0 {
		return s
	}
	s.Mean = 0
	for _, v := range all {
		s.Mean += v / float64(len(all))
	}
	if len(all) > 1 {
		s.SD = math.Sqrt(sampleVar(all))
	}
	s.Q5, s.Median, s.Q95 = quantile7(chains, 0.05), quantile7(chains, 0.5), quantile7(chains, 0.95)
	return s
}

// WriteTable writes one row per quantity, names[i] for sums[i], in columns
// aligned for a terminal.
func WriteTable(w io.Writer, names []string, sums []Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tmean\tsd\tmcse_mean\tmcse_sd\tq5\tmedian\tq95\tess_bulk\tess_tail\trhat\t")
	for i, s := range sums {
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%.2g\t%.2g\t%.4g\t%.4g\t%.4g\t%.0f\t%.0f\t%.3f\t\n",
			names[i], s.Mean, s.SD, s.MCSEMean, s.MCSESD, s.Q5, s.Median, s.Q95, s.ESSBulk, s.ESSTail, s.Rhat)
	}
	return tw.Flush()
}
