package main

import (
	"context"
	"math/rand/v2"

	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/tensor"
)

// scores is how well a 2-D model fits a dataset.
type scores struct {
	NLL         float64  `json:"nll"`
	NLLMinusH   *float64 `json:"nll_minus_entropy,omitempty"`
	GaussianNLL float64  `json:"gaussian_nll"`
	MMD2        float64  `json:"mmd2"`
	LogZ        float64  `json:"log_z"`
}

// assess scores m on fresh points test of dataset data: the NLL (for
// energies with log Z by quadrature on a box around ref, points of the same
// distribution; for flows by the change of variables, log Z being 0) and its
// gap to the dataset's entropy, a Gaussian fitted to ref, and the MMD between
// the model's samples (drawn with sampleRNG) and test. It returns the box and
// samples too, for pictures.
func assess(ctx context.Context, m *trained, data string, ref, test *tensor.Tensor, sampleRNG *rand.Rand) (scores, eval.Box, *tensor.Tensor, error) {
	var s scores
	box, err := eval.BoxFor(ref, 0.15)
	if err != nil {
		return s, box, nil, err
	}
	if m.density != nil {
		if s.LogZ, err = eval.LogZ(m.density, box, 400); err != nil {
			return s, box, nil, err
		}
		s.NLL = eval.NLL(m.density, test, s.LogZ)
	} else {
		nlp := make([]float64, test.Dim(0))
		if err := m.negLogDensity(nlp, test.Data()); err != nil {
			return s, box, nil, err
		}
		for _, v := range nlp {
			s.NLL += v / float64(len(nlp))
		}
	}
	if h, ok := entropies[data]; ok {
		gap := s.NLL - h
		s.NLLMinusH = &gap
	}
	s.GaussianNLL, _ = eval.GaussianNLL(ref, test)
	samples, err := m.generate(ctx, min(test.Dim(0), 2000), box, sampleRNG)
	if err != nil {
		return s, box, nil, err
	}
	if s.MMD2, _, err = eval.MMD(samples, test); err != nil {
		return s, box, nil, err
	}
	return s, box, samples, nil
}
