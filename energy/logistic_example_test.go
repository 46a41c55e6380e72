package energy_test

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

// A Bayesian logistic regression on real data, written once with tensor
// ops as a plain function: the posterior of 65 weights (64 pixels and a
// bias) that tell the digit 8 from the others in the UCI digits, with a
// N(0, 1) prior, sampled with NUTS. The energy takes a batch of weight
// vectors (one per chain) and scores every training image against each in
// one product; NewModel turns it into an energy with autodiff gradients.
func ExampleNewModel_logisticRegression() {
	digits, err := dataset.Digits()
	if err != nil {
		panic(err)
	}
	train, test := digits.Split()
	// features returns every step-th image's pixels in [0, 1] and a 1 for
	// the bias, and whether it is an 8.
	features := func(im *dataset.Images, step int) (*tensor.Tensor, []float64) {
		n, d := (im.Len()+step-1)/step, im.Dim()
		x, y := make([]float64, n*(d+1)), make([]float64, n)
		for k := range n {
			i := k * step
			for j := range d {
				x[k*(d+1)+j] = float64(im.Pixels[i*d+j]) / 16
			}
			x[k*(d+1)+d] = 1
			if im.Labels[i] == 8 {
				y[k] = 1
			}
		}
		return tensor.New(x, n, d+1), y
	}
	x, y := features(train, 4) // 360 images keep the example quick
	yt := tensor.New(y, len(y), 1)

	// E(w) = −log p(w | data) + const
	//      = Σᵢ softplus(xᵢ·w) − yᵢ xᵢ·w + ‖w‖²/2, for each w in the batch.
	negLogPost := nn.Func(func(tp *tensor.Tape, w *tensor.Tensor) *tensor.Tensor {
		logits := tp.MatMulT(x, w, false, true) // [images, chains]
		nll := tp.Sub(tp.Softplus(logits), tp.Mul(yt, logits))
		prior := tp.Scale(tp.SumAxis(tp.Square(w), 1), 0.5) // [chains]
		return tp.Add(tp.SumAxis(nll, 0), prior)
	})
	e, err := energy.NewModel(negLogPost, x.Dim(1))
	if err != nil {
		panic(err)
	}
	res, err := sampler.NUTS{}.Sample(context.Background(), e, sampler.Options{
		Chains: 4, Warmup: 150, Steps: 100, Seed: 1, Init: make([]float64, 4*x.Dim(1)), Trajectory: true})
	if err != nil {
		panic(err)
	}

	// Classify the held-out fifth with the posterior predictive mean.
	xt, yTest := features(test, 1)
	logits := tensor.NewTape().MatMulT(xt, tensor.New(res.Draws, res.Chains*res.Kept, x.Dim(1)), false, true)
	draws, right, eights := logits.Dim(1), 0, 0.0
	for i, yi := range yTest {
		eights += yi
		p := 0.0
		for _, l := range logits.Data()[i*draws : (i+1)*draws] {
			p += 1 / (1 + math.Exp(-l))
		}
		if (p/float64(draws) > 0.5) == (yi == 1) {
			right++
		}
	}
	divergent := 0
	for _, n := range res.Info.Divergences {
		divergent += n
	}
	n := float64(len(yTest))
	fmt.Printf("held-out accuracy %.3f on %.0f images (%.3f saying \"not an 8\" always); %d divergences\n", float64(right)/n, n, 1-eights/n, divergent)
	// Output:
	// held-out accuracy 0.930 on 359 images (0.869 saying "not an 8" always); 0 divergences
}
