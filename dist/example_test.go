package dist_test

import (
	"fmt"

	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/scalar"
)

// A log posterior written once with dist runs on plain float64s and on the
// scalar tape, which returns its gradient.
func Example() {
	y := []float64{1.2, 0.4, 2.1} // data
	logPost := func(tp *scalar.Tape, p []scalar.Var) scalar.Var {
		mu, sigma := p[0], p[1]
		lp := tp.Add(dist.Normal(tp, mu, tp.Const(0), tp.Const(10)), dist.Exponential(tp, sigma, tp.Const(1)))
		for _, v := range y {
			lp = tp.Add(lp, dist.Normal(tp, tp.Const(v), mu, sigma))
		}
		return lp
	}
	g := make([]float64, 2)
	lp := scalar.NewTape(0).Gradient(logPost, []float64{1, 0.8}, g)
	fmt.Printf("log p = %.4f, ∇ = [%.4f %.4f]\n", lp, g[0], g[1])
	fmt.Printf("log N(0.4 | 1, 0.8) = %.4f\n", dist.Normal(scalar.Float{}, 0.4, 1, 0.8))
	// Output:
	// log p = -7.3717, ∇ = [1.0837 -1.6055]
	// log N(0.4 | 1, 0.8) = -0.9770
}
