package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/tensor"
)

type trainSummary struct {
	Out       string  `json:"out"`
	Data      string  `json:"data"`
	Loss      string  `json:"loss"`
	Steps     int     `json:"steps"`
	FinalLoss float64 `json:"final_loss"`
	Seconds   float64 `json:"seconds"`
	// NotScored says why a model beyond 2-D has no scores: AIS's chains
	// diverged (eval.ErrDiverged). The model is still written.
	NotScored string `json:"not_scored,omitempty"`
	*model.Scores
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("train", "Train a model on data (a built-in 2-D dataset, an image set, or a .csv or .npy file of which a tenth is\nheld out): an MLP energy (MCMC-sampled), or with -loss fm, eqm or em a flow that generates by\nintegration; on images (-data digits, 8×8 with a fixed fifth held out, or fashion-mnist) also -model conv\n(a ResNet energy; -loss ce a classifier, jem both, ncsn a noise-conditional energy that generates by\nannealed Langevin, on -model mlp too) or -model transformer (a label-conditional flow). It writes\nconfig.json, checkpoint.bin, metrics.jsonl, model.params and pictures into -out: energy.png, samples.png\nand curves.png in 2-D; beyond, samples.npy and the NLL's log Z by AIS (checked as ebm eval\ndoes) for an MLP; for an image model samples.png (a row per class when conditional) and buffer.png\n(persistent CD's replay buffer), scored by ebm eval -classifier.", stderr)
	c := model.Config{Dim: 2}
	fs.StringVar(&c.Data, "data", "eightgaussians", "dataset: a .csv or .npy file, or "+dataNames())
	dataNoise := fs.Float64("noise", 0, "sd of the noise a built-in 2-D dataset adds to its points (unset: the dataset's default, 0.01 for the checkerboard; 0 asks for none)")
	fs.StringVar(&c.Loss, "loss", "pcd", "loss (ebm list describes them)")
	fs.IntVar(&c.Steps, "steps", 3000, "training steps (images: 600 for the CD losses, 900 for jem, 5000 for the flows, 2000 for ncsn, 1000 otherwise)")
	fs.IntVar(&c.Batch, "batch", 256, "batch size (images: 64)")
	fs.IntVar(&c.Accumulate, "accumulate", 1, "batches whose gradients are averaged into each step (gradient accumulation: a step sees accumulate × batch rows)")
	fs.Float64Var(&c.EMA, "ema", 0, "decay of an exponential moving average of the weights, with warm-up; the saved model is the average (0: none; 0.999 is usual)")
	fs.IntVar(&c.Hidden, "hidden", 64, "units per hidden layer")
	fs.IntVar(&c.Layers, "layers", 2, "hidden layers")
	fs.StringVar(&c.Activation, "activation", "silu", "activation (ebm list shows them)")
	fs.Float64Var(&c.LR, "lr", 2e-3, "peak learning rate (cosine decay to 1/50 of it)")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed")
	cdReg := fs.Float64("cd-reg", 0.1, "energy regulariser of the contrastive-divergence losses (0: none)")
	fs.StringVar(&c.CDSampler, "cd-sampler", "", "sampler of the contrastive-divergence losses' negatives, step 0.005; empty: Langevin (tempering for ptcd)")
	fs.StringVar(&c.Coupling, "coupling", "exact-ot", "noise–data pairing of the fm and em losses: "+names(coupling.Names()))
	fs.StringVar(&c.Interpolant, "interpolant", "linear", "path of the fm, eqm and em losses: "+names(interpolant.Names()))
	fs.StringVar(&c.Prediction, "prediction", "velocity", "fm: what the network learns, converted to the velocity to generate: "+names(interpolant.PredictionNames()))
	fs.IntVar(&c.CDSteps, "cd-steps", 0, "sampler steps per contrastive-divergence loss (0: 20)")
	fs.Float64Var(&c.CDStep, "cd-step", 0, "Langevin step size η of the contrastive-divergence chains (0: 0.005; images 1)")
	fs.Float64Var(&c.CDStepEnd, "cd-step-end", 0, "contrastive-divergence losses: the step size follows a cosine from -cd-step to this over the run (0: constant)")
	fs.Float64Var(&c.SMPenalty, "sm-penalty", 0, "score-matching losses (sm, sm-hutchinson, sm-fd, ssm, dsm): weight λ of the penalty λ·mean ‖∇ₓE‖² on the data (0: none)")
	fs.StringVar(&c.Projection, "projection", "", "ssm and sm-hutchinson: probes rademacher, gaussian or sphere (radius √d) (empty: rademacher)")
	fs.Float64Var(&c.Sigma, "sigma", 0, "dsm: noise σ (0: 0.05)")
	fs.Float64Var(&c.SigmaEnd, "sigma-end", 0, "dsm: σ follows a cosine from -sigma to this over the run (0: constant)")
	fs.StringVar(&c.NCENoise, "nce-noise", "", "nce: noise fitted to the data, isotropic or full (covariance) (empty: isotropic)")
	cdNoise := fs.Float64("cd-noise", 0, "Langevin noise σ of the contrastive-divergence chains, set apart from η (unset: √(2η), images 0.01; 0: none, the chains descend the energy)")
	genWeight := fs.Float64("gen-weight", 0.2, "jem: weight of persistent CD beside the cross-entropy (1 is Grathwohl et al.'s log p(x, y); 0: the cross-entropy alone)")
	fs.StringVar(&c.Arch, "model", "mlp", "network: "+names(model.Archs()))
	fs.StringVar(&c.DataDir, "data-dir", "", "directory of an image set's files (empty: where its Debian package puts them)")
	widths := fs.String("widths", "", "conv: widths of the ResNet's stages, comma-separated (empty: 16,32)")
	fs.BoolVar(&c.SpectralNorm, "spectral-norm", false, "conv: spectral normalisation of every weight (IGEBM)")
	fs.IntVar(&c.Patch, "patch", 2, "transformer: side of the square patches (4 for images beyond 16 pixels)")
	fs.IntVar(&c.Heads, "heads", 4, "transformer: attention heads (-hidden is the token width, -layers the depth)")
	labelDrop := fs.Float64("label-drop", 0.1, "label-conditional flows: probability of dropping a label in training, for classifier-free guidance (0: never, no guidance)")
	fs.Float64Var(&c.SigmaMax, "sigma-max", 0, "ncsn: largest noise σ₁ of the ladder (0: 1; images 3)")
	fs.Float64Var(&c.SigmaMin, "sigma-min", 0, "ncsn: smallest noise σ_L of the ladder, below -sigma-max (0: 0.01)")
	fs.IntVar(&c.NoiseLevels, "noise-levels", 0, "ncsn: noise levels L of the geometric ladder, 2 to 1000 (0: 10; images 20)")
	fs.Float64Var(&c.EDT, "ed-t", 0, "ed: variance t of the Gaussian perturbation and of the negatives around it (0: 1)")
	fs.IntVar(&c.EDM, "ed-m", 0, "ed: negatives M per data point (0: 4)")
	edW := fs.Float64("ed-w", 1, "ed: stabiliser w of log(w/M + mean exp(E(x) − E(x′))) (0: none, which small M cannot train with)")
	fs.IntVar(&c.DRLLevels, "drl-levels", 0, "drl: conditionals learned, levels of the diffusion, 1 to 1000 (0: 6)")
	fs.IntVar(&c.DRLSteps, "drl-steps", 0, "drl: MALA steps per conditional, in training and generation (0: 30)")
	fs.Float64Var(&c.DRLStepScale, "drl-step-scale", 0, "drl: MALA's step at a level of noise σ is this × σ² (0: 0.25)")
	fs.StringVar(&c.Precision, "precision", "float32", "network precision: float32 (its matrix products in float32, parameters saved as float32) or float64; MCMC is float64 either way")
	every := fs.Int("checkpoint-every", 500, "steps between checkpoints")
	out := fs.String("out", "", "output directory (required)")
	force := fs.Bool("force", false, "overwrite an existing output directory")
	resume := fs.Bool("resume", false, "continue the run in -out from its checkpoint")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The optional settings are recorded only when given, so that a
	// config keeps its defaults' meaning and 0 can be asked for.
	if isSet(fs, "noise") {
		c.DataNoise = dataNoise
	}
	if isSet(fs, "cd-noise") {
		c.CDNoise = cdNoise
	}
	if isSet(fs, "gen-weight") {
		c.GenWeight = genWeight
	}
	if isSet(fs, "label-drop") {
		c.LabelDrop = labelDrop
	}
	if isSet(fs, "ed-w") {
		c.EDW = edW
	}
	c.CDReg = cdReg
	recipe, err := model.RecipeByName(c.Loss)
	if err != nil {
		return asUsage(err)
	}
	if err := refuse(fs, "-loss "+recipe.Name, recipe.Unused()...); err != nil {
		return err
	}
	c = recipe.Keep(c)
	c.Loss = recipe.Name
	if c.Prediction != "" {
		p, err := interpolant.PredictionByName(c.Prediction)
		if err != nil {
			return asUsage(err)
		}
		c.Prediction = p.String()
		if p == interpolant.Velocity {
			c.Prediction = "" // config.json as before predictions existed
		}
	}
	if err := imageFlags(fs, &c, *widths, recipe); err != nil {
		return err
	}
	switch {
	case *out == "":
		return usagef("-out: an output directory is required")
	case *every < 1:
		return usagef("-checkpoint-every %d: must be positive", *every)
	case c.Accumulate < 1:
		return usagef("-accumulate %d: must be positive", c.Accumulate)
	}
	if c.Accumulate == 1 {
		c.Accumulate = 0 // config.json as before accumulation existed
	}
	if err := c.Check(); err != nil {
		return asUsage(err)
	}
	if err := knownData(c.Data); err != nil {
		return err
	}
	var data, held model.Labelled
	if dataset.IsImageSet(c.Data) {
		im, err := dataset.LoadImages(c.Data, c.DataDir)
		if err != nil {
			return err
		}
		data, held = model.ImageSplits(im, c.Seed)
		c = c.ForImages(im)
		if c.Arch == model.ArchTransformer && !isSet(fs, "patch") && min(im.H, im.W) > 16 {
			c.Patch = 4 // 49 tokens for 28×28, not 196
		}
		if err := c.Check(); err != nil { // the network on these images
			return asUsage(err)
		}
		l, err := c.NewLoss(nil)
		if err != nil {
			return asUsage(err)
		}
		if _, err := c.Network(model.KindOf(l), 0); err != nil {
			return asUsage(err)
		}
	}
	if data.X == nil {
		if data, held, err = c.LoadData(2000); err != nil {
			return err
		}
	}
	train, test := data.X, held.X
	c.Dim = train.Dim(1)
	if c.Image == nil && c.Dim != 2 && max(train.Dim(0), test.Dim(0)) <= c.Dim {
		return fmt.Errorf("-data %s: %d training and %d held-out rows of %d columns: scoring a model beyond 2-D (AIS fits its base to the rows) needs more rows than columns", c.Data, train.Dim(0), test.Dim(0), c.Dim)
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
	m, sum, err := model.Fit(ctx, c, train, model.TrainOptions{Dir: run.Work, CheckpointEvery: *every, Resume: *resume, Labels: data.Y})
	if err != nil && run.HasCheckpoint() {
		return fmt.Errorf("%w (checkpoint in %s; -resume continues)", err, run.Work)
	} else if err != nil {
		return err
	}
	if c.Image != nil {
		return finishImages(ctx, stdout, *asJSON, run, m, c, *out, sum.Steps, sum.FinalLoss, start, data)
	}
	a, err := model.Score(ctx, m, c.Data, train, test, rand.New(rand.NewPCG(c.Seed, 4)))
	var notScored string
	if errors.Is(err, eval.ErrDiverged) { // the model is trained: keep it
		notScored, err = err.Error(), nil
	}
	if err != nil {
		return err
	}
	files, err := model.WritePictures(ctx, run.Work, c.Data, m, a, train)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if err := run.Commit(); err != nil {
		return err
	}
	ts := trainSummary{Out: *out, Data: c.Data, Loss: c.Loss, Steps: sum.Steps, FinalLoss: sum.FinalLoss, Seconds: time.Since(start).Seconds(), NotScored: notScored}
	if notScored == "" {
		ts.Scores = &a.Scores
	}
	return report(stdout, *asJSON, ts, func() {
		fmt.Fprintf(stdout, "trained %s on %s for %d steps in %.1fs: final loss %.4g\n", ts.Loss, ts.Data, ts.Steps, ts.Seconds, ts.FinalLoss)
		if c.Dim != 2 {
			if ts.Scores != nil {
				printHighScores(stdout, freshOrHeldOut(c.Data)+" "+c.Data, *ts.Scores)
			} else {
				fmt.Fprintf(stdout, "not scored: %s\n", notScored)
			}
			written := append([]string{"config.json", "model.params", "checkpoint.bin", "metrics.jsonl"}, files...)
			fmt.Fprintf(stdout, "wrote %s: %s (no energy.png: a density picture needs 2-D data)\n", ts.Out, strings.Join(written, ", "))
			return
		}
		fmt.Fprintf(stdout, "NLL %.3f nats on %s data (a fitted Gaussian: %.3f%s), MMD² %.5f\n", ts.NLL, freshOrHeldOut(c.Data), ts.GaussianNLL, gap("; ", *ts.Scores), ts.MMD2)
		fmt.Fprintf(stdout, "wrote %s: config.json, model.params, checkpoint.bin, metrics.jsonl, energy.png, samples.png, curves.png\n", ts.Out)
	})
}

// knownData refuses an unknown -data name (a usage error).
func knownData(data string) error {
	if _, err := dataset.ByName(data); err != nil && dataset.CheckExt(data) != nil {
		if !dataset.IsImageSet(data) {
			return usagef("-data %q: unknown (valid: a .csv or .npy file, %s)", data, dataNames())
		}
	}
	return nil
}

// dataNames lists the built-in 2-D datasets, then the image sets.
func dataNames() string {
	return names(dataset.Names()) + "; images: " + names(dataset.ImageNames())
}

// printHighScores prints the scores of a model beyond 2-D on the points
// described by what: the NLL in nats and bits per dimension against the
// Gaussian's, and whether AIS converged.
func printHighScores(w io.Writer, what string, s model.Scores) {
	fmt.Fprintf(w, "NLL %.2f nats, %.4f bits/dim on %s (a fitted Gaussian: %.2f nats, %.4f bits/dim; dequantisation %.2f nats), MMD² %.5f\n",
		s.NLL, s.BitsPerDim, what, s.GaussianNLL, s.GaussianBitsPerDim, s.Dequantisation, s.MMD2)
	if r := s.AIS; r != nil {
		verdict := "converged"
		if !r.Converged {
			verdict = "NOT CONVERGED: the NLL is not to be trusted; ebm eval -ais-steps anneals longer"
		}
		fmt.Fprintf(w, "log Z %.2f ± %.2f by AIS: %s (gap %.2f nats, tolerance %.2f; %s)\n", r.LogZ, r.SE, verdict, r.Gap, r.Tolerance, aisRuns(r))
	}
}

// aisRuns formats an AIS check's runs: forward and reverse log Z by steps.
func aisRuns(r *eval.LogZEstimate) string {
	var parts []string
	for _, run := range r.Runs {
		dir := "forward"
		if run.Reverse {
			dir = "reverse"
		}
		parts = append(parts, fmt.Sprintf("%s %d steps %.2f ± %.2f", dir, run.Steps, run.LogZ, run.SE))
	}
	return strings.Join(parts, ", ")
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

// imageFlags checks the flags of the image networks: each only with its
// network and, with a conv or transformer, image data; and fills the
// conv's widths.
func imageFlags(fs *flag.FlagSet, c *model.Config, widths string, r model.Recipe) error {
	if c.Arch == model.ArchMLP {
		c.Arch = ""
	}
	if c.Arch != model.ArchConv {
		if err := refuse(fs, "-model "+cmp.Or(c.Arch, model.ArchMLP), "widths", "spectral-norm"); err != nil {
			return err
		}
	}
	if c.Arch != model.ArchTransformer {
		if err := refuse(fs, "-model "+cmp.Or(c.Arch, model.ArchMLP), "patch", "heads", "label-drop"); err != nil {
			return err
		}
		c.Patch, c.Heads = 0, 0
	}
	if c.Arch != "" && !dataset.IsImageSet(c.Data) {
		return usagef("-model %s: needs an image set (-data %s)", c.Arch, names(dataset.ImageNames()))
	}
	if c.Arch == "" && isSet(fs, "data-dir") && !dataset.IsImageSet(c.Data) {
		return usagef("-data-dir: only for an image set (-data %s)", names(dataset.ImageNames()))
	}
	if widths != "" {
		for _, f := range strings.Split(widths, ",") {
			w, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || w < 1 {
				return usagef("-widths %q: want positive integers separated by commas", widths)
			}
			c.Widths = append(c.Widths, w)
		}
	}
	// Image chains move in [−1, 1] with a step and a noise of their own
	// (short-run MCMC; Nijkamp et al. 2019): the energy learns gradients to
	// suit them.
	// A batch of 64, and steps that train each loss on the digits in
	// minutes on two cores.
	if c.Arch != "" && !isSet(fs, "batch") {
		c.Batch = 64
	}
	if c.Arch != "" && !isSet(fs, "steps") {
		c.Steps = imageSteps(c.Loss)
	}
	// ncsn's chains must cross between digits, farther apart than the
	// loss's σ₁ = 1 (Song and Ermon 2020): on the digits σ₁ = 3 in 20
	// levels drew all ten classes more evenly (22 to 45 of 300 images,
	// against 10 to 45) and nearer the data (Fréchet distance 63 against
	// 77, 2000 steps each).
	if r.Name == "ncsn" && dataset.IsImageSet(c.Data) {
		if !isSet(fs, "sigma-max") {
			c.SigmaMax = 3
		}
		if !isSet(fs, "noise-levels") {
			c.NoiseLevels = 20
		}
	}
	// Networks train in float32 by default: their products run about twice
	// as fast, and the results agree (see the README's Precision section).
	if c.Precision == tensor.Float64.String() {
		c.Precision = "" // the default, as config.json has always said it
	}
	if c.Arch == model.ArchConv && slices.Contains(r.Uses, "cd-step") {
		if !isSet(fs, "cd-step") && c.CDSampler == "" {
			c.CDStep = 1
		}
		if !isSet(fs, "cd-noise") && c.CDSampler == "" {
			c.CDNoise = dataset.Float(0.01)
		}
	}
	return nil
}

// finishImages ends the training of a conv or transformer model on
// images: it draws its samples (a row per class when conditional) and its
// curves into the run, commits the run and reports.
func finishImages(ctx context.Context, stdout io.Writer, asJSON bool, run *model.Run, m model.Model, c model.Config, out string,
	steps int, finalLoss float64, start time.Time, data model.Labelled) error {
	_, files, err := model.ImagePictures(ctx, run.Work, m, 1, data.X, c.Seed)
	if err != nil {
		return fmt.Errorf("pictures: %w", err)
	}
	if exists(filepath.Join(run.Work, "buffer.png")) {
		files = append(files, "buffer.png")
	}
	if err := run.Commit(); err != nil {
		return err
	}
	ts := trainSummary{Out: out, Data: c.Data, Loss: c.Loss, Steps: steps, FinalLoss: finalLoss, Seconds: time.Since(start).Seconds(),
		NotScored: "image models are scored by ebm eval -classifier (a feature-space Fréchet distance), not by AIS"}
	return report(stdout, asJSON, ts, func() {
		fmt.Fprintf(stdout, "trained %s (%s) on %s for %d steps in %.1fs: final loss %.4g\n", ts.Loss, c.Arch, ts.Data, ts.Steps, ts.Seconds, ts.FinalLoss)
		written := append([]string{"config.json", "model.params", "checkpoint.bin", "metrics.jsonl"}, files...)
		fmt.Fprintf(stdout, "wrote %s: %s\n", ts.Out, strings.Join(written, ", "))
	})
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// imageSteps is an image model's default number of training steps: each
// CD step runs K Langevin steps of the network, and the flows' steps are
// cheap; jem's first third trains the cross-entropy alone, which costs
// little, and then as many CD steps as pcd takes.
func imageSteps(loss string) int {
	switch loss {
	case "jem":
		return 900
	case "pcd", "cd", "ptcd":
		return 600
	case "fm", "eqm":
		return 5000
	case "ncsn":
		return 2000
	}
	return 1000
}
