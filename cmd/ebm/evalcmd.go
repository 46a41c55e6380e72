package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/goebm/goebm/dataset"
)

type evalSummary struct {
	Model  string `json:"model"`
	Data   string `json:"data"`
	Points int    `json:"points"`
	scores
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "NLL (log Z by quadrature, or a flow's change of variables) and MMD of a trained 2-D model on fresh data.", stderr)
	model := fs.String("model", "", "directory of a model trained by ebm train (required)")
	data := fs.String("data", "", "dataset to draw fresh points from; empty means the one it was trained on")
	n := fs.Int("n", 2000, "fresh points")
	seed := fs.Uint64("seed", 99, "seed of the fresh points")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *model == "" {
		return usagef("-model is required")
	}
	if *n < 2 {
		return usagef("-n %d: must be at least 2", *n)
	}
	m, err := loadModel(*model)
	if err != nil {
		return err
	}
	cfg := m.cfg
	if cfg.Dim != 2 {
		return fmt.Errorf("-model %s has dimension %d; eval computes log Z by quadrature in 2-D", *model, cfg.Dim)
	}
	name := *data
	if name == "" {
		name = cfg.Data
	}
	gen, err := dataset.ByName(name)
	if err != nil {
		return usagef("-data %q: unknown (valid: %s)", name, joinKeys(dataNames()))
	}
	ref := gen.Sample(rand.New(rand.NewPCG(*seed, 1)), 20000)
	test := gen.Sample(rand.New(rand.NewPCG(*seed, 2)), *n)
	sc, _, _, err := assess(ctx, m, name, ref, test, rand.New(rand.NewPCG(*seed, 3)))
	if err != nil {
		return err
	}
	s := evalSummary{Model: *model, Data: name, Points: *n, scores: sc}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "%s on %d fresh points of %s: NLL %.3f nats (a fitted Gaussian: %.3f)", s.Model, s.Points, s.Data, s.NLL, s.GaussianNLL)
	if s.NLLMinusH != nil {
		fmt.Fprintf(stdout, ", NLL − entropy %.3f", *s.NLLMinusH)
	}
	fmt.Fprintf(stdout, ", MMD² %.5f\n", s.MMD2)
	return nil
}
