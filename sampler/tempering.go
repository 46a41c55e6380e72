package sampler

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/schedule"
)

// ParallelTempering runs, for every chain, replicas of the target at a
// ladder of temperatures 1 = T₁ < T₂ < … < T_R, each moved by MALA on
// exp(−E/Tᵣ) (step η·Tᵣ, so that the hot replicas stride as far as their
// flatter densities allow), and after each move proposes to swap the states
// of neighbouring replicas, alternating even and odd pairs, with probability
// min(1, exp((1/Tᵣ − 1/Tᵣ₊₁)(E(xᵣ) − E(xᵣ₊₁)))). Hot replicas cross energy
// barriers and pass what they find down the ladder. The draws are those of
// the T = 1 replica; Temper also returns the mean swap probability of each
// neighbouring pair (aim for 0.2–0.6: lower means the ladder needs more
// rungs). The replicas of a chain are chains of one MALA kernel, each at its
// own temperature, and share the chain's random stream.
type ParallelTempering struct {
	// Temperatures is the ladder, starting at 1 and increasing. Nil means
	// Replicas temperatures spaced geometrically from 1 to MaxTemperature.
	Temperatures []float64
	// Replicas is the number of rungs when Temperatures is nil; 0 means 8.
	Replicas int
	// MaxTemperature is the hottest rung when Temperatures is nil; 0 means 10.
	MaxTemperature float64
	// StepSize η of the MALA moves at T = 1; nil means 0.01.
	StepSize schedule.Schedule
}

// Ladder returns the temperatures the sampler will use, or an error.
func (s ParallelTempering) Ladder() ([]float64, error) {
	if s.Temperatures != nil {
		ts := s.Temperatures
		if len(ts) < 2 || ts[0] != 1 {
			return nil, fmt.Errorf("sampler: temperature ladder %v must start at 1 and have 2 rungs or more: %w", ts, ErrInvalid)
		}
		for r := 1; r < len(ts); r++ {
			if !(ts[r] > ts[r-1]) || math.IsInf(ts[r], 0) {
				return nil, fmt.Errorf("sampler: temperature ladder %v must increase: %w", ts, ErrInvalid)
			}
		}
		return append([]float64(nil), ts...), nil
	}
	r, top := cmp.Or(s.Replicas, 8), cmp.Or(s.MaxTemperature, 10)
	if r < 2 || !(top > 1) || math.IsInf(top, 0) {
		return nil, fmt.Errorf("sampler: %d replicas up to temperature %g: need 2 or more, above 1: %w", r, top, ErrInvalid)
	}
	if _, err := limit.Elems("replicas", r); err != nil {
		return nil, fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
	}
	ts := make([]float64, r)
	for i := range ts {
		ts[i] = math.Pow(top, float64(i)/float64(r-1))
	}
	return ts, nil
}

// TemperingResult is a parallel-tempering run: the T = 1 replica's draws,
// and how often neighbouring replicas swapped.
type TemperingResult struct {
	Result
	// SwapRate is the mean swap acceptance probability of each pair of
	// neighbouring temperatures after warm-up, over all chains.
	SwapRate []float64
}

// Sample runs the chains; each step costs one gradient per replica.
func (s ParallelTempering) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	r, err := s.Temper(ctx, e, o)
	if r == nil {
		return nil, err
	}
	return &r.Result, err
}

// Temper runs the chains as Sample does and also returns the swap rates.
func (s ParallelTempering) Temper(ctx context.Context, e energy.Energy, o Options) (*TemperingResult, error) {
	if e != nil { // else Run refuses it
		// Every chain has a replica per rung: bound them all before the
		// ladder is built.
		chains, d := o.shape(e)
		r := len(s.Temperatures)
		if s.Temperatures == nil {
			r = cmp.Or(s.Replicas, 8)
		}
		if _, err := limit.Elems("chains × replicas × dim", max(chains, 0), r, max(d, 0)); err != nil {
			return nil, fmt.Errorf("sampler: %w: %w", err, ErrInvalid)
		}
	}
	temps, err := s.Ladder()
	if err != nil {
		return nil, err
	}
	h0, err := stepSize(s.StepSize, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	var blocks perBlock[*ptKernel]
	res, err := Run(ctx, e, o, func() Kernel { return &ptKernel{temps: temps, step0: h0, schedule: s.StepSize, blocks: &blocks} })
	if res == nil {
		return nil, err
	}
	out := &TemperingResult{Result: *res}
	swapAcc, swapTry := make([]float64, len(temps)-1), make([]float64, len(temps)-1)
	for _, k := range blocks.inOrder() {
		for r := range swapTry {
			swapAcc[r] += k.swapAcc[r]
			swapTry[r] += k.swapTry[r]
		}
	}
	for r := range swapTry {
		out.SwapRate = append(out.SwapRate, swapAcc[r]/swapTry[r])
	}
	return out, err
}

// ptKernel moves each chain's replicas, held as the chains i·R + r of a
// state of its own, with MALA at their temperatures, then proposes swaps.
type ptKernel struct {
	temps    []float64
	step0    float64
	schedule schedule.Schedule
	blocks   *perBlock[*ptKernel]
	rs       State
	rtune    Tuning
	rinfo    []StepInfo
	move     malaKernel
	// swapAcc and swapTry sum swap acceptance probabilities and attempts
	// per pair of neighbouring temperatures.
	swapAcc, swapTry []float64
}

var _ Kernel = (*ptKernel)(nil)

func (k *ptKernel) Init(s *State, tune *Tuning) error {
	fill(tune.StepSize, k.step0)
	r, d := len(k.temps), s.Dim
	n := s.N * r
	k.rs = State{Energy: s.Energy, First: s.First * r, N: n, Dim: d, Warmup: s.Warmup, Bounds: s.Bounds, cond: s.cond, rep: r,
		X: make([]float64, n*d), E: make([]float64, n), G: make([]float64, n*d), RNG: make([]*rand.Rand, n)}
	k.move.temp = make([]float64, n)
	for i := range s.N {
		for rr, temp := range k.temps {
			j := i*r + rr
			copy(k.rs.X[j*d:(j+1)*d], s.X[i*d:(i+1)*d])
			copy(k.rs.G[j*d:(j+1)*d], s.G[i*d:(i+1)*d])
			k.rs.E[j] = s.E[i]
			k.rs.RNG[j] = s.RNG[i]
			k.move.temp[j] = temp
		}
	}
	k.rtune.StepSize = make([]float64, n)
	k.rinfo = make([]StepInfo, n)
	if err := k.move.Init(&k.rs, &k.rtune); err != nil {
		return err
	}
	k.swapAcc, k.swapTry = make([]float64, r-1), make([]float64, r-1)
	k.blocks.put(s.First, k)
	return nil
}

func (k *ptKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	h, err := setStepSize(tune, k.schedule, 0.01, s.T)
	if err != nil {
		return err
	}
	fill(k.rtune.StepSize, h)
	k.rs.T, k.rs.Ctx = s.T, s.Ctx
	if err := k.move.Step(&k.rs, &k.rtune, k.rinfo); err != nil {
		return err
	}
	s.GradEvals += k.rs.GradEvals
	k.rs.GradEvals = 0
	d, r := s.Dim, len(k.temps)
	x, en, g := k.rs.X, k.rs.E, k.rs.G
	for i := range s.N {
		rng := s.RNG[i]
		info[i] = k.rinfo[i*r] // the T = 1 replica's move
		// Swaps between neighbours, even pairs on even steps, odd on odd.
		for rr := s.T % 2; rr+1 < r; rr += 2 {
			lo, hi := i*r+rr, i*r+rr+1
			a := math.Min(1, math.Exp((1/k.temps[rr]-1/k.temps[rr+1])*(en[lo]-en[hi])))
			if !s.Warm() {
				k.swapAcc[rr] += a
				k.swapTry[rr]++
			}
			if rng.Float64() < a {
				en[lo], en[hi] = en[hi], en[lo]
				swapRange(x[lo*d:(lo+1)*d], x[hi*d:(hi+1)*d])
				swapRange(g[lo*d:(lo+1)*d], g[hi*d:(hi+1)*d])
			}
		}
		j := i * r
		copy(s.X[i*d:(i+1)*d], x[j*d:(j+1)*d])
		copy(s.G[i*d:(i+1)*d], g[j*d:(j+1)*d])
		s.E[i] = en[j]
		info[i].Energy = s.E[i]
	}
	return nil
}

func swapRange(a, b []float64) {
	for i := range a {
		a[i], b[i] = b[i], a[i]
	}
}
