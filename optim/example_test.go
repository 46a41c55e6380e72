package optim_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// Fit a small MLP to y = sin(3x) with Adam and a falling learning rate.
func ExampleAdam() {
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensor.Uniform(rng, -1, 1, 64, 1)
	y := tensor.Zeros(64, 1)
	for i, v := range x.Data() {
		y.Data()[i] = math.Sin(3 * v)
	}
	model, err := nn.NewMLP(rng, []int{1, 32, 32, 1}, nn.Tanh(), nil)
	if err != nil {
		panic(err)
	}
	params := nn.Values(model.Params())
	opt := &optim.Adam{LR: 0.01}

	tp := tensor.NewTape()
	for step := range 301 {
		loss := tp.Mean(tp.Square(tp.Sub(model.Forward(tp, x), y)))
		if step%100 == 0 {
			fmt.Printf("step %3d  loss %.2g\n", step, loss.Item())
		}
		grads := tp.Grad([]*tensor.Tensor{loss}, params, tensor.GradOptions{})
		if err := opt.Step(params, grads); err != nil {
			panic(err)
		}
		tp.Reset()
	}
	// Output:
	// step   0  loss 0.66
	// step 100  loss 0.017
	// step 200  loss 0.0002
	// step 300  loss 1.5e-05
}
