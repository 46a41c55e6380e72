package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/model"
)

type evalSummary struct {
	Model  string `json:"model"`
	Data   string `json:"data"`
	Points int    `json:"points"`
	// Converged is, beyond 2-D, whether the AIS check behind the NLL
	// converged (absent in 2-D, where quadrature needs no check).
	Converged *bool `json:"converged,omitempty"`
	model.Scores
}

// errNotConverged is eval's failure when the AIS check does not converge:
// the scores are printed (and in -json, "converged": false), but the NLL
// is not a result, so the status is 1, not 0. An NLL that the check does
// not trust is what the user asked eval for, not obtained; a script that
// reads only the status (make, CI, a sweep) must not record it as a
// success, and one that wants the figures anyway has them on standard
// output. 2 would say the command line is wrong, which it is not; ebm
// train, whose job (the model) is done, prints the verdict and exits 0.
var errNotConverged = errors.New("log Z by AIS has not converged, so the NLL above is not to be trusted: anneal longer (-ais-steps) or loosen -ais-tolerance")

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "NLL (log Z by quadrature in 2-D, checked AIS beyond, or a flow's change of variables) and MMD of a\ntrained model on fresh points of a built-in dataset, on the held-out fifth of the digits, or on the held-out\ntenth of a data file (split by the model's seed). Beyond 2-D also bits per dimension, and the exit status\nis 1 when the AIS check has not converged (the scores are still printed; -json has \"converged\").", stderr)
	dir := fs.String("model", "", "directory of a model trained by ebm train (required)")
	data := fs.String("data", "", "dataset name or .csv/.npy file; empty means the one it was trained on")
	n := fs.Int("n", 2000, "fresh points (built-in datasets)")
	seed := fs.Uint64("seed", 99, "seed of the fresh points and of the model's samples")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	var sc model.Scoring
	fs.IntVar(&sc.AIS.Chains, "ais-chains", 128, "AIS chains per run (beyond 2-D)")
	fs.IntVar(&sc.AIS.Steps, "ais-steps", 1000, "annealing steps K of the shorter AIS runs (beyond 2-D)")
	fs.IntVar(&sc.AIS.Factor, "ais-factor", 4, "the longer AIS runs anneal over this many times K steps, at least 2")
	fs.Float64Var(&sc.AIS.Tolerance, "ais-tolerance", 1, "nats within which the AIS runs must agree to be trusted")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("-model is required")
	}
	if *n < 2 {
		return usagef("-n %d: must be at least 2", *n)
	}
	switch a := sc.AIS; {
	case a.Chains < 2:
		return usagef("-ais-chains %d: must be at least 2", a.Chains)
	case a.Steps < 1 || a.Steps > limit.MaxSteps:
		return usagef("-ais-steps %d: must be from 1 to %d", a.Steps, int64(limit.MaxSteps))
	case a.Factor < 2 || a.Factor > limit.MaxSteps:
		return usagef("-ais-factor %d: must be from 2 to %d", a.Factor, int64(limit.MaxSteps))
	case !(a.Tolerance > 0) || math.IsInf(a.Tolerance, 0):
		return usagef("-ais-tolerance %g: must be positive and finite", a.Tolerance)
	}
	sc.AIS.Seed = *seed
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
	a, err := sc.Evaluate(ctx, m, *data, *n, *seed)
	if err != nil {
		return sizeUsage(err)
	}
	s := evalSummary{Model: *dir, Data: *data, Points: a.Test.Dim(0), Scores: a.Scores}
	if a.AIS != nil {
		s.Converged = &a.AIS.Converged
	}
	err = report(stdout, *asJSON, s, func() {
		if m.Config().Dim != 2 {
			printHighScores(stdout, fmt.Sprintf("%d %s points of %s", s.Points, freshOrHeldOut(s.Data), s.Data), s.Scores)
			return
		}
		fmt.Fprintf(stdout, "%s on %d %s points of %s: NLL %.3f nats (a fitted Gaussian: %.3f)%s, MMD² %.5f\n",
			s.Model, s.Points, freshOrHeldOut(s.Data), s.Data, s.NLL, s.GaussianNLL, gap(", ", s.Scores), s.MMD2)
	})
	if err == nil && s.Converged != nil && !*s.Converged {
		return errNotConverged
	}
	return err
}
