package bayes_test

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/scalar"
)

// A log density of a plain vector needs no declarations: here a
// correlated Gaussian in two dimensions.
func ExampleDensity() {
	post := bayes.Density(2, func(tp *scalar.Tape, x []scalar.Var) scalar.Var {
		a, b := x[0], tp.Sub(x[1], x[0])
		return tp.Scale(tp.Add(tp.Square(a), tp.Square(b)), -0.5)
	})
	fit, err := post.Sample(context.Background(), sampler.NUTS{}, sampler.Options{Chains: 4, Warmup: 500, Steps: 1000, Seed: 1})
	if err != nil {
		panic(err)
	}
	for _, c := range fit.Summary() {
		fmt.Printf("%s: sd %.1f\n", c.Name, c.SD)
	}
	// Output:
	// x[1]: sd 1.0
	// x[2]: sd 1.4
}

// A model declares its parameters once, with their constraints; its log
// density sees them constrained, and so do the draws. Here the
// success probability of 7 successes in 20 trials, under a uniform prior:
// its posterior is Beta(8, 14), of mean 8/22.
func ExampleModel() {
	m := bayes.Model{
		Params: []bayes.Param{{Name: "p", Constraint: bijector.Interval(0, 1)}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			q := p[0][0]
			return tp.Add(tp.Scale(tp.Log(q), 7), tp.Scale(tp.Log1p(tp.Neg(q)), 13))
		},
	}
	post, err := bayes.New(m)
	if err != nil {
		panic(err)
	}
	fit, err := post.Sample(context.Background(), sampler.NUTS{}, sampler.Options{Chains: 4, Warmup: 500, Steps: 2000, Seed: 1})
	if err != nil {
		panic(err)
	}
	s := fit.Summary()[0]
	fmt.Printf("%s: posterior mean within 3 MCSE of 8/22: %v\n", s.Name, math.Abs(s.Mean-8.0/22) < 3*s.MCSEMean)
	// Output:
	// p: posterior mean within 3 MCSE of 8/22: true
}
