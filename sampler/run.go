package sampler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/internal/panics"
	"github.com/goebm/goebm/schedule"
)

// ErrInvalid is wrapped by errors about invalid settings or inputs.
var ErrInvalid = errors.New("invalid sampler input")

// ErrNonFinite is wrapped by the error returned when an energy or gradient
// at a chain's current state is NaN or infinite.
var ErrNonFinite = errors.New("non-finite energy or gradient")

// BlockSize is the number of chains a kernel advances together, in one
// batched energy call per evaluation. Fixed, so that which chains share a
// batch never depends on the number of cores; only a kernel whose chains
// never meet (IndependentChains) gets smaller blocks, when there are fewer
// than Workers×BlockSize chains, so that every worker has some, and only
// on an energy that evaluates each point on its own (not one that says it
// is energy.BatchDependent, such as a network on OpenBLAS's products).
// 48 is a multiple of the rows the products' kernels take at once (6 for
// AVX-512, 4 for AVX2), so a block's network products have no partial
// tile; at 32 the last 2 rows cost a whole 6-row pass, and CD-10 ran
// 1.13–1.17× slower (interleaved, one core).
const BlockSize = 48

// blockSize returns the number of chains per block: BlockSize, or for a
// kernel whose chains are independent ⌈chains/workers⌉ when that is less,
// so that every worker has a block.
func blockSize(chains, workers int, independent bool) int {
	if !independent {
		return BlockSize
	}
	return min(BlockSize, max(1, (chains+workers-1)/workers))
}

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
	// Warm-up steps run first and are not kept; adaptive samplers tune their
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
	// rand.NewPCG(Seed, FirstStream + c), whatever the number of cores.
	Seed uint64
	// FirstStream is the stream of the first chain: a run split into
	// several calls by chains (chains 0…k−1 in one, k… in the next with
	// FirstStream k) draws what one call would.
	FirstStream uint64
	// Workers is the number of goroutines; 0 means GOMAXPROCS. The draws do
	// not depend on it. Kernels whose chains are independent (all but
	// parallel tempering's) spread fewer than Workers×BlockSize chains over
	// all the workers: 4 chains of NUTS run on 4 cores.
	Workers int
	// Bounds, when set, keeps every chain inside a box; see Bounds. AIS,
	// SMC, elliptical slice sampling and MCLMC refuse it.
	Bounds *Bounds
	// Condition, when set, gives every chain an observation to condition on
	// (inpainting, denoising); see Condition. AIS, SMC, elliptical slice
	// sampling and MCLMC refuse it.
	Condition *Condition
	// Tuned, when set, gives every chain's step size (and diagonal or dense
	// inverse mass, for kernels with a metric) as a previous run's Result.Tuned
	// returned them: MALA, HMC and NUTS (and kernels of one's own that read
	// Tuning) continue the chains with these, neither adapting nor following
	// their step-size schedule. Samplers without tuning (Langevin, RMHMC,
	// tempering, AIS, descent) follow their schedules.
	Tuned *Tuning
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
	// StepInfo holds the kernel's report on each kept step when
	// Options.Trajectory is set, StepInfo[c·Kept + k]: Stan's per-draw
	// sampler columns.
	StepInfo []StepInfo
	// Tuned holds the step sizes (and metric) at the end of the run, after
	// adaptation: pass it as Options.Tuned to continue the chains without
	// adapting again.
	Tuned Tuning
	Info  Info
}

// Info holds per-chain diagnostics of a run.
type Info struct {
	// AcceptRate is each chain's mean acceptance statistic after warm-up:
	// 1 for unadjusted samplers.
	AcceptRate []float64
	// Divergences counts each chain's divergent transitions after warm-up
	// (energy error above 1000, or a non-finite proposal).
	Divergences []int
	// StepSize is each chain's step size at the end (after adaptation).
	StepSize []float64
	// GradEvals is the number of point gradients computed, over all chains;
	// SamplingGradEvals counts those after warm-up (what ESS per gradient
	// divides by, as Stan's n_leapfrog__ does).
	GradEvals, SamplingGradEvals int64
	// EnergyEvals and SamplingEnergyEvals count the energies evaluated
	// without gradients, by GradientFree kernels, in all and after warm-up.
	EnergyEvals, SamplingEnergyEvals int64
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

// Run runs a kernel over the chains that o describes: it splits them into
// blocks of BlockSize (smaller ones, one or more per worker, for an
// IndependentChains kernel with fewer than Workers×BlockSize chains), makes
// one kernel per block with newKernel, and runs the blocks concurrently,
// each from start to end. It validates o, starts
// the chains (from o.Init or N(0, I)), evaluates their energies and
// gradients, calls Init, then Step o.Warmup + o.Steps times, keeping every
// o.Thin-th step after warm-up. Acceptance and divergences are counted from
// the StepInfo of the steps after warm-up. The draws do not depend on
// o.Workers. A panic in the kernel or the energy on one of Run's goroutines
// is raised again on the caller's goroutine, once the other blocks have
// stopped, as an error holding the panic's value and the stack where it
// happened.
func Run(ctx context.Context, e energy.Energy, o Options, newKernel func() Kernel) (*Result, error) {
	if e == nil {
		return nil, fmt.Errorf("sampler: no energy: %w", ErrInvalid)
	}
	chains, d := o.shape(e)
	if err := energy.CheckDim(e, d); err != nil {
		return nil, fmt.Errorf("sampler: %w (set Options.Dim for energies of any dimension): %w", err, ErrInvalid)
	}
	switch {
	case chains <= 0:
		return nil, fmt.Errorf("sampler: %d chains: %w", chains, ErrInvalid)
	case o.Steps < 0 || o.Warmup < 0 || o.Thin < 0:
		return nil, fmt.Errorf("sampler: negative steps (%d), warm-up (%d) or thinning (%d): %w", o.Steps, o.Warmup, o.Thin, ErrInvalid)
	case o.Thin > max(o.Steps, 1):
		return nil, fmt.Errorf("sampler: thinning %d above steps %d would keep no step: %w", o.Thin, o.Steps, ErrInvalid)
	}
	thin := max(o.Thin, 1)
	kept := o.Steps / thin
	if err := checkSizes(chains, d, kept, o); err != nil {
		return nil, fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
	}
	if o.Init != nil && len(o.Init) != chains*d {
		return nil, fmt.Errorf("sampler: %d initial values for %d chains of dimension %d: %w", len(o.Init), chains, d, ErrInvalid)
	}
	for i, v := range o.Init {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sampler: initial value %d (chain %d) is %g: %w", i, i/d, v, ErrInvalid)
		}
	}
	if err := o.Tuned.check(chains, d); err != nil {
		return nil, err
	}
	bounds, err := o.Bounds.expand(d)
	if err != nil {
		return nil, err
	}
	cond, err := o.Condition.check(chains, d)
	if err != nil {
		return nil, err
	}
	res := &Result{Dim: d, Chains: chains, Kept: kept, Final: make([]float64, chains*d), Energies: make([]float64, chains*kept)}
	if o.Trajectory {
		res.Draws = make([]float64, chains*kept*d)
		res.StepInfo = make([]StepInfo, chains*kept)
	}
	res.Info.AcceptRate = make([]float64, chains)
	res.Info.Divergences = make([]int, chains)
	res.Info.StepSize = make([]float64, chains)

	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// The first block's kernel and the energy tell whether the chains may
	// be cut finer.
	k0 := newKernel()
	size := blockSize(chains, workers, independentChains(k0) && !energy.IsBatchDependent(e))
	if energy.IsJoint(e) {
		if !unadjusted(k0) {
			return nil, fmt.Errorf("sampler: %T couples its chains (energy.Joint), which only an unadjusted kernel such as Langevin or gradient descent can move; %T tests each chain's move: %w", e, k0, ErrInvalid)
		}
		size = chains
	}
	var blocks []*block
	for first := 0; first < chains; first += size {
		n := min(size, chains-first)
		// A block's points are its rows of res.Final: they end there with
		// no copy.
		b := &block{State: State{Ctx: ctx, Energy: e, First: first, N: n, Dim: d, Warmup: o.Warmup, Tuned: o.Tuned != nil, Bounds: bounds, cond: cond,
			X: res.Final[first*d : (first+n)*d : (first+n)*d], E: make([]float64, n), G: make([]float64, n*d), RNG: make([]*rand.Rand, n)},
			tune: Tuning{StepSize: make([]float64, n)}, info: make([]StepInfo, n),
			accept: make([]float64, n), diverge: make([]int, n)}
		for i := range n {
			b.RNG[i] = rand.New(rand.NewPCG(o.Seed, o.FirstStream+uint64(first+i)))
			if o.Init != nil {
				copy(b.X[i*d:(i+1)*d], o.Init[(first+i)*d:])
			} else {
				for j := range d {
					b.X[i*d+j] = b.RNG[i].NormFloat64()
				}
			}
		}
		bounds.Keep(b.X, nil)
		blocks = append(blocks, b)
	}

	err = onWorkers(len(blocks), workers, func(i int, failed *atomic.Bool) error {
		k := k0
		if i > 0 {
			k = newKernel()
		}
		return blocks[i].run(ctx, o, thin, res, k, failed)
	})
	if err != nil {
		return nil, err
	}
	for _, b := range blocks {
		for i := range b.N {
			c := b.First + i
			if o.Steps > 0 {
				res.Info.AcceptRate[c] = b.accept[i] / float64(o.Steps)
			}
			res.Info.Divergences[c] = b.diverge[i]
			res.Info.StepSize[c] = b.tune.StepSize[i]
		}
		if b.tune.InvMass != nil {
			if res.Tuned.InvMass == nil {
				res.Tuned.InvMass = make([]float64, chains*d)
			}
			copy(res.Tuned.InvMass[b.First*d:], b.tune.InvMass)
		}
		if b.tune.InvMassDense != nil {
			if res.Tuned.InvMassDense == nil {
				res.Tuned.InvMassDense = make([]float64, chains*d*d)
			}
			copy(res.Tuned.InvMassDense[b.First*d*d:], b.tune.InvMassDense)
		}
		res.Info.GradEvals += b.GradEvals
		res.Info.EnergyEvals += b.EnergyEvals
		if o.Steps > 0 {
			res.Info.SamplingGradEvals += b.GradEvals - b.warmEval
			res.Info.SamplingEnergyEvals += b.EnergyEvals - b.warmEnergy
		}
	}
	res.Tuned.StepSize = slices.Clone(res.Info.StepSize)
	return res, ctx.Err()
}

// shape returns the number of chains and the dimension o asks for: Chains,
// or with Init set and Chains 0, len(Init)/Dim; Dim, or 0 for the energy's.
func (o Options) shape(e energy.Energy) (chains, d int) {
	d = cmp.Or(o.Dim, e.Dim())
	chains = o.Chains
	if chains == 0 && o.Init != nil && d > 0 {
		chains = len(o.Init) / d
	}
	return chains, d
}

// checkSizes bounds what Run allocates and counts, by the names of the
// options (ebm's flags): the points, the kept energies and draws, and the
// steps of the loop, which must not overflow an int nor exceed
// limit.MaxSteps.
func checkSizes(chains, d, kept int, o Options) error {
	if _, err := limit.Elems("chains × dim", chains, d); err != nil {
		return err
	}
	if _, err := limit.Elems("chains × kept steps (steps / thin)", chains, kept); err != nil {
		return err
	}
	if o.Trajectory {
		if _, err := limit.Elems("chains × kept steps (steps / thin) × dim", chains, kept, d); err != nil {
			return err
		}
	}
	_, err := limit.Steps("warmup + steps", o.Warmup, o.Steps)
	return err
}

// block is the driver's view of a block of chains: the kernel's State and
// tuning, and the counters of the diagnostics.
type block struct {
	State
	tune       Tuning
	info       []StepInfo
	accept     []float64 // summed acceptance statistics after warm-up
	diverge    []int
	warmEval   int64 // GradEvals when warm-up ended
	warmEnergy int64 // EnergyEvals then
}

func (b *block) run(ctx context.Context, o Options, thin int, res *Result, k Kernel, failed *atomic.Bool) error {
	if gradientFree(k) {
		b.EnergyChains(0, b.E, b.X)
	} else {
		b.Grad(b.E, b.G, b.X)
	}
	if err := b.check(0); err != nil {
		return err
	}
	if err := k.Init(&b.State, &b.tune); err != nil {
		return err
	}
	if err := o.Tuned.copyTo(&b.tune, b.First, b.Dim); err != nil {
		return err
	}
	d, kept := b.Dim, res.Kept
	for t := range o.Warmup + o.Steps {
		if t%64 == 0 && (ctx.Err() != nil || failed.Load()) {
			return ctx.Err()
		}
		b.T = t
		warm := t < o.Warmup
		if t == o.Warmup {
			b.warmEval, b.warmEnergy = b.GradEvals, b.EnergyEvals
		}
		clear(b.info)
		if err := k.Step(&b.State, &b.tune, b.info); err != nil {
			return err
		}
		if warm {
			continue
		}
		for i, in := range b.info {
			b.accept[i] += in.AcceptStat
			if in.Divergent {
				b.diverge[i]++
			}
		}
		s := t - o.Warmup + 1
		if s%thin != 0 || s/thin > kept {
			continue
		}
		kIdx := s/thin - 1
		for i := range b.N {
			c := b.First + i
			res.Energies[c*kept+kIdx] = b.E[i]
			if res.Draws != nil {
				copy(res.Draws[(c*kept+kIdx)*d:(c*kept+kIdx+1)*d], b.X[i*d:(i+1)*d])
				in := b.info[i]
				if in.StepSize == 0 { // the kernel's own (jittered) step, or the tuned one
					in.StepSize = b.tune.StepSize[i]
				}
				res.StepInfo[c*kept+kIdx] = in
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

// setStepSize gives every chain in tune the step size stepSize returns, and
// returns it.
func setStepSize(tune *Tuning, s schedule.Schedule, def float64, t int) (float64, error) {
	h, err := stepSize(s, def, t, "step size")
	if err != nil {
		return 0, err
	}
	fill(tune.StepSize, h)
	return h, nil
}

// followSchedule gives every chain in tune the schedule's step size at step
// t; a nil schedule leaves the step sizes, which are then tuned, as they are.
func followSchedule(tune *Tuning, s schedule.Schedule, t int) error {
	if s == nil {
		return nil
	}
	_, err := setStepSize(tune, s, 0, t)
	return err
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

// onWorkers calls f(i, failed) for every i in [0, n) on workers goroutines
// (0: GOMAXPROCS), each taking the next i, until all are done or one fails;
// f may poll failed to stop early. A panic in f on one of the goroutines is
// raised again on the caller's goroutine, once the others have stopped, as
// an error holding the panic's value and the stack where it happened
// (package panics). It returns f's errors joined.
func onWorkers(n, workers int, f func(i int, failed *atomic.Bool) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, n)
	caught := make([]*panics.Error, min(workers, n))
	var wg sync.WaitGroup
	for w := range caught {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if caught[w] != nil {
					failed.Store(true)
				}
			}()
			defer panics.Catch(&caught[w])
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() {
					return
				}
				if errs[i] = f(i, &failed); errs[i] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	panics.Raise(caught...)
	return errors.Join(errs...)
}
