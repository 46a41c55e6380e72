package loss

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// EquilibriumMatching learns a time-invariant landscape whose gradient
// points from data towards noise (Wang and Du 2025; TorchEBM's
// EquilibriumMatchingLoss): along the interpolant, the network's field f(x_t)
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
	// Threshold a and Multiplier λ of c(t); 0 means 0.8 and 4.
	Threshold, Multiplier float64
	// Explicit matches ∇ₓ(x·f(x)) instead of f(x).
	Explicit bool
	// TimeConditioned passes t to the network instead of 0.
	TimeConditioned bool
}

// Energy returns g(x) = x·f(x, 0) for each row: the energy of an explicit
// EqM model.
func (e EquilibriumMatching) Energy(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor) *tensor.Tensor {
	return rowDot(tp, x, net.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1)))
}

// Loss returns the equilibrium-matching loss of net (an nn.TimeModule) on
// the data x.
func (e EquilibriumMatching) Loss(tp *tensor.Tape, m nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	net, err := timeModule(m)
	if err != nil {
		return nil, err
	}
	a, lam := e.Threshold, e.Multiplier
	if a == 0 {
		a = 0.8
	}
	if lam == 0 {
		lam = 4
	}
	if !(a >= 0 && a < 1) || !(lam > 0) {
		return nil, fmt.Errorf("loss: EqM threshold %g must be in [0, 1), multiplier %g positive: %w", a, lam, ErrInvalid)
	}
	path := e.Interpolant
	if path == nil {
		path = interpolant.Linear{}
	}
	tp = scoreTape(tp)
	n, d := x.Dim(0), x.Dim(1)
	x0 := make([]float64, n*d)
	for i := range x0 {
		x0[i] = rng.NormFloat64()
	}
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = rng.Float64()
	}
	xt, ut := make([]float64, n*d), make([]float64, n*d)
	if err := interpolant.Interpolate(path, xt, ut, x0, x.Data(), ts, d); err != nil {
		return nil, fmt.Errorf("loss: %w", err)
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
	f := net.ForwardT(tp, xl, tm)
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
