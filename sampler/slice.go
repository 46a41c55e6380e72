package sampler

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
)

// Slice is univariate slice sampling (Neal 2003) applied to each coordinate
// in turn, with stepping out and shrinkage. For coordinate j of a chain at x
// it draws a level z = E(x) + Exp(1), so that the slice is {x′ : E(x′) < z}
// along the coordinate; places an interval of width w at random around xⱼ;
// steps its ends out by w while they are inside the slice, at most m steps
// in all (randomly split between the sides); then draws a point uniformly
// from the interval, shrinking the interval towards xⱼ past every draw
// outside the slice, until one lands inside. Every move is accepted, and
// the draws are exact for exp(−E) whatever w and m: w sets only the cost,
// about 2 + |slice|/w + log(w/|slice|) energies per coordinate.
//
// It needs no gradients. The chains of a block are advanced together: each
// round of stepping out or shrinkage evaluates the chains still searching in
// one batched call, and each chain draws from its own stream, so the draws
// do not depend on the batching. A coordinate held by Options.Condition is
// not moved; under Options.Bounds a point outside the box is outside the
// slice (the target is zero there), in either mode, which keeps it exact.
//
// The width is a setting, not adapted: Width, per chain in Result.Tuned's
// step sizes (which Options.Tuned takes back). A width near the target's
// scale per coordinate is cheapest; a wrong one costs evaluations (too small
// by a factor k: about k stepping-out steps, until MaxSteps caps them and
// the chain moves less far; too large: about log k shrinkages).
type Slice struct {
	// Width is the initial interval's width w; 0 means 1.
	Width float64
	// MaxSteps caps the stepping-out steps m per coordinate; 0 means 32.
	MaxSteps int
}

// Sample runs the chains. Each step updates every coordinate once;
// Result.Info.EnergyEvals counts the energies it took, StepInfo.EnergyEvals
// those of each step.
func (sl Slice) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	w := sl.Width
	if w == 0 {
		w = 1
	}
	m := sl.MaxSteps
	if m == 0 {
		m = 32
	}
	if !(w > 0) || math.IsInf(w, 0) || m < 1 {
		return nil, fmt.Errorf("sampler: slice width %g and at most %d steps out: need a positive finite width and at least 1 step: %w", w, m, ErrInvalid)
	}
	return Run(ctx, e, o, func() Kernel { return &sliceKernel{width: w, maxSteps: m} })
}

// sliceKernel is coordinate-wise slice sampling over a block of chains.
type sliceKernel struct {
	chainwise
	width    float64
	maxSteps int

	z, lo, hi []float64 // each chain's level and interval
	left      []int     // stepping-out steps left on the left side, then the right
	right     []int
	rows      []int     // the chain of each point being evaluated
	side      []int     // −1: left end, +1: right end, 0: a shrinkage draw
	pts, e    []float64 // the points being evaluated and their energies
	evals     []int     // evaluations per chain in this step
	done      []bool
}

var _ GradientFree = (*sliceKernel)(nil)

// GradientFree reports that the kernel reads no gradients.
func (k *sliceKernel) GradientFree() bool { return true }

func (k *sliceKernel) Init(s *State, tune *Tuning) error {
	fill(tune.StepSize, k.width)
	n := s.N
	k.z, k.lo, k.hi = make([]float64, n), make([]float64, n), make([]float64, n)
	k.left, k.right, k.evals, k.done = make([]int, n), make([]int, n), make([]int, n), make([]bool, n)
	k.rows, k.side = make([]int, 0, 2*n), make([]int, 0, 2*n)
	k.pts, k.e = make([]float64, 2*n*s.Dim), make([]float64, 2*n)
	return nil
}

// Step updates every coordinate of every chain once, in order.
func (k *sliceKernel) Step(s *State, tune *Tuning, info []StepInfo) error {
	clear(k.evals)
	for j := range s.Dim {
		k.coordinate(s, tune, j)
	}
	for i := range s.N {
		info[i] = StepInfo{AcceptStat: 1, Accepted: true, Energy: s.E[i], EnergyEvals: k.evals[i]}
	}
	return nil
}

// inBox reports whether value v of coordinate j is inside the bounds.
func inBox(b *Bounds, j int, v float64) bool {
	return b == nil || (v >= b.Lo[j] && v <= b.Hi[j])
}

// coordinate updates coordinate j of every chain: level, stepping out,
// then shrinkage, each round batched over the chains still searching.
func (k *sliceKernel) coordinate(s *State, tune *Tuning, j int) {
	d := s.Dim
	for i := range s.N {
		pinned := s.Pinned(i)
		k.done[i] = pinned != nil && pinned[j]
		if k.done[i] {
			continue
		}
		rng, w, x := s.RNG[i], tune.StepSize[i], s.X[i*d+j]
		k.z[i] = s.E[i] + rng.ExpFloat64()
		k.lo[i] = x - w*rng.Float64()
		k.hi[i] = k.lo[i] + w
		k.left[i] = int(float64(k.maxSteps) * rng.Float64())
		k.right[i] = k.maxSteps - 1 - k.left[i]
	}
	// Stepping out: each round evaluates each side that is still inside
	// the slice and has steps left; an end outside the box is outside.
	for {
		k.rows, k.side = k.rows[:0], k.side[:0]
		for i := range s.N {
			if k.done[i] {
				continue
			}
			if k.left[i] > 0 && inBox(s.Bounds, j, k.lo[i]) {
				k.add(s, i, j, -1, k.lo[i])
			}
			if k.right[i] > 0 && inBox(s.Bounds, j, k.hi[i]) {
				k.add(s, i, j, 1, k.hi[i])
			}
		}
		if len(k.rows) == 0 {
			break
		}
		k.eval(s)
		for r, i := range k.rows {
			in := k.e[r] < k.z[i]
			switch {
			case k.side[r] < 0 && in:
				k.lo[i] -= tune.StepSize[i]
				k.left[i]--
			case k.side[r] < 0:
				k.left[i] = 0
			case in:
				k.hi[i] += tune.StepSize[i]
				k.right[i]--
			default:
				k.right[i] = 0
			}
		}
	}
	// Shrinkage: draw from the interval until inside the slice, narrowing
	// the interval towards the current point past each miss.
	for {
		k.rows, k.side = k.rows[:0], k.side[:0]
		for i := range s.N {
			for !k.done[i] {
				x := s.X[i*d+j]
				v := k.lo[i] + s.RNG[i].Float64()*(k.hi[i]-k.lo[i])
				if v == x || !(k.hi[i] > k.lo[i]) {
					k.done[i] = true // shrunk onto the current point: stay
					break
				}
				if inBox(s.Bounds, j, v) {
					k.add(s, i, j, 0, v)
					break
				}
				k.shrink(i, x, v)
			}
		}
		if len(k.rows) == 0 {
			return
		}
		k.eval(s)
		for r, i := range k.rows {
			v := k.pts[r*d+j]
			if k.e[r] < k.z[i] {
				copy(s.X[i*d:(i+1)*d], k.pts[r*d:(r+1)*d])
				s.E[i] = k.e[r]
				k.done[i] = true
				continue
			}
			k.shrink(i, s.X[i*d+j], v)
		}
	}
}

// shrink narrows chain i's interval to the side of v where its point x is.
func (k *sliceKernel) shrink(i int, x, v float64) {
	if v < x {
		k.lo[i] = v
	} else {
		k.hi[i] = v
	}
}

// add queues chain i's point with coordinate j set to v for evaluation.
func (k *sliceKernel) add(s *State, i, j, side int, v float64) {
	d, r := s.Dim, len(k.rows)
	copy(k.pts[r*d:(r+1)*d], s.X[i*d:(i+1)*d])
	k.pts[r*d+j] = v
	k.rows, k.side = append(k.rows, i), append(k.side, side)
	k.evals[i]++
}

// eval evaluates the queued points; a non-finite energy is outside every
// slice (NaN < z is false).
func (k *sliceKernel) eval(s *State) {
	s.energyRows(k.rows, 0, k.e[:len(k.rows)], k.pts[:len(k.rows)*s.Dim])
}
