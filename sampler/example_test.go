package sampler_test

import (
	"context"
	"fmt"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// Draw from a correlated Gaussian with NUTS and summarise the draws.
func ExampleNUTS() {
	target, err := energy.NewGaussian([]float64{1, -2}, []float64{2, 0.9, 0.9, 1})
	if err != nil {
		panic(err)
	}
	r, err := sampler.NUTS{}.Sample(context.Background(), target, sampler.Options{
		Chains: 4, Warmup: 500, Steps: 1000, Seed: 7, Trajectory: true,
	})
	if err != nil {
		panic(err)
	}
	sums := []diag.Summary{diag.Summarize(r.Chain(0)), diag.Summarize(r.Chain(1))}
	fmt.Printf("means %.1f %.1f, sds %.1f %.1f, R-hat below 1.01: %v\n",
		sums[0].Mean, sums[1].Mean, sums[0].SD, sums[1].SD, sums[0].Rhat < 1.01 && sums[1].Rhat < 1.01)
	// Output:
	// means 1.0 -2.0, sds 1.4 1.0, R-hat below 1.01: true
}
