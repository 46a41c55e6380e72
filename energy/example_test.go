package energy_test

import (
	"fmt"

	"github.com/goebm/goebm/energy"
)

// Banana is a user's own energy: E(x) = x₀²/2 + (x₁ − x₀²)²/2, a curved
// ridge. Three methods make it an energy every sampler accepts.
type Banana struct{}

func (Banana) Dim() int { return 2 }

func (b Banana) Energy(e, x []float64, d int) { b.Grad(e, nil, x, d) }

func (Banana) Grad(e, g, x []float64, d int) {
	for i := range e {
		x0, x1 := x[2*i], x[2*i+1]
		r := x1 - x0*x0
		e[i] = x0*x0/2 + r*r/2
		if g != nil {
			g[2*i] = x0 - 2*x0*r
			g[2*i+1] = r
		}
	}
}

func Example_customEnergy() {
	var e energy.Energy = Banana{}
	x := []float64{1, 1, 0, 2} // two points
	en, g := make([]float64, 2), make([]float64, 4)
	e.Grad(en, g, x, 2)
	fmt.Println("energies:", en)
	fmt.Println("gradients:", g)
	// Output:
	// energies: [0.5 2]
	// gradients: [1 0 0 2]
}
