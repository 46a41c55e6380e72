package loss

import (
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// EquilibriumMatching learns a time-invariant landscape whose gradient
// points from data towards noise (Wang and Du 2025; TorchEBM's
// EquilibriumMatchingLoss): along the interpolant (noise paired with data by Coupling), the network's field f(x_t)
// (passed t = 0 unless TimeConditioned) is regressed on −u_t·c(t), with
// c(t) = λ·min(1, (1 − t)/(1 − a)) fading the target to zero at the data
// (Scale names the other forms of c). The loss is the mean over all
// entries of the squared error. Generation descends the field:
// x ← x − η·f(x) from noise.
//
// With Prediction the network learns instead the noise or the score, as
// FlowMatching's does (the same targets; c(t) does not enter), optionally
// weighted by t (Weighting); with Dispersion a dispersive term (Wang and
// He 2025) spreads the network's outputs over the batch.
//
// With Explicit, the field is ∇ₓg of an energy g built from f (EqM-E; Form
// says which), so the model is an energy E = g whose descent generates, and
// whose value scores points.
//
// Source, when set, draws x₀ in place of N(0, I), for transport from any
// source to the data; generation then starts from the source too.
type EquilibriumMatching struct {
	// Interpolant is the path; nil means the straight one.
	Interpolant interpolant.Interpolant
	// Coupling pairs noise with data; nil means independent pairs.
	Coupling coupling.Coupling
	// Threshold a and Multiplier λ of c(t); 0 means 0.8 and 4. Scale
	// LinearScale ignores a.
	Threshold, Multiplier float64
	// Scale is the form of c(t): TruncatedScale (the zero value),
	// LinearScale or PiecewiseScale (with Start).
	Scale EqMScale
	// Start is PiecewiseScale's c(0)/λ, from which c moves linearly to λ
	// at t = a; 0 is a value (c rises from 0), 1 is TruncatedScale.
	Start float64
	// Prediction is what the network predicts: the zero value is the
	// gradient field f, regressed on −u_t·c(t); interpolant.Noise and
	// interpolant.Score are FlowMatching's targets (x₀, and σ(t)·f + x₀
	// regressed on 0), without c(t) and without Explicit.
	Prediction interpolant.Prediction
	// Weighting multiplies a noise or score prediction's squared error by
	// a weight of t (TorchEBM's loss_weight); it needs TrainEps > 0, the
	// weights being infinite at an end of the path.
	Weighting EqMWeighting
	// Dispersion is the weight w of the dispersive term added to the loss,
	// w·log mean_{i,j} exp(−‖h_i − h_j‖²/τ) over the batch's network
	// outputs h (Dispersive); 0 means none.
	Dispersion float64
	// DispersionTemp is τ; 0 means the outputs' dimension (TorchEBM's
	// scaling of the squared distances).
	DispersionTemp float64
	// Explicit matches ∇ₓg(x) instead of f(x), with g given by Form.
	Explicit bool
	// Form is the explicit model's energy g: DotEnergy (the zero value)
	// or L2Energy.
	Form EqMEnergy
	// Source draws the x₀ of each pair; nil means N(0, I).
	Source Noise
	// TrainEps keeps t in [ε, 1 − ε] (TorchEBM's train_eps); 0 means the
	// whole interval.
	TrainEps float64
	// TimeConditioned passes t to the network instead of 0.
	TimeConditioned bool
	// LabelDrop is, with labels (LossLabels), the probability that a row's
	// label is replaced by the network's null label (classifier-free
	// guidance); 0 means 0.1, negative means never.
	LabelDrop float64
}

// EqMEnergy is the energy g an explicit EqM model builds from its field f.
type EqMEnergy int

const (
	// DotEnergy is g(x) = x·f(x) (TorchEBM's energy_type "dot", and its
	// alias "mean").
	DotEnergy EqMEnergy = iota
	// L2Energy is g(x) = −½‖f(x)‖² (TorchEBM's "l2").
	L2Energy
)

// Energy returns g(x) of f(x, 0) for each row: the energy of an explicit
// EqM model.
func (e EquilibriumMatching) Energy(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor) *tensor.Tensor {
	return e.energy(tp, x, net.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1)))
}

// energy is g for each row of x, given the field f at x.
func (e EquilibriumMatching) energy(tp *tensor.Tape, x, f *tensor.Tensor) *tensor.Tensor {
	if e.Form == L2Energy {
		return tp.Scale(tp.SumAxis(tp.Mul(f, f), 1), -0.5)
	}
	return rowDot(tp, x, f)
}

// Loss returns the equilibrium-matching loss of net on the data x.
func (e EquilibriumMatching) Loss(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return e.loss(tp, net, x, nil, rng)
}

// LossLabels returns the equilibrium-matching loss of the label-conditional
// net (an nn.LabelTimeModule) on the data x with labels y, each dropped to
// the null label with probability LabelDrop.
func (e EquilibriumMatching) LossLabels(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
	return e.loss(tp, net, x, y, rng)
}

// loss is Loss without labels (y nil) and LossLabels with them.
func (e EquilibriumMatching) loss(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	ln, err := labelNet(net, x, y)
	if err != nil {
		return nil, err
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	tp = scoreTape(tp)
	n, d := x.Dim(0), x.Dim(1)
	xt, ut, ts, idx, w, err := samplePairs(e.Interpolant, e.Coupling, e.Source, x, timeDraw{eps: e.TrainEps}, rng)
	if err != nil {
		return nil, err
	}
	if err := noLabelsWithout(y, idx); err != nil {
		return nil, err
	}
	tm := tensor.Zeros(n, 1)
	if e.TimeConditioned {
		tm = tensor.New(ts, n, 1)
	}
	xl := tensor.New(xt, n, d)
	var f *tensor.Tensor
	if y != nil {
		f = ln.ForwardTY(tp, xl, tm, dropLabels(y, idx, ln.NullLabel(), e.LabelDrop, rng))
	} else {
		f = net.ForwardT(tp, xl, tm)
	}
	if f.Rank() != 2 || f.Dim(0) != n || f.Dim(1) != d {
		return nil, fmt.Errorf("loss: the network gives shape %v for %d points of dimension %d: %w", f.Shape(), n, d, ErrInvalid)
	}
	h := f
	var r *tensor.Tensor
	if e.Prediction == interpolant.Velocity {
		if e.Explicit {
			g := e.energy(tp, xl, f)
			f = tp.Grad([]*tensor.Tensor{g}, []*tensor.Tensor{xl}, tensor.GradOptions{CreateGraph: true})[0]
		}
		r = tp.Sub(f, tensor.New(e.target(ut, ts, d), n, d))
	} else if r, err = predictionResidual(tp, e.Interpolant, e.Prediction, f, xt, ut, ts, d); err != nil {
		return nil, err
	}
	ww, err := e.weights(ts)
	if err != nil {
		return nil, err
	}
	var l *tensor.Tensor
	if ww == nil && w == nil {
		l = tp.Mean(tp.Mul(r, r))
	} else {
		s := rowDot(tp, r, r)
		if ww != nil {
			s = tp.Mul(s, tensor.New(ww, n))
		}
		l = tp.Scale(rowMean(tp, s, w), 1/float64(d))
	}
	if e.Dispersion != 0 {
		l = tp.Add(l, tp.Scale(Dispersive(tp, h, e.DispersionTemp), e.Dispersion))
	}
	return l, nil
}

// target is the gradient target −u_t·c(t) of each row.
func (e EquilibriumMatching) target(ut, ts []float64, d int) []float64 {
	out := make([]float64, len(ut))
	for i, t := range ts {
		c := e.C(t)
		for j := i * d; j < (i+1)*d; j++ {
			out[j] = -ut[j] * c
		}
	}
	return out
}
