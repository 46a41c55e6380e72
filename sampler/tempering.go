package sampler

import (
	"context"
	"fmt"
	"math"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// ParallelTempering runs, for every chain, replicas of the target at a
// ladder of temperatures 1 = T₁ < T₂ < … < T_R, each moved by MALA on
// exp(−E/Tᵣ) (step η·Tᵣ, so that the hot replicas stride as far as their
// flatter densities allow), and after each move proposes to swap the states
// of neighbouring replicas, alternating even and odd pairs, with probability
// min(1, exp((1/Tᵣ − 1/Tᵣ₊₁)(E(xᵣ) − E(xᵣ₊₁)))). Hot replicas cross energy
// barriers and pass what they find down the ladder. The draws are those of
// the T = 1 replica; Info.SwapRate gives the mean swap probability of each
// neighbouring pair (aim for 0.2–0.6: lower means the ladder needs more
// rungs).
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
	r, top := s.Replicas, s.MaxTemperature
	if r == 0 {
		r = 8
	}
	if top == 0 {
		top = 10
	}
	if r < 2 || !(top > 1) || math.IsInf(top, 0) {
		return nil, fmt.Errorf("sampler: %d replicas up to temperature %g: need 2 or more, above 1: %w", r, top, ErrInvalid)
	}
	ts := make([]float64, r)
	for i := range ts {
		ts[i] = math.Pow(top, float64(i)/float64(r-1))
	}
	return ts, nil
}

// Sample runs the chains; each step costs one gradient per replica.
func (s ParallelTempering) Sample(ctx context.Context, e energy.Energy, o Options) (*Result, error) {
	temps, err := s.Ladder()
	if err != nil {
		return nil, err
	}
	h0, err := stepSize(s.StepSize, 0.01, 0, "step size")
	if err != nil {
		return nil, err
	}
	return run(ctx, e, o, h0, func(b *block) (kernel, error) {
		r, nd := len(temps), b.n*len(temps)*b.d
		k := &ptKernel{s: s, temps: temps, x: make([]float64, nd), en: make([]float64, b.n*r), g: make([]float64, nd),
			y: make([]float64, nd), ey: make([]float64, b.n*r), gy: make([]float64, nd)}
		for i := range b.n {
			for rr := range r {
				j := i*r + rr
				copy(k.x[j*b.d:(j+1)*b.d], b.x[i*b.d:(i+1)*b.d])
				copy(k.g[j*b.d:(j+1)*b.d], b.g[i*b.d:(i+1)*b.d])
				k.en[j] = b.en[i]
			}
		}
		b.swapAcc, b.swapTry = make([]float64, r-1), make([]float64, r-1)
		return k, nil
	})
}

type ptKernel struct {
	s         ParallelTempering
	temps     []float64
	x, en, g  []float64 // replica states, chain-major: replica r of chain i is i·R + r
	y, ey, gy []float64
}

func (k *ptKernel) step(b *block, t int, warm bool) error {
	h, err := stepSize(k.s.StepSize, 0.01, t, "step size")
	if err != nil {
		return err
	}
	fill(b.step, h)
	d, r := b.d, len(k.temps)
	for i := range b.n {
		rng := b.rng[i]
		for rr, temp := range k.temps {
			noise := math.Sqrt(2 * h * temp)
			for j := (i*r + rr) * d; j < (i*r+rr+1)*d; j++ {
				k.y[j] = k.x[j] - h*k.g[j] + noise*rng.NormFloat64()
			}
		}
	}
	b.grad(k.ey, k.gy, k.y)
	for i := range b.n {
		rng := b.rng[i]
		for rr, temp := range k.temps {
			j := i*r + rr
			fwd, rev := 0.0, 0.0
			for m := j * d; m < (j+1)*d; m++ {
				u := k.y[m] - k.x[m] + h*k.g[m]
				v := k.x[m] - k.y[m] + h*k.gy[m]
				fwd += u * u
				rev += v * v
			}
			a := math.Min(1, math.Exp((k.en[j]-k.ey[j])/temp+(fwd-rev)/(4*h*temp)))
			if !finite(k.ey[j]) || !finiteSlice(k.gy[j*d:(j+1)*d]) || math.IsNaN(a) {
				a = 0
				if rr == 0 && !warm {
					b.diverge[i]++
				}
			}
			if rng.Float64() < a {
				copy(k.x[j*d:(j+1)*d], k.y[j*d:(j+1)*d])
				copy(k.g[j*d:(j+1)*d], k.gy[j*d:(j+1)*d])
				k.en[j] = k.ey[j]
			}
			if rr == 0 && !warm {
				b.accept[i] += a
			}
		}
		// Swaps between neighbours, even pairs on even steps, odd on odd.
		for rr := t % 2; rr+1 < r; rr += 2 {
			lo, hi := i*r+rr, i*r+rr+1
			a := math.Min(1, math.Exp((1/k.temps[rr]-1/k.temps[rr+1])*(k.en[lo]-k.en[hi])))
			if !warm {
				b.swapAcc[rr] += a
				b.swapTry[rr]++
			}
			if rng.Float64() < a {
				k.en[lo], k.en[hi] = k.en[hi], k.en[lo]
				swapRange(k.x[lo*d:(lo+1)*d], k.x[hi*d:(hi+1)*d])
				swapRange(k.g[lo*d:(lo+1)*d], k.g[hi*d:(hi+1)*d])
			}
		}
		j := i * r
		copy(b.x[i*d:(i+1)*d], k.x[j*d:(j+1)*d])
		copy(b.g[i*d:(i+1)*d], k.g[j*d:(j+1)*d])
		b.en[i] = k.en[j]
	}
	return nil
}

func swapRange(a, b []float64) {
	for i := range a {
		a[i], b[i] = b[i], a[i]
	}
}
