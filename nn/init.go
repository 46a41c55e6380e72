package nn

import (
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// Init fills a weight tensor w of a layer with fanIn inputs and fanOut
// outputs, drawing from rng.
type Init func(rng *rand.Rand, w *tensor.Tensor, fanIn, fanOut int)

// KaimingUniform draws from U(−b, b) with b = √(6/fanIn): variance 2/fanIn,
// which keeps activations' scale through ReLU-like layers (He et al. 2015).
func KaimingUniform(rng *rand.Rand, w *tensor.Tensor, fanIn, _ int) {
	fillUniform(rng, w.Data(), math.Sqrt(6/float64(max(fanIn, 1))))
}

// KaimingNormal draws from N(0, 2/fanIn) (He et al. 2015).
func KaimingNormal(rng *rand.Rand, w *tensor.Tensor, fanIn, _ int) {
	fillNormal(rng, w.Data(), math.Sqrt(2/float64(max(fanIn, 1))))
}

// XavierUniform draws from U(−b, b) with b = √(6/(fanIn+fanOut)): variance
// 2/(fanIn+fanOut), for tanh-like layers (Glorot and Bengio 2010).
func XavierUniform(rng *rand.Rand, w *tensor.Tensor, fanIn, fanOut int) {
	fillUniform(rng, w.Data(), math.Sqrt(6/float64(max(fanIn+fanOut, 1))))
}

// XavierNormal draws from N(0, 2/(fanIn+fanOut)) (Glorot and Bengio 2010).
func XavierNormal(rng *rand.Rand, w *tensor.Tensor, fanIn, fanOut int) {
	fillNormal(rng, w.Data(), math.Sqrt(2/float64(max(fanIn+fanOut, 1))))
}

func fillUniform(rng *rand.Rand, d []float64, bound float64) {
	for i := range d {
		d[i] = bound * (2*rng.Float64() - 1)
	}
}

func fillNormal(rng *rand.Rand, d []float64, sd float64) {
	for i := range d {
		d[i] = sd * rng.NormFloat64()
	}
}
