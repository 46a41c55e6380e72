package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/goebm/goebm/tensor"
)

// The score of E(x) = Σ x⁴/4 is ∇ₓE = x³, and score matching's kind of
// objective differentiates it again: with CreateGraph the first gradient
// is recorded, so ∇ₓ Σ (∇ₓE)² = 6x⁵ comes from a second Grad.
func ExampleTape_Grad() {
	tp := tensor.NewTape()
	x := tensor.New([]float64{1, 2}, 2)
	e := tp.Scale(tp.Sum(tp.Pow(x, 4)), 0.25)
	score := tp.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{x}, tensor.GradOptions{CreateGraph: true})[0]
	g := tp.Grad([]*tensor.Tensor{tp.Sum(tp.Square(score))}, []*tensor.Tensor{x}, tensor.GradOptions{})[0]
	fmt.Println(score.Data(), g.Data())
	// Output: [1 8] [6 192]
}

// Two goroutines each compute the energies of half a batch on a tape of
// their own, given half the cores each, so that their ops do not each fork
// onto every core. The values do not depend on the number of cores: they
// are the bits one tape gives on the whole batch.
func ExampleTape_SetCores() {
	rng := rand.New(rand.NewPCG(1, 2))
	w := tensor.Randn(rng, 256, 256).SetPrecision(tensor.Float32)
	x := tensor.Randn(rng, 512, 256)
	energy := func(tp *tensor.Tape, x *tensor.Tensor) []float64 {
		h := tp.SiLU(tp.MatMul(x, w))
		return slices.Clone(tp.SumAxis(tp.Square(h), 1).Data())
	}
	whole := energy(tensor.NewNoGradTape(), x)

	halves := make([][]float64, 2)
	var wg sync.WaitGroup
	for i := range halves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tp := tensor.NewNoGradTape().SetCores(max(1, runtime.GOMAXPROCS(0)/2))
			rows := tensor.New(x.Data()[i*256*256:(i+1)*256*256], 256, 256)
			halves[i] = energy(tp, rows)
		}()
	}
	wg.Wait()
	fmt.Println(slices.Equal(whole, append(halves[0], halves[1]...)))
	// Output: true
}
