package loss

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

// This file draws the negatives of the contrastive losses
// (ContrastiveDivergence in all its forms, EnergyMatching): chains of a
// sampler started from noise, from data rows or from a replay buffer.

// chains runs a sampler on an energy network for the negatives.
type chains struct {
	s sampler.Sampler
	e energy.Energy
	d int
	b *sampler.Bounds // nil: unbounded
}

// newChains returns the chains of s on the energy of net in dimension d,
// kept in the box b (nil: none).
func newChains(s sampler.Sampler, net nn.Module, d int, b *sampler.Bounds) (chains, error) {
	e, err := energy.NewModel(net, d)
	if err != nil {
		return chains{}, fmt.Errorf("loss: %w", err)
	}
	return chains{s: s, e: e, d: d, b: b}, nil
}

// noise returns n starting points: uniform in the box where it is closed on
// both sides, N(0, I) otherwise.
func (c chains) noise(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n*c.d)
	for i := range n {
		c.noiseRow(rng, v[i*c.d:(i+1)*c.d])
	}
	return v
}

// noiseRow fills one starting point, as noise does.
func (c chains) noiseRow(rng *rand.Rand, dst []float64) {
	for j := range dst {
		lo, hi, ok := c.side(j)
		if ok {
			dst[j] = lo + (hi-lo)*rng.Float64()
		} else {
			dst[j] = rng.NormFloat64()
		}
	}
}

// side returns the box's faces at coordinate j, and whether both are
// finite.
func (c chains) side(j int) (lo, hi float64, ok bool) {
	if c.b == nil {
		return 0, 0, false
	}
	at := func(v []float64) float64 {
		if len(v) == 1 {
			return v[0]
		}
		return v[j]
	}
	lo, hi = at(c.b.Lo), at(c.b.Hi)
	return lo, hi, !math.IsInf(lo, 0) && !math.IsInf(hi, 0)
}

// run advances one chain per row of init by steps steps, seeded from rng,
// and returns where they end.
func (c chains) run(init []float64, steps int, rng *rand.Rand) ([]float64, error) {
	r, err := c.sample(sampler.Options{Init: init, Steps: steps}, rng)
	if err != nil {
		return nil, err
	}
	return r.Final, nil
}

// sample runs the chains with the options o (their dimension and seed set
// here).
func (c chains) sample(o sampler.Options, rng *rand.Rand) (*sampler.Result, error) {
	o.Dim, o.Seed, o.Bounds = c.d, rng.Uint64(), c.b
	r, err := c.s.Sample(context.Background(), c.e, o)
	if err != nil {
		return nil, fmt.Errorf("loss: sampling negatives: %w", err)
	}
	return r, nil
}

// adapts reports whether the chains' sampler tunes itself in warm-up.
func (c chains) adapts() bool {
	a, ok := c.s.(sampler.Adaptive)
	return ok && a.Adapts()
}

// gaussianRows returns n rows of N(0, I) in dimension d.
func gaussianRows(rng *rand.Rand, n, d int) []float64 {
	v := make([]float64, n*d)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// rowsOf returns a copy of the rows idx of x.
func rowsOf(x *tensor.Tensor, idx []int) []float64 {
	d := x.Dim(1)
	out := make([]float64, 0, len(idx)*d)
	for _, i := range idx {
		out = append(out, x.Data()[i*d:(i+1)*d]...)
	}
	return out
}

// replay is a replay buffer of persistent chains (Tieleman 2008; Du and
// Mordatch 2019): size rows of dimension d, nil until the first draw. With
// an adaptive sampler, the warm steps that create the buffer are its
// warm-up, and tuned keeps what they tuned, for every later draw.
type replay struct {
	rows  []float64
	d     int
	tuned *tuning
}

// tuning is one step size and diagonal or dense inverse metric (nil: none)
// for every chain: the buffer's chains are drawn afresh each step, so what
// the adaptation found per chain is pooled, by the median step size and the
// mean inverse mass (a mean of positive-definite matrices is one).
type tuning struct {
	step           float64
	invMass, dense []float64
}

// pool returns the tuning of a run whose chains adapted.
func pool(t sampler.Tuning, d int) *tuning {
	p := &tuning{step: median(t.StepSize)}
	if t.InvMass != nil {
		p.invMass = make([]float64, d)
		n := float64(len(t.InvMass) / d)
		for i, v := range t.InvMass {
			p.invMass[i%d] += v / n
		}
	}
	if t.InvMassDense != nil {
		p.dense = make([]float64, d*d)
		n := float64(len(t.InvMassDense) / (d * d))
		for i, v := range t.InvMassDense {
			p.dense[i%(d*d)] += v / n
		}
	}
	return p
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// forChains returns the tuning as a sampler takes it for n chains.
func (t *tuning) forChains(n int) *sampler.Tuning {
	if t == nil {
		return nil
	}
	out := &sampler.Tuning{StepSize: make([]float64, n)}
	for i := range n {
		out.StepSize[i] = t.step
		if t.invMass != nil {
			out.InvMass = append(out.InvMass, t.invMass...)
		}
		if t.dense != nil {
			out.InvMassDense = append(out.InvMassDense, t.dense...)
		}
	}
	return out
}

// fill creates the buffer of size rows from noise, advanced by warm steps
// of c (its warm-up, when c adapts), unless it exists; a buffer of another
// dimension is an error.
func (b *replay) fill(c chains, size, warm int, rng *rand.Rand) error {
	if b.rows != nil {
		if b.d != c.d {
			return fmt.Errorf("loss: replay buffer of dimension %d, batch of dimension %d: %w", b.d, c.d, ErrInvalid)
		}
		return nil
	}
	rows := c.noise(rng, size)
	var tuned *tuning
	switch {
	case warm > 0 && c.adapts():
		r, err := c.sample(sampler.Options{Init: rows, Warmup: warm}, rng)
		if err != nil {
			return err
		}
		rows, tuned = r.Final, pool(r.Tuned, c.d)
	case warm > 0:
		var err error
		if rows, err = c.run(rows, warm, rng); err != nil {
			return err
		}
	}
	b.rows, b.d, b.tuned = rows, c.d, tuned
	return nil
}

// draw advances the chains from init by steps steps, with the buffer's
// tuning when it has one.
func (b *replay) draw(c chains, init []float64, steps int, rng *rand.Rand) ([]float64, error) {
	r, err := c.sample(sampler.Options{Init: init, Steps: steps, Tuned: b.tuned.forChains(len(init) / c.d)}, rng)
	if err != nil {
		return nil, err
	}
	return r.Final, nil
}

// starts picks min(n, size) distinct slots and returns them with the
// chains' starting points: each restarts from noise with probability
// fresh, and otherwise continues its slot's chain.
func (b *replay) starts(c chains, n int, fresh float64, rng *rand.Rand) (slots []int, init []float64) {
	d := b.d
	size := len(b.rows) / d
	slots = rng.Perm(size)[:min(n, size)]
	init = make([]float64, len(slots)*d)
	for i, sl := range slots {
		if rng.Float64() < fresh {
			c.noiseRow(rng, init[i*d:(i+1)*d])
		} else {
			copy(init[i*d:(i+1)*d], b.rows[sl*d:(sl+1)*d])
		}
	}
	return slots, init
}

// keep writes the chains' ends back to their slots.
func (b *replay) keep(slots []int, ends []float64) {
	d := b.d
	for i, sl := range slots {
		copy(b.rows[sl*d:(sl+1)*d], ends[i*d:(i+1)*d])
	}
}
