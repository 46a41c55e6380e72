package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/internal/normal"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// DenoisingScoreMatching fits the model's score to that of the data blurred
// by Gaussian noise: with x̃ = x + σε, ε ~ N(0, I), it minimises
// E[½‖∇ₓE(x̃) − (x̃ − x)/σ²‖²], whose optimum is −∇ₓE = ∇ log(p ∗ N(0, σ²I)).
// (TorchEBM matches +∇E instead, which learns E ≈ +log p.)
//
// With NumScales > 1, each point draws its σ from NumScales values spaced
// geometrically from SigmaMin to SigmaMax, and its term is weighted by σ²
// (Song and Ermon 2019): ½‖σ∇ₓE(x̃) − ε‖².
type DenoisingScoreMatching struct {
	// Sigma is the single noise scale; 0 means 0.01 (TorchEBM's default).
	Sigma float64
	// SigmaSchedule, when set, gives the single σ at each training step
	// instead (see Scheduled; TorchEBM's schedulable noise_scale); Sigma
	// must then be 0, and NumScales at most 1.
	SigmaSchedule schedule.Schedule
	// NumScales > 1 uses a ladder of scales from SigmaMin to SigmaMax.
	NumScales          int
	SigmaMin, SigmaMax float64
	// Penalty λ adds λ·mean ‖∇ₓE(x)‖² at the clean data, as
	// ScoreMatching's does (one more backward pass when set), and
	// PenaltySchedule schedules it.
	Penalty         float64
	PenaltySchedule schedule.Schedule
}

// Start returns the loss of a fresh run, which reads the schedules at the
// step SetStep gives it, and its state: none to save.
func (s DenoisingScoreMatching) Start() (EnergyLoss, State) {
	r := &stepRun{at: s.lossAt}
	return r, r
}

// Loss returns the denoising score-matching loss of net on x, with the
// settings of step 0.
func (s DenoisingScoreMatching) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return s.lossAt(0, tp, net, x, rng)
}

func (s DenoisingScoreMatching) lossAt(step int, tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	tp, err := scoreInput(tp, x)
	if err != nil {
		return nil, err
	}
	lambda, err := penaltyAt(s.Penalty, s.PenaltySchedule, step)
	if err != nil {
		return nil, err
	}
	n := x.Dim(0)
	sig := tensor.Zeros(n, 1) // each point's σ
	switch {
	case s.SigmaSchedule != nil && (s.Sigma != 0 || s.NumScales > 1):
		return nil, fmt.Errorf("loss: a σ schedule with σ %g and %d scales: want neither: %w", s.Sigma, s.NumScales, ErrInvalid)
	case s.NumScales > 1:
		lo, hi := s.SigmaMin, s.SigmaMax
		if !(lo > 0) || !(hi > lo) {
			return nil, fmt.Errorf("loss: noise ladder from %g to %g; want 0 < min < max: %w", lo, hi, ErrInvalid)
		}
		for i := range n {
			k := rng.IntN(s.NumScales)
			sig.Data()[i] = lo * math.Pow(hi/lo, float64(k)/float64(s.NumScales-1))
		}
	default:
		sigma := cmp.Or(s.Sigma, 0.01)
		if s.SigmaSchedule != nil {
			sigma = s.SigmaSchedule.At(step)
		}
		if !(sigma > 0) || math.IsInf(sigma, 0) {
			return nil, fmt.Errorf("loss: noise scale %g at step %d must be positive: %w", sigma, step, ErrInvalid)
		}
		for i := range n {
			sig.Data()[i] = sigma
		}
	}
	eps, noisy := perturb(tp, rng, x, sig)
	_, g, _, err := score(tp, net, noisy)
	if err != nil {
		return nil, err
	}
	// ½‖σ∇E(x̃) − ε‖² is σ²·½‖∇E(x̃) − ε/σ‖²: the σ²-weighted term; with one σ
	// it is divided by σ² again, leaving the unweighted objective.
	r := tp.Sub(tp.Mul(g, sig), eps)
	l := tp.Scale(tp.Mean(rowDot(tp, r, r)), 0.5)
	if s.NumScales <= 1 {
		l = tp.Scale(l, 1/(sig.Data()[0]*sig.Data()[0]))
	}
	if lambda > 0 {
		_, g0, _, err := score(tp, net, x)
		if err != nil {
			return nil, err
		}
		l = withPenalty(tp, l, g0, lambda)
	}
	return l, nil
}

// perturb returns noise ε ~ N(0, I) of x's shape and x + σε, row i scaled
// by sig[i]: the noisy points of the denoising losses, ε drawn in bulk
// from a normal stream seeded by rng (NormFloat64 one at a time was a
// seventh of a DSM step on a 1024×128 batch).
func perturb(tp *tensor.Tape, rng *rand.Rand, x, sig *tensor.Tensor) (eps, noisy *tensor.Tensor) {
	n, d := x.Dim(0), x.Dim(1)
	eps, noisy = tp.Zeros(n, d), tp.Zeros(n, d)
	e, y, s, xs := eps.Data(), noisy.Data(), sig.Data(), x.Data()
	normal.New(rng).Fill(e)
	for i := range n {
		for j, v := range e[i*d : (i+1)*d] {
			y[i*d+j] = xs[i*d+j] + s[i]*v
		}
	}
	return eps, noisy
}
