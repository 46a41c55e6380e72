package loss

import (
	"cmp"
	"fmt"
	"math"

	"github.com/goebm/goebm/internal/lookup"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/tensor"
)

// EqMScale is the form of equilibrium matching's gradient magnitude c(t),
// which scales the target −u_t so that it fades to zero at the data (t = 1)
// and the data become the field's equilibria. Wang and Du (2025) compare
// these three; TorchEBM's compute_eqm_ct is the truncated one.
type EqMScale int

const (
	// TruncatedScale is c(t) = λ·min(1, (1 − t)/(1 − a)): constant λ up to
	// t = a, then linear to 0 at t = 1 (the default, the paper's best).
	TruncatedScale EqMScale = iota
	// LinearScale is c(t) = λ·(1 − t), TruncatedScale with a = 0.
	LinearScale
	// PiecewiseScale is c(t) = λ·(b + (1 − b)·t/a) for t ≤ a and
	// λ·(1 − t)/(1 − a) after, b = Start: linear from λb to λ over [0, a],
	// then down to 0. With b = 1 it is TruncatedScale. TorchEBM writes the
	// two pieces as a minimum, which agrees for b ≤ 1/(1 − a).
	PiecewiseScale
)

var eqmScaleNames = []struct {
	name, doc string
	s         EqMScale
}{
	{"truncated", "c(t) = λ·min(1, (1 − t)/(1 − a)) (default)", TruncatedScale},
	{"linear", "c(t) = λ·(1 − t)", LinearScale},
	{"piecewise", "c(t) linear from λ·b at t = 0 to λ at t = a, then to 0 at t = 1", PiecewiseScale},
}

// String names the scale as EqMScaleByName reads it.
func (s EqMScale) String() string {
	for _, n := range eqmScaleNames {
		if n.s == s {
			return n.name
		}
	}
	return fmt.Sprintf("EqMScale(%d)", int(s))
}

// EqMScaleNames returns the names of the c(t) forms with a line on each,
// for a command's help.
func EqMScaleNames() [][2]string {
	var out [][2]string
	for _, n := range eqmScaleNames {
		out = append(out, [2]string{n.name, n.doc})
	}
	return out
}

// EqMScaleByName returns the c(t) form of a name ("truncated", "linear",
// "piecewise"; empty is truncated), or an error wrapping ErrInvalid that
// lists them.
func EqMScaleByName(name string) (EqMScale, error) {
	if name == "" {
		return TruncatedScale, nil
	}
	return lookup.Find(eqmScaleTable(), name, "loss: unknown EqM scale c(t)", ErrInvalid)
}

func eqmScaleTable() []lookup.Entry[EqMScale] {
	var t []lookup.Entry[EqMScale]
	for _, n := range eqmScaleNames {
		t = append(t, lookup.Entry[EqMScale]{Name: n.name, Doc: n.doc, Value: n.s})
	}
	return t
}

// EqMWeighting is a weight of t on a noise or score prediction's squared
// error (TorchEBM's loss_weight), in terms of the path's σ(t) and the
// score's coefficient b(t) in the probability-flow ODE (interpolant.Drift).
type EqMWeighting int

const (
	// NoWeighting weights every t alike.
	NoWeighting EqMWeighting = iota
	// VelocityWeighting is (b/σ)², which makes a noise error the error of
	// the velocity it implies.
	VelocityWeighting
	// LikelihoodWeighting is b/σ².
	LikelihoodWeighting
)

// String names the weighting.
func (w EqMWeighting) String() string {
	switch w {
	case NoWeighting:
		return "none"
	case VelocityWeighting:
		return "velocity"
	case LikelihoodWeighting:
		return "likelihood"
	}
	return fmt.Sprintf("EqMWeighting(%d)", int(w))
}

// C returns c(t), the gradient magnitude of the target at time t, with the
// defaults filled in.
func (e EquilibriumMatching) C(t float64) float64 {
	a, lam := e.threshold(), e.Lambda()
	switch e.Scale {
	case LinearScale:
		return lam * (1 - t)
	case PiecewiseScale:
		if t <= a {
			return lam * (e.Start + (1-e.Start)*t/a)
		}
		return lam * (1 - t) / (1 - a)
	}
	return lam * math.Min(1, (1-t)/(1-a))
}

// threshold is a, 0.8 when Threshold is 0.
func (e EquilibriumMatching) threshold() float64 { return cmp.Or(e.Threshold, 0.8) }

// Check returns the error Loss gives for settings it cannot use (nil when
// it can), so that a caller can refuse them before training.
func (e EquilibriumMatching) Check() error { return e.check() }

// check refuses settings the loss cannot use.
func (e EquilibriumMatching) check() error {
	a, lam := e.threshold(), e.Lambda()
	if !(a >= 0 && a < 1) || !(lam > 0) || math.IsInf(lam, 0) || !(e.TrainEps >= 0 && e.TrainEps < 0.5) || (e.Form != DotEnergy && e.Form != L2Energy) {
		return fmt.Errorf("loss: EqM threshold %g must be in [0, 1), multiplier %g positive, train eps %g in [0, ½), energy form %d dot or l2: %w",
			a, lam, e.TrainEps, e.Form, ErrInvalid)
	}
	switch e.Scale {
	case TruncatedScale, LinearScale:
	case PiecewiseScale:
		if !(a > 0) || !(e.Start >= 0) || math.IsInf(e.Start, 0) {
			return fmt.Errorf("loss: EqM's piecewise c(t) needs a threshold in (0, 1), not %g, and a finite start b ≥ 0, not %g: %w", a, e.Start, ErrInvalid)
		}
	default:
		return fmt.Errorf("loss: EqM scale %v: %w", e.Scale, ErrInvalid)
	}
	switch e.Prediction {
	case interpolant.Velocity:
		if e.Weighting != NoWeighting {
			return fmt.Errorf("loss: EqM's %v weighting is of a noise or score prediction, not of the gradient field: %w", e.Weighting, ErrInvalid)
		}
	case interpolant.Noise, interpolant.Score:
		if e.Explicit {
			return fmt.Errorf("loss: an explicit EqM energy matches the gradient field, not the %v: %w", e.Prediction, ErrInvalid)
		}
	default:
		return fmt.Errorf("loss: EqM predicts the gradient field, the score or the noise, not %v: %w", e.Prediction, ErrInvalid)
	}
	switch e.Weighting {
	case NoWeighting:
	case VelocityWeighting, LikelihoodWeighting:
		if e.TrainEps == 0 {
			return fmt.Errorf("loss: EqM's %v weighting needs TrainEps > 0: it is infinite at an end of the path: %w", e.Weighting, ErrInvalid)
		}
	default:
		return fmt.Errorf("loss: EqM weighting %v: %w", e.Weighting, ErrInvalid)
	}
	if !(e.Dispersion >= 0) || math.IsInf(e.Dispersion, 0) || !(e.DispersionTemp >= 0) || math.IsInf(e.DispersionTemp, 0) {
		return fmt.Errorf("loss: EqM dispersion weight %g and temperature %g must be finite and non-negative: %w", e.Dispersion, e.DispersionTemp, ErrInvalid)
	}
	return nil
}

// weights returns the Weighting's weight of each time, nil for
// NoWeighting.
func (e EquilibriumMatching) weights(ts []float64) ([]float64, error) {
	if e.Weighting == NoWeighting {
		return nil, nil
	}
	path := e.Interpolant
	if path == nil {
		path = interpolant.Linear{}
	}
	out := make([]float64, len(ts))
	for i, t := range ts {
		_, b := interpolant.Drift(path, t)
		_, sigma, _, _ := path.Coefficients(t)
		if e.Weighting == VelocityWeighting {
			out[i] = (b / sigma) * (b / sigma)
		} else {
			out[i] = b / (sigma * sigma)
		}
		if math.IsNaN(out[i]) || math.IsInf(out[i], 0) || out[i] < 0 {
			return nil, fmt.Errorf("loss: EqM's %v weight at t = %g is %g: %w", e.Weighting, t, out[i], ErrInvalid)
		}
	}
	return out, nil
}

// Dispersive returns the dispersive loss of the rows h ([n, k]) of a batch
// (Wang and He 2025, "Diffuse and Disperse", its InfoNCE-L2 form, as
// TorchEBM's dispersive_loss): log (1/n²)·Σ_{i,j} exp(−‖h_i − h_j‖²/τ),
// over all pairs, i = j included; τ = 0 means k. It is at most 0 (all
// rows equal) and falls as the rows spread, so adding it with a positive
// weight pushes a batch's representations apart.
func Dispersive(tp *tensor.Tape, h *tensor.Tensor, tau float64) *tensor.Tensor {
	n, k := h.Dim(0), h.Dim(1)
	if tau == 0 {
		tau = float64(k)
	}
	sq := tp.SumAxis(tp.Mul(h, h), 1)
	gram := tp.MatMulT(h, h, false, true)
	dist := tp.Sub(tp.Add(tp.Reshape(sq, n, 1), tp.Reshape(sq, 1, n)), tp.Scale(gram, 2))
	lse := tp.LogSumExp(tp.Reshape(tp.Scale(dist, -1/tau), n*n), 0)
	return tp.AddScalar(lse, -2*math.Log(float64(n)))
}
