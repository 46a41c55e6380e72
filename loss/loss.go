package loss

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Loss is a training objective for a network of type N.
type Loss[N nn.Module] interface {
	// Loss returns the scalar loss of net on the batch x ([n, d]), recorded
	// on tp so that its parameter gradients can be taken.
	Loss(tp *tensor.Tape, net N, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error)
}

// EnergyLoss trains an energy network: an nn.Module mapping [n, d] to
// [n, 1] energies.
type EnergyLoss = Loss[nn.Module]

// TimeLoss trains a time-conditioned network, an nn.TimeModule such as
// nn.TimeMLP: a velocity or a field v(x, t).
type TimeLoss = Loss[nn.TimeModule]

// LabelLoss is a training objective that learns from labels as well: a
// classifier's cross-entropy, JEM, a label-conditional flow. A trainer
// given labels calls LossLabels with the batch's labels, one per row.
type LabelLoss[N nn.Module] interface {
	LossLabels(tp *tensor.Tape, net N, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error)
}

// EnergyLabelLoss is a LabelLoss of an energy (or classifier) network.
type EnergyLabelLoss = LabelLoss[nn.Module]

// TimeLabelLoss is a LabelLoss of a time-conditioned network.
type TimeLabelLoss = LabelLoss[nn.TimeModule]

// ErrNeedsLabels is wrapped by the error of a loss that learns from labels
// when it is given none.
var ErrNeedsLabels = errors.New("the loss learns from labels: train with labels")

// State is what a loss carries from one training step to the next: a replay
// buffer, a learned log-normaliser, a step counter. A trainer optimises its
// Params with the network's and saves the rest in its checkpoints, whatever
// the loss.
type State interface {
	// Params returns the tensors learned with the network's parameters
	// (NCE's log Z); nil when there are none.
	Params() []nn.Param
	// Save returns the rest of the state as named tensors, to be written
	// to a checkpoint; they may share memory with the state.
	Save() []nn.Param
	// Restore takes tensors written by Save, after checking that they fit
	// these settings; on error it changes nothing.
	Restore(saved []nn.Param) error
}

// Stateful is a loss whose training carries State. Its settings stay
// untouched: Start returns the loss of a fresh run and that run's state, so
// one settings value can start any number of runs. Calling Loss on the
// settings themselves evaluates the first step of a fresh run.
type Stateful[N nn.Module] interface {
	Loss[N]
	Start() (Loss[N], State)
}

// firstStep returns the loss of the first step of a fresh run: what Loss on
// the settings of a Stateful loss gives.
func firstStep(start func() (EnergyLoss, State), tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	l, _ := start()
	return l.Loss(tp, net, x, rng)
}

// ErrInvalid is wrapped by errors about invalid settings or inputs.
var ErrInvalid = errors.New("invalid loss input")

// energies returns E(x) as [n] for the batch x, or an error when the network
// does not give one value per point.
func energies(tp *tensor.Tape, net nn.Module, x *tensor.Tensor) (e *tensor.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("loss: the network does not take this batch of shape %v: %v: %w", x.Shape(), r, ErrInvalid)
		}
	}()
	out := net.Forward(tp, x)
	if out.Len() != x.Dim(0) {
		return nil, fmt.Errorf("loss: the network gives shape %v for %d points; want one energy per point: %w", out.Shape(), x.Dim(0), ErrInvalid)
	}
	return tp.Reshape(out, x.Dim(0)), nil
}

// scoreTape returns tp, or a private tape when tp is nil: losses built on the
// score need a tape to take ∇ₓE even when the caller wants only the value.
func scoreTape(tp *tensor.Tape) *tensor.Tape {
	if tp == nil {
		return tensor.NewTape()
	}
	return tp
}

// scoreInput checks a data batch for a loss built on the score and returns
// the tape scoreTape gives.
func scoreInput(tp *tensor.Tape, x *tensor.Tensor) (*tensor.Tape, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	return scoreTape(tp), nil
}

// checkBatch validates a data batch.
func checkBatch(x *tensor.Tensor) error {
	if x.Rank() != 2 || x.Dim(0) == 0 || x.Dim(1) == 0 {
		return fmt.Errorf("loss: batch of shape %v; want [n, d] with n, d > 0: %w", x.Shape(), ErrInvalid)
	}
	return nil
}

// score returns E(x) ([n]) and ∇ₓE ([n, d]) for a leaf copy of x, recorded so
// that both can be differentiated again.
func score(tp *tensor.Tape, net nn.Module, x *tensor.Tensor) (e, g, xl *tensor.Tensor, err error) {
	xl = x.Detach()
	e, err = energies(tp, net, xl)
	if err != nil {
		return nil, nil, nil, err
	}
	g = tp.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{xl}, tensor.GradOptions{CreateGraph: true})[0]
	return e, g, xl, nil
}

// Probe says how score-matching probes v are drawn.
type Probe int

const (
	// Rademacher probes have independent ±1 entries: the lowest variance
	// for Hutchinson's estimator.
	Rademacher Probe = iota
	// Gaussian probes have independent N(0, 1) entries.
	Gaussian
	// Sphere probes are uniform on the sphere of radius √d (a Gaussian
	// draw scaled to that norm, as TorchEBM's "sphere"): E[vvᵀ] = I, as
	// for the others, so the estimators stay unbiased.
	Sphere
)

// probe draws n probes of dimension d, stored on the tape (tp.Zeros).
func probe(tp *tensor.Tape, rng *rand.Rand, kind Probe, n, d int) *tensor.Tensor {
	v := tp.Zeros(n, d)
	if kind == Sphere {
		for i := range n {
			row := v.Data()[i*d : (i+1)*d]
			for {
				s := 0.0
				for j := range row {
					row[j] = rng.NormFloat64()
					s += row[j] * row[j]
				}
				if s > 0 {
					floats.Scale(math.Sqrt(float64(d)/s), row)
					break
				}
			}
		}
		return v
	}
	for i := range v.Data() {
		if kind == Gaussian {
			v.Data()[i] = rng.NormFloat64()
		} else if rng.Uint64()&1 == 0 {
			v.Data()[i] = 1
		} else {
			v.Data()[i] = -1
		}
	}
	return v
}

// rowDot returns Σⱼ aᵢⱼbᵢⱼ for each row i, as [n].
func rowDot(tp *tensor.Tape, a, b *tensor.Tensor) *tensor.Tensor {
	return tp.SumAxis(tp.Mul(a, b), 1)
}

// Every loss, with the network it trains.
var (
	_ EnergyLoss          = ContrastiveDivergence{}
	_ Stateful[nn.Module] = ContrastiveDivergence{}
	_ Stateful[nn.Module] = ScoreMatching{}
	_ Stateful[nn.Module] = SlicedScoreMatching{}
	_ Stateful[nn.Module] = DenoisingScoreMatching{}
	_ Stateful[nn.Module] = NCE{}
	_ Stateful[nn.Module] = FCE{}
	_ Stateful[nn.Module] = EnergyMatching{}
	_ EnergyLoss          = EnergyDiscrepancy{}
	_ TimeLoss            = DiffusionRecovery{}
	_ TimeLoss            = FlowMatching{}
	_ TimeLoss            = EquilibriumMatching{}
)
