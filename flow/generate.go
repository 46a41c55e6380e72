package flow

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Generator generates points by integrating a velocity field v(x, t) from noise
// x(0) ~ N(0, I) at t = 0 to t = 1, where a flow-matching model has learned
// to arrive at the data: with a fixed number of Steps of Method, or, when
// Adaptive is set, with an embedded pair's error control. It is not an MCMC
// sampler: each point is one integration from its noise.
//
// With Diffusion g set it integrates instead the SDE
//
//	dx = [v + ½g(t)²·s(x, t)] dt + g(t) dW,  s = (t·v − x)/(1 − t),
//
// by Euler–Maruyama in Steps steps. On the straight path x_t = t·x₁ +
// (1 − t)·x₀ with x₀ ~ N(0, I), s is the score ∇log p_t implied by v
// (E[x₀ | x_t] = x_t − t·v), so the SDE has the ODE's marginals at every t
// while its noise corrects errors the deterministic flow would carry along
// (Song et al. 2021; Albergo et al. 2023). It holds only for that path.
type Generator struct {
	// Velocity is the field; see VelocityOf for a trained network.
	Velocity integrate.Drift
	// Method is the integrator; the zero value means RK4 (or Dormand–Prince
	// when Adaptive is set).
	Method integrate.Tableau
	// Steps of fixed-step integration; 0 means 50.
	Steps int
	// Adaptive, if set, integrates with error control.
	Adaptive *integrate.Adaptive
	// Diffusion, if set, generates with the SDE above; nil means the ODE.
	Diffusion func(t float64) float64
}

// Generate returns n points of dimension d (row-major), the noise drawn
// from rand.NewPCG(seed, 0), and the integrator's statistics.
func (f Generator) Generate(ctx context.Context, n, d int, seed uint64) ([]float64, integrate.Stats, error) {
	if f.Velocity == nil || n < 1 || d < 1 {
		return nil, integrate.Stats{}, fmt.Errorf("flow: Generator needs a velocity, n ≥ 1, d ≥ 1 (got %d, %d): %w", n, d, ErrInvalid)
	}
	if _, err := limit.Elems("n × d", n, d); err != nil {
		return nil, integrate.Stats{}, fmt.Errorf("flow: %w: %w", err, ErrInvalid)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	if err := ctx.Err(); err != nil {
		return nil, integrate.Stats{}, err
	}
	f.Velocity = stopping(ctx, f.Velocity)
	x, st, err := f.integrate(x, n, d, seed)
	if cerr := ctx.Err(); cerr != nil {
		return nil, st, cerr
	}
	return x, st, err
}

// stopping returns v, which once ctx is done no longer evaluates the
// network and returns zeros: the integrators take no context, so the rest
// of a cancelled run costs only their arithmetic (an adaptive one, whose
// error estimate is then zero, takes ever larger steps), and Generate
// returns ctx's error.
func stopping(ctx context.Context, v integrate.Drift) integrate.Drift {
	return func(dst []float64, t float64, x []float64) {
		if ctx.Err() != nil {
			clear(dst)
			return
		}
		v(dst, t, x)
	}
}

// integrate integrates the noise x to the data with the ODE or SDE.
func (f Generator) integrate(x []float64, n, d int, seed uint64) ([]float64, integrate.Stats, error) {
	if f.Diffusion != nil {
		return f.sde(x, n, d, seed)
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

// sde integrates the score-corrected SDE, the Wiener increments drawn from
// rand.NewPCG(seed, 1).
func (f Generator) sde(x []float64, n, d int, seed uint64) ([]float64, integrate.Stats, error) {
	if f.Adaptive != nil {
		return nil, integrate.Stats{}, fmt.Errorf("flow: Generator integrates its SDE with fixed steps, not adaptively: %w", ErrInvalid)
	}
	steps := f.Steps
	if steps == 0 {
		steps = 50
	}
	drift := func(dst []float64, t float64, x []float64) {
		f.Velocity(dst, t, x)
		// Euler–Maruyama evaluates at t ≤ 1 − h, so 1 − t > 0.
		c := 0.5 * f.Diffusion(t) * f.Diffusion(t) / (1 - t)
		for i, v := range dst {
			dst[i] = v + c*(t*v-x[i])
		}
	}
	diffusion := func(dst []float64, t float64, _ []float64) {
		g := f.Diffusion(t)
		for i := range dst {
			dst[i] = g
		}
	}
	st, err := integrate.EulerMaruyama(drift, diffusion, x, 0, 1, steps, rand.New(rand.NewPCG(seed, 1)))
	return x, st, err
}

// Guided is classifier-free guidance (Ho and Salimans 2022) of a
// label-conditional flow: the field v(x, t | ∅) + w·(v(x, t | y) − v(x, t | ∅))
// from the conditional and unconditional fields of one model (trained with
// the label sometimes dropped). w = 0 is the unconditional field, w = 1 the
// conditional one; w > 1 pushes samples further towards what distinguishes
// the label (as model.Conditional's guidance does).
func Guided(cond, uncond integrate.Drift, w float64) integrate.Drift {
	var buf []float64
	var mu sync.Mutex
	return func(dst []float64, t float64, x []float64) {
		mu.Lock()
		if len(buf) != len(dst) {
			buf = make([]float64, len(dst))
		}
		u := buf
		uncond(u, t, x)
		cond(dst, t, x)
		for i := range dst {
			dst[i] = u[i] + w*(dst[i]-u[i])
		}
		mu.Unlock()
	}
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
