package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/goebm/goebm/internal/progress"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
	"github.com/schollz/progressbar/v3"
)

// Status describes the step just taken.
type Status struct {
	// Step is the number of steps taken, this one included; Steps is
	// Config.Steps.
	Step, Steps int
	// Loss is the step's loss, GradNorm the norm of its gradient before
	// clipping (with Config.Accumulate, the mean of the step's batches'
	// losses and the norm of their mean gradient).
	Loss, GradNorm float64
	// Elapsed is the time since Run began.
	Elapsed time.Duration
}

// Hook watches a run: Run calls AfterStep after every optimizer step and
// Stop once when it returns. The EMA, the progress bar, the metrics and the
// checkpoints are hooks; Config.Hooks adds more.
type Hook interface {
	// AfterStep is called after each step; an error stops the run, and
	// one wrapping ErrStop ends it as done.
	AfterStep(t *Trainer, s Status) error
	// Stop is called once when Run returns. cause is nil when the run
	// reached Config.Steps or a hook ended it with ErrStop, the context's error when it was cancelled, and
	// otherwise the error that ended it.
	Stop(t *Trainer, cause error) error
}

// StepFunc is a Hook that calls the function after each step and does
// nothing at the end.
type StepFunc func(t *Trainer, s Status) error

// AfterStep calls f.
func (f StepFunc) AfterStep(t *Trainer, s Status) error { return f(t, s) }

// Stop does nothing.
func (StepFunc) Stop(*Trainer, error) error { return nil }

// cancelled reports whether cause is a context's cancellation: the one
// early end after which a checkpoint is written.
func cancelled(cause error) bool {
	return errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded)
}

// builtinHooks returns the hooks Config asks for, in the order they run.
func (t *Trainer) builtinHooks() []Hook {
	var hs []Hook
	if t.ema != nil {
		hs = append(hs, t.ema)
	}
	if p := newProgress(t); p != nil {
		hs = append(hs, p)
	}
	if t.cfg.Dir != "" {
		hs = append(hs, &metrics{path: filepath.Join(t.cfg.Dir, "metrics.jsonl"), every: t.cfg.LogEvery},
			checkpoints{dir: t.cfg.Dir, every: t.cfg.CheckpointEvery})
	}
	return hs
}

// ema keeps the exponential moving average of the parameters:
// avg ← a·avg + (1−a)·θ after each step, with a the decay, or with warm-up
// min(decay, (1+t)/(10+t)) after step t+1.
type ema struct {
	decay  float64
	warmup bool
	avg    []*tensor.Tensor
}

func newEMA(decay float64, warmup bool, ps []nn.Param) *ema {
	e := &ema{decay: decay, warmup: warmup}
	for _, p := range ps {
		e.avg = append(e.avg, p.Value.Clone())
	}
	return e
}

// rate returns the decay used by the update after the step-th step (the
// first is step 1). It depends on the step alone, which a checkpoint holds,
// so a resumed run averages as an unbroken one does.
func (e *ema) rate(step int) float64 {
	if !e.warmup {
		return e.decay
	}
	t := float64(step - 1)
	return min(e.decay, (1+t)/(10+t))
}

func (e *ema) AfterStep(t *Trainer, s Status) error {
	a := e.rate(s.Step)
	for i, p := range t.params {
		avg, pd := e.avg[i].Data(), p.Value.Data()
		for j := range avg {
			avg[j] = a*avg[j] + (1-a)*pd[j]
		}
	}
	return nil
}

func (e *ema) Stop(*Trainer, error) error { return nil }

// progressHook draws a progress bar with the step, the loss, the rate (steps
// and samples per second) and the time left.
type progressHook struct {
	bar       *progressbar.ProgressBar
	batch     int
	firstStep int // the step the run started from (a resumed run's)
}

// newProgress returns the bar on Config.Progress, or on standard error when
// that is a terminal; nil when there is none.
func newProgress(t *Trainer) *progressHook {
	bar := progress.New(t.cfg.Progress, int64(t.cfg.Steps), "train",
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("steps"))
	if bar == nil {
		return nil
	}
	bar.Set(t.step)
	return &progressHook{bar: bar, batch: t.cfg.BatchSize * t.cfg.Accumulate, firstStep: t.step}
}

func (p *progressHook) AfterStep(_ *Trainer, s Status) error {
	rate := float64((s.Step-p.firstStep)*p.batch) / max(s.Elapsed.Seconds(), 1e-9)
	p.bar.Describe(fmt.Sprintf("train, loss %.4g, %.0f samples/s", s.Loss, rate))
	return p.bar.Add(1)
}

func (p *progressHook) Stop(_ *Trainer, cause error) error {
	return progress.End(p.bar, cause)
}

// record is one metrics line.
type record struct {
	Step     int    `json:"step"`
	Loss     number `json:"loss"`
	GradNorm number `json:"grad_norm"`
	Elapsed  number `json:"elapsed_s"`
}

// number is a float64 that JSON can hold whatever its value: NaN and ±Inf,
// which JSON has no numbers for, become the strings "NaN", "+Inf" and
// "-Inf", so that the line stays valid and says what happened.
type number float64

// MarshalJSON writes finite values as encoding/json does, others as strings.
func (x number) MarshalJSON() ([]byte, error) {
	if v := float64(x); math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.AppendQuote(nil, strconv.FormatFloat(v, 'g', -1, 64)), nil
	}
	return json.Marshal(float64(x))
}

// metrics appends a JSON line every so many steps and at the last step,
// the one a hook ended the run at (ErrStop) included.
type metrics struct {
	path  string
	every int
	f     *os.File
	last  *Status // the last step, when its line is not written
}

func (m *metrics) AfterStep(_ *Trainer, s Status) error {
	if s.Step%m.every != 0 && s.Step != s.Steps {
		m.last = &s
		return nil
	}
	m.last = nil
	return m.write(s)
}

// write appends the line of a step.
func (m *metrics) write(s Status) error {
	if m.f == nil {
		f, err := safefile.Append(m.path)
		if err != nil {
			return fmt.Errorf("train: metrics: %w", err)
		}
		m.f = f
	}
	line, err := json.Marshal(record{Step: s.Step, Loss: number(s.Loss), GradNorm: number(s.GradNorm), Elapsed: number(s.Elapsed.Seconds())})
	if err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	if _, err := m.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	return nil
}

func (m *metrics) Stop(_ *Trainer, cause error) error {
	if cause == nil && m.last != nil { // ended early by a hook
		if err := m.write(*m.last); err != nil {
			return err
		}
	}
	if m.f == nil {
		return nil
	}
	err := m.f.Close()
	m.f = nil
	if err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	return nil
}

// checkpoints writes checkpoint.bin every so many steps, on cancellation
// and at the end; at the end also the weights (model.params) and their
// average (model_ema.params). After any other error it writes nothing,
// leaving the last good checkpoint.
type checkpoints struct {
	dir   string
	every int
}

func (c checkpoints) path() string { return filepath.Join(c.dir, "checkpoint.bin") }

func (c checkpoints) AfterStep(t *Trainer, s Status) error {
	if c.every > 0 && s.Step%c.every == 0 {
		return t.SaveCheckpoint(c.path())
	}
	return nil
}

func (c checkpoints) Stop(t *Trainer, cause error) error {
	switch {
	case cancelled(cause):
		return t.SaveCheckpoint(c.path())
	case cause != nil:
		return nil
	}
	if err := t.SaveCheckpoint(c.path()); err != nil {
		return err
	}
	if err := nn.Save(filepath.Join(c.dir, "model.params"), t.net); err != nil {
		return err
	}
	if t.ema != nil {
		return t.saveEMA(filepath.Join(c.dir, "model_ema.params"))
	}
	return nil
}

// saveEMA writes the network's averaged weights in the parameter format,
// under the network's own names, so nn.Load reads them into a network.
func (t *Trainer) saveEMA(path string) error {
	return nn.Save(path, &paramsModule{t.Averaged()})
}

// Averaged returns the moving average of the network's weights (with
// Config.EMADecay) under the network's own names, in its order; nil
// without one. The values are the trainer's own: copy them to keep them
// past the next step.
func (t *Trainer) Averaged() []nn.Param {
	if t.ema == nil {
		return nil
	}
	var ps []nn.Param
	for i, p := range t.net.Params() {
		ps = append(ps, nn.Param{Name: p.Name, Value: t.ema.avg[i]})
	}
	return ps
}

// paramsModule is a parameter list posing as a module, for nn.Save.
type paramsModule struct{ ps []nn.Param }

func (m *paramsModule) Forward(*tensor.Tape, *tensor.Tensor) *tensor.Tensor { return nil }
func (m *paramsModule) Params() []nn.Param                                  { return m.ps }
