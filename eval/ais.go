package eval

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
	"gonum.org/v1/gonum/mat"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/internal/progress"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// AISLogZ estimates log ∫exp(−E) in dimension d by annealed importance
// sampling from N(0, baseScale²I) (sampler.AIS) with the given number of
// chains and annealing steps, and returns the estimate with its standard
// error: log Z for models beyond 2-D, where quadrature is out of reach.
// Then NLL = mean E(x) + log Z as for 2-D. AISCheck says whether to trust
// it.
func AISLogZ(ctx context.Context, e energy.Energy, d, chains, steps int, baseScale, stepSize float64, seed uint64) (logZ, se float64, err error) {
	if chains < 2 || steps < 1 {
		return 0, 0, fmt.Errorf("eval: AIS with %d chains and %d steps: %w", chains, steps, ErrInvalid)
	}
	r, err := sampler.AIS{BaseScale: baseScale, StepSize: schedule.Constant(stepSize), MoveSteps: 2}.Anneal(ctx, e,
		sampler.Options{Dim: d, Chains: chains, Steps: steps, Seed: seed})
	if err != nil {
		return 0, 0, fmt.Errorf("eval: %w", err)
	}
	return r.LogZ, r.LogZSE, nil
}

// AISCheck estimates log Z by AIS and checks the estimate before it is
// trusted: AIS's standard error measures the spread of its weights, not
// the bias of an annealing too short for the chains to follow, which makes
// the forward estimate too low (a stochastic lower bound). So it anneals
// four times, forward from a base density and in reverse from points near
// the target, each with K and Factor·K steps, and calls the estimate
// converged when
//
//	|F(FK) − F(K)| ≤ Tolerance,  |F(FK) − R(FK)| ≤ Tolerance,
//	and SE(F(FK)), SE(R(FK)) ≤ Tolerance/2,
//
// F and R the forward and reverse estimates. The estimate is F(FK). Reverse
// AIS from exact draws is a stochastic upper bound (sampler.AIS), so with
// them F ≤ log Z ≤ R in expectation; from the held-out points moved towards
// the model by the pilot's MALA steps it is no bound, but F and R only agree
// once both have converged (or are equally wrong, which the two lengths
// make unlikely).
//
// The base is the Gaussian N(m, σ²S) fitted to the start points (mean m,
// covariance S), which puts it where the target's mass should be and gives
// it the data's scales and correlations: AIS runs on the whitened energy
// E(m + σLz), LLᵀ = S, from N(0, I), and
//
//	log Z = log Z_z + d·log σ + ½·log|S|.
//
// In z the target's scales are near 1 however different the pixels' are,
// so that isotropic MALA moves suit every coordinate. Their step size
// follows the annealing, η(β) = η₀^(1−β)·η₁^β: η₀ = 1.36·d^(−1/3) suits
// N(0, I) (Roberts and Rosenthal's scaling), and η₁ is tuned on the target
// by a pilot run of MALA from the start points, adapting towards
// acceptance 0.574.
//
// The zero value means the defaults.
type AISCheck struct {
	// Chains per run; 0 means 128.
	Chains int
	// Steps is K, the shorter annealing; 0 means 1000.
	Steps int
	// Factor sets the longer annealing, Factor·K steps; 0 means 4. It must
	// be at least 2.
	Factor int
	// BaseScale σ widens the base N(m, σ²S); 0 means 1.
	BaseScale float64
	// Power shapes the schedule βₖ = (k/K)^Power; 0 means 3, spending more
	// steps near the base, where log Z changes fastest when the target is
	// narrower than the base.
	Power float64
	// StepSize η₁ of the MALA moves at the target; 0 means tuned by the
	// pilot.
	StepSize float64
	// PilotSteps of MALA tune η₁ and move the reverse starts; 0 means 500.
	PilotSteps int
	// MoveSteps MALA moves per temperature; 0 means 2.
	MoveSteps int
	// Tolerance in nats; 0 means 1.
	Tolerance float64
	// Seed fixes the chains' random streams.
	Seed uint64
	// Progress receives a progress bar with the time left; nil means
	// standard error when it is a terminal.
	Progress io.Writer
}

// AISRun is one annealing of an AISCheck.
type AISRun struct {
	// Steps is the number of annealing steps.
	Steps int `json:"steps"`
	// Reverse is whether it annealed from the target to the base.
	Reverse bool `json:"reverse"`
	// LogZ is the estimate and SE its standard error (delta method).
	LogZ float64 `json:"log_z"`
	SE   float64 `json:"se"`
	// ESS is the weights' effective sample size, (Σw)²/Σw².
	ESS float64 `json:"ess"`
	// Acceptance is the MALA moves' mean acceptance rate.
	Acceptance float64 `json:"acceptance"`
}

// LogZEstimate is what an AISCheck found.
type LogZEstimate struct {
	// LogZ and SE are the longest forward run's estimate and standard
	// error.
	LogZ float64 `json:"log_z"`
	SE   float64 `json:"se"`
	// Converged says whether the runs agreed (see AISCheck).
	Converged bool `json:"converged"`
	// Gap is the larger of |F(FK) − F(K)| and |F(FK) − R(FK)|, in nats.
	Gap float64 `json:"gap"`
	// Tolerance is the agreement asked for, in nats.
	Tolerance float64 `json:"tolerance"`
	// StepSize holds η₀ and η₁, the MALA step sizes at the base and the
	// target.
	StepSize [2]float64 `json:"step_size"`
	// Runs are forward K, reverse K, forward FK, reverse FK.
	Runs []AISRun `json:"runs"`
	// Seconds is the wall-clock time of the whole check.
	Seconds float64 `json:"seconds"`
}

// Run estimates log ∫exp(−E) over R^d and checks it. start ([n, d],
// n > d) are points near the target, such as held-out data, to which the
// base is fitted and from which the pilot and the reverse runs start
// (cycled through when n < Chains).
func (c AISCheck) Run(ctx context.Context, e energy.Energy, d int, start *tensor.Tensor) (_ LogZEstimate, err error) {
	began := time.Now()
	chains, k, factor := cmp.Or(c.Chains, 128), cmp.Or(c.Steps, 1000), cmp.Or(c.Factor, 4)
	sigma, power, pilot, moves, tol := cmp.Or(c.BaseScale, 1), cmp.Or(c.Power, 3), cmp.Or(c.PilotSteps, 500), cmp.Or(c.MoveSteps, 2), cmp.Or(c.Tolerance, 1)
	switch {
	case d < 1 || start == nil || start.Rank() != 2 || start.Dim(1) != d || start.Dim(0) <= d:
		return LogZEstimate{}, fmt.Errorf("eval: AIS in dimension %d needs more than %d start points of %d coordinates to fit its base to, not points of shape %v: %w", d, d, d, shapeOf(start), ErrInvalid)
	case chains < 2 || k < 1 || factor < 2 || pilot < 1 || moves < 1:
		return LogZEstimate{}, fmt.Errorf("eval: AIS with %d chains, %d and %d×%d steps, %d pilot steps, %d moves: %w", chains, k, factor, k, pilot, moves, ErrInvalid)
	case !(sigma > 0) || !(power > 0) || !(tol > 0) || c.StepSize < 0 || math.IsInf(sigma+power+tol+c.StepSize, 0):
		return LogZEstimate{}, fmt.Errorf("eval: AIS base scale %g, power %g, step size %g and tolerance %g: %w", sigma, power, c.StepSize, tol, ErrInvalid)
	}
	if _, err := limit.Elems("AIS chains × dimension", chains, d); err != nil {
		return LogZEstimate{}, fmt.Errorf("eval: %w: %w", err, ErrInvalid)
	}
	// The runs take 2(1 + Factor)·K annealing steps in all, and the pilots
	// 2·PilotSteps.
	if factor > limit.MaxSteps || k > limit.MaxSteps/(2*(1+factor)) || pilot > limit.MaxSteps/2 {
		return LogZEstimate{}, fmt.Errorf("eval: AIS of %d and %d×%d steps after %d pilot steps: more than %d: %w: %w", k, factor, k, pilot, int64(limit.MaxSteps), limit.ErrSize, ErrInvalid)
	}
	// Every run's cost is its gradient evaluations, counted by the energy.
	n := start.Dim(0)
	total := int64(n+chains)*int64(pilot) + int64(chains)*int64(2*(1+factor)*k*moves)
	bar := newBar(c.Progress, total)
	defer func() { progress.End(bar, err) }()
	out := LogZEstimate{Tolerance: tol}

	// The first pilot moves every start point towards the target, with a
	// diagonal metric adapted to its scales; the base is fitted to where
	// they arrive.
	p0, err := sampler.MALA{StepSize: schedule.Constant(0.01), Adapt: true, AdaptMass: true}.Sample(ctx, &counting{target: e, bar: bar},
		sampler.Options{Dim: d, Init: start.Data(), Warmup: pilot, Steps: 1, Seed: c.Seed})
	if err != nil {
		return out, fmt.Errorf("eval: AIS pilot: %w", err)
	}
	for _, v := range p0.Final {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return out, fmt.Errorf("eval: AIS pilot: a chain reached %g: %w", v, ErrDiverged)
		}
	}
	w, err := newWhitened(e, tensor.New(p0.Final, n, d), sigma)
	if err != nil {
		return out, err
	}
	init := make([]float64, chains*d)
	for i := range chains {
		w.toZ(init[i*d:(i+1)*d], p0.Final[(i%n)*d:])
	}
	counted := &counting{target: w, bar: bar}
	// The second tunes η₁ on the whitened target.
	eta0 := 1.36 * math.Pow(float64(d), -1.0/3)
	p, err := sampler.MALA{StepSize: schedule.Constant(cmp.Or(c.StepSize, eta0)), Adapt: c.StepSize == 0}.Sample(ctx, counted,
		sampler.Options{Dim: d, Init: init, Warmup: pilot, Steps: 1, Seed: c.Seed + 100})
	if err != nil {
		return out, fmt.Errorf("eval: AIS pilot: %w", err)
	}
	eta1 := c.StepSize
	if eta1 == 0 {
		eta1 = median(p.Tuned.StepSize)
	}
	out.StepSize = [2]float64{eta0, eta1}
	for i, steps := range []int{k, k, factor * k, factor * k} {
		reverse := i%2 == 1
		o := sampler.Options{Dim: d, Chains: chains, Steps: steps, Seed: c.Seed + uint64(i) + 1}
		if reverse {
			o.Init, o.Chains = p.Final, 0
		}
		a := sampler.AIS{Power: power, MoveSteps: moves, Reverse: reverse,
			StepSize: annealedStep(eta0, eta1, power, steps, reverse)}
		r, err := a.Anneal(ctx, counted, o)
		if err != nil {
			return out, fmt.Errorf("eval: AIS: %w", err)
		}
		if math.IsNaN(r.LogZ+r.LogZSE) || math.IsInf(r.LogZ+r.LogZSE, 0) {
			return out, fmt.Errorf("eval: AIS of %d steps (reverse %v): log Z %g ± %g: %w", steps, reverse, r.LogZ, r.LogZSE, ErrDiverged)
		}
		out.Runs = append(out.Runs, AISRun{Steps: steps, Reverse: reverse, LogZ: r.LogZ + w.logDet, SE: r.LogZSE,
			ESS: ess(r.LogWeights), Acceptance: mean(r.Info.AcceptRate)})
	}
	f1, f2, r2 := out.Runs[0], out.Runs[2], out.Runs[3]
	out.LogZ, out.SE = f2.LogZ, f2.SE
	out.Gap = math.Max(math.Abs(f2.LogZ-f1.LogZ), math.Abs(f2.LogZ-r2.LogZ))
	out.Converged = out.Gap <= tol && f2.SE <= tol/2 && r2.SE <= tol/2
	out.Seconds = time.Since(began).Seconds()
	return out, nil
}

// whitened is the energy E(m + Lz) of z, where x = m + Lz maps N(0, I) to
// the base N(m, σ²S) (L = σ·chol(S)); its log Z is that of E less log|L|.
type whitened struct {
	target energy.Energy
	m      []float64
	l      *mat.Dense // lower triangular
	logDet float64    // log|L|
}

// newWhitened fits the base to the points x.
func newWhitened(e energy.Energy, x *tensor.Tensor, sigma float64) (*whitened, error) {
	m, cov := moments(x, x.Dim(0))
	d := len(m)
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, cov)) {
		return nil, fmt.Errorf("eval: AIS base: the covariance of the points the pilot chains reached is singular: %w", ErrDiverged)
	}
	var l mat.TriDense
	ch.LTo(&l)
	w := &whitened{target: e, m: m, l: mat.NewDense(d, d, nil), logDet: 0.5*ch.LogDet() + float64(d)*math.Log(sigma)}
	w.l.Scale(sigma, &l)
	return w, nil
}

// toZ writes L⁻¹(x − m) into z.
func (w *whitened) toZ(z, x []float64) {
	d := len(w.m)
	for j := range d {
		z[j] = x[j] - w.m[j]
	}
	v := mat.NewVecDense(d, z)
	if err := v.SolveVec(w.l, v); err != nil {
		panic(err) // L is triangular with a positive diagonal
	}
}

func (w *whitened) Dim() int { return len(w.m) }

func (w *whitened) Energy(e, z []float64, d int) {
	w.target.Energy(e, w.toX(z, d).RawMatrix().Data, d)
}

// Grad evaluates E(m + Lz) and its gradient Lᵀ∇E.
func (w *whitened) Grad(e, g, z []float64, d int) {
	gx := make([]float64, len(g))
	w.target.Grad(e, gx, w.toX(z, d).RawMatrix().Data, d)
	mat.NewDense(len(e), d, g).Mul(mat.NewDense(len(e), d, gx), w.l)
}

// toX returns the points m + Lz, one per row.
func (w *whitened) toX(z []float64, d int) *mat.Dense {
	n := len(z) / d
	var x mat.Dense
	x.Mul(mat.NewDense(n, d, z), w.l.T())
	for i := range n {
		row := x.RawRowView(i)
		for j := range d {
			row[j] += w.m[j]
		}
	}
	return &x
}

// annealedStep is the MALA step size at each annealing step of a run of
// K steps: η(β) = η₀^(1−β)·η₁^β at the β the move leaves invariant, βₜ₊₁
// forward and β_(K−t−1) in reverse.
func annealedStep(eta0, eta1, power float64, k int, reverse bool) schedule.Schedule {
	return schedule.Func(func(t int) float64 {
		j := t + 1
		if reverse {
			j = k - t - 1
		}
		b := math.Pow(float64(j)/float64(k), power)
		return math.Exp((1-b)*math.Log(eta0) + b*math.Log(eta1))
	})
}

// ess returns (Σw)²/Σw² of the weights exp(lw).
func ess(lw []float64) float64 {
	top := slices.Max(lw)
	s, s2 := 0.0, 0.0
	for _, v := range lw {
		w := math.Exp(v - top)
		s += w
		s2 += w * w
	}
	return s * s / s2
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v / float64(len(x))
	}
	return s
}

func median(x []float64) float64 {
	y := slices.Clone(x)
	slices.Sort(y)
	return y[len(y)/2]
}

func shapeOf(t *tensor.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape()
}

// counting is an energy that advances a progress bar by the points whose
// gradients it evaluates; the samplers call it from many goroutines.
type counting struct {
	target energy.Energy
	bar    *progressbar.ProgressBar
}

func (c *counting) Dim() int { return c.target.Dim() }

// BatchDependent reports whether the target's values depend on the batch.
func (c *counting) BatchDependent() bool { return energy.IsBatchDependent(c.target) }

// Joint reports whether the target's rows interact.
func (c *counting) Joint() bool { return energy.IsJoint(c.target) }

func (c *counting) Grad(e, g, x []float64, d int) {
	c.target.Grad(e, g, x, d)
	c.add(len(e))
}

func (c *counting) Energy(e, x []float64, d int) {
	c.target.Energy(e, x, d)
	c.add(len(e))
}

func (c *counting) add(n int) {
	if c.bar != nil {
		c.bar.Add64(int64(n)) // the bar locks itself
	}
}

// newBar returns a progress bar of total evaluations on w, or on standard
// error when w is nil and that is a terminal; nil when there is none.
func newBar(w io.Writer, total int64) *progressbar.ProgressBar {
	return progress.New(w, total, "AIS")
}
