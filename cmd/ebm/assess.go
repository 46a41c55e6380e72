package main

import (
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/tensor"
)

// scores is how well a 2-D energy fits a dataset.
type scores struct {
	NLL         float64  `json:"nll"`
	NLLMinusH   *float64 `json:"nll_minus_entropy,omitempty"`
	GaussianNLL float64  `json:"gaussian_nll"`
	MMD2        float64  `json:"mmd2"`
	LogZ        float64  `json:"log_z"`
}

// assess scores e on fresh points test of dataset data: log Z by quadrature
// on a box around ref (points of the same distribution), the NLL and its gap
// to the dataset's entropy, a Gaussian fitted to ref, and the MMD between
// grid samples of the model (drawn from sampleRNG) and test. It returns the
// box and samples too, for pictures.
func assess(e energy.Energy, data string, ref, test *tensor.Tensor, sampleRNG *rand.Rand) (scores, eval.Box, *tensor.Tensor, error) {
	var s scores
	box, err := eval.BoxFor(ref, 0.15)
	if err != nil {
		return s, box, nil, err
	}
	if s.LogZ, err = eval.LogZ(e, box, 400); err != nil {
		return s, box, nil, err
	}
	s.NLL = eval.NLL(e, test, s.LogZ)
	if h, ok := entropies[data]; ok {
		gap := s.NLL - h
		s.NLLMinusH = &gap
	}
	s.GaussianNLL, _ = eval.GaussianNLL(ref, test)
	samples, err := eval.GridSample(e, box, 400, min(test.Dim(0), 2000), sampleRNG)
	if err != nil {
		return s, box, nil, err
	}
	if s.MMD2, _, err = eval.MMD(samples, test); err != nil {
		return s, box, nil, err
	}
	return s, box, samples, nil
}
