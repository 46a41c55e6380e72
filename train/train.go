package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
)

// ErrInvalid is wrapped by errors about invalid settings.
var ErrInvalid = errors.New("invalid training setting")

// ErrDiverged is wrapped by the error returned when the loss or its gradient
// becomes NaN or infinite. No checkpoint is written after it: Dir keeps the
// last one, if there was one.
var ErrDiverged = errors.New("training diverged")

// ErrStop, wrapped in the error a hook's AfterStep returns, ends the run
// after that step as if it had reached Config.Steps (every hook still runs
// after the step, and Stop is told nil: the weights are written), and Run
// returns no error but Summary.Stopped. Early stopping (EarlyStop) uses it.
var ErrStop = errors.New("stopped early")

// Config holds the training settings.
type Config struct {
	// Steps is the total number of optimizer steps (a resumed run stops at
	// the same total).
	Steps int
	// BatchSize is the number of data points per loss evaluation; 0 means
	// 256 (or the data's size if smaller).
	BatchSize int
	// Accumulate is the number of consecutive batches whose parameter
	// gradients are averaged into one optimizer step (gradient
	// accumulation): k batches of BatchSize rows act as one batch of
	// k·BatchSize rows, for a loss that is a mean over rows, at the memory
	// of one. The loader advances k batches per step, and the step's loss
	// is the mean of the k. 0 means 1.
	Accumulate int
	// Seed fixes the batches and the loss's randomness.
	Seed uint64
	// ClipNorm, if positive, rescales gradients to at most this joint norm.
	ClipNorm float64
	// EMADecay, if positive, keeps an exponential moving average of the
	// weights: ema ← decay·ema + (1−decay)·θ after each step.
	EMADecay float64
	// EMAWarmup lowers the EMA's decay early in a run to
	// min(EMADecay, (1+t)/(10+t)) at the update after step t (t = 0 for
	// the first), so that the average follows the weights from the start
	// instead of staying near their initial values for ~1/(1−decay)
	// steps. It needs EMADecay.
	EMAWarmup bool
	// Dir receives the checkpoint (checkpoint.bin), the final weights
	// (model.params, and model_ema.params with EMA) and the metrics
	// (metrics.jsonl); empty means no files.
	Dir string
	// CheckpointEvery steps a checkpoint is written; 0 means only at the end.
	CheckpointEvery int
	// LogEvery steps a metrics line is written; 0 means 10.
	LogEvery int
	// Progress receives a progress bar; nil means standard error when it
	// is a terminal, nothing otherwise.
	Progress io.Writer
	// Hooks are called after the built-in ones (EMA, progress bar, metrics,
	// checkpoints), in order.
	Hooks []Hook
	// Labels holds one label per data row, for a loss that learns from
	// labels (loss.LabelLoss), which then gets each batch's labels; nil
	// means the data are unlabelled.
	Labels []int
}

// Trainer trains a network with a loss and an optimizer on a data set.
type Trainer struct {
	net    nn.Module
	loss   func(tp *tensor.Tape, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error)
	state  loss.State     // nil for a stateless loss
	sched  loss.Scheduled // the loss when it reads schedules of the step, or nil
	opt    optim.Stateful
	cfg    Config
	params []nn.Param // the network's, then the loss's own (NCE's log Z)
	ema    *ema       // nil without EMA
	loader *dataset.Loader
	acc    []*tensor.Tensor // the summed gradients of Accumulate > 1
	src    *rand.PCG
	rng    *rand.Rand
	step   int
}

// New returns a trainer of the energy network net with the loss l, or an
// error for invalid settings.
func New(net nn.Module, l loss.EnergyLoss, opt optim.Stateful, data *tensor.Tensor, cfg Config) (*Trainer, error) {
	return newFor(net, l, opt, data, cfg)
}

// NewTime returns a trainer of the time-conditioned network net (a velocity
// or a field) with the loss l, or an error for invalid settings.
func NewTime(net nn.TimeModule, l loss.TimeLoss, opt optim.Stateful, data *tensor.Tensor, cfg Config) (*Trainer, error) {
	return newFor(net, l, opt, data, cfg)
}

// newFor is New for any kind of network. A loss.Stateful loss is
// started here, so that its state belongs to this trainer.
func newFor[N nn.Module](net N, l loss.Loss[N], opt optim.Stateful, data *tensor.Tensor, cfg Config) (*Trainer, error) {
	if any(net) == nil || l == nil || opt == nil || data == nil {
		return nil, fmt.Errorf("train: network, loss, optimizer and data are all required: %w", ErrInvalid)
	}
	if cfg.Steps < 0 || cfg.BatchSize < 0 || cfg.Accumulate < 0 || cfg.CheckpointEvery < 0 || cfg.LogEvery < 0 || cfg.ClipNorm < 0 || !(cfg.EMADecay >= 0 && cfg.EMADecay < 1) {
		return nil, fmt.Errorf("train: steps %d, batch %d, accumulate %d, checkpoint every %d, log every %d, clip %g, EMA decay %g: %w",
			cfg.Steps, cfg.BatchSize, cfg.Accumulate, cfg.CheckpointEvery, cfg.LogEvery, cfg.ClipNorm, cfg.EMADecay, ErrInvalid)
	}
	if cfg.EMAWarmup && cfg.EMADecay == 0 {
		return nil, fmt.Errorf("train: EMA warm-up without an EMA (EMADecay 0): %w", ErrInvalid)
	}
	if cfg.Accumulate == 0 {
		cfg.Accumulate = 1
	}
	if data.Rank() != 2 || data.Dim(0) == 0 {
		return nil, fmt.Errorf("train: data of shape %v; want [n, d]: %w", data.Shape(), ErrInvalid)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = min(256, data.Dim(0))
	}
	if cfg.LogEvery == 0 {
		cfg.LogEvery = 10
	}
	loader, err := dataset.NewLoader(data, cfg.BatchSize, cfg.Seed)
	if cfg.Labels != nil {
		loader, err = dataset.NewLabelledLoader(data, cfg.Labels, cfg.BatchSize, cfg.Seed)
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w: %w", err, ErrInvalid)
	}
	var state loss.State
	if s, ok := l.(loss.Stateful[N]); ok {
		l, state = s.Start()
	}
	t := &Trainer{net: net, state: state, opt: opt, cfg: cfg, loader: loader, src: rand.NewPCG(cfg.Seed, 1)}
	t.sched, _ = l.(loss.Scheduled)
	t.loss = func(tp *tensor.Tape, x *tensor.Tensor, _ []int, rng *rand.Rand) (*tensor.Tensor, error) {
		return l.Loss(tp, net, x, rng)
	}
	if cfg.Labels != nil {
		ll, ok := l.(loss.LabelLoss[N])
		if !ok {
			return nil, fmt.Errorf("train: labels given to a loss (%T) that does not learn from them: %w", l, ErrInvalid)
		}
		t.loss = func(tp *tensor.Tape, x *tensor.Tensor, y []int, rng *rand.Rand) (*tensor.Tensor, error) {
			return ll.LossLabels(tp, net, x, y, rng)
		}
	}
	t.rng = rand.New(t.src)
	t.params = net.Params()
	if state != nil {
		t.params = append(t.params, state.Params()...)
	}
	seen := map[string]bool{}
	for _, p := range t.params {
		if seen[p.Name] {
			return nil, fmt.Errorf("train: two parameters named %q: %w", p.Name, ErrInvalid)
		}
		seen[p.Name] = true
	}
	if cfg.EMADecay > 0 {
		t.ema = newEMA(cfg.EMADecay, cfg.EMAWarmup, t.params)
	}
	return t, nil
}

// Step returns the number of steps taken.
func (t *Trainer) Step() int { return t.step }

// EMA returns the averaged parameters (nil without EMA), in Params order.
func (t *Trainer) EMA() []*tensor.Tensor {
	if t.ema == nil {
		return nil
	}
	return t.ema.avg
}

// Params returns the trained parameters: the network's, then the loss's.
func (t *Trainer) Params() []nn.Param { return t.params }

// Net returns the network being trained.
func (t *Trainer) Net() nn.Module { return t.net }

// LR returns the learning rate of the last step, and false when the
// optimizer cannot say it (one that is not an optim.Rater).
func (t *Trainer) LR() (float64, bool) {
	if r, ok := t.opt.(optim.Rater); ok {
		return r.Rate(), true
	}
	return 0, false
}

// LossState returns the state of the loss (a replay buffer, a learned log
// Z, a step count), or nil for a stateless loss.
func (t *Trainer) LossState() loss.State { return t.state }

func (t *Trainer) names() []string {
	out := make([]string, len(t.params))
	for i, p := range t.params {
		out[i] = p.Name
	}
	return out
}

// SaveCheckpoint writes the trainer's whole state to path atomically.
func (t *Trainer) SaveCheckpoint(path string) error {
	rngState, err := t.src.MarshalBinary()
	if err != nil {
		return err
	}
	ld, err := t.loader.MarshalBinary()
	if err != nil {
		return err
	}
	st := t.opt.State()
	c := &checkpoint{meta: meta{Step: t.step, Seed: t.cfg.Seed, LossRNG: rngState, Loader: ld,
		OptKind: fmt.Sprintf("%T", t.opt), OptSteps: st.Steps, OptBufs: len(st.Buffers), EMA: t.ema != nil,
		EMAWarmup: t.ema != nil && t.ema.warmup},
		params: map[string]*tensor.Tensor{}, ema: map[string]*tensor.Tensor{}, opt: st.Buffers}
	for i, p := range t.params {
		c.params[p.Name] = p.Value
		if t.ema != nil {
			c.ema[p.Name] = t.ema.avg[i]
		}
	}
	if t.state != nil {
		c.state = t.state.Save()
	}
	if err := writeCheckpoint(path, c, t.names()); err != nil {
		return fmt.Errorf("train: save checkpoint: %w", err)
	}
	return nil
}

// Resume restores the state saved by SaveCheckpoint into this trainer, which
// must have the same parameters (names and shapes) and a loss whose state
// takes the saved one. The file is checked whole first: on error the trainer
// is unchanged.
func (t *Trainer) Resume(path string) error {
	c, err := readCheckpoint(path)
	if err != nil {
		return err
	}
	for _, p := range t.params {
		v, ok := c.params[p.Name]
		if !ok || !slices.Equal(v.Shape(), p.Value.Shape()) {
			return fmt.Errorf("train: checkpoint %s does not fit: parameter %q missing or of another shape: %w", path, p.Name, ErrCheckpoint)
		}
		if e, ok := c.ema[p.Name]; c.EMA != (t.ema != nil) || c.EMAWarmup != (t.ema != nil && t.ema.warmup) || (t.ema != nil && (!ok || !slices.Equal(e.Shape(), p.Value.Shape()))) {
			return fmt.Errorf("train: checkpoint %s: EMA does not match this run's settings: %w", path, ErrCheckpoint)
		}
	}
	if len(c.params) != len(t.params) {
		return fmt.Errorf("train: checkpoint %s has %d parameters, the model %d: %w", path, len(c.params), len(t.params), ErrCheckpoint)
	}
	src := rand.NewPCG(0, 0)
	if err := src.UnmarshalBinary(c.LossRNG); err != nil {
		return fmt.Errorf("train: checkpoint %s: random stream: %v: %w", path, err, ErrCheckpoint)
	}
	if err := t.loader.CheckState(c.Loader); err != nil {
		return fmt.Errorf("train: checkpoint %s: %v: %w", path, err, ErrCheckpoint)
	}
	if t.state == nil && len(c.state) > 0 {
		return fmt.Errorf("train: checkpoint %s holds loss state this loss has none of: %w", path, ErrCheckpoint)
	}
	if kind := fmt.Sprintf("%T", t.opt); c.OptKind != kind {
		return fmt.Errorf("train: checkpoint %s was made with optimizer %s, this run uses %s: %w", path, c.OptKind, kind, ErrCheckpoint)
	}
	for i, buf := range c.opt {
		if p := t.params[i%len(t.params)].Value; len(buf) != p.Len() {
			return fmt.Errorf("train: checkpoint %s: optimizer buffer %d has %d values, parameter %q %d: %w", path, i, len(buf), t.params[i%len(t.params)].Name, p.Len(), ErrCheckpoint)
		}
	}
	// Everything else checked: restore. SetState and the loader validate
	// before changing anything, and both were checked above; the loss's
	// state checks itself, and a refusal puts the optimizer back.
	old := t.opt.State()
	if err := t.opt.SetState(optState(c)); err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	if t.state != nil {
		if err := t.state.Restore(c.state); err != nil {
			if rerr := t.opt.SetState(old); rerr != nil {
				return errors.Join(err, rerr)
			}
			return fmt.Errorf("train: checkpoint %s: loss state: %w: %w", path, err, ErrCheckpoint)
		}
	}
	for i, p := range t.params {
		copy(p.Value.Data(), c.params[p.Name].Data())
		if t.ema != nil {
			copy(t.ema.avg[i].Data(), c.ema[p.Name].Data())
		}
	}
	t.loader.UnmarshalBinary(c.Loader)
	*t.src = *src
	t.step = c.Step
	return nil
}

// Summary reports a finished run.
type Summary struct {
	Steps     int
	FinalLoss float64
	Elapsed   time.Duration
	// Stopped is, when a hook ended the run before Config.Steps, its
	// error (wrapping ErrStop) saying why; nil otherwise.
	Stopped error
}

// Run trains from the current step to Config.Steps, calling the hooks
// after each step and once at the end. On cancellation it writes a
// checkpoint (when Dir is set) and returns the context's error.
func (t *Trainer) Run(ctx context.Context) (Summary, error) {
	start := time.Now()
	if t.cfg.Dir != "" {
		if err := os.MkdirAll(t.cfg.Dir, 0o755); err != nil {
			return Summary{}, fmt.Errorf("train: %w", err)
		}
	}
	hooks := append(t.builtinHooks(), t.cfg.Hooks...)
	// stop tells every hook why the run ends and returns cause joined with
	// their errors.
	stop := func(cause error) error {
		var errs []error
		for _, h := range hooks {
			if err := h.Stop(t, cause); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) == 0 {
			return cause
		}
		return errors.Join(append([]error{cause}, errs...)...)
	}
	values := nn.Values(t.params)
	tp := tensor.NewTape()
	last := math.NaN()
	for t.step < t.cfg.Steps {
		if err := ctx.Err(); err != nil {
			sum := Summary{Steps: t.step, FinalLoss: last, Elapsed: time.Since(start)}
			if all := stop(err); all != err {
				return Summary{}, all
			}
			return sum, err
		}
		v, norm, err := t.update(tp, values)
		if err != nil {
			return Summary{}, stop(err)
		}
		t.step++
		last = v
		s := Status{Step: t.step, Steps: t.cfg.Steps, Loss: v, GradNorm: norm, Elapsed: time.Since(start)}
		var early error
		for _, h := range hooks {
			err := h.AfterStep(t, s)
			switch {
			case errors.Is(err, ErrStop):
				early = cmp.Or(early, err)
			case err != nil:
				return Summary{}, stop(err)
			}
		}
		if early != nil {
			if err := stop(nil); err != nil {
				return Summary{}, err
			}
			return Summary{Steps: t.step, FinalLoss: last, Elapsed: time.Since(start), Stopped: early}, nil
		}
	}
	if err := stop(nil); err != nil {
		return Summary{}, err
	}
	return Summary{Steps: t.step, FinalLoss: last, Elapsed: time.Since(start)}, nil
}

// update takes one optimizer step on the next Accumulate batches and
// returns their mean loss and the norm of their mean gradient before
// clipping.
func (t *Trainer) update(tp *tensor.Tape, values []*tensor.Tensor) (v, norm float64, err error) {
	defer tp.Reset()
	if t.sched != nil {
		t.sched.SetStep(t.step)
	}
	k := t.cfg.Accumulate
	var grads []*tensor.Tensor
	for i := range k {
		x, y := t.loader.NextLabelled()
		l, err := t.loss(tp, x, y, t.rng)
		if err != nil {
			return 0, 0, fmt.Errorf("train: step %d: %w", t.step+1, err)
		}
		li := l.Item()
		if math.IsNaN(li) || math.IsInf(li, 0) {
			return 0, 0, fmt.Errorf("train: step %d: the loss is %g: %w", t.step+1, li, ErrDiverged)
		}
		v += li
		grads = tp.Grad([]*tensor.Tensor{l}, values, tensor.GradOptions{})
		if k == 1 {
			break
		}
		// The tape's buffers are reused after Reset: sum into the
		// trainer's own.
		if t.acc == nil {
			for _, g := range grads {
				t.acc = append(t.acc, tensor.Zeros(g.Shape()...))
			}
		}
		for j, g := range grads {
			a := t.acc[j].Data()
			if i == 0 {
				copy(a, g.Data())
				continue
			}
			for m, gv := range g.Data() {
				a[m] += gv
			}
		}
		tp.Reset()
	}
	if k > 1 {
		for _, a := range t.acc {
			d := a.Data()
			for m := range d {
				d[m] /= float64(k)
			}
		}
		grads, v = t.acc, v/float64(k)
	}
	clip := t.cfg.ClipNorm
	if clip == 0 {
		clip = math.Inf(1) // measure the norm, change nothing
	}
	norm = optim.ClipGradNorm(grads, clip)
	if err := t.opt.Step(values, grads); err != nil {
		return 0, 0, fmt.Errorf("train: step %d: %w: %w", t.step+1, err, ErrDiverged)
	}
	return v, norm, nil
}
