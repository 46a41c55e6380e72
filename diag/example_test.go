package diag_test

import (
	"math/rand/v2"
	"os"

	"github.com/goebm/goebm/diag"
)

// Diagnose two quantities from four chains: one well mixed, one whose first
// chain is stuck elsewhere.
func ExampleWriteTable() {
	rng := rand.New(rand.NewPCG(1, 1))
	good, stuck := make([][]float64, 4), make([][]float64, 4)
	for c := range 4 {
		for range 1000 {
			good[c] = append(good[c], rng.NormFloat64())
			v := rng.NormFloat64()
			if c == 0 {
				v += 4
			}
			stuck[c] = append(stuck[c], v)
		}
	}
	sums := []diag.Summary{diag.Summarize(good), diag.Summarize(stuck)}
	diag.WriteTable(os.Stdout, []string{"good", "stuck"}, sums)
	// Output:
	// mean     sd  mcse_mean  mcse_sd      q5     median    q95  ess_bulk  ess_tail   rhat
	//    good  -0.006725  1.002      0.016    0.011  -1.643  -0.007286  1.639      3878      3792  1.001
	//   stuck      0.997  1.964       0.86     0.44   -1.48     0.4313   4.76         7        28  1.520
}
