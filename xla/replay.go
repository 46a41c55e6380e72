package xla

import (
	"cmp"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

// Replay is persistent CD's replay buffer, as goebm's
// loss.ContrastiveDivergence with Persistent: Size chains, started from
// N(0, I) and warmed up by InitSteps steps, of which each call of
// Negatives continues a random batch (each restarted from noise with
// probability NewSampleRatio) and writes their ends back. The buffer lives
// on the host; the steps run on the backend.
type Replay struct {
	b     compute.Backend
	en    Energy
	k     Kernel
	d     int
	rows  []float64 // size×d
	ratio float64
	rng   *rand.Rand
	devs  []compute.DeviceNum
	batch *Chains // the chains of the last batch size
}

// ReplayOptions are a Replay buffer's settings; zero values mean goebm's
// defaults.
type ReplayOptions struct {
	// Size is the number of chains; 0 means 10000.
	Size int
	// NewSampleRatio of each batch restarts from noise; 0 means 0.05, and
	// negative none.
	NewSampleRatio float64
	// InitSteps are run on the whole buffer when it is made; 0 means 100,
	// negative means none.
	InitSteps int
	// Devices run the chains (Chains.Spread); nil means device 0.
	Devices []compute.DeviceNum
}

// NewReplay makes the replay buffer of the kernel k on en in dimension d,
// all its randomness from seed.
func NewReplay(b compute.Backend, en Energy, k Kernel, d int, o ReplayOptions, seed uint64) (*Replay, error) {
	size, ratio, init := cmp.Or(o.Size, 10000), cmp.Or(o.NewSampleRatio, 0.05), cmp.Or(o.InitSteps, 100)
	if ratio < 0 {
		ratio = 0
	}
	if d <= 0 || size <= 0 || !(ratio >= 0 && ratio <= 1) {
		return nil, fmt.Errorf("xla: replay buffer of dimension %d, size %d, new-sample ratio %g: %w", d, size, ratio, ErrInvalid)
	}
	r := &Replay{b: b, en: en, k: k, d: d, ratio: ratio, rng: rand.New(rand.NewPCG(seed, 0x5eed)), devs: o.Devices}
	if r.devs == nil {
		r.devs = []compute.DeviceNum{0}
	}
	if err := checkDevices(b, r.devs); err != nil {
		return nil, err
	}
	r.rows = randn(r.rng, size*d)
	if init > 0 {
		c, err := r.chains(Tensor(r.rows, size, d))
		if err != nil {
			return nil, err
		}
		if err := c.Run(init); err != nil {
			return nil, err
		}
		r.rows = Float64s(c.X())
	}
	return r, nil
}

// Negatives continues min(n, Size) distinct chains of the buffer by steps
// steps and returns their ends ([m, d]), which it writes back.
func (r *Replay) Negatives(n, steps int) ([]float64, error) {
	d, size := r.d, len(r.rows)/r.d
	slots := r.rng.Perm(size)[:min(n, size)]
	init := make([]float64, len(slots)*d)
	for i, sl := range slots {
		if r.rng.Float64() < r.ratio {
			for j := range d {
				init[i*d+j] = r.rng.NormFloat64()
			}
		} else {
			copy(init[i*d:(i+1)*d], r.rows[sl*d:(sl+1)*d])
		}
	}
	x := Tensor(init, len(slots), d)
	var err error
	if r.batch == nil || r.batch.shape().Dimensions[0] != len(slots) {
		r.batch, err = r.chains(x)
	} else {
		err = r.batch.Restart(x)
	}
	if err != nil {
		return nil, err
	}
	if err := r.batch.Run(steps); err != nil {
		return nil, err
	}
	ends := Float64s(r.batch.X())
	for i, sl := range slots {
		copy(r.rows[sl*d:(sl+1)*d], ends[i*d:(i+1)*d])
	}
	return ends, nil
}

// chains starts chains at the rows of x on the buffer's devices, seeded
// from its stream.
func (r *Replay) chains(x *tensors.Tensor) (*Chains, error) {
	c, err := NewChains(r.b, r.en, r.k, x, r.rng.Int64())
	if err != nil {
		return nil, err
	}
	if len(r.devs) > 1 || r.devs[0] != 0 {
		err = c.Spread(r.devs)
	}
	return c, err
}

// Rows returns the buffer's chains, Size×d, row-major (shared, not copied).
func (r *Replay) Rows() []float64 { return r.rows }

// randn returns n standard normal values.
func randn(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}
