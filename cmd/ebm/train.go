package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/goebm/goebm/tensor"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/optim"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/train"
)

// entropies are the NLLs a perfect model scores on fresh data
// (../shared/benchmarks/entropies-2d.md), where known.
var entropies = map[string]float64{
	"eightgaussians": -2.906, "gaussianmixture": -1.079, "twomoons": 0.289, "circle": 0.261, "checkerboard": 3.466,
}

type trainSummary struct {
	Out       string  `json:"out"`
	Data      string  `json:"data"`
	Loss      string  `json:"loss"`
	Steps     int     `json:"steps"`
	FinalLoss float64 `json:"final_loss"`
	Seconds   float64 `json:"seconds"`
	scores
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "Train an MLP on a 2-D dataset: an energy (MCMC-sampled), or with -loss fm, eqm or em a flow\nthat generates by integration; write config.json, checkpoint.bin, metrics.jsonl, model.params and\nenergy.png, samples.png, curves.png into -out.", stderr)
	data := fs.String("data", "eightgaussians", "dataset: "+joinKeys(dataNames()))
	lossName := fs.String("loss", "pcd", "loss: "+joinKeys(values(losses)))
	steps := fs.Int("steps", 3000, "training steps")
	batch := fs.Int("batch", 256, "batch size")
	hidden := fs.Int("hidden", 64, "units per hidden layer")
	layers := fs.Int("layers", 2, "hidden layers")
	act := fs.String("activation", "silu", "activation (ebm list shows them)")
	lr := fs.Float64("lr", 2e-3, "peak learning rate (cosine decay to 1/50 of it)")
	seed := fs.Uint64("seed", 1, "random seed")
	cdReg := fs.Float64("cd-reg", 0.1, "energy regulariser of the cd and pcd losses")
	pairing := fs.String("coupling", "exact-ot", "noise–data pairing of the fm and em losses: "+joinKeys(values(couplings)))
	every := fs.Int("checkpoint-every", 500, "steps between checkpoints")
	out := fs.String("out", "", "output directory (required)")
	force := fs.Bool("force", false, "overwrite an existing output directory")
	resume := fs.Bool("resume", false, "continue the run in -out from its checkpoint")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	gen, err := dataset.ByName(*data)
	if err != nil {
		return usagef("-data %q: unknown (valid: %s)", *data, joinKeys(dataNames()))
	}
	mkLoss, err := pick(values(losses), "loss", *lossName)
	if err != nil {
		return err
	}
	cp, err := pick(values(couplings), "coupling", *pairing)
	if err != nil {
		return err
	}
	switch {
	case *out == "":
		return usagef("-out: an output directory is required")
	case *steps < 1, *batch < 1, *hidden < 1, *layers < 1, *every < 1:
		return usagef("-steps, -batch, -hidden, -layers and -checkpoint-every must be positive")
	case !(*lr > 0):
		return usagef("-lr %g: must be positive", *lr)
	case *cdReg < 0:
		return usagef("-cd-reg %g: must not be negative", *cdReg)
	}
	if _, err := os.Stat(filepath.Join(*out, "config.json")); err == nil && !*force && !*resume {
		return fmt.Errorf("%s holds a trained model; pass -force to overwrite it or -resume to continue it", *out)
	}
	cfg := modelConfig{Data: *data, Loss: *lossName, Dim: 2, Hidden: *hidden, Layers: *layers, Activation: *act,
		Steps: *steps, Batch: *batch, LR: *lr, Seed: *seed, Coupling: *pairing}
	net, err := cfg.network(*seed)
	if err != nil {
		return usagef("%v", err)
	}
	trainData, err := trainingSample(cfg)
	if err != nil {
		return err
	}
	test := gen.Sample(rand.New(rand.NewPCG(*seed, 2)), 2000)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if *force && !*resume {
		os.Remove(filepath.Join(*out, "metrics.jsonl"))
		os.Remove(filepath.Join(*out, "checkpoint.bin"))
	}
	if err := writeJSON(filepath.Join(*out, "config.json"), cfg); err != nil {
		return err
	}
	tr, err := mkLoss(lossSettings{cdReg: *cdReg, steps: *steps, coupling: cp}).trainer(net, &optim.Adam{Schedule: schedule.Cosine{Start: *lr, End: *lr / 50, Steps: *steps}},
		trainData, train.Config{Steps: *steps, BatchSize: min(*batch, 20000), Seed: *seed, ClipNorm: 10, Dir: *out, CheckpointEvery: *every})
	if err != nil {
		return err
	}
	if *resume {
		if err := tr.Resume(filepath.Join(*out, "checkpoint.bin")); err != nil {
			return err
		}
	}
	start := time.Now()
	sum, err := tr.Run(ctx)
	if err != nil {
		return fmt.Errorf("%w (checkpoint in %s; -resume continues)", err, *out)
	}
	m, err := newTrained(cfg, net)
	if err != nil {
		return err
	}
	sc, box, samples, err := assess(ctx, m, *data, trainData, test, rand.New(rand.NewPCG(*seed, 4)))
	if err != nil {
		return err
	}
	s := trainSummary{Out: *out, Data: *data, Loss: *lossName, Steps: sum.Steps, FinalLoss: sum.FinalLoss,
		Seconds: time.Since(start).Seconds(), scores: sc}
	if err := trainPlots(*out, *data, m, box, trainData.Data(), samples.Data()); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "trained %s on %s for %d steps in %.1fs: final loss %.4g\n", s.Loss, s.Data, s.Steps, s.Seconds, s.FinalLoss)
	fmt.Fprintf(stdout, "NLL %.3f nats on fresh data (a fitted Gaussian: %.3f", s.NLL, s.GaussianNLL)
	if s.NLLMinusH != nil {
		fmt.Fprintf(stdout, "; NLL − entropy %.3f", *s.NLLMinusH)
	}
	fmt.Fprintf(stdout, "), MMD² %.5f\nwrote %s: config.json, model.params, checkpoint.bin, metrics.jsonl, energy.png, samples.png, curves.png\n", s.MMD2, s.Out)
	return nil
}

func trainPlots(dir, data string, m *trained, box eval.Box, train, samples []float64) error {
	title, n := "learned density exp(−E), with the data ("+data+")", gridCells(m)
	switch m.cfg.kind() {
	case kindFlow, kindEquilib:
		title = "the flow's density, with the data (" + data + ")"
	case kindPotential:
		title = fmt.Sprintf("learned exp(−V/%g), with the data (%s)", emEpsMax, data)
	}
	g, err := energyGrid(m.negLogDensity, box, n)
	if err != nil {
		return err
	}
	p, err := densityPlot(title, g, train, "data")
	if err != nil {
		return err
	}
	if err := savePlot(p, filepath.Join(dir, "energy.png")); err != nil {
		return err
	}
	ps, err := densityPlot("model samples over the data", g, nil, "")
	if err != nil {
		return err
	}
	if err := scatter(ps, xys(train, 2000), grayDot, "data"); err != nil {
		return err
	}
	if err := scatter(ps, xys(samples, 2000), redDot, "model samples"); err != nil {
		return err
	}
	if err := savePlot(ps, filepath.Join(dir, "samples.png")); err != nil {
		return err
	}
	steps, vals, err := readMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil || len(steps) < 2 {
		return err
	}
	pc, err := curvesPlot(steps, vals)
	if err != nil {
		return err
	}
	return savePlot(pc, filepath.Join(dir, "curves.png"))
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

// trainingSample returns the points ebm train trains the model of cfg on.
func trainingSample(cfg modelConfig) (*tensor.Tensor, error) {
	gen, err := dataset.ByName(cfg.Data)
	if err != nil {
		return nil, fmt.Errorf("dataset %q: %w", cfg.Data, err)
	}
	return gen.Sample(rand.New(rand.NewPCG(cfg.Seed, 1)), 20000), nil
}

// gridCells is the side of the grid a model's density is drawn on: a flow's
// density costs an integration per point, so it gets a coarser one.
func gridCells(m *trained) int {
	if m.density == nil {
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
