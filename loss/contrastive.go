package loss

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

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
// the buffer's chains are written back slot by slot. A
// sampler.ParallelTempering gives parallel-tempering CD. The α term
// (RegWeight, default 0.001) keeps energies near zero.
//
// Persistent CD carries its buffer as State: a trainer trains with the loss
// Start returns, and checkpoints the buffer.
type ContrastiveDivergence struct {
	// K is the number of sampler steps per loss; 0 means 10.
	K int
	// Sampler draws the negatives; nil means Langevin with step 0.01.
	Sampler sampler.Sampler
	// StepSchedule, when set, is the sampler's step size at each training
	// step (see Scheduled): the chains of step t run with the constant
	// step StepSchedule.At(t). It takes a Langevin, MALA, HMC or
	// ParallelTempering sampler that does not adapt its step.
	StepSchedule schedule.Schedule
	// FromData starts the chains at the data batch (classic CD) instead of
	// noise; ignored when Persistent.
	FromData bool
	// Persistent keeps a replay buffer of chains.
	Persistent bool
	// BufferSize is the replay buffer's size; 0 means 10000.
	BufferSize int
	// NewSampleRatio of each batch restarts from noise; 0 means 0.05, and
	// negative none (every chain continues from the buffer).
	NewSampleRatio float64
	// InitSteps sampler steps are run on the buffer when it is created; 0
	// means 100, negative means none. For an adaptive sampler
	// (sampler.Adaptive) they are its warm-up, and every later draw
	// continues from the step size and metric it tuned (pooled over the
	// chains), not from scratch.
	InitSteps int
	// RegWeight α of the energy-magnitude regulariser; 0 means 0.001,
	// negative means none.
	RegWeight float64
	// Bounds, when set, is a box the chains stay in (images in [−1, 1],
	// say, with sampler.Clamp as IGEBM clamps), and chains restarted from
	// noise start uniform in it, where it is closed on both sides, instead
	// of N(0, I).
	Bounds *sampler.Bounds
}

type cdSettings struct {
	k, size, init int
	s             sampler.Sampler
	ratio, reg    float64
}

func (c ContrastiveDivergence) settings() (cdSettings, error) {
	s := cdSettings{
		k: cmp.Or(c.K, 10), s: c.Sampler, size: cmp.Or(c.BufferSize, 10000), ratio: defaultOrOff(c.NewSampleRatio, 0.05),
		reg: defaultOrOff(c.RegWeight, 0.001), init: defaultOrOff(c.InitSteps, 100),
	}
	if s.s == nil {
		s.s = sampler.Langevin{StepSize: schedule.Constant(0.01)}
	}
	if s.k < 0 || s.size < 0 || !(s.ratio >= 0 && s.ratio <= 1) {
		return s, fmt.Errorf("loss: CD with K %d, buffer %d, new-sample ratio %g: %w", s.k, s.size, s.ratio, ErrInvalid)
	}
	return s, nil
}

// Start returns the loss of a fresh run, and its state: the replay buffer
// when Persistent.
func (c ContrastiveDivergence) Start() (EnergyLoss, State) {
	r := &cdRun{c: c}
	return r, r
}

// Loss returns the CD loss of net on x, as the first step of a fresh run.
// Its error reports a sampler failure (a NaN energy, say) with the
// sampler's chain and step.
func (c ContrastiveDivergence) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	return firstStep(c.Start, tp, net, x, rng)
}

// cdRun is a CD run: the settings and the replay buffer.
type cdRun struct {
	c    ContrastiveDivergence
	buf  replay
	step int
}

// SetStep sets the training step at which StepSchedule is read.
func (r *cdRun) SetStep(step int) { r.step = step }

// withStep returns s with the constant step size h, for the samplers whose
// step a schedule of the training step may set.
func withStep(s sampler.Sampler, h float64, step int) (sampler.Sampler, error) {
	if !(h > 0) || math.IsInf(h, 0) {
		return nil, fmt.Errorf("loss: CD step size %g at step %d must be positive: %w", h, step, ErrInvalid)
	}
	c := schedule.Constant(h)
	switch v := s.(type) {
	case sampler.Langevin:
		v.StepSize = c
		return v, nil
	case sampler.MALA:
		if !v.Adapt {
			v.StepSize = c
			return v, nil
		}
	case sampler.HMC:
		if !v.Adapt {
			v.StepSize = c
			return v, nil
		}
	case sampler.ParallelTempering:
		v.StepSize = c
		return v, nil
	}
	return nil, fmt.Errorf("loss: a CD step schedule for a %T sampler: want Langevin, MALA, HMC or parallel tempering, not adapting: %w", s, ErrInvalid)
}

func (r *cdRun) Loss(tp *tensor.Tape, net nn.Module, x *tensor.Tensor, rng *rand.Rand) (*tensor.Tensor, error) {
	if err := checkBatch(x); err != nil {
		return nil, err
	}
	s, err := r.c.settings()
	if err != nil {
		return nil, err
	}
	if r.c.StepSchedule != nil {
		if s.s, err = withStep(s.s, r.c.StepSchedule.At(r.step), r.step); err != nil {
			return nil, err
		}
	}
	n, d := x.Dim(0), x.Dim(1)
	ch, err := newChains(s.s, net, d, r.c.Bounds)
	if err != nil {
		return nil, err
	}
	var neg []float64
	switch {
	case r.c.Persistent:
		if err := r.buf.fill(ch, s.size, s.init, rng); err != nil {
			return nil, err
		}
		slots, init := r.buf.starts(ch, n, s.ratio, rng)
		if neg, err = r.buf.draw(ch, init, s.k, rng); err != nil {
			return nil, err
		}
		r.buf.keep(slots, neg)
	case r.c.FromData:
		neg, err = ch.run(slices.Clone(x.Data()), s.k, rng)
	default:
		neg, err = ch.run(ch.noise(rng, n), s.k, rng)
	}
	if err != nil {
		return nil, err
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
	if s.reg > 0 {
		l = tp.Add(l, tp.Scale(tp.Add(tp.Mean(tp.Square(ePos)), tp.Mean(tp.Square(eNeg))), s.reg))
	}
	return l, nil
}

// Params returns nil: CD learns nothing besides the network.
func (r *cdRun) Params() []nn.Param { return nil }

// Save returns the replay buffer, [BufferSize, d] and named "buffer", once
// it exists, and what an adaptive sampler tuned while it was filled: the
// step size ("step_size", [1]) and the diagonal inverse mass ("inv_mass",
// [d]).
func (r *cdRun) Save() []nn.Param {
	if r.buf.rows == nil {
		return nil
	}
	d := r.buf.d
	out := []nn.Param{{Name: "buffer", Value: tensor.New(r.buf.rows, len(r.buf.rows)/d, d)}}
	if t := r.buf.tuned; t != nil {
		out = append(out, nn.Param{Name: "step_size", Value: tensor.New([]float64{t.step}, 1)})
		if t.invMass != nil {
			out = append(out, nn.Param{Name: "inv_mass", Value: tensor.New(t.invMass, d)})
		}
	}
	return out
}

// Restore takes a saved replay buffer of BufferSize rows and its tuning,
// or none.
func (r *cdRun) Restore(saved []nn.Param) error {
	s, err := r.c.settings()
	if err != nil {
		return err
	}
	if len(saved) == 0 {
		r.buf = replay{}
		return nil
	}
	bad := fmt.Errorf("loss: CD state %v: want at most a replay buffer and its tuning, with Persistent: %w", names(saved), ErrInvalid)
	if !r.c.Persistent || saved[0].Name != "buffer" || len(saved) > 3 {
		return bad
	}
	b := saved[0].Value
	if b.Rank() != 2 || b.Dim(0) != s.size || b.Dim(1) == 0 {
		return fmt.Errorf("loss: a replay buffer of shape %v for a buffer of %d chains: %w", b.Shape(), s.size, ErrInvalid)
	}
	d := b.Dim(1)
	var tuned *tuning
	for i, p := range saved[1:] {
		v := p.Value.Data()
		switch {
		case i == 0 && p.Name == "step_size" && len(v) == 1 && v[0] > 0:
			tuned = &tuning{step: v[0]}
		case i == 1 && p.Name == "inv_mass" && len(v) == d:
			tuned.invMass = slices.Clone(v)
		default:
			return bad
		}
	}
	r.buf = replay{rows: slices.Clone(b.Data()), d: d, tuned: tuned}
	return nil
}

// names lists the names of ps, for error messages.
func names(ps []nn.Param) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}
