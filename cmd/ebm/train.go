package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/plot"
	"github.com/goebm/goebm/tensor"
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

// recipeFlags are ebm train's flags that set a loss recipe's settings.
var recipeFlags = []string{"cd-reg", "cd-sampler", "coupling", "interpolant"}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "Train an MLP on a 2-D dataset (a built-in name, or a .csv or .npy file of which a tenth is held out):\nan energy (MCMC-sampled), or with -loss fm, eqm or em a flow that generates by integration; write\nconfig.json, checkpoint.bin, metrics.jsonl, model.params and energy.png, samples.png, curves.png into -out.", stderr)
	data := fs.String("data", "eightgaussians", "dataset: a .csv or .npy file, or "+joinKeys(dataNames()))
	lossName := fs.String("loss", "pcd", "loss (ebm list describes them)")
	c := model.Config{Dim: 2}
	fs.IntVar(&c.Steps, "steps", 3000, "training steps")
	fs.IntVar(&c.Batch, "batch", 256, "batch size")
	fs.IntVar(&c.Hidden, "hidden", 64, "units per hidden layer")
	fs.IntVar(&c.Layers, "layers", 2, "hidden layers")
	fs.StringVar(&c.Activation, "activation", "silu", "activation (ebm list shows them)")
	fs.Float64Var(&c.LR, "lr", 2e-3, "peak learning rate (cosine decay to 1/50 of it)")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed")
	cdReg := fs.Float64("cd-reg", 0.1, "energy regulariser of the contrastive-divergence losses")
	cdSamp := fs.String("cd-sampler", "", "sampler of the contrastive-divergence losses' negatives (step 0.005); empty means Langevin (tempering for ptcd)")
	pairing := fs.String("coupling", "exact-ot", "noise–data pairing of the fm and em losses: "+joinKeys(couplings))
	path := fs.String("interpolant", "linear", "path of the fm, eqm and em losses: "+joinKeys(interpolants))
	every := fs.Int("checkpoint-every", 500, "steps between checkpoints")
	out := fs.String("out", "", "output directory (required)")
	force := fs.Bool("force", false, "overwrite an existing output directory")
	resume := fs.Bool("resume", false, "continue the run in -out from its checkpoint")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	recipe, err := model.RecipeByName(*lossName)
	if err != nil {
		return usagef("-loss %q: unknown (valid: %s)", *lossName, recipeNames())
	}
	var notUsed []string
	for _, f := range recipeFlags {
		if !slices.Contains(recipe.Uses, f) {
			notUsed = append(notUsed, f)
		}
	}
	if err := refuse(fs, "-loss "+recipe.Name, notUsed...); err != nil {
		return err
	}
	s := model.LossSettings{Steps: c.Steps}
	if slices.Contains(recipe.Uses, "cd-reg") {
		s.CDReg, c.CDReg, c.CDSampler = *cdReg, *cdReg, *cdSamp
		if *cdSamp != "" {
			if s.CDSampler, err = cdSampler(*cdSamp); err != nil {
				return err
			}
		}
	}
	if slices.Contains(recipe.Uses, "coupling") {
		cp, err := pick(couplings, "coupling", *pairing)
		s.Coupling, c.Coupling = cp.v, *pairing
		if err != nil {
			return err
		}
	}
	if slices.Contains(recipe.Uses, "interpolant") {
		ip, err := pick(interpolants, "interpolant", *path)
		s.Interpolant, c.Interpolant = ip.v, *path
		if err != nil {
			return err
		}
	}
	switch {
	case *out == "":
		return usagef("-out: an output directory is required")
	case c.Steps < 1, c.Batch < 1, c.Hidden < 1, c.Layers < 1, *every < 1:
		return usagef("-steps, -batch, -hidden, -layers and -checkpoint-every must be positive")
	case !(c.LR > 0):
		return usagef("-lr %g: must be positive", c.LR)
	case *cdReg < 0:
		return usagef("-cd-reg %g: must not be negative", *cdReg)
	}
	c.Data, c.Loss = *data, recipe.Name
	if _, err := nn.ActivationByName(c.Activation); err != nil {
		return usagef("%v", err)
	}
	trainData, test, err := trainingData(*data, c.Seed, 2000)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*out, "config.json")); err == nil && !*force && !*resume {
		return fmt.Errorf("%s holds a trained model; pass -force to overwrite it or -resume to continue it", *out)
	}
	if *force && !*resume {
		os.Remove(filepath.Join(*out, "metrics.jsonl"))
		os.Remove(filepath.Join(*out, "checkpoint.bin"))
	}
	s.Data = trainData
	start := time.Now()
	m, sum, err := model.Train(ctx, c, recipe.New(s), trainData, model.TrainOptions{Dir: *out, CheckpointEvery: *every, Resume: *resume})
	if err != nil {
		return fmt.Errorf("%w (checkpoint in %s; -resume continues)", err, *out)
	}
	a, err := model.Score(ctx, m, *data, trainData, test, rand.New(rand.NewPCG(c.Seed, 4)))
	if err != nil {
		return err
	}
	ts := trainSummary{Out: *out, Data: *data, Loss: recipe.Name, Steps: sum.Steps, FinalLoss: sum.FinalLoss,
		Seconds: time.Since(start).Seconds(), Scores: a.Scores}
	if err := trainPlots(*out, *data, m, a, trainData.Data()); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(ts)
	}
	fmt.Fprintf(stdout, "trained %s on %s for %d steps in %.1fs: final loss %.4g\n", ts.Loss, ts.Data, ts.Steps, ts.Seconds, ts.FinalLoss)
	fmt.Fprintf(stdout, "NLL %.3f nats on %s data (a fitted Gaussian: %.3f", ts.NLL, freshOrHeldOut(*data), ts.GaussianNLL)
	if ts.NLLMinusH != nil {
		fmt.Fprintf(stdout, "; NLL − entropy %.3f", *ts.NLLMinusH)
	}
	fmt.Fprintf(stdout, "), MMD² %.5f\nwrote %s: config.json, model.params, checkpoint.bin, metrics.jsonl, energy.png, samples.png, curves.png\n", ts.MMD2, ts.Out)
	return nil
}

// trainingData returns the training and test points of -data, refusing
// an unknown name (a usage error) and data that are not 2-D.
func trainingData(name string, seed uint64, nTest int) (train, test *tensor.Tensor, err error) {
	if _, err := dataset.ByName(name); err != nil && dataset.CheckExt(name) != nil {
		return nil, nil, usagef("-data %q: unknown (valid: a .csv or .npy file, %s)", name, joinKeys(dataNames()))
	}
	if train, test, err = model.Data(name, seed, nTest); err != nil {
		return nil, nil, err
	}
	if train.Dim(1) != 2 {
		return nil, nil, fmt.Errorf("-data %s has %d columns: ebm trains, scores and draws 2-D models", name, train.Dim(1))
	}
	return train, test, nil
}

func freshOrHeldOut(data string) string {
	if _, err := dataset.ByName(data); err != nil {
		return "held-out"
	}
	return "fresh"
}

func trainPlots(dir, data string, m model.Model, a model.Assessment, train []float64) error {
	title := "learned density exp(−E), with the data (" + data + ")"
	switch m := m.(type) {
	case *model.Flow, *model.Equilibrium:
		title = "the flow's density, with the data (" + data + ")"
	case *model.Potential:
		title = fmt.Sprintf("learned exp(−V/%g), with the data (%s)", m.EpsMax, data)
	}
	g, err := plot.DensityGrid(m.NegLogDensity, a.Box, gridCells(m))
	if err != nil {
		return err
	}
	if err := plot.Density(filepath.Join(dir, "energy.png"), title, g, plot.Points{XY: train, Max: 3000, Color: plot.White, Label: "data"}); err != nil {
		return err
	}
	err = plot.Density(filepath.Join(dir, "samples.png"), "model samples over the data", g,
		plot.Points{XY: train, Max: 2000, Color: plot.Gray, Label: "data"}, plot.Points{XY: a.Samples.Data(), Max: 2000, Color: plot.Red, Label: "model samples"})
	if err != nil {
		return err
	}
	steps, vals, err := readMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil || len(steps) < 2 {
		return err
	}
	return plot.Curve(filepath.Join(dir, "curves.png"), "training loss", "step", "loss", steps, vals)
}

func readMetrics(path string) (steps, vals []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			Step int     `json:"step"`
			Loss float64 `json:"loss"`
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			steps = append(steps, float64(r.Step))
			vals = append(vals, r.Loss)
		}
	}
	return steps, vals, sc.Err()
}

// gridCells is the side of the grid a model's density is drawn on: a flow's
// density costs an integration per point, so it gets a coarser one.
func gridCells(m model.Model) int {
	if m.Density() == nil {
		return 100
	}
	return 200
}

func dataNames() map[string]bool {
	m := map[string]bool{}
	for _, nd := range dataset.Names() {
		m[nd[0]] = true
	}
	return m
}

func recipeNames() string {
	var names []string
	for _, r := range model.Recipes() {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}
