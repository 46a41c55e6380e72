package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// EnergyDiscrepancy is the energy discrepancy of Schröder et al. (NeurIPS
// 2023, "Energy Discrepancies: a score-independent loss for energy-based
// models"): a loss that needs neither the score nor MCMC. Each data point x
// is perturbed by the Gaussian q(y | x) = N(x, tI), and M negatives are
// drawn around the perturbed point, x′ⱼ = y + √t·ξⱼ with ξⱼ ~ N(0, I); the
// loss is the mean over the batch of
//
//	log( w/M + (1/M)·Σⱼ exp(E(x) − E(x′ⱼ)) ),
//
// the stabilised estimator of the paper (its L_{t,M,w}). The authors'
// code computes log(w + Σⱼ exp(E(x) − E(x′ⱼ))), which is log M more: the
// same gradient.
//
// With w = 1, the default, the term is −log of the probability that a
// softmax over the energies picks x out of {x, x′₁, …, x′_M}: given y, x
// is a draw of p(x | y) ∝ p(x)q(y | x) and the x′ⱼ of q(· | y), so the loss
// is a conditional noise-contrastive one whose minimiser over all energies
// is −log p plus a constant, whatever M. For Gaussian data and a quadratic
// energy it recovers the mean and the precision (a test checks this). With
// w = 0 the loss falls without bound as the energy steepens about the data
// (for M = 1 it is E(x) − E(x′)); w > 0 bounds it below by log(w/M). With
// w ≠ 1 its minimiser at finite M is biased, the bias vanishing as M grows
// (w/M → 0 and the mean over negatives converges).
//
// Draws: for each row i in turn, ξ (d values) and then ξ₁ … ξ_M from rng.
type EnergyDiscrepancy struct {
	// T is the variance t of the perturbation (the authors' t_noise is its
	// square root); 0 means 1, the paper's 2-D setting.
	T float64
	// M is the number of negatives per data point; 0 means 4.
	M int
	// W is the stabiliser w; 0 means 1, and negative none (w = 0).
	W float64
}

// Settings returns t, M and w with the defaults filled in, or an error for
// invalid ones.
func (l EnergyDiscrepancy) Settings() (t float64, m int, w float64, err error) {
	t, m, w = cmp.Or(l.T, 1), cmp.Or(l.M, 4), defaultOrOff(l.W, 1)
	if !(t > 0) || math.IsInf(t, 0) || m < 1 || math.IsNaN(w) || math.IsInf(w, 0) {
		return t, m, w, fmt.Errorf("loss: energy discrepancy with t %g, M %d, w %g: want t > 0, M ≥ 1 and a finite w: %w", t, m, w, ErrInvalid)
	}
	return t, m, w, nil
}

// Loss returns the energy discrepancy of net on x.
func (l EnergyDiscrepancy) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	t, m, w, err := l.Settings()
	if err != nil {
		return nil, err
	}
	n, d := x.Dim(0), x.Dim(1)
	neg := tensor.Zeros(n*m, d)
	s := math.Sqrt(t)
	y := make([]float64, d)
	for i := range n {
		row := x.Data()[i*d : (i+1)*d]
		for k := range d {
			y[k] = row[k] + s*rng.NormFloat64()
		}
		for j := range m {
			dst := neg.Data()[(i*m+j)*d : (i*m+j+1)*d]
			for k := range d {
				dst[k] = y[k] + s*rng.NormFloat64()
			}
		}
	}
	ePos, err := energies(tp, net, x)
	if err != nil {
		return nil, err
	}
	eNeg, err := energies(tp, net, neg)
	if err != nil {
		return nil, err
	}
	diff := tp.Sub(tp.Reshape(ePos, n, 1), tp.Reshape(eNeg, n, m)) // E(x) − E(x′ⱼ), [n, M]
	if w > 0 {
		diff = tp.Concat(1, diff, tensor.Full(math.Log(w), n, 1))
	}
	return tp.AddScalar(tp.Mean(tp.LogSumExp(diff, 1)), -math.Log(float64(m))), nil
}
