package model

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
	"github.com/goebm/goebm/train"
)

// TrainOptions are where and how a training run writes.
type TrainOptions struct {
	// Dir receives config.json, model.params, checkpoint.bin and
	// metrics.jsonl; empty means no files.
	Dir string
	// CheckpointEvery steps a checkpoint is written; 0 means only at the
	// end.
	CheckpointEvery int
	// Resume continues the run from Dir/checkpoint.bin, after checking
	// that Dir/config.json holds the same settings (else ErrMismatch).
	Resume bool
	// Progress receives a progress bar (see train.Config).
	Progress io.Writer
	// Labels has one label per data row, for the losses that learn from
	// labels (Config.Classes > 0); nil otherwise.
	Labels []int
	// Hooks watch the run after the built-in ones (train.Config.Hooks):
	// the callbacks ebm train names (train.ParseCallbacks). One that ends
	// the run early (train.ErrStop) leaves a model of fewer steps, and
	// the summary's Stopped says why.
	Hooks []train.Hook
}

// Train trains the network of c (initialised from c.Seed) with the objective l
// on data ([n, c.Dim]): Adam with a cosine decay of the learning rate from
// c.LR to c.LR/50 over c.Steps steps, batches of c.Batch (c.Accumulate of
// them averaged into each step), gradients clipped to norm 10, and with
// c.EMA a moving average of the weights, which the model it returns holds
// (with the warm-up of train.Config.EMAWarmup). It writes
// config.json into o.Dir first, so that an interrupted run's directory can
// be resumed (when resuming, it checks it instead, before writing
// anything), and returns the model and the trainer's summary. OpenRun gives
// a directory to train in that is never left half written.
func Train(ctx context.Context, c Config, l Objective, data *tensor.Tensor, o TrainOptions) (Model, train.Summary, error) {
	var sum train.Summary
	if c.Steps < 1 || c.Batch < 1 || c.Accumulate < 0 || !(c.LR > 0) || data.Rank() != 2 || data.Dim(1) != c.Dim {
		return nil, sum, fmt.Errorf("model: %d steps, batch %d, accumulate %d, learning rate %g, data of shape %v for dimension %d: %w",
			c.Steps, c.Batch, c.Accumulate, c.LR, data.Shape(), c.Dim, ErrInvalid)
	}
	net, err := c.Network(KindOf(l), c.Seed)
	if err != nil {
		return nil, sum, err
	}
	switch {
	case o.Dir != "" && o.Resume:
		if err := c.sameRun(o.Dir); err != nil {
			return nil, sum, err
		}
	case o.Dir != "":
		if err := c.write(o.Dir); err != nil {
			return nil, sum, err
		}
	}
	opt := &optim.Adam{Schedule: schedule.Cosine{Start: c.LR, End: c.LR / 50, Steps: c.Steps}}
	tc := train.Config{Steps: c.Steps, BatchSize: min(c.Batch, data.Dim(0)), Accumulate: c.Accumulate, Seed: c.Seed, ClipNorm: 10, Dir: o.Dir,
		CheckpointEvery: o.CheckpointEvery, Progress: o.Progress, EMADecay: c.EMA, EMAWarmup: c.EMA > 0}
	if c.Classes > 0 {
		if len(o.Labels) != data.Dim(0) {
			return nil, sum, fmt.Errorf("model: %d labels for %d rows: a model of %d classes learns from one label per row: %w", len(o.Labels), data.Dim(0), c.Classes, ErrInvalid)
		}
		tc.Labels = o.Labels
	}
	tc.Hooks = append(tc.Hooks, o.Hooks...)
	if o.Dir != "" && c.Image != nil {
		tc.Hooks = append(tc.Hooks, bufferGrid{dir: o.Dir, every: max(o.CheckpointEvery, 1), c: c})
	}
	var tr *train.Trainer
	if l.Time != nil {
		tr, err = train.NewTime(net.(nn.TimeModule), l.Time, opt, data, tc)
	} else {
		tr, err = train.New(net, l.Energy, opt, data, tc)
	}
	if err != nil {
		return nil, sum, fmt.Errorf("model: %w", err)
	}
	if o.Resume {
		if err := tr.Resume(filepath.Join(o.Dir, "checkpoint.bin")); err != nil {
			return nil, sum, fmt.Errorf("model: %w", err)
		}
	}
	if sum, err = tr.Run(ctx); err != nil {
		return nil, sum, fmt.Errorf("model: %w", err)
	}
	// With a moving average the model is the average, as Load reads it
	// from model_ema.params.
	for i, p := range tr.Averaged() {
		copy(net.Params()[i].Value.Data(), p.Value.Data())
	}
	m, err := New(c, net, l)
	return m, sum, err
}
