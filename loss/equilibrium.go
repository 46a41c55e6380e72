package loss

import (
	"cmp"
	"fmt"
	"math"
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
// c(t) = λ·min(1, (1 − t)/(1 − a)) fading the target to zero at the data.
// The loss is the mean over all entries of the squared error. Generation
// descends the field: x ← x − η·f(x) from noise.
//
// With Explicit, the field is ∇ₓg of the energy g(x) = x·f(x) (EqM-E), so the
// model is an energy E = g whose descent generates, and whose value scores
// points.
type EquilibriumMatching struct {
	// Interpolant is the path; nil means the straight one.
	Interpolant interpolant.Interpolant
	// Coupling pairs noise with data; nil means independent pairs.
	Coupling coupling.Coupling
	// Threshold a and Multiplier λ of c(t); 0 means 0.8 and 4.
	Threshold, Multiplier float64
	// Explicit matches ∇ₓ(x·f(x)) instead of f(x).
	Explicit bool
	// TimeConditioned passes t to the network instead of 0.
	TimeConditioned bool
	// LabelDrop is, with labels (LossLabels), the probability that a row's
	// label is replaced by the network's null label (classifier-free
	// guidance); 0 means 0.1, negative means never.
	LabelDrop float64
}

// Energy returns g(x) = x·f(x, 0) for each row: the energy of an explicit
// EqM model.
func (e EquilibriumMatching) Energy(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor) *tensor.Tensor {
	return rowDot(tp, x, net.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1)))
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
	a, lam := cmp.Or(e.Threshold, 0.8), cmp.Or(e.Multiplier, 4)
	if !(a >= 0 && a < 1) || !(lam > 0) {
		return nil, fmt.Errorf("loss: EqM threshold %g must be in [0, 1), multiplier %g positive: %w", a, lam, ErrInvalid)
	}
	tp = scoreTape(tp)
	n, d := x.Dim(0), x.Dim(1)
	xt, ut, ts, idx, err := samplePairs(e.Interpolant, e.Coupling, x, false, rng)
	if err != nil {
		return nil, err
	}
	target := tensor.Zeros(n, d)
	for i, t := range ts {
		c := lam * math.Min(1, (1-t)/(1-a))
		for j := i * d; j < (i+1)*d; j++ {
			target.Data()[j] = -ut[j] * c
		}
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
	if e.Explicit {
		g := rowDot(tp, xl, f)
		f = tp.Grad([]*tensor.Tensor{g}, []*tensor.Tensor{xl}, tensor.GradOptions{CreateGraph: true})[0]
	}
	r := tp.Sub(f, target)
	return tp.Mean(tp.Mul(r, r)), nil
}
