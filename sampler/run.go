package sampler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// ErrInvalid is wrapped by errors about invalid settings or inputs.
var ErrInvalid = errors.New("invalid sampler input")

// ErrNonFinite is wrapped by the error returned when an energy or gradient
// at a chain's current state is NaN or infinite.
var ErrNonFinite = errors.New("non-finite energy or gradient")

// blockSize is the number of chains evaluated together in one batched energy
// call. Fixed, so that which chains share a batch never depends on the
// number of cores.
const blockSize = 32

// Options are the settings every sampler shares.
type Options struct {
	// Chains is the number of independent chains. With Init set it may be 0,
	// meaning len(Init)/Dim.
	Chains int
	// Dim is the dimension of the points; 0 means the energy's own.
	Dim int
	// Init holds the starting points, Chains×Dim row-major. Nil means draws
	// from N(0, I), from each chain's own random stream.
	Init []float64
	// Warmup steps run first and are not kept; adaptive samplers tune their
	// step size (and mass matrix) during them.
	Warmup int
	// Steps is the number of steps after warm-up.
	Steps int
	// Thin keeps every Thin-th step after warm-up; 0 or 1 keeps all.
	Thin int
	// Trajectory keeps the kept steps in Result.Draws; otherwise only the
	// final points are returned.
	Trajectory bool
	// Seed fixes every random number: chain c draws from the stream
	// rand.NewPCG(Seed, c), whatever the number of cores.
	Seed uint64
	// Workers is the number of goroutines; 0 means GOMAXPROCS. The draws do
	// not depend on it.
	Workers int
}

// Result holds a run's draws and diagnostics.
type Result struct {
	Dim, Chains int
	// Kept is the number of kept steps per chain.
	Kept int
	// Final holds each chain's last point, Chains×Dim.
	Final []float64
	// Draws holds the kept steps when Options.Trajectory is set:
	// Draws[(c·Kept + k)·Dim + j] is coordinate j of kept step k of chain c.
	Draws []float64
	// Energies holds E at each kept step, Energies[c·Kept + k] (with or
	// without Trajectory).
	Energies []float64
	Info     Info
}

// Info holds per-chain diagnostics of a run.
type Info struct {
	// AcceptRate is each chain's mean acceptance probability after warm-up:
	// 1 for unadjusted samplers.
	AcceptRate []float64
	// Divergences counts each chain's divergent trajectories after warm-up
	// (energy error above 1000, or a non-finite proposal).
	Divergences []int
	// StepSize is each chain's step size at the end (after adaptation).
	StepSize []float64
	// GradEvals is the number of point gradients computed, over all chains;
	// SamplingGradEvals counts those after warm-up (what ESS per gradient
	// divides by, as Stan's n_leapfrog__ does).
	GradEvals, SamplingGradEvals int64
	// SwapRate is the acceptance rate of swaps between neighbouring
	// temperatures (parallel tempering only).
	SwapRate []float64
	// LogZ and LogZSE are the estimate of log ∫exp(−E) and its standard
	// error (annealed importance sampling only).
	LogZ, LogZSE float64
}

// Chain returns coordinate j of the kept draws as one slice per chain: the
// layout package diag takes. It needs Options.Trajectory.
func (r *Result) Chain(j int) [][]float64 {
	out := make([][]float64, r.Chains)
	if r.Draws == nil {
		return out
	}
	for c := range out {
		out[c] = make([]float64, r.Kept)
		for k := range out[c] {
			out[c][k] = r.Draws[(c*r.Kept+k)*r.Dim+j]
		}
	}
	return out
}

// block is a group of chains advanced together: their states, their random
// streams, and the counters of their diagnostics.
type block struct {
	e        energy.Energy
	first, n int // chains first … first+n−1
	d        int
	x, en, g []float64 // current points, energies, gradients
	rng      []*rand.Rand
	accept   []float64 // summed acceptance probabilities after warm-up
	diverge  []int
	step     []float64 // per-chain step sizes
	evals    int64
	warmEval int64 // evals when warm-up ended
	// swapAcc and swapTry sum swap acceptance probabilities and attempts per
	// pair of neighbouring temperatures (parallel tempering).
	swapAcc, swapTry []float64
	// logW holds each chain's log importance weight (annealed importance
	// sampling), including the base distribution's log Z.
	logW []float64
}

// grad evaluates energies and gradients of n points of this block.
func (b *block) grad(en, g, x []float64) {
	b.e.Grad(en, g, x, b.d)
	b.evals += int64(len(en))
}

// checkState returns an error naming the first chain whose current energy or
// gradient is not finite. The common case costs one multiply-add per value:
// v·0 is NaN exactly when v is NaN or ±Inf, and NaN survives the sum.
func (b *block) checkState(t int) error {
	probe := 0.0
	for _, v := range b.en {
		probe += v * 0
	}
	for _, v := range b.g {
		probe += v * 0
	}
	if probe == 0 {
		return nil
	}
	for i := range b.n {
		bad := math.IsNaN(b.en[i]) || math.IsInf(b.en[i], 0)
		for _, v := range b.g[i*b.d : (i+1)*b.d] {
			bad = bad || math.IsNaN(v) || math.IsInf(v, 0)
		}
		if bad {
			return fmt.Errorf("sampler: chain %d, step %d: energy %g at %v: %w", b.first+i, t, b.en[i], b.x[i*b.d:(i+1)*b.d], ErrNonFinite)
		}
	}
	return nil
}

// metropolis takes chain i to the proposal (rows i of y, gy and ey[i]) with
// probability a, and returns a. A proposal that is bad (non-finite, or
// divergent) or whose a is NaN is rejected and, after warm-up, counted as a
// divergence.
func (b *block) metropolis(i int, a float64, bad, warm bool, y, ey, gy []float64) float64 {
	if bad || math.IsNaN(a) {
		a = 0
		if !warm {
			b.diverge[i]++
		}
	}
	if b.rng[i].Float64() < a {
		d := b.d
		copy(b.x[i*d:(i+1)*d], y[i*d:(i+1)*d])
		copy(b.g[i*d:(i+1)*d], gy[i*d:(i+1)*d])
		b.en[i] = ey[i]
	}
	return a
}

// kernel advances one block by one step. t counts steps from 0, warm-up
// included; warm reports whether t is a warm-up step.
type kernel interface {
	step(b *block, t int, warm bool) error
}

// run validates the options, sets up the chains in blocks, and runs newKernel's
// kernels over them concurrently.
func run(ctx context.Context, e energy.Energy, o Options, step0 float64, newKernel func(b *block) (kernel, error)) (*Result, error) {
	if e == nil {
		return nil, fmt.Errorf("sampler: no energy: %w", ErrInvalid)
	}
	d := o.Dim
	if d == 0 {
		d = e.Dim()
	}
	if err := energy.CheckDim(e, d); err != nil {
		return nil, fmt.Errorf("sampler: %w (set Options.Dim for energies of any dimension): %w", err, ErrInvalid)
	}
	chains := o.Chains
	if chains == 0 && o.Init != nil {
		chains = len(o.Init) / d
	}
	switch {
	case chains <= 0:
		return nil, fmt.Errorf("sampler: %d chains: %w", chains, ErrInvalid)
	case o.Init != nil && len(o.Init) != chains*d:
		return nil, fmt.Errorf("sampler: %d initial values for %d chains of dimension %d: %w", len(o.Init), chains, d, ErrInvalid)
	case o.Steps < 0 || o.Warmup < 0 || o.Thin < 0:
		return nil, fmt.Errorf("sampler: negative steps (%d), warm-up (%d) or thinning (%d): %w", o.Steps, o.Warmup, o.Thin, ErrInvalid)
	}
	for i, v := range o.Init {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sampler: initial value %d (chain %d) is %g: %w", i, i/d, v, ErrInvalid)
		}
	}
	thin := max(o.Thin, 1)
	kept := o.Steps / thin
	res := &Result{Dim: d, Chains: chains, Kept: kept, Final: make([]float64, chains*d), Energies: make([]float64, chains*kept)}
	if o.Trajectory {
		res.Draws = make([]float64, chains*kept*d)
	}
	res.Info.AcceptRate = make([]float64, chains)
	res.Info.Divergences = make([]int, chains)
	res.Info.StepSize = make([]float64, chains)

	var blocks []*block
	for first := 0; first < chains; first += blockSize {
		n := min(blockSize, chains-first)
		b := &block{e: e, first: first, n: n, d: d,
			x: make([]float64, n*d), en: make([]float64, n), g: make([]float64, n*d),
			rng: make([]*rand.Rand, n), accept: make([]float64, n), diverge: make([]int, n), step: make([]float64, n)}
		for i := range n {
			b.rng[i] = rand.New(rand.NewPCG(o.Seed, uint64(first+i)))
			b.step[i] = step0
			if o.Init != nil {
				copy(b.x[i*d:(i+1)*d], o.Init[(first+i)*d:])
			} else {
				for j := range d {
					b.x[i*d+j] = b.rng[i].NormFloat64()
				}
			}
		}
		blocks = append(blocks, b)
	}

	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, len(blocks))
	var wg sync.WaitGroup
	for range min(workers, len(blocks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(blocks) || failed.Load() {
					return
				}
				if err := runBlock(ctx, blocks[i], o, thin, res, newKernel, &failed); err != nil {
					errs[i] = err
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var swapAcc, swapTry, logW []float64
	for _, b := range blocks {
		if b.swapTry != nil {
			if swapAcc == nil {
				swapAcc, swapTry = make([]float64, len(b.swapTry)), make([]float64, len(b.swapTry))
			}
			for r := range b.swapTry {
				swapAcc[r] += b.swapAcc[r]
				swapTry[r] += b.swapTry[r]
			}
		}
		logW = append(logW, b.logW...)
		copy(res.Final[b.first*d:], b.x)
		for i := range b.n {
			c := b.first + i
			if o.Steps > 0 {
				res.Info.AcceptRate[c] = b.accept[i] / float64(o.Steps)
			}
			res.Info.Divergences[c] = b.diverge[i]
			res.Info.StepSize[c] = b.step[i]
		}
		res.Info.GradEvals += b.evals
		if o.Steps > 0 {
			res.Info.SamplingGradEvals += b.evals - b.warmEval
		}
	}
	for r := range swapTry {
		res.Info.SwapRate = append(res.Info.SwapRate, swapAcc[r]/swapTry[r])
	}
	if logW != nil {
		res.Info.LogZ, res.Info.LogZSE = logMeanExp(logW)
	}
	return res, ctx.Err()
}

func runBlock(ctx context.Context, b *block, o Options, thin int, res *Result, newKernel func(*block) (kernel, error), failed *atomic.Bool) error {
	b.grad(b.en, b.g, b.x)
	if err := b.checkState(0); err != nil {
		return err
	}
	k, err := newKernel(b)
	if err != nil {
		return err
	}
	d, kept := b.d, res.Kept
	for t := range o.Warmup + o.Steps {
		if t%64 == 0 && (ctx.Err() != nil || failed.Load()) {
			return ctx.Err()
		}
		warm := t < o.Warmup
		if t == o.Warmup {
			b.warmEval = b.evals
		}
		if err := k.step(b, t, warm); err != nil {
			return err
		}
		if warm {
			continue
		}
		s := t - o.Warmup + 1
		if s%thin != 0 || s/thin > kept {
			continue
		}
		kIdx := s/thin - 1
		for i := range b.n {
			c := b.first + i
			res.Energies[c*kept+kIdx] = b.en[i]
			if res.Draws != nil {
				copy(res.Draws[(c*kept+kIdx)*d:(c*kept+kIdx+1)*d], b.x[i*d:(i+1)*d])
			}
		}
	}
	return nil
}

// stepSize returns the schedule's value at step t, or an error if it is not
// a positive finite number.
func stepSize(s schedule.Schedule, def float64, t int, what string) (float64, error) {
	h := def
	if s != nil {
		h = s.At(t)
	}
	if !(h > 0) || math.IsInf(h, 0) {
		return 0, fmt.Errorf("sampler: %s %g at step %d must be positive: %w", what, h, t, ErrInvalid)
	}
	return h, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func finiteSlice(s []float64) bool {
	for _, v := range s {
		if !finite(v) {
			return false
		}
	}
	return true
}

func fill(s []float64, v float64) {
	for i := range s {
		s[i] = v
	}
}

// logMeanExp returns log(mean exp(w)) and its standard error by the delta
// method, sd(e^w)/(√n·mean(e^w)), computed after shifting by the maximum.
func logMeanExp(w []float64) (float64, float64) {
	top := math.Inf(-1)
	for _, v := range w {
		top = math.Max(top, v)
	}
	n := float64(len(w))
	mean, ss := 0.0, 0.0
	for _, v := range w {
		mean += math.Exp(v-top) / n
	}
	for _, v := range w {
		u := math.Exp(v-top) - mean
		ss += u * u
	}
	se := math.NaN()
	if len(w) > 1 {
		se = math.Sqrt(ss/(n-1)/n) / mean
	}
	return top + math.Log(mean), se
}
