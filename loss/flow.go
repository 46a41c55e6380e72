package loss

import (
	"fmt"
	"math"
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
}

// Loss returns the flow-matching loss of the velocity net (an
// nn.TimeModule) on the data x.
func (f FlowMatching) Loss(tp *tensor.Tape, m nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	net, err := timeModule(m)
	if err != nil {
		return nil, err
	}
	n, d := x.Dim(0), x.Dim(1)
	xt, ut, ts, err := pathPoints(f.Interpolant, f.Coupling, x, f.LogNormalTime, rng)
	if err != nil {
		return nil, err
	}
	v := net.ForwardT(tp, tensor.New(xt, n, d), tensor.New(ts, n, 1))
	if v.Rank() != 2 || v.Dim(0) != n || v.Dim(1) != d {
		return nil, fmt.Errorf("loss: the velocity net gives shape %v for %d points of dimension %d: %w", v.Shape(), n, d, ErrInvalid)
	}
	r := tp.Sub(v, tensor.New(ut, n, d))
	return tp.Mean(rowDot(tp, r, r)), nil
}

// pathPoints draws noise x₀ for the data rows x₁, pairs them by pair (nil:
// independent), draws times (uniform, or logit-normal), and returns the
// points x_t and velocities u_t of path (nil: straight) and the times.
func pathPoints(path interpolant.Interpolant, pair coupling.Coupling, x *tensor.Tensor, logNormal bool, rng *rand.Rand) (xt, ut, ts []float64, err error) {
	if path == nil {
		path = interpolant.Linear{}
	}
	if pair == nil {
		pair = coupling.Independent{}
	}
	n, d := x.Dim(0), x.Dim(1)
	x0 := make([]float64, n*d)
	for i := range x0 {
		x0[i] = rng.NormFloat64()
	}
	idx, err := pair.Pair(x0, x.Data(), d, rng)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("loss: %w", err)
	}
	x1 := make([]float64, n*d)
	for i, j := range idx {
		copy(x1[i*d:(i+1)*d], x.Data()[j*d:(j+1)*d])
	}
	ts = make([]float64, n)
	for i := range ts {
		if logNormal {
			ts[i] = 1 / (1 + math.Exp(-rng.NormFloat64()))
		} else {
			ts[i] = rng.Float64()
		}
	}
	xt, ut = make([]float64, n*d), make([]float64, n*d)
	if err := interpolant.Interpolate(path, xt, ut, x0, x1, ts, d); err != nil {
		return nil, nil, nil, fmt.Errorf("loss: %w", err)
	}
	return xt, ut, ts, nil
}
