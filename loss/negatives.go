package loss

import (
	"context"
	"fmt"
	"math/rand/v2"

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
}

// newChains returns the chains of s on the energy of net in dimension d.
func newChains(s sampler.Sampler, net nn.Module, d int) (chains, error) {
	e, err := energy.NewModel(net, d)
	if err != nil {
		return chains{}, fmt.Errorf("loss: %w", err)
	}
	return chains{s: s, e: e, d: d}, nil
}

// run advances one chain per row of init by steps steps, seeded from rng,
// and returns where they end.
func (c chains) run(init []float64, steps int, rng *rand.Rand) ([]float64, error) {
	r, err := c.s.Sample(context.Background(), c.e, sampler.Options{Dim: c.d, Init: init, Steps: steps, Seed: rng.Uint64()})
	if err != nil {
		return nil, fmt.Errorf("loss: sampling negatives: %w", err)
	}
	return r.Final, nil
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
// Mordatch 2019): size rows of dimension d, nil until the first draw.
type replay struct {
	rows []float64
	d    int
}

// fill creates the buffer of size rows from noise, advanced by warm steps
// of c, unless it exists; a buffer of another dimension is an error.
func (b *replay) fill(c chains, size, warm int, rng *rand.Rand) error {
	if b.rows != nil {
		if b.d != c.d {
			return fmt.Errorf("loss: replay buffer of dimension %d, batch of dimension %d: %w", b.d, c.d, ErrInvalid)
		}
		return nil
	}
	rows := gaussianRows(rng, size, c.d)
	if warm > 0 {
		var err error
		if rows, err = c.run(rows, warm, rng); err != nil {
			return err
		}
	}
	b.rows, b.d = rows, c.d
	return nil
}

// starts picks min(n, size) distinct slots and returns them with the
// chains' starting points: each restarts from noise with probability
// fresh, and otherwise continues its slot's chain.
func (b *replay) starts(n int, fresh float64, rng *rand.Rand) (slots []int, init []float64) {
	d := b.d
	size := len(b.rows) / d
	slots = rng.Perm(size)[:min(n, size)]
	init = make([]float64, len(slots)*d)
	for i, sl := range slots {
		if rng.Float64() < fresh {
			for j := range d {
				init[i*d+j] = rng.NormFloat64()
			}
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
