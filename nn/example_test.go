package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// An energy network for 2D data and its score ∇ₓE at a batch of points.
func ExampleNewMLP() {
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := nn.NewMLP(rng, []int{2, 128, 128, 1}, nn.SiLU(), nil)
	if err != nil {
		panic(err)
	}
	x := tensor.Randn(rng, 1024, 2)

	tp := tensor.NewTape()
	e := m.Forward(tp, x) // energies, shape [1024 1]
	score := tp.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{x}, tensor.GradOptions{})[0]
	fmt.Println("parameters:", nn.NumParams(m))
	fmt.Println("energy shape:", e.Shape(), "score shape:", score.Shape())
	// Output:
	// parameters: 17025
	// energy shape: [1024 1] score shape: [1024 2]
}
