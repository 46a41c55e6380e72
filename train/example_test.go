package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
	"github.com/goebm/goebm/train"
)

// bowl regresses the energy on ½‖x‖²: mean (E(x) − ½‖x‖²)², a custom loss
// in a few lines.
type bowl struct{}

var _ loss.EnergyLoss = bowl{}

func (bowl) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, _ *rand.Rand) (*tensor.Tensor, error) {
	n, d := x.Dim(0), x.Dim(1)
	target := tensor.Zeros(n)
	for i := range n {
		for _, v := range x.Data()[i*d : (i+1)*d] {
			target.Data()[i] += v * v / 2
		}
	}
	r := tp.Sub(tp.Reshape(net.Forward(tp, x), n), target)
	return tp.Mean(tp.Mul(r, r)), nil
}

// A custom loss trains like any other, and a hook of the caller's own
// reports on the way. The energy learns ½‖x‖² where the data are: 0, ½ and
// ¼ at the three points.
func Example_customLoss() {
	data := dataset.TwoMoons{}.Sample(rand.New(rand.NewPCG(1, 1)), 1000)
	net, _ := nn.NewMLP(rand.New(rand.NewPCG(2, 2)), []int{2, 32, 32, 1}, nn.SiLU(), nil)
	report := train.StepFunc(func(_ *train.Trainer, s train.Status) error {
		if s.Step%200 == 0 {
			fmt.Printf("step %d: loss %.4f\n", s.Step, s.Loss)
		}
		return nil
	})
	tr, err := train.New(net, bowl{}, &optim.Adam{LR: 3e-3}, data,
		train.Config{Steps: 600, BatchSize: 128, Seed: 1, Hooks: []train.Hook{report}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := tr.Run(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	e := net.Forward(nil, tensor.New([]float64{0, 0, 1, 0, 0.5, -0.5}, 3, 2)).Data()
	fmt.Printf("E(0, 0) = %.2f, E(1, 0) = %.2f, E(0.5, −0.5) = %.2f\n", e[0], e[1], e[2])
	// Output:
	// step 200: loss 0.0012
	// step 400: loss 0.0000
	// step 600: loss 0.0000
	// E(0, 0) = 0.00, E(1, 0) = 0.50, E(0.5, −0.5) = 0.26
}
