package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/tensor"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// ErrInvalid is wrapped by errors about invalid settings.
var ErrInvalid = errors.New("invalid training setting")

// ErrDiverged is wrapped by the error returned when the loss or its gradient
// becomes NaN or infinite.
var ErrDiverged = errors.New("training diverged")

// Config holds the training settings.
type Config struct {
	// Steps is the total number of optimizer steps (a resumed run stops at
	// the same total).
	Steps int
	// BatchSize is the number of data points per step; 0 means 256 (or
	// the data's size if smaller).
	BatchSize int
	// Seed fixes the batches and the loss's randomness.
	Seed uint64
	// ClipNorm, if positive, rescales gradients to at most this joint norm.
	ClipNorm float64
	// EMADecay, if positive, keeps an exponential moving average of the
	// weights: ema ← decay·ema + (1−decay)·θ after each step.
	EMADecay float64
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
}

// Trainer trains Net with Loss and Opt on Data.
type Trainer struct {
	net    nn.Module
	loss   loss.Loss
	opt    optim.Stateful
	cfg    Config
	params []nn.Param // the network's, then the loss's own (NCE's log Z)
	ema    []*tensor.Tensor
	loader *dataset.Loader
	src    *rand.PCG
	rng    *rand.Rand
	step   int
}

// buffered is a loss with a replay buffer (persistent CD).
type buffered interface {
	Buffer() []float64
	SetBuffer(b []float64, d int) error
}

// New returns a trainer, or an error for invalid settings.
func New(net nn.Module, l loss.Loss, opt optim.Stateful, data *tensor.Tensor, cfg Config) (*Trainer, error) {
	if net == nil || l == nil || opt == nil || data == nil {
		return nil, fmt.Errorf("train: network, loss, optimizer and data are all required: %w", ErrInvalid)
	}
	if cfg.Steps < 0 || cfg.BatchSize < 0 || cfg.CheckpointEvery < 0 || cfg.LogEvery < 0 || cfg.ClipNorm < 0 || cfg.EMADecay < 0 || cfg.EMADecay >= 1 {
		return nil, fmt.Errorf("train: steps %d, batch %d, checkpoint every %d, log every %d, clip %g, EMA decay %g: %w",
			cfg.Steps, cfg.BatchSize, cfg.CheckpointEvery, cfg.LogEvery, cfg.ClipNorm, cfg.EMADecay, ErrInvalid)
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
	if err != nil {
		return nil, fmt.Errorf("train: %w: %w", err, ErrInvalid)
	}
	t := &Trainer{net: net, loss: l, opt: opt, cfg: cfg, loader: loader, src: rand.NewPCG(cfg.Seed, 1)}
	t.rng = rand.New(t.src)
	t.params = net.Params()
	if lp, ok := l.(interface{ Params() []nn.Param }); ok {
		t.params = append(t.params, lp.Params()...)
	}
	seen := map[string]bool{}
	for _, p := range t.params {
		if seen[p.Name] {
			return nil, fmt.Errorf("train: two parameters named %q: %w", p.Name, ErrInvalid)
		}
		seen[p.Name] = true
	}
	if cfg.EMADecay > 0 {
		for _, p := range t.params {
			t.ema = append(t.ema, p.Value.Clone())
		}
	}
	return t, nil
}

// Step returns the number of steps taken.
func (t *Trainer) Step() int { return t.step }

// EMA returns the averaged parameters (nil without EMA), in Params order.
func (t *Trainer) EMA() []*tensor.Tensor { return t.ema }

// Params returns the trained parameters: the network's, then the loss's.
func (t *Trainer) Params() []nn.Param { return t.params }

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
		OptKind: fmt.Sprintf("%T", t.opt), OptSteps: st.Steps, OptBufs: len(st.Buffers), EMA: t.ema != nil},
		params: map[string]*tensor.Tensor{}, ema: map[string]*tensor.Tensor{}, opt: st.Buffers}
	for i, p := range t.params {
		c.params[p.Name] = p.Value
		if t.ema != nil {
			c.ema[p.Name] = t.ema[i]
		}
	}
	if b, ok := t.loss.(buffered); ok && b.Buffer() != nil {
		d := t.loaderDim()
		c.buffer = tensor.New(b.Buffer(), len(b.Buffer())/d, d)
	}
	if err := writeCheckpoint(path, c, t.names()); err != nil {
		return fmt.Errorf("train: save checkpoint: %w", err)
	}
	return nil
}

func (t *Trainer) loaderDim() int { return t.loader.Dim() }

// Resume restores the state saved by SaveCheckpoint into this trainer, which
// must have the same parameters (names and shapes). The file is checked
// whole first: on error the trainer is unchanged.
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
		if e, ok := c.ema[p.Name]; c.EMA != (t.ema != nil) || (t.ema != nil && (!ok || !slices.Equal(e.Shape(), p.Value.Shape()))) {
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
	b, isBuffered := t.loss.(buffered)
	if c.buffer != nil && (!isBuffered || c.buffer.Dim(1) != t.loaderDim()) {
		return fmt.Errorf("train: checkpoint %s holds a replay buffer this loss cannot take: %w", path, ErrCheckpoint)
	}
	if kind := fmt.Sprintf("%T", t.opt); c.OptKind != kind {
		return fmt.Errorf("train: checkpoint %s was made with optimizer %s, this run uses %s: %w", path, c.OptKind, kind, ErrCheckpoint)
	}
	for i, buf := range c.opt {
		if p := t.params[i%len(t.params)].Value; len(buf) != p.Len() {
			return fmt.Errorf("train: checkpoint %s: optimizer buffer %d has %d values, parameter %q %d: %w", path, i, len(buf), t.params[i%len(t.params)].Name, p.Len(), ErrCheckpoint)
		}
	}
	// Everything checked: restore. SetState and the loader validate before
	// changing anything, and both were checked above.
	if err := t.opt.SetState(optState(c)); err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	for i, p := range t.params {
		copy(p.Value.Data(), c.params[p.Name].Data())
		if t.ema != nil {
			copy(t.ema[i].Data(), c.ema[p.Name].Data())
		}
	}
	if c.buffer != nil {
		if err := b.SetBuffer(c.buffer.Data(), c.buffer.Dim(1)); err != nil {
			return err
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
}

// record is one metrics line.
type record struct {
	Step     int     `json:"step"`
	Loss     float64 `json:"loss"`
	GradNorm float64 `json:"grad_norm"`
	Elapsed  float64 `json:"elapsed_s"`
}

// Run trains from the current step to Config.Steps. On cancellation it
// writes a checkpoint (when Dir is set) and returns the context's error.
func (t *Trainer) Run(ctx context.Context) (Summary, error) {
	start := time.Now()
	var metrics *os.File
	ckpt := ""
	if t.cfg.Dir != "" {
		if err := os.MkdirAll(t.cfg.Dir, 0o755); err != nil {
			return Summary{}, fmt.Errorf("train: %w", err)
		}
		ckpt = filepath.Join(t.cfg.Dir, "checkpoint.bin")
		f, err := os.OpenFile(filepath.Join(t.cfg.Dir, "metrics.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return Summary{}, fmt.Errorf("train: %w", err)
		}
		defer f.Close()
		metrics = f
	}
	bar := t.progressBar()
	values := nn.Values(t.params)
	tp := tensor.NewTape()
	last := math.NaN()
	for t.step < t.cfg.Steps {
		if err := ctx.Err(); err != nil {
			if ckpt != "" {
				if serr := t.SaveCheckpoint(ckpt); serr != nil {
					return Summary{}, errors.Join(err, serr)
				}
			}
			return Summary{Steps: t.step, FinalLoss: last, Elapsed: time.Since(start)}, err
		}
		batch := t.loader.Next()
		if ph, ok := t.loss.(loss.Phased); ok {
			ph.SetStep(t.step)
		}
		l, err := t.loss.Loss(tp, t.net, batch, t.rng)
		if err != nil {
			return Summary{}, fmt.Errorf("train: step %d: %w", t.step+1, err)
		}
		v := l.Item()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Summary{}, fmt.Errorf("train: step %d: the loss is %g (the last checkpoint is left as it was): %w", t.step+1, v, ErrDiverged)
		}
		grads := tp.Grad([]*tensor.Tensor{l}, values, tensor.GradOptions{})
		clip := t.cfg.ClipNorm
		if clip == 0 {
			clip = math.Inf(1) // measure the norm, change nothing
		}
		norm := optim.ClipGradNorm(grads, clip)
		if err := t.opt.Step(values, grads); err != nil {
			return Summary{}, fmt.Errorf("train: step %d: %w: %w", t.step+1, err, ErrDiverged)
		}
		tp.Reset()
		if t.ema != nil {
			a := t.cfg.EMADecay
			for i, p := range values {
				e, pd := t.ema[i].Data(), p.Data()
				for j := range e {
					e[j] = a*e[j] + (1-a)*pd[j]
				}
			}
		}
		t.step++
		last = v
		if bar != nil {
			bar.Add(1)
		}
		if metrics != nil && (t.step%t.cfg.LogEvery == 0 || t.step == t.cfg.Steps) {
			line, _ := json.Marshal(record{Step: t.step, Loss: v, GradNorm: norm, Elapsed: time.Since(start).Seconds()})
			if _, err := metrics.Write(append(line, '\n')); err != nil {
				return Summary{}, fmt.Errorf("train: metrics: %w", err)
			}
		}
		if ckpt != "" && t.cfg.CheckpointEvery > 0 && t.step%t.cfg.CheckpointEvery == 0 {
			if err := t.SaveCheckpoint(ckpt); err != nil {
				return Summary{}, err
			}
		}
	}
	if bar != nil {
		bar.Finish()
	}
	if ckpt != "" {
		if err := t.SaveCheckpoint(ckpt); err != nil {
			return Summary{}, err
		}
		if err := nn.Save(filepath.Join(t.cfg.Dir, "model.params"), t.net); err != nil {
			return Summary{}, err
		}
		if t.ema != nil {
			if err := t.saveEMA(filepath.Join(t.cfg.Dir, "model_ema.params")); err != nil {
				return Summary{}, err
			}
		}
	}
	return Summary{Steps: t.step, FinalLoss: last, Elapsed: time.Since(start)}, nil
}

// saveEMA writes the network's averaged weights in the parameter format,
// under the network's own names, so nn.Load reads them into a network.
func (t *Trainer) saveEMA(path string) error {
	var ps []nn.Param
	for i, p := range t.net.Params() {
		ps = append(ps, nn.Param{Name: p.Name, Value: t.ema[i]})
	}
	tmp := &paramsModule{ps}
	return nn.Save(path, tmp)
}

// paramsModule is a parameter list posing as a module, for nn.Save.
type paramsModule struct{ ps []nn.Param }

func (m *paramsModule) Forward(*tensor.Tape, *tensor.Tensor) *tensor.Tensor { return nil }
func (m *paramsModule) Params() []nn.Param                                  { return m.ps }

func (t *Trainer) progressBar() *progressbar.ProgressBar {
	w := t.cfg.Progress
	if w == nil {
		if !term.IsTerminal(int(os.Stderr.Fd())) {
			return nil
		}
		w = os.Stderr
	}
	bar := progressbar.NewOptions(t.cfg.Steps,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("train"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
	bar.Set(t.step)
	return bar
}
