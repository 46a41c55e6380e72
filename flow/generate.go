package flow

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/internal/lookup"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Generator generates points by integrating a trained field from noise
// x(t0) ~ N(0, I) near t = 0 to the data at t = 1 along the path the
// network was trained on: with a fixed number of Steps of Method, or, when
// Adaptive is set, with an embedded pair's error control. It is not an
// MCMC sampler: each point is one integration from its noise.
//
// The network may predict the velocity, the score or the noise
// (Prediction); the probability-flow ODE's velocity is converted from it
// at each time (interpolant.Conversion). With SDE set it integrates
// instead
//
//	dx = [v(x, t) + w(t)·s(x, t)] dt + √(2w(t)) dW,
//
// v the velocity and s the score, both converted from the network's
// prediction on the path, w a diffusion form (interpolant.Diffusion): for
// any w ≥ 0 the SDE keeps the path's marginals while its noise corrects
// errors the deterministic flow would carry along (Song et al. 2021;
// Albergo et al. 2023). It stops short of t = 1, where the score is
// undefined, and takes a last step there (LastStep).
//
// Where the conversion or the diffusion is undefined at an end (a score
// or noise prediction needs α > 0, so the linear and cosine paths start at
// t = Eps; the SBDM diffusion too), integration keeps Eps from it.
type Generator struct {
	// Field is the network's prediction at (x, t), of the kind Prediction;
	// see VelocityOf for a trained network.
	Field integrate.Drift
	// Prediction is what Field predicts: the zero value is the velocity.
	Prediction interpolant.Prediction
	// Interpolant is the path the network was trained along; nil means the
	// straight one.
	Interpolant interpolant.Interpolant
	// Method is the ODE's integrator; the zero value means RK4 (or
	// Dormand–Prince when Adaptive is set).
	Method integrate.Tableau
	// Steps of fixed-step integration, of the ODE or the SDE; 0 means 50.
	Steps int
	// Adaptive, if set, integrates the ODE with error control.
	Adaptive *integrate.Adaptive
	// Eps is how far integration keeps from an end of [0, 1] where the
	// field or the diffusion is undefined (TorchEBM's sample_eps); 0 means
	// 1e-3.
	Eps float64
	// SDE, if set, generates with the SDE above; nil means the ODE.
	SDE *SDE
}

// SDE sets the stochastic generation of a Generator.
type SDE struct {
	// Diffusion is the form of w(t); the zero value is the constant one
	// (TorchEBM's default is SBDM).
	Diffusion interpolant.Diffusion
	// Norm scales w; 0 means 1. (A constant noise g of dx = … + g dW is
	// Norm = g²/2 of the constant form.)
	Norm float64
	// Method integrates the SDE; nil means Euler–Maruyama.
	Method integrate.SDESolver
	// Last is the step from t = 1 − LastSize to the data; the zero value
	// is LastMean, TorchEBM's default.
	Last LastStep
	// LastSize is the last step's length; 0 means 0.04 (TorchEBM's). With
	// LastNone integration stops at 1 − Eps instead.
	LastSize float64
	// Score, when set, is the score ∇log p_t(x) from a network (or head)
	// of its own, as [SF]²M learns it (loss.SF2M): the drift is then
	// v + w·Score with v converted from Field, and neither the score nor
	// the SDE's span need a conversion from Field's prediction. nil means
	// the score converted from Field on the Interpolant. LastTweedie is
	// refused with it (Tweedie's estimate needs the path's α, σ).
	Score integrate.Drift
}

// LastStep is how the SDE's generation ends: the SDE stops at
// t₁ = 1 − h, short of the data end where the score is undefined, and one
// step of length h finishes it (TorchEBM's last_step).
type LastStep int

const (
	// LastMean steps by the SDE's drift without its noise,
	// x + h·(v + w·s): the mean of an Euler–Maruyama step.
	LastMean LastStep = iota
	// LastEuler steps by the probability-flow ODE, x + h·v.
	LastEuler
	// LastTweedie replaces x by Tweedie's estimate of the data point,
	// E[x₁ | x_t₁] = x/α + (σ²/α)·s, which removes the noise left at t₁.
	LastTweedie
	// LastNone returns the SDE's state at t₁ = 1 − Eps as it is.
	LastNone
)

var lastSteps = []lookup.Entry[LastStep]{
	{Name: "mean", Doc: "x + h·(v + w·s), the SDE's step without its noise (TorchEBM's default)", Value: LastMean},
	{Name: "euler", Doc: "x + h·v, a step of the probability-flow ODE", Value: LastEuler},
	{Name: "tweedie", Doc: "x/α + (σ²/α)·s, Tweedie's estimate of the data point", Value: LastTweedie},
	{Name: "none", Doc: "the SDE's state at 1 − ε as it is", Value: LastNone},
}

// String names the last step.
func (l LastStep) String() string {
	if l >= 0 && int(l) < len(lastSteps) {
		return lastSteps[l].Name
	}
	return fmt.Sprintf("LastStep(%d)", int(l))
}

// LastStepByName returns the last step of a name (see LastStepNames), or
// an error listing them.
func LastStepByName(name string) (LastStep, error) {
	return lookup.Find(lastSteps, name, "flow: unknown last step", ErrInvalid)
}

// LastStepNames returns the last steps' names, each with a line.
func LastStepNames() [][2]string { return lookup.Names(lastSteps) }

// Generate returns n points of dimension d (row-major), the noise drawn
// from rand.NewPCG(seed, 0) (and the SDE's increments from
// rand.NewPCG(seed, 1)), and the integrator's statistics.
func (f Generator) Generate(ctx context.Context, n, d int, seed uint64) ([]float64, integrate.Stats, error) {
	if f.Field == nil || n < 1 || d < 1 {
		return nil, integrate.Stats{}, fmt.Errorf("flow: Generator needs a field, n ≥ 1, d ≥ 1 (got %d, %d): %w", n, d, ErrInvalid)
	}
	if _, err := limit.Elems("n × d", n, d); err != nil {
		return nil, integrate.Stats{}, fmt.Errorf("flow: %w: %w", err, ErrInvalid)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return f.run(ctx, x, d, seed, false)
}

// Decode integrates the noise z ([n, d] row-major, as Generate draws it)
// to the data, the SDE's increments drawn from rand.NewPCG(seed, 1); z is
// not changed.
func (f Generator) Decode(ctx context.Context, z []float64, d int, seed uint64) ([]float64, integrate.Stats, error) {
	return f.run(ctx, slices.Clone(z), d, seed, false)
}

// Encode integrates the points x ([n, d] row-major) backwards by the
// probability-flow ODE, from the data at t = 1 to the noise at the time
// Generate starts from: the inverse of Decode's ODE (up to the
// integrator's error), for encoding data or for its likelihood. The
// reverse of the SDE is not the SDE run backwards, and Encode refuses a
// Generator with SDE set. x is not changed.
func (f Generator) Encode(ctx context.Context, x []float64, d int) ([]float64, integrate.Stats, error) {
	if f.SDE != nil {
		return nil, integrate.Stats{}, fmt.Errorf("flow: Encode integrates the probability-flow ODE backwards, not the SDE: %w", ErrInvalid)
	}
	return f.run(ctx, slices.Clone(x), d, 0, true)
}

// run integrates x in place forwards from the noise or, with reverse,
// backwards from the data.
func (f Generator) run(ctx context.Context, x []float64, d int, seed uint64, reverse bool) ([]float64, integrate.Stats, error) {
	if f.Field == nil || d < 1 || len(x) == 0 || len(x)%d != 0 {
		return nil, integrate.Stats{}, fmt.Errorf("flow: Generator needs a field and whole rows of dimension %d (got %d values): %w", d, len(x), ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, integrate.Stats{}, err
	}
	t0, t1, err := f.Span()
	if err != nil {
		return nil, integrate.Stats{}, err
	}
	f.Field = stopping(ctx, f.Field)
	if f.SDE != nil && f.SDE.Score != nil {
		sde := *f.SDE
		sde.Score = stopping(ctx, sde.Score)
		f.SDE = &sde
	}
	var st integrate.Stats
	var bad error
	switch {
	case f.SDE != nil:
		st, err = f.sde(x, t0, t1, seed, &bad)
	case reverse:
		st, err = f.ode(x, t1, t0, &bad)
	default:
		st, err = f.ode(x, t0, t1, &bad)
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, st, cerr
	}
	if err == nil && bad != nil {
		err = fmt.Errorf("flow: %w: %w", bad, ErrInvalid)
	}
	return x, st, err
}

// stopping returns v, which once ctx is done no longer evaluates the
// network and returns zeros: the integrators take no context, so the rest
// of a cancelled run costs only their arithmetic (an adaptive one, whose
// error estimate is then zero, takes ever larger steps), and the
// generation returns ctx's error.
func stopping(ctx context.Context, v integrate.Drift) integrate.Drift {
	return func(dst []float64, t float64, x []float64) {
		if ctx.Err() != nil {
			clear(dst)
			return
		}
		v(dst, t, x)
	}
}

// path returns the interpolant, the straight one when unset.
func (f Generator) path() interpolant.Interpolant {
	if f.Interpolant == nil {
		return interpolant.Linear{}
	}
	return f.Interpolant
}

// Span returns the times generation runs between: from t0 (0, or Eps where
// the field or the diffusion is undefined at 0) to t1 (1 for the ODE, or
// 1 − Eps where the velocity is undefined there; the SDE's 1 − LastSize,
// or 1 − Eps with LastNone). LogDensity of the same field runs over the
// ODE's span. It fails, wrapping ErrInvalid, on settings out of range.
func (f Generator) Span() (t0, t1 float64, err error) {
	eps := f.Eps
	if eps == 0 {
		eps = 1e-3
	}
	if !(eps > 0 && eps < 0.5) {
		return 0, 0, fmt.Errorf("flow: Eps %g: want it in (0, ½): %w", f.Eps, ErrInvalid)
	}
	if f.SDE != nil {
		if f.SDE.Last < LastMean || f.SDE.Last > LastNone {
			return 0, 0, fmt.Errorf("flow: unknown last step %v: %w", f.SDE.Last, ErrInvalid)
		}
		if f.SDE.Diffusion < 0 || f.SDE.Diffusion > interpolant.DiffusionIncreasingDecreasing {
			return 0, 0, fmt.Errorf("flow: unknown diffusion form %v: %w", f.SDE.Diffusion, ErrInvalid)
		}
		if f.SDE.Score != nil && f.SDE.Last == LastTweedie {
			return 0, 0, fmt.Errorf("flow: the last step tweedie needs the score converted on the path, not a Score of its own: %w", ErrInvalid)
		}
		if !(f.SDE.Norm >= 0) || math.IsInf(f.SDE.Norm, 0) {
			return 0, 0, fmt.Errorf("flow: the diffusion's norm %g: want it finite and not negative: %w", f.SDE.Norm, ErrInvalid)
		}
	}
	t0, t1 = 0, 1
	if !f.defined(0) {
		t0 = eps
	}
	switch {
	case f.SDE == nil:
		if !f.defined(1) {
			t1 = 1 - eps
		}
	case f.SDE.Last == LastNone:
		t1 = 1 - eps
	default:
		h := f.SDE.LastSize
		if h == 0 {
			h = 0.04
		}
		if !(h > 0 && h < 0.5) {
			return 0, 0, fmt.Errorf("flow: the last step's size %g: want it in (0, ½): %w", f.SDE.LastSize, ErrInvalid)
		}
		t1 = 1 - h
	}
	for _, t := range []float64{t0, t1} {
		if !f.defined(t) {
			return 0, 0, fmt.Errorf("flow: a %v prediction on this path is undefined at t = %g: %w", f.Prediction, t, ErrInvalid)
		}
	}
	return t0, t1, nil
}

// defined says whether the velocity (and, for the SDE, the score and the
// diffusion) can be had from the prediction at t.
func (f Generator) defined(t float64) bool {
	if _, _, err := interpolant.Conversion(f.path(), t, f.Prediction, interpolant.Velocity); err != nil {
		return false
	}
	if f.SDE == nil {
		return true
	}
	var err error
	if f.SDE.Score == nil {
		_, _, err = interpolant.Conversion(f.path(), t, f.Prediction, interpolant.Score)
	}
	w := f.diffusion(t)
	return err == nil && w >= 0 && !math.IsInf(w, 0) && !math.IsNaN(w)
}

// diffusion returns the SDE's w(t).
func (f Generator) diffusion(t float64) float64 {
	norm := f.SDE.Norm
	if norm == 0 {
		norm = 1
	}
	return f.SDE.Diffusion.At(f.path(), t, norm)
}

// affine returns the drift x ↦ a(t)·x + b(t)·Field(x, t) with (a, b) from
// coef: a conversion of the network's prediction. Where coef fails it
// writes NaN and keeps the first error in *bad (the integrators call it on
// one goroutine).
func (f Generator) affine(coef func(t float64) (a, b float64, err error), bad *error) integrate.Drift {
	return func(dst []float64, t float64, x []float64) {
		a, b, err := coef(t)
		if err != nil {
			if *bad == nil {
				*bad = err
			}
			for i := range dst {
				dst[i] = math.NaN()
			}
			return
		}
		f.Field(dst, t, x)
		for i, v := range dst {
			dst[i] = a*x[i] + b*v
		}
	}
}

// to returns the coefficients of the prediction of kind k from the
// network's.
func (f Generator) to(k interpolant.Prediction) func(t float64) (float64, float64, error) {
	p := f.path()
	return func(t float64) (float64, float64, error) { return interpolant.Conversion(p, t, f.Prediction, k) }
}

// ode integrates the probability-flow ODE from t0 to t1 (backwards where
// t1 < t0).
func (f Generator) ode(x []float64, t0, t1 float64, bad *error) (integrate.Stats, error) {
	v := f.affine(f.to(interpolant.Velocity), bad)
	m := f.Method
	if f.Adaptive != nil {
		if m.C == nil {
			m = integrate.DormandPrince
		}
		return integrate.SolveAdaptive(m, v, x, t0, t1, *f.Adaptive)
	}
	if m.C == nil {
		m = integrate.RK4
	}
	return integrate.Solve(m, v, x, t0, t1, cmp.Or(f.Steps, 50))
}

// sdeDrift returns the coefficients of v + w·s from the network's
// prediction.
func (f Generator) sdeDrift(t float64) (float64, float64, error) {
	p := f.path()
	av, bv, err := interpolant.Conversion(p, t, f.Prediction, interpolant.Velocity)
	if err != nil {
		return 0, 0, err
	}
	as, bs, err := interpolant.Conversion(p, t, f.Prediction, interpolant.Score)
	if err != nil {
		return 0, 0, err
	}
	w := f.diffusion(t)
	return av + w*as, bv + w*bs, nil
}

// sdeField returns the SDE's drift v + w·s: from the coefficients of
// sdeDrift, or with SDE.Score the velocity converted from Field plus w
// times Score.
func (f Generator) sdeField(bad *error) integrate.Drift {
	if f.SDE.Score == nil {
		return f.affine(f.sdeDrift, bad)
	}
	v := f.affine(f.to(interpolant.Velocity), bad)
	score := f.SDE.Score
	var mu sync.Mutex
	var buf []float64
	return func(dst []float64, t float64, x []float64) {
		mu.Lock()
		defer mu.Unlock()
		if len(buf) != len(dst) {
			buf = make([]float64, len(dst))
		}
		v(dst, t, x)
		score(buf, t, x)
		w := f.diffusion(t)
		for i := range dst {
			dst[i] += w * buf[i]
		}
	}
}

// sde integrates the SDE from t0 to t1, the Wiener increments drawn from
// rand.NewPCG(seed, 1), and takes the last step to t = 1.
func (f Generator) sde(x []float64, t0, t1 float64, seed uint64, bad *error) (integrate.Stats, error) {
	if f.Adaptive != nil {
		return integrate.Stats{}, fmt.Errorf("flow: Generator integrates its SDE with fixed steps, not adaptively: %w", ErrInvalid)
	}
	noise := func(dst []float64, t float64, _ []float64) {
		g := math.Sqrt(2 * f.diffusion(t))
		for i := range dst {
			dst[i] = g
		}
	}
	solve := f.SDE.Method
	if solve == nil {
		solve = integrate.EulerMaruyama
	}
	st, err := solve(f.sdeField(bad), noise, x, t0, t1, cmp.Or(f.Steps, 50), rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		return st, err
	}
	st.Evals += f.lastStep(x, t1, bad)
	if f.SDE.Last != LastNone {
		st.Steps++
	}
	return st, nil
}

// lastStep takes the SDE's last step from t1 to 1 (LastStep), in place,
// and returns the evaluations of the field it took.
func (f Generator) lastStep(x []float64, t1 float64, bad *error) int {
	var step integrate.Drift
	switch f.SDE.Last {
	case LastMean:
		step = f.sdeField(bad)
	case LastEuler:
		step = f.affine(f.to(interpolant.Velocity), bad)
	case LastTweedie:
		data := make([]float64, len(x))
		f.affine(f.to(interpolant.Data), bad)(data, t1, x)
		copy(x, data)
		return 1
	default:
		return 0
	}
	dx := make([]float64, len(x))
	step(dx, t1, x)
	h := 1 - t1
	for i := range x {
		x[i] += h * dx[i]
	}
	return 1
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

// VelocityOf evaluates a trained network of dimension d (a velocity, or
// the score or noise of Generator.Prediction) as a field for Generator,
// on no-grad tapes from a pool (safe for concurrent use while the
// network is not trained).
func VelocityOf(net nn.TimeModule, d int) integrate.Drift {
	return Evaluator(func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
		return net.ForwardT(tp, x, tensor.Full(t, x.Dim(0), 1))
	}, d)
}

// Evaluator evaluates f on rows of dimension d as a field for Generator,
// on no-grad tapes from a pool, safe for concurrent use while f's network
// is not trained. The tapes recycle every op's output from one evaluation
// to the next, where a nil tape allocates them afresh; but a tape holds
// all of one evaluation's intermediates until it is reset, so a large
// batch through a large network (hundreds of images through a U-Net)
// wants a nil tape instead.
func Evaluator(f Field, d int) integrate.Drift {
	pool := sync.Pool{New: func() any { return tensor.NewNoGradTape() }}
	return func(dst []float64, t float64, x []float64) {
		tp := pool.Get().(*tensor.Tape)
		copy(dst, f(tp, tensor.New(x, len(x)/d, d), t).Data())
		tp.Reset()
		pool.Put(tp)
	}
}
