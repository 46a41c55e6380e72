package main

import (
	"context"
	"fmt"
	"io"

	"github.com/goebm/goebm/model"
)

type evalSummary struct {
	Model  string `json:"model"`
	Data   string `json:"data"`
	Points int    `json:"points"`
	model.Scores
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "NLL (log Z by quadrature, or a flow's change of variables) and MMD of a trained 2-D model on fresh\npoints of a built-in dataset, or on the held-out tenth of a data file (split by the model's seed).", stderr)
	dir := fs.String("model", "", "directory of a model trained by ebm train (required)")
	data := fs.String("data", "", "dataset name or .csv/.npy file; empty means the one it was trained on")
	n := fs.Int("n", 2000, "fresh points (built-in datasets)")
	seed := fs.Uint64("seed", 99, "seed of the fresh points and of the model's samples")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("-model is required")
	}
	if *n < 2 {
		return usagef("-n %d: must be at least 2", *n)
	}
	m, err := model.Load(*dir)
	if err != nil {
		return err
	}
	if err := pointsFlag(*n, m.Config().Dim); err != nil {
		return err
	}
	if *data == "" {
		*data = m.Config().Data
	}
	if err := knownData(*data); err != nil {
		return err
	}
	a, err := model.Evaluate(ctx, m, *data, *n, *seed)
	if err != nil {
		return err
	}
	s := evalSummary{Model: *dir, Data: *data, Points: a.Test.Dim(0), Scores: a.Scores}
	return report(stdout, *asJSON, s, func() {
		fmt.Fprintf(stdout, "%s on %d %s points of %s: NLL %.3f nats (a fitted Gaussian: %.3f)%s, MMD² %.5f\n",
			s.Model, s.Points, freshOrHeldOut(s.Data), s.Data, s.NLL, s.GaussianNLL, gap(", ", s.Scores), s.MMD2)
	})
}
