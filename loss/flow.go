package loss

import (
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// FlowMatching trains a velocity field v(x, t) to carry noise to data
// (Lipman et al. 2023; Liu et al. 2022; Tong et al. 2023): each data row x₁
// is paired with noise x₀ ~ N(0, I) by Coupling, a time t is drawn, and
// mean ‖v(x_t, t) − u_t‖² is minimised, x_t and u_t = dx_t/dt from the
// Interpolant. Integrating the learned v from t = 0 to 1 (flow.Generator) then
// generates data.
type FlowMatching struct {
	// Interpolant is the path; nil means the straight one.
	Interpolant interpolant.Interpolant
	// Coupling pairs noise with data; nil means independent pairs.
	Coupling coupling.Coupling
	// LogNormalTime draws t = sigmoid(z), z ~ N(0, 1), which weights the
	// middle of the path; otherwise t is uniform.
	LogNormalTime bool
	// LabelDrop is, with labels (LossLabels), the probability that a row's
	// label is replaced by the network's null label, so that one network
	// learns the conditional and the unconditional velocity
	// (classifier-free guidance; Ho and Salimans 2022); 0 means 0.1,
	// negative means never.
	LabelDrop float64
}

// Loss returns the flow-matching loss of the velocity net on the data x.
func (f FlowMatching) Loss(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	return f.loss(tp, net, x, nil, rng)
}

// LossLabels returns the flow-matching loss of the label-conditional
// velocity net (an nn.LabelTimeModule) on the data x with labels y, each
// dropped to the null label with probability LabelDrop.
func (f FlowMatching) LossLabels(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
	return f.loss(tp, net, x, y, rng)
}

// loss is Loss without labels (y nil) and LossLabels with them.
func (f FlowMatching) loss(tp *tensor.Tape, net nn.TimeModule, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	ln, err := labelNet(net, x, y)
	if err != nil {
		return nil, err
	}
	n, d := x.Dim(0), x.Dim(1)
	xt, ut, ts, idx, w, err := samplePairs(f.Interpolant, f.Coupling, nil, x, timeDraw{logNormal: f.LogNormalTime}, rng)
	if err != nil {
		return nil, err
	}
	if err := noLabelsWithout(y, idx); err != nil {
		return nil, err
	}
	var v *tensor.Tensor
	if y != nil {
		v = ln.ForwardTY(tp, tensor.New(xt, n, d), tensor.New(ts, n, 1), dropLabels(y, idx, ln.NullLabel(), f.LabelDrop, rng))
	} else {
		v = net.ForwardT(tp, tensor.New(xt, n, d), tensor.New(ts, n, 1))
	}
	if v.Rank() != 2 || v.Dim(0) != n || v.Dim(1) != d {
		return nil, fmt.Errorf("loss: the velocity net gives shape %v for %d points of dimension %d: %w", v.Shape(), n, d, ErrInvalid)
	}
	r := tp.Sub(v, tensor.New(ut, n, d))
	return rowMean(tp, rowDot(tp, r, r), w), nil
}
