package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

func main() {
	steps := flag.Int("steps", 2000, "training steps")
	hidden := flag.Int("hidden", 64, "units per hidden layer")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*steps, *hidden, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "regression:", err)
		os.Exit(1)
	}
}

// run fits y = sin(3x)·x on [−2, 2] from 256 noisy points.
func run(steps, hidden int, seed uint64) error {
	if steps <= 0 {
		return fmt.Errorf("-steps %d: must be positive", steps)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	x := tensor.Uniform(rng, -2, 2, 256, 1)
	y := tensor.Zeros(256, 1)
	for i, v := range x.Data() {
		y.Data()[i] = math.Sin(3*v)*v + 0.05*rng.NormFloat64()
	}
	model, err := nn.NewMLP(rng, []int{1, hidden, hidden, 1}, nn.SiLU(), nil)
	if err != nil {
		return err
	}
	params := nn.Values(model.Params())
	opt := &optim.Adam{Schedule: schedule.Cosine{Start: 3e-3, End: 1e-4, Steps: steps}}
	fmt.Printf("goebm: MLP 1→%d→%d→1 (%d parameters), BLAS %s\n", hidden, hidden, nn.NumParams(model), tensor.BLAS)

	start := time.Now()
	tp := tensor.NewTape()
	for step := range steps + 1 {
		loss := tp.Mean(tp.Square(tp.Sub(model.Forward(tp, x), y)))
		if step%(max(steps/10, 1)) == 0 {
			fmt.Printf("step %5d  mse %.5f\n", step, loss.Item())
		}
		grads := tp.Grad([]*tensor.Tensor{loss}, params, tensor.GradOptions{})
		if err := opt.Step(params, grads); err != nil {
			return fmt.Errorf("step %d: %w", step, err)
		}
		tp.Reset()
	}
	fmt.Printf("done in %v (noise floor: mse 0.0025)\n", time.Since(start).Round(time.Millisecond))
	return nil
}
