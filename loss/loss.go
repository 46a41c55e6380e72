package loss

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Loss is a training objective for an energy network.
type Loss interface {
	// Loss returns the scalar loss of net on the batch x ([n, d]), recorded
	// on tp so that its parameter gradients can be taken.
	Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error)
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

// timeModule returns m as a network of (x, t), or an error saying that the
// loss needs one.
func timeModule(m nn.Module) (nn.TimeModule, error) {
	tm, ok := m.(nn.TimeModule)
	if !ok {
		return nil, fmt.Errorf("loss: this loss trains a network of (x, t) (an nn.TimeModule such as nn.TimeMLP), not a %T: %w", m, ErrInvalid)
	}
	return tm, nil
}

// scoreTape returns tp, or a private tape when tp is nil: losses built on the
// score need a tape to take ∇ₓE even when the caller wants only the value.
func scoreTape(tp *tensor.Tape) *tensor.Tape {
	if tp == nil {
		return tensor.NewTape()
	}
	return tp
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
)

func probe(rng *rand.Rand, kind Probe, n, d int) *tensor.Tensor {
	v := tensor.Zeros(n, d)
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
