package loss

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// ContrastiveDivergence lowers the energy of data and raises that of samples
// from the model:
//
//	mean E(x) − mean E(x⁻) + α·(mean E(x)² + mean E(x⁻)²)
//
// whose parameter gradient estimates that of the negative log-likelihood
// (Hinton 2002). The negatives x⁻ come from K steps of Sampler started from
// the data (FromData: classic CD-k), from noise N(0, I), or, with Persistent,
// from a replay buffer of chains that each step continues (Tieleman 2008;
// Du and Mordatch 2019): NewSampleRatio of the batch restarts from noise, and
// the buffer's chains are written back slot by slot. A parallel-tempering
// sampler gives parallel-tempering CD. The α term (RegWeight, default 0.001)
// keeps energies near zero.
//
// A ContrastiveDivergence with Persistent set holds its buffer: use one value
// per training run, from one goroutine.
type ContrastiveDivergence struct {
	// K is the number of sampler steps per loss; 0 means 10.
	K int
	// Sampler draws the negatives; nil means Langevin with step 0.01.
	Sampler sampler.Sampler
	// FromData starts the chains at the data batch (classic CD) instead of
	// noise; ignored when Persistent.
	FromData bool
	// Persistent keeps a replay buffer of chains.
	Persistent bool
	// BufferSize is the replay buffer's size; 0 means 10000.
	BufferSize int
	// NewSampleRatio of each batch restarts from noise; 0 means 0.05.
	NewSampleRatio float64
	// InitSteps sampler steps are run on the buffer when it is created; 0
	// means 100, negative means none.
	InitSteps int
	// RegWeight α of the energy-magnitude regulariser; 0 means 0.001,
	// negative means none.
	RegWeight float64

	buffer []float64 // BufferSize × d chains
	dim    int
}

func (c *ContrastiveDivergence) defaults() (k int, s sampler.Sampler, size int, ratio, reg float64, init int) {
	k, s, size, ratio, reg, init = c.K, c.Sampler, c.BufferSize, c.NewSampleRatio, c.RegWeight, c.InitSteps
	if k == 0 {
		k = 10
	}
	if s == nil {
		s = sampler.Langevin{StepSize: schedule.Constant(0.01)}
	}
	if size == 0 {
		size = 10000
	}
	if ratio == 0 {
		ratio = 0.05
	}
	switch {
	case reg == 0:
		reg = 0.001
	case reg < 0:
		reg = 0
	}
	switch {
	case init == 0:
		init = 100
	case init < 0:
		init = 0
	}
	return
}

// Loss returns the CD loss of net on x. Its error reports a sampler failure
// (a NaN energy, say) with the sampler's chain and step.
func (c *ContrastiveDivergence) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	k, s, size, ratio, reg, initSteps := c.defaults()
	if k < 0 || size < 0 || ratio < 0 || ratio > 1 {
		return nil, fmt.Errorf("loss: CD with K %d, buffer %d, new-sample ratio %g: %w", k, size, ratio, ErrInvalid)
	}
	n, d := x.Dim(0), x.Dim(1)
	e, err := energy.NewModel(net, d)
	if err != nil {
		return nil, fmt.Errorf("loss: %w", err)
	}
	ctx := context.Background()
	draw := func(init []float64, steps int) ([]float64, error) {
		r, err := s.Sample(ctx, e, sampler.Options{Dim: d, Init: init, Steps: steps, Seed: rng.Uint64()})
		if err != nil {
			return nil, fmt.Errorf("loss: sampling negatives: %w", err)
		}
		return r.Final, nil
	}
	var neg []float64
	switch {
	case c.Persistent:
		if c.buffer == nil || c.dim != d {
			c.buffer, c.dim = make([]float64, size*d), d
			for i := range c.buffer {
				c.buffer[i] = rng.NormFloat64()
			}
			if initSteps > 0 {
				if c.buffer, err = draw(c.buffer, initSteps); err != nil {
					c.buffer = nil
					return nil, err
				}
			}
		}
		slots := rng.Perm(size)[:min(n, size)]
		init := make([]float64, len(slots)*d)
		for i, sl := range slots {
			if rng.Float64() < ratio {
				for j := range d {
					init[i*d+j] = rng.NormFloat64()
				}
			} else {
				copy(init[i*d:(i+1)*d], c.buffer[sl*d:(sl+1)*d])
			}
		}
		if neg, err = draw(init, k); err != nil {
			return nil, err
		}
		for i, sl := range slots {
			copy(c.buffer[sl*d:(sl+1)*d], neg[i*d:(i+1)*d])
		}
	case c.FromData:
		if neg, err = draw(append([]float64(nil), x.Data()...), k); err != nil {
			return nil, err
		}
	default:
		init := make([]float64, n*d)
		for i := range init {
			init[i] = rng.NormFloat64()
		}
		if neg, err = draw(init, k); err != nil {
			return nil, err
		}
	}
	ePos, err := energies(tp, net, x)
	if err != nil {
		return nil, err
	}
	eNeg, err := energies(tp, net, tensor.New(neg, len(neg)/d, d))
	if err != nil {
		return nil, err
	}
	l := tp.Sub(tp.Mean(ePos), tp.Mean(eNeg))
	if reg > 0 {
		l = tp.Add(l, tp.Scale(tp.Add(tp.Mean(tp.Square(ePos)), tp.Mean(tp.Square(eNeg))), reg))
	}
	return l, nil
}

// Buffer returns the persistent chains (BufferSize × d, row-major), nil
// before the first loss: what a checkpoint saves.
func (c *ContrastiveDivergence) Buffer() []float64 { return c.buffer }

// SetBuffer restores persistent chains of dimension d saved by Buffer.
func (c *ContrastiveDivergence) SetBuffer(b []float64, d int) error {
	if d <= 0 || len(b)%d != 0 {
		return fmt.Errorf("loss: replay buffer of %d values for dimension %d: %w", len(b), d, ErrInvalid)
	}
	c.buffer, c.dim = append([]float64(nil), b...), d
	return nil
}
