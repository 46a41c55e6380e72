package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

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
	fs := newFlags("eval", "NLL (log Z by quadrature in 2-D, checked AIS beyond, or a flow's change of variables) and MMD of a\ntrained model on fresh points of a built-in dataset, on the held-out fifth of the digits, or on the held-out\ntenth of a data file (split by the model's seed). Beyond 2-D also bits per dimension, and the exit status\nis 1 when the AIS check has not converged (the scores are still printed; -json has \"converged\").\nAn image model (conv, transformer) is scored in the features of a classifier (-classifier, trained with\n-loss ce): the Fréchet distance of -n generated images to the test split against the floor of test to\ntraining images, the fraction of a conditional model's images of each class that it labels so, and the\nclasses of the images; a classifier, or JEM, reports its test accuracy.", stderr)
	dir := fs.String("model", "", "directory of a model trained by ebm train (required)")
	data := fs.String("data", "", "dataset name or .csv/.npy file; empty means the one it was trained on")
	n := fs.Int("n", 2000, "fresh points (built-in datasets)")
	seed := fs.Uint64("seed", 99, "seed of the fresh points and of the model's samples")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	clfDir := fs.String("classifier", "", "images: directory of a classifier (ebm train -loss ce -model conv) in whose features generated images are scored")
	chain := fs.Int("chain-steps", 0, "image energies: Langevin steps of the generated images from uniform noise (0: 4 times the training chains' steps); ncsn: steps per noise level (0: 1000 over the levels)")
	guidance := fs.Float64("guidance", 1, "images: classifier-free guidance w of a conditional model's samples (0 unconditional, 1 conditional)")
	method := fs.String("integrator", "rk4", "image flows: the ODE's integrator, one of the ODE ones ebm list names")
	steps := fs.Int("ode-steps", 50, "image flows: steps of a fixed-step integrator")
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
	if c := m.Config(); c.Image != nil {
		if err := refuse(fs, "-model of an image "+cmp.Or(c.Arch, model.ArchMLP), "data", "ais-chains", "ais-steps", "ais-factor", "ais-tolerance"); err != nil {
			return err
		}
		if !finite(*guidance) {
			return usagef("-guidance %g: must be finite", *guidance)
		}
		if err := chainSteps(fs, m, *chain); err != nil {
			return err
		}
		if err := evalSolver(fs, m, *method, *steps); err != nil {
			return err
		}
		return evalImages(ctx, stdout, *asJSON, *dir, m, *clfDir, *n, *guidance, *seed)
	}
	if err := refuse(fs, "-model of points", "classifier", "guidance", "chain-steps", "integrator", "ode-steps"); err != nil {
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

// evalSolver sets an image flow's integrator from -integrator and
// -ode-steps, and refuses them for other models.
func evalSolver(fs *flag.FlagSet, m model.Model, method string, steps int) error {
	f, ok := m.(model.Integrated)
	if !ok {
		return refuse(fs, "-model of "+m.Kind().Describe(), "integrator", "ode-steps")
	}
	tb, _, err := integratorFlag(fs, method, false)
	switch {
	case err != nil:
		return err
	case steps < 1:
		return usagef("-ode-steps %d: must be positive", steps)
	case tb.LowerOrder > 0 && isSet(fs, "ode-steps"):
		return usagef("-ode-steps: not with the adaptive -integrator %s, which chooses its steps", method)
	}
	if err := f.SetSolver(tb, steps, nil); err != nil {
		return asUsage(err)
	}
	return nil
}

type imageEvalSummary struct {
	Model string `json:"model"`
	Data  string `json:"data"`
	// Accuracy is a classifier's (ce, jem) accuracy on the test split.
	Accuracy   *float64 `json:"accuracy,omitempty"`
	Classifier string   `json:"classifier,omitempty"`
	*model.ImageScores
}

// evalImages reports an image model's scores: a classifier's test
// accuracy, and with a classifier the generated images' scores in its
// feature space.
func evalImages(ctx context.Context, stdout io.Writer, asJSON bool, dir string, m model.Model, clfDir string, n int, w float64, seed uint64) error {
	c := m.Config()
	train, test, _, err := model.ImageData(c.Data, c.DataDir, c.Seed)
	if err != nil {
		return err
	}
	s := imageEvalSummary{Model: dir, Data: c.Data, Classifier: clfDir}
	if self, err := model.AsClassifier(m); err == nil {
		acc, err := self.Accuracy(ctx, test)
		if err != nil {
			return err
		}
		s.Accuracy = &acc
	}
	generative := m.Kind() != model.KindClassifier
	switch {
	case clfDir == "" && generative:
		return usagef("-classifier: an image model is scored in a classifier's features: train one with ebm train -data %s -model conv -loss ce, and pass its directory", c.Data)
	case clfDir != "" && !generative:
		return usagef("-classifier: %s is a classifier, which generates nothing to score", dir)
	}
	if clfDir != "" {
		cm, err := model.Load(clfDir)
		if err != nil {
			return fmt.Errorf("-classifier: %w", err)
		}
		clf, err := model.AsClassifier(cm)
		if err != nil {
			return fmt.Errorf("-classifier %s: %w", clfDir, err)
		}
		if cm.Config().Data != c.Data {
			return usagef("-classifier %s was trained on %s, the model on %s", clfDir, cm.Config().Data, c.Data)
		}
		sc, err := model.ScoreImages(ctx, m, clf, train, test, model.ScoreOptions{Samples: n, Guidance: w, Seed: seed})
		if err != nil {
			return err
		}
		s.ImageScores = &sc
	}
	return report(stdout, asJSON, s, func() {
		if s.Accuracy != nil {
			fmt.Fprintf(stdout, "%s: test accuracy %.4f on %d %s images\n", dir, *s.Accuracy, test.X.Dim(0), c.Data)
		}
		if sc := s.ImageScores; sc != nil {
			fmt.Fprintf(stdout, "%d generated images: Fréchet distance %.3f in the classifier's features (test vs train %.3f: %.2f× the floor); classifier test accuracy %.4f\n",
				sc.Samples, sc.Frechet, sc.Floor, sc.Ratio, sc.ClassifierAccuracy)
			if sc.LabelAccuracy != nil {
				fmt.Fprintf(stdout, "labelled as their class: %.4f (guidance %g); per class %s\n", *sc.LabelAccuracy, *sc.Guidance, fmtFloats(sc.PerClass))
			}
			fmt.Fprintf(stdout, "classes of the generated images: %v\n", sc.Histogram)
		}
	})
}

func fmtFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
