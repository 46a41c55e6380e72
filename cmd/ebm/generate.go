package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/plot"
	"github.com/goebm/goebm/tensor"
)

type generateSummary struct {
	Model   string  `json:"model"`
	Kind    string  `json:"kind"`
	Points  int     `json:"points"`
	Seconds float64 `json:"seconds"`
	Out     string  `json:"out,omitempty"`
	Plot    string  `json:"plot,omitempty"`
}

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", "Generate points from a trained model the way it generates: a flow by integrating from\nnoise, an energy-matching potential by its Langevin sweep, an energy from its density on a grid.", stderr)
	dir := fs.String("model", "", "directory of a model trained by ebm train (required)")
	n := fs.Int("n", 1000, "number of points")
	seed := fs.Uint64("seed", 1, "random seed")
	method := fs.String("integrator", "rk4", "flows: integrator, one of the ODE ones ebm list names (the adaptive ones control their error)")
	steps := fs.Int("ode-steps", 50, "flows: steps of a fixed-step integrator or of the SDE")
	diffusion := fs.Float64("diffusion", 0, "flow matching: generate by the SDE with this constant diffusion g (Euler–Maruyama) instead of the ODE")
	chain := fs.Int("chain-steps", 0, "image energies: Langevin steps from uniform noise (0: 4 times the training chains' steps); ncsn: steps per noise level (0: 1000 over the levels)")
	label := fs.Int("label", -1, "conditional models (jem, a transformer flow): class of the points; -1 means unconditional")
	guidance := fs.Float64("guidance", 1, "with -label: classifier-free guidance w (0 unconditional, 1 conditional, above 1 stronger)")
	o := addOutputs(fs, "write the points to this .csv or .npy file", "draw the points over the model's density into this .png")
	if err := parse(fs, args); err != nil {
		return err
	}
	tb, err := integrate.ByName(*method)
	switch {
	case err != nil:
		return asUsage(err)
	case *dir == "":
		return usagef("-model is required")
	case *n < 1 || *steps < 1 || !finite(*diffusion) || *diffusion < 0:
		return usagef("-n and -ode-steps must be positive, -diffusion finite and not negative")
	case isSet(fs, "diffusion") && isSet(fs, "integrator"):
		return usagef("-diffusion integrates the SDE by Euler–Maruyama: not with -integrator")
	case tb.LowerOrder > 0 && isSet(fs, "ode-steps"):
		return usagef("-ode-steps: not with the adaptive -integrator %s, which chooses its steps", *method)
	}
	if err := o.check(); err != nil {
		return err
	}
	m, err := model.Load(*dir)
	if err != nil {
		return err
	}
	if err := pointsFlag(*n, m.Config().Dim); err != nil {
		return err
	}
	if f, ok := m.(model.Integrated); ok {
		if err := f.SetSolver(tb, *steps, *diffusion); err != nil {
			return asUsage(err)
		}
	} else if err := refuse(fs, "-model of "+m.Kind().Describe(), "integrator", "ode-steps", "diffusion"); err != nil {
		return err
	}
	if !finite(*guidance) {
		return usagef("-guidance %g: must be finite", *guidance)
	}
	if err := chainSteps(fs, m, *chain); err != nil {
		return err
	}
	cm, conditional := m.(model.Conditional)
	conditional = conditional && cm.Classes() > 0
	switch {
	case *label >= 0 && !conditional:
		return usagef("-label: %s (%s) is not conditional: it has no classes", *dir, m.Kind().Describe())
	case *label >= 0 && *label >= cm.Classes():
		return usagef("-label %d: want 0 … %d", *label, cm.Classes()-1)
	case *label < -1:
		return usagef("-label %d: want a class, or -1", *label)
	case *label < 0 && isSet(fs, "guidance"):
		return usagef("-guidance: only with -label")
	}
	start := time.Now()
	var x *tensor.Tensor
	if *label >= 0 {
		x, err = cm.GenerateLabel(ctx, *n, *label, *guidance, rand.New(rand.NewPCG(*seed, 0)))
	} else {
		x, err = m.Generate(ctx, *n, rand.New(rand.NewPCG(*seed, 0)))
	}
	if err != nil {
		return err
	}
	s := generateSummary{Model: *dir, Kind: string(m.Kind()), Points: *n, Seconds: time.Since(start).Seconds(), Out: o.out, Plot: o.plot}
	if o.out != "" {
		var header []string // beyond 2-D, the CSV has no header line
		if x.Dim(1) == 2 {
			header = []string{"x0", "x1"}
		}
		if err := dataset.Save(o.out, header, x); err != nil {
			return err
		}
	}
	if o.plot != "" && m.Config().Image != nil {
		if err := model.WriteImageGrid(o.plot, m.Config(), x); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	} else if o.plot != "" {
		err := model.DensityPicture(ctx, o.plot, "generated points over the model's density", m, plot.Points{XY: x.Data(), Max: 4000, Color: plot.Red, Label: "generated"})
		if err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	return report(stdout, o.json, s, func() {
		fmt.Fprintf(stdout, "generated %d points from %s (%s) in %.2fs\n", s.Points, s.Model, m.Kind().Describe(), s.Seconds)
	})
}

// chainSteps sets the Langevin steps an image energy generates with, or
// a noise-conditional energy's steps per level, from -chain-steps, which
// no other model takes.
func chainSteps(fs *flag.FlagSet, m model.Model, steps int) error {
	e, ok := m.(*model.Energy)
	ne, noise := m.(*model.NoiseEnergy)
	if !noise && (!ok || m.Config().Arch != model.ArchConv) {
		return refuse(fs, "-model of "+m.Kind().Describe()+" (not an image energy)", "chain-steps")
	}
	if steps < 0 || steps > limit.MaxSteps {
		return usagef("-chain-steps %d: must be from 0 to %d", steps, int64(limit.MaxSteps))
	}
	if noise {
		if steps > 0 { // 0 keeps the model's share of model.AnnealSteps
			ne.Anneal.StepsPerLevel = steps
		}
		return nil
	}
	e.Steps = steps
	return nil
}
