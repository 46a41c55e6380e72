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
//
// With Prediction the network learns instead the noise, mean ‖f − x₀‖²
// (whose minimiser is E[x₀ | x_t]), or the score, mean ‖σ(t)·f + x₀‖² (σ²
// times the distance to the conditional score −x₀/σ, which keeps the loss
// finite as σ → 0, as TorchEBM's does); flow.Generator converts either to
// the velocity on the same Interpolant.
type FlowMatching struct {
	// Interpolant is the path; nil means the straight one.
	Interpolant interpolant.Interpolant
	// Coupling pairs noise with data; nil means independent pairs.
	Coupling coupling.Coupling
	// LogNormalTime draws t = sigmoid(z), z ~ N(0, 1), which weights the
	// middle of the path; otherwise t is uniform.
	LogNormalTime bool
	// Prediction is what the network predicts: the zero value is the
	// velocity; interpolant.Score and interpolant.Noise are the others
	// (interpolant.Data is refused).
	Prediction interpolant.Prediction
	// LabelDrop is, with labels (LossLabels), the probability that a row's
	// label is replaced by the network's null label, so that one network
	// learns the conditional and the unconditional velocity
	// (classifier-free guidance; Ho and Salimans 2022); 0 means 0.1,
	// negative means never.
	LabelDrop float64
	// Latent, when set, adds latent noise γ(t)z to the path (a stochastic
	// interpolant; interpolant.Latent): x_t gains γz and the velocity
	// target γ′z, and t is drawn on [interpolant.LatentEps,
	// 1 − interpolant.LatentEps], away from γ′'s singular ends. nil is
	// none; a Latent of Scale 0 is none too, asked for explicitly. Only
	// the velocity is learnt with it. Generation converts the velocity on
	// interpolant.Marginal (Generator's Interpolant; see Path).
	Latent *interpolant.Latent
}

// Path returns the interpolant whose marginals the trained field's
// generation follows: Interpolant (nil: the straight one), or with Latent
// set interpolant.Marginal of it, on which the velocity converts to the
// score for the SDE.
func (f FlowMatching) Path() interpolant.Interpolant {
	if f.Latent == nil {
		return f.Interpolant
	}
	return interpolant.Marginal{Base: f.Interpolant, Latent: *f.Latent}
}

// draw samples the pairs, times, points and velocity targets of the loss,
// and with Latent the latent noise z (nil without): the noise, the
// pairing, the times, then z from rng.
func (f FlowMatching) draw(x *tensor.Tensor, rng *rand.Rand) (xt, ut, ts, z []float64, idx []int, w []float64, err error) {
	td := timeDraw{logNormal: f.LogNormalTime}
	if f.Latent != nil {
		if err := f.Latent.Check(); err != nil {
			return nil, nil, nil, nil, nil, nil, fmt.Errorf("loss: %w", err)
		}
		td.eps = interpolant.LatentEps
	}
	xt, ut, ts, idx, w, err = samplePairs(f.Interpolant, f.Coupling, nil, x, td, rng)
	if err != nil || f.Latent == nil {
		return xt, ut, ts, nil, idx, w, err
	}
	z = gaussianRows(rng, len(ts), x.Dim(1))
	if err := interpolant.AddLatent(*f.Latent, xt, ut, z, ts, x.Dim(1)); err != nil {
		return nil, nil, nil, nil, nil, nil, fmt.Errorf("loss: %w", err)
	}
	return xt, ut, ts, z, idx, w, nil
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
	switch f.Prediction {
	case interpolant.Velocity, interpolant.Score, interpolant.Noise:
	default:
		return nil, fmt.Errorf("loss: flow matching predicts the velocity, the score or the noise, not %v: %w", f.Prediction, ErrInvalid)
	}
	if f.Latent != nil && f.Prediction != interpolant.Velocity {
		return nil, fmt.Errorf("loss: flow matching with latent noise learns the velocity, not the %v: %w", f.Prediction, ErrInvalid)
	}
	n, d := x.Dim(0), x.Dim(1)
	xt, ut, ts, _, idx, w, err := f.draw(x, rng)
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
		return nil, fmt.Errorf("loss: the flow net gives shape %v for %d points of dimension %d: %w", v.Shape(), n, d, ErrInvalid)
	}
	r, err := f.residual(tp, v, xt, ut, ts, d)
	if err != nil {
		return nil, err
	}
	return rowMean(tp, rowDot(tp, r, r), w), nil
}

// residual returns the network's output v less its target for the
// Prediction on the Interpolant (predictionResidual).
func (f FlowMatching) residual(tp *tensor.Tape, v *tensor.Tensor, xt, ut, ts []float64, d int) (*tensor.Tensor, error) {
	return predictionResidual(tp, f.Interpolant, f.Prediction, v, xt, ut, ts, d)
}

// predictionResidual returns a network's output v less its target when it
// predicts pred along path (nil: the straight one), the loss's one
// definition of the targets that flow matching and equilibrium matching
// share: u_t for the velocity; for the noise and the score, the noise x₀,
// which is the conditional velocity u_t converted to the noise
// (interpolant.Convert, exact for a single pair), less v, or σ(t)·v + x₀.
func predictionResidual(tp *tensor.Tape, path interpolant.Interpolant, pred interpolant.Prediction, v *tensor.Tensor, xt, ut, ts []float64, d int) (*tensor.Tensor, error) {
	n := len(ts)
	if pred == interpolant.Velocity {
		return tp.Sub(v, tensor.New(ut, n, d)), nil
	}
	if path == nil {
		path = interpolant.Linear{}
	}
	x0 := make([]float64, n*d)
	if err := interpolant.Convert(path, interpolant.Velocity, interpolant.Noise, x0, ut, xt, ts, d); err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	if pred == interpolant.Noise {
		return tp.Sub(v, tensor.New(x0, n, d)), nil
	}
	sigma := make([]float64, n)
	for i, t := range ts {
		_, sigma[i], _, _ = path.Coefficients(t)
	}
	return tp.Add(tp.Mul(v, tensor.New(sigma, n, 1)), tensor.New(x0, n, d)), nil
}
