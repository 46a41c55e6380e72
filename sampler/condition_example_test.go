package sampler_test

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// Inpaint two "images" of a correlated Gaussian in one call, four chains
// each: the first observes x₀ = 1.5, the second x₁ = −1 (the values where
// a coordinate is missing are not read). Given one coordinate of
// N(0, [[1, 0.8], [0.8, 1]]), the other has mean 0.8 times it. Reflection
// keeps every chain in [−3, 3].
func ExampleCondition() {
	g, err := energy.NewGaussian([]float64{0, 0}, []float64{1, 0.8, 0.8, 1})
	if err != nil {
		panic(err)
	}
	nan := math.NaN()
	cond := &sampler.Condition{}
	for _, im := range []struct {
		obs    []bool
		values []float64
	}{{[]bool{true, false}, []float64{1.5, nan}}, {[]bool{false, true}, []float64{nan, -1}}} {
		for range 4 { // a row per chain
			cond.Observed = append(cond.Observed, im.obs...)
			cond.Values = append(cond.Values, im.values...)
		}
	}
	r, err := sampler.NUTS{}.Sample(context.Background(), g, sampler.Options{
		Chains: 8, Warmup: 300, Steps: 2000, Seed: 1, Trajectory: true, Condition: cond,
		Bounds: &sampler.Bounds{Lo: []float64{-3}, Hi: []float64{3}},
	})
	if err != nil {
		panic(err)
	}
	x1, x0 := r.Chain(1)[:4], r.Chain(0)[4:]
	fmt.Printf("x₁ | x₀ = 1.5: mean %.1f (exact 1.2); x₀ | x₁ = −1: mean %.1f (exact −0.8); x₀ of image 1 held at %g\n",
		diag.Summarize(x1).Mean, diag.Summarize(x0).Mean, r.Chain(0)[0][0])
	// Output:
	// x₁ | x₀ = 1.5: mean 1.2 (exact 1.2); x₀ | x₁ = −1: mean -0.8 (exact −0.8); x₀ of image 1 held at 1.5
}
