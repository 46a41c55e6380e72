package model

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/tensor"
)

// entropies are the NLLs a perfect model scores on fresh data
// (../shared/benchmarks/entropies-2d.md), where known.
var entropies = map[string]float64{
	"eightgaussians": -2.906, "gaussianmixture": -1.079, "twomoons": 0.289, "circle": 0.261, "checkerboard": 3.466,
}

// Entropy returns the differential entropy of a built-in 2-D dataset, in
// nats, where it is known: the NLL a perfect model scores.
func Entropy(data string) (float64, bool) {
	h, ok := entropies[data]
	return h, ok
}

// Scores is how well a 2-D model fits a dataset.
type Scores struct {
	// NLL is the mean −log p of the test points, in nats.
	NLL float64 `json:"nll"`
	// NLLMinusH is NLL minus the data's entropy, where known: 0 is perfect.
	NLLMinusH *float64 `json:"nll_minus_entropy,omitempty"`
	// GaussianNLL is the NLL of a Gaussian fitted to the reference points,
	// the baseline to beat.
	GaussianNLL float64 `json:"gaussian_nll"`
	// MMD2 is the squared maximum mean discrepancy between generated and
	// test points.
	MMD2 float64 `json:"mmd2"`
	// LogZ is the quadrature's log Z (0 for the flow kinds, which are
	// normalised).
	LogZ float64 `json:"log_z"`
}

// Assessment is a model's Scores with what they were computed from, for
// pictures.
type Assessment struct {
	Scores
	// Box is the region around the reference points.
	Box eval.Box
	// Samples are the generated points compared with the test points.
	Samples *tensor.Tensor
	// Test are the test points.
	Test *tensor.Tensor
}

// Score scores a 2-D model m on test points of the dataset named data,
// using ref (points of the same distribution, such as the training data):
//
//   - NLL: for the kinds with a Density, log Z by quadrature on a 400×400
//     grid over ref's box with a 15% margin; for the flow kinds the exact
//     change of variables (log Z = 0);
//   - the NLL of a Gaussian fitted to ref;
//   - the MMD² between min(n, 2000) points generated with rng and test.
//
// An energy model generates on the same box.
func Score(ctx context.Context, m Model, data string, ref, test *tensor.Tensor, rng *rand.Rand) (Assessment, error) {
	a := Assessment{Test: test}
	if m.Config().Dim != 2 {
		return a, fmt.Errorf("model: scoring by quadrature needs a 2-D model, not %d-D: %w", m.Config().Dim, ErrInvalid)
	}
	box, err := eval.BoxFor(ref, 0.15)
	if err != nil {
		return a, fmt.Errorf("model: %w", err)
	}
	a.Box = box
	if e := m.Density(); e != nil {
		if a.LogZ, err = eval.LogZ(ctx, e, box, 400); err != nil {
			return a, fmt.Errorf("model: %w", err)
		}
		a.NLL = eval.NLL(e, test, a.LogZ)
	} else {
		nlp := make([]float64, test.Dim(0))
		if err := m.NegLogDensity(ctx, nlp, test.Data()); err != nil {
			return a, err
		}
		for _, v := range nlp {
			a.NLL += v / float64(len(nlp))
		}
	}
	if h, ok := Entropy(data); ok {
		gap := a.NLL - h
		a.NLLMinusH = &gap
	}
	a.GaussianNLL, _ = eval.GaussianNLL(ref, test)
	if em, ok := m.(*Energy); ok {
		inBox := *em
		inBox.Box = box
		m = &inBox
	}
	if a.Samples, err = m.Generate(ctx, min(test.Dim(0), 2000), rng); err != nil {
		return a, err
	}
	if a.MMD2, _, err = eval.MMD(ctx, a.Samples, test); err != nil {
		return a, fmt.Errorf("model: %w", err)
	}
	return a, nil
}
