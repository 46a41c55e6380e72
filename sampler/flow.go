package sampler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Flow generates points by integrating a velocity field v(x, t) from noise
// x(0) ~ N(0, I) at t = 0 to t = 1, where a flow-matching model has learned
// to arrive at the data: with a fixed number of Steps of Method, or, when
// Adaptive is set, with an embedded pair's error control. It is not an MCMC
// sampler: each point is one deterministic integration from its noise.
type Flow struct {
	// Velocity is the field; see VelocityOf for a trained network.
	Velocity integrate.Drift
	// Method is the integrator; the zero value means RK4 (or Dormand–Prince
	// when Adaptive is set).
	Method integrate.Tableau
	// Steps of fixed-step integration; 0 means 50.
	Steps int
	// Adaptive, if set, integrates with error control.
	Adaptive *integrate.Adaptive
}

// Generate returns n points of dimension d (row-major), the noise drawn
// from rand.NewPCG(seed, 0), and the integrator's statistics.
func (f Flow) Generate(ctx context.Context, n, d int, seed uint64) ([]float64, integrate.Stats, error) {
	if f.Velocity == nil || n < 1 || d < 1 {
		return nil, integrate.Stats{}, fmt.Errorf("sampler: Flow needs a velocity, n ≥ 1, d ≥ 1 (got %d, %d): %w", n, d, ErrInvalid)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	if err := ctx.Err(); err != nil {
		return nil, integrate.Stats{}, err
	}
	m := f.Method
	if f.Adaptive != nil {
		if m.C == nil {
			m = integrate.DormandPrince
		}
		st, err := integrate.SolveAdaptive(m, f.Velocity, x, 0, 1, *f.Adaptive)
		return x, st, err
	}
	if m.C == nil {
		m = integrate.RK4
	}
	steps := f.Steps
	if steps == 0 {
		steps = 50
	}
	st, err := integrate.Solve(m, f.Velocity, x, 0, 1, steps)
	return x, st, err
}

// VelocityOf evaluates a trained velocity network of dimension d as a field
// for Flow, on no-grad tapes from a pool (safe for concurrent use while the
// network is not trained).
func VelocityOf(net nn.TimeModule, d int) integrate.Drift {
	pool := sync.Pool{New: func() any { return tensor.NewNoGradTape() }}
	return func(dst []float64, t float64, x []float64) {
		n := len(x) / d
		ts := make([]float64, n)
		for i := range ts {
			ts[i] = t
		}
		tp := pool.Get().(*tensor.Tape)
		copy(dst, net.ForwardT(tp, tensor.New(x, n, d), tensor.New(ts, n, 1)).Data())
		tp.Reset()
		pool.Put(tp)
	}
}
