package train

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/goebm/goebm/internal/lookup"
)

// EarlyStop is a Hook that ends the run (with ErrStop) when its metric,
// the step's loss or gradient norm, has not improved on its best by more
// than MinDelta for Patience steps. With Smooth β > 0 it watches the
// moving average m ← β·m + (1 − β)·x of the metric (started at the first
// value) instead of the noisy per-step value.
type EarlyStop struct {
	// Metric is "loss" (or empty) or "grad-norm".
	Metric string
	// Patience is the number of steps without improvement that ends the
	// run; it must be positive.
	Patience int
	// MinDelta is the least fall of the metric below its best that counts
	// as an improvement.
	MinDelta float64
	// Smooth is the moving average's β in [0, 1); 0 watches the raw value.
	Smooth float64

	m, best float64
	since   int // the step of the last improvement
	started bool
}

// check refuses settings EarlyStop cannot use.
func (e *EarlyStop) check() error {
	if e.Metric != "" && e.Metric != "loss" && e.Metric != "grad-norm" {
		return fmt.Errorf("train: early stop on %q: the metric is loss or grad-norm: %w", e.Metric, ErrInvalid)
	}
	if e.Patience < 1 || !(e.MinDelta >= 0) || math.IsInf(e.MinDelta, 0) || !(e.Smooth >= 0 && e.Smooth < 1) {
		return fmt.Errorf("train: early stop with patience %d (≥ 1), min-delta %g (finite, ≥ 0), smooth %g (in [0, 1)): %w", e.Patience, e.MinDelta, e.Smooth, ErrInvalid)
	}
	return nil
}

// AfterStep updates the watched value and returns an error wrapping
// ErrStop once Patience steps have passed without improvement.
func (e *EarlyStop) AfterStep(_ *Trainer, s Status) error {
	x := s.Loss
	if e.Metric == "grad-norm" {
		x = s.GradNorm
	}
	if !e.started {
		if err := e.check(); err != nil {
			return err
		}
		e.started, e.m, e.best, e.since = true, x, x, s.Step
		return nil
	}
	e.m = e.Smooth*e.m + (1-e.Smooth)*x
	if e.m < e.best-e.MinDelta {
		e.best, e.since = e.m, s.Step
		return nil
	}
	if s.Step-e.since >= e.Patience {
		return fmt.Errorf("train: early stop at step %d: the %s (%.4g) has not fallen below its best %.4g − %g for %d steps: %w",
			s.Step, cmp.Or(e.Metric, "loss"), e.m, e.best, e.MinDelta, e.Patience, ErrStop)
	}
	return nil
}

// Stop does nothing.
func (e *EarlyStop) Stop(*Trainer, error) error { return nil }

// Log is a Hook that writes a line to W every Every steps and at the last:
// the step, the loss, the gradient norm and the learning rate (TorchEBM's
// LR and gradient-norm logging), for runs without a terminal to draw the
// progress bar on.
type Log struct {
	// Every is the interval in steps; it must be positive.
	Every int
	// W receives the lines.
	W io.Writer
}

// AfterStep writes the step's line when it is due.
func (l Log) AfterStep(t *Trainer, s Status) error {
	if l.Every < 1 || l.W == nil {
		return fmt.Errorf("train: log every %d steps to %v: %w", l.Every, l.W, ErrInvalid)
	}
	if s.Step%l.Every != 0 && s.Step != s.Steps {
		return nil
	}
	line := fmt.Sprintf("step %d/%d  loss %.5g  grad-norm %.4g", s.Step, s.Steps, s.Loss, s.GradNorm)
	if lr, ok := t.LR(); ok {
		line += fmt.Sprintf("  lr %.4g", lr)
	}
	_, err := fmt.Fprintln(l.W, line)
	return err
}

// Stop does nothing.
func (Log) Stop(*Trainer, error) error { return nil }

// Callback is a named hook that a command line can ask for (ebm train
// -callbacks), with its settings and their defaults.
type Callback struct {
	Name, Doc string
	// Params are its settings, name and default, in order.
	Params [][2]string
	// New builds the hook from the settings (each given or its default);
	// w is where a logging hook writes.
	New func(p Params, w io.Writer) (Hook, error)
}

// Params are a callback's settings by name, as written.
type Params map[string]string

// Float returns the setting as a number.
func (p Params) Float(name string) (float64, error) {
	v, err := strconv.ParseFloat(p[name], 64)
	if err != nil {
		return 0, fmt.Errorf("train: %s=%q: %w", name, p[name], ErrInvalid)
	}
	return v, nil
}

// Int returns the setting as an integer.
func (p Params) Int(name string) (int, error) {
	v, err := strconv.Atoi(p[name])
	if err != nil {
		return 0, fmt.Errorf("train: %s=%q: %w", name, p[name], ErrInvalid)
	}
	return v, nil
}

var callbacks = []Callback{
	{"early-stop", "end the run when the metric (loss or grad-norm), smoothed by a moving average of β = smooth, has not fallen by min-delta below its best for patience steps",
		[][2]string{{"metric", "loss"}, {"patience", "200"}, {"min-delta", "0"}, {"smooth", "0.9"}},
		func(p Params, _ io.Writer) (Hook, error) {
			e := &EarlyStop{Metric: p["metric"]}
			var err error
			if e.Patience, err = p.Int("patience"); err != nil {
				return nil, err
			}
			if e.MinDelta, err = p.Float("min-delta"); err != nil {
				return nil, err
			}
			if e.Smooth, err = p.Float("smooth"); err != nil {
				return nil, err
			}
			return e, e.check()
		}},
	{"log", "write the step, loss, gradient norm and learning rate to standard error every so many steps",
		[][2]string{{"every", "100"}},
		func(p Params, w io.Writer) (Hook, error) {
			n, err := p.Int("every")
			if err != nil {
				return nil, err
			}
			if n < 1 || w == nil {
				return nil, fmt.Errorf("train: log every %d steps: %w", n, ErrInvalid)
			}
			return Log{Every: n, W: w}, nil
		}},
}

// Callbacks returns the named hooks, sorted by name.
func Callbacks() []Callback {
	out := slices.Clone(callbacks)
	slices.SortFunc(out, func(a, b Callback) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ParseCallbacks builds the hooks of a list such as
// "early-stop:patience=50,min-delta=0.001,log:every=10": callbacks by
// name (case, hyphens and underscores do not count), each with its
// settings after a colon; a comma separates settings and callbacks alike,
// a setting being a key=value and a callback a name. Settings not given
// take their defaults; w is where logging hooks write. Empty gives none.
func ParseCallbacks(spec string, w io.Writer) ([]Hook, error) {
	var table []lookup.Entry[Callback]
	for _, c := range Callbacks() {
		table = append(table, lookup.Entry[Callback]{Name: c.Name, Doc: c.Doc, Value: c})
	}
	type item struct {
		c Callback
		p Params
	}
	var items []item
	for _, tok := range strings.Split(spec, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		name, rest, colon := strings.Cut(tok, ":")
		if !colon && strings.Contains(tok, "=") {
			if len(items) == 0 {
				return nil, fmt.Errorf("train: callbacks %q: setting %q before any callback: %w", spec, tok, ErrInvalid)
			}
			rest, name = tok, ""
		}
		if name != "" {
			c, err := lookup.Find(table, name, "train: unknown callback", ErrInvalid)
			if err != nil {
				return nil, err
			}
			p := Params{}
			for _, kv := range c.Params {
				p[kv[0]] = kv[1]
			}
			items = append(items, item{c, p})
		}
		if rest == "" {
			continue
		}
		cur := items[len(items)-1]
		k, v, ok := strings.Cut(rest, "=")
		if !ok || !slices.ContainsFunc(cur.c.Params, func(kv [2]string) bool { return kv[0] == k }) {
			return nil, fmt.Errorf("train: callback %s: setting %q; it takes %s: %w", cur.c.Name, rest, paramNames(cur.c), ErrInvalid)
		}
		cur.p[k] = v
	}
	var hooks []Hook
	for _, it := range items {
		h, err := it.c.New(it.p, w)
		if err != nil {
			return nil, fmt.Errorf("train: callback %s: %w", it.c.Name, err)
		}
		hooks = append(hooks, h)
	}
	return hooks, nil
}

// paramNames lists a callback's settings with their defaults.
func paramNames(c Callback) string {
	var s []string
	for _, kv := range c.Params {
		s = append(s, kv[0]+"="+kv[1])
	}
	if len(s) == 0 {
		return "no settings"
	}
	return strings.Join(s, ", ")
}
