package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/model"
)

type trainSummary struct {
	Out       string  `json:"out"`
	Data      string  `json:"data"`
	Loss      string  `json:"loss"`
	Steps     int     `json:"steps"`
	FinalLoss float64 `json:"final_loss"`
	Seconds   float64 `json:"seconds"`
	model.Scores
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("train", "Train an MLP on 2-D data (a built-in dataset, or a .csv or .npy file of which a tenth is held out):\nan energy (MCMC-sampled), or with -loss fm, eqm or em a flow that generates by integration; write\nconfig.json, checkpoint.bin, metrics.jsonl, model.params and energy.png, samples.png, curves.png into -out.", stderr)
	c := model.Config{Dim: 2}
	fs.StringVar(&c.Data, "data", "eightgaussians", "dataset: a .csv or .npy file, or "+names(dataset.Names()))
	fs.StringVar(&c.Loss, "loss", "pcd", "loss (ebm list describes them)")
	fs.IntVar(&c.Steps, "steps", 3000, "training steps")
	fs.IntVar(&c.Batch, "batch", 256, "batch size")
	fs.IntVar(&c.Hidden, "hidden", 64, "units per hidden layer")
	fs.IntVar(&c.Layers, "layers", 2, "hidden layers")
	fs.StringVar(&c.Activation, "activation", "silu", "activation (ebm list shows them)")
	fs.Float64Var(&c.LR, "lr", 2e-3, "peak learning rate (cosine decay to 1/50 of it)")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed")
	fs.Float64Var(&c.CDReg, "cd-reg", 0.1, "energy regulariser of the contrastive-divergence losses")
	fs.StringVar(&c.CDSampler, "cd-sampler", "", "sampler of the contrastive-divergence losses' negatives, step 0.005; empty: Langevin (tempering for ptcd)")
	fs.StringVar(&c.Coupling, "coupling", "exact-ot", "noise–data pairing of the fm and em losses: "+names(coupling.Names()))
	fs.StringVar(&c.Interpolant, "interpolant", "linear", "path of the fm, eqm and em losses: "+names(interpolant.Names()))
	every := fs.Int("checkpoint-every", 500, "steps between checkpoints")
	out := fs.String("out", "", "output directory (required)")
	force := fs.Bool("force", false, "overwrite an existing output directory")
	resume := fs.Bool("resume", false, "continue the run in -out from its checkpoint")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	recipe, err := model.RecipeByName(c.Loss)
	if err != nil {
		return asUsage(err)
	}
	if err := refuse(fs, "-loss "+recipe.Name, recipe.Unused()...); err != nil {
		return err
	}
	c = recipe.Keep(c)
	c.Loss = recipe.Name
	switch {
	case *out == "":
		return usagef("-out: an output directory is required")
	case *every < 1:
		return usagef("-checkpoint-every %d: must be positive", *every)
	}
	if err := c.Check(); err != nil {
		return asUsage(err)
	}
	if err := knownData(c.Data); err != nil {
		return err
	}
	train, test, err := model.Data(c.Data, c.Seed, 2000)
	if err == nil && train.Dim(1) != 2 {
		err = fmt.Errorf("-data %s has %d columns: ebm trains, scores and draws 2-D models", c.Data, train.Dim(1))
	}
	if err != nil {
		return err
	}
	run, err := model.OpenRun(*out, c, *force, *resume)
	switch {
	case errors.Is(err, model.ErrExists), errors.Is(err, model.ErrInterrupted):
		return fmt.Errorf("%w; pass -force to overwrite it or -resume to continue it", err)
	case errors.Is(err, model.ErrNotEmpty):
		return fmt.Errorf("%w; pass -force to replace it", err)
	case err != nil:
		return err
	}
	defer func() { err = errors.Join(err, run.Close()) }()
	start := time.Now()
	m, sum, err := model.Fit(ctx, c, train, model.TrainOptions{Dir: run.Work, CheckpointEvery: *every, Resume: *resume})
	if err != nil && run.HasCheckpoint() {
		return fmt.Errorf("%w (checkpoint in %s; -resume continues)", err, run.Work)
	} else if err != nil {
		return err
	}
	a, err := model.Score(ctx, m, c.Data, train, test, rand.New(rand.NewPCG(c.Seed, 4)))
	if err != nil {
		return err
	}
	if err := model.WritePictures(ctx, run.Work, c.Data, m, a, train); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if err := run.Commit(); err != nil {
		return err
	}
	ts := trainSummary{Out: *out, Data: c.Data, Loss: c.Loss, Steps: sum.Steps, FinalLoss: sum.FinalLoss, Seconds: time.Since(start).Seconds(), Scores: a.Scores}
	return report(stdout, *asJSON, ts, func() {
		fmt.Fprintf(stdout, "trained %s on %s for %d steps in %.1fs: final loss %.4g\n", ts.Loss, ts.Data, ts.Steps, ts.Seconds, ts.FinalLoss)
		fmt.Fprintf(stdout, "NLL %.3f nats on %s data (a fitted Gaussian: %.3f%s), MMD² %.5f\n", ts.NLL, freshOrHeldOut(c.Data), ts.GaussianNLL, gap("; ", ts.Scores), ts.MMD2)
		fmt.Fprintf(stdout, "wrote %s: config.json, model.params, checkpoint.bin, metrics.jsonl, energy.png, samples.png, curves.png\n", ts.Out)
	})
}

// knownData refuses an unknown -data name (a usage error).
func knownData(data string) error {
	if _, err := dataset.ByName(data); err != nil && dataset.CheckExt(data) != nil {
		return usagef("-data %q: unknown (valid: a .csv or .npy file, %s)", data, names(dataset.Names()))
	}
	return nil
}

func freshOrHeldOut(data string) string {
	if _, err := dataset.ByName(data); err != nil {
		return "held-out"
	}
	return "fresh"
}

// gap formats the NLL's gap to the data's entropy, where known.
func gap(sep string, s model.Scores) string {
	if s.NLLMinusH == nil {
		return ""
	}
	return fmt.Sprintf("%sNLL − entropy %.3f", sep, *s.NLLMinusH)
}
