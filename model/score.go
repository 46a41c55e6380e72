package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/dataset"
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

// Scores is how well a model fits a dataset.
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
	// LogZ is the quadrature's or AIS's log Z (0 for the flow kinds, which
	// are normalised).
	LogZ float64 `json:"log_z"`
	// Beyond 2-D: the NLL and GaussianNLL in bits per dimension, after
	// adding Dequantisation, D·log(L/2) nats for an image set of L pixel
	// levels scaled to [−1, 1] (0 for other data): bits per dimension of the
	// pixels themselves (dataset.Images.LogBinWidth).
	BitsPerDim         float64 `json:"bits_per_dim,omitempty"`
	GaussianBitsPerDim float64 `json:"gaussian_bits_per_dim,omitempty"`
	Dequantisation     float64 `json:"dequantisation_nats,omitempty"`
	// AIS is the checked AIS estimate of log Z behind the NLL of a model
	// with a Density beyond 2-D (nil otherwise): trust the NLL only when
	// AIS.Converged.
	AIS *eval.LogZEstimate `json:"ais,omitempty"`
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

// Score scores m with the default Scoring.
func Score(ctx context.Context, m Model, data string, ref, test *tensor.Tensor, rng *rand.Rand) (Assessment, error) {
	return Scoring{}.Score(ctx, m, data, ref, test, rng)
}

// Scoring holds the settings of scoring beyond 2-D. The zero value means
// the defaults.
type Scoring struct {
	// AIS estimates log Z beyond 2-D; its zero value means eval's
	// defaults. Score starts its chains at the test points, or at the
	// reference points when there are no more test points than
	// dimensions.
	AIS eval.AISCheck
}

// Score scores a model m on test points of the dataset named data, using
// ref (points of the same distribution, such as the training data):
//
//   - NLL: for the kinds with a Density, log Z by quadrature on a 400×400
//     grid over ref's box with a 15% margin in 2-D, by s.AIS beyond (see
//     Scores.AIS for whether it converged); for the flow kinds the exact
//     change of variables (log Z = 0);
//   - the NLL of a Gaussian fitted to ref, and beyond 2-D both in bits per
//     dimension;
//   - the MMD² between min(n, 2000) points generated with rng and test.
//
// A 2-D energy model generates on the same box.
func (s Scoring) Score(ctx context.Context, m Model, data string, ref, test *tensor.Tensor, rng *rand.Rand) (Assessment, error) {
	a := Assessment{Test: test}
	d := m.Config().Dim
	var err error
	if d == 2 {
		if a.Box, err = eval.BoxFor(ref, 0.15); err != nil {
			return a, fmt.Errorf("model: %w", err)
		}
		if em, ok := m.(*Energy); ok {
			inBox := *em
			inBox.Box = a.Box
			m = &inBox
		}
	}
	switch e := m.Density(); {
	case e != nil && d == 2:
		if a.LogZ, err = eval.LogZ(ctx, e, a.Box, 400); err != nil {
			return a, fmt.Errorf("model: %w", err)
		}
		a.NLL = eval.NLL(e, test, a.LogZ)
	case e != nil:
		start := test // the base is fitted to them: they need to span R^d
		if test.Dim(0) <= d {
			start = ref
		}
		est, err := s.AIS.Run(ctx, e, d, start)
		if err != nil {
			return a, fmt.Errorf("model: %w", err)
		}
		a.AIS, a.LogZ = &est, est.LogZ
		a.NLL = eval.NLL(e, test, a.LogZ)
	default:
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
	if d == 2 {
		a.GaussianNLL, _ = eval.GaussianNLL(ref, test)
	} else {
		if a.GaussianNLL, err = eval.GaussianNLL(ref, test); err != nil {
			return a, fmt.Errorf("model: %w", err)
		}
		if im, err := dataset.ImagesByName(data); err == nil {
			a.Dequantisation = -float64(d) * im.LogBinWidth()
		}
		bits := func(nll float64) float64 { return (nll + a.Dequantisation) / (float64(d) * math.Ln2) }
		a.BitsPerDim, a.GaussianBitsPerDim = bits(a.NLL), bits(a.GaussianNLL)
	}
	if a.Samples, err = m.Generate(ctx, min(test.Dim(0), 2000), rng); err != nil {
		return a, err
	}
	if a.MMD2, _, err = eval.MMD(ctx, a.Samples, test); err != nil {
		return a, fmt.Errorf("model: %w", err)
	}
	return a, nil
}
