package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/plot"
)

type generateSummary struct {
	Model   string  `json:"model"`
	Kind    string  `json:"kind"`
	Points  int     `json:"points"`
	Seconds float64 `json:"seconds"`
	Out     string  `json:"out,omitempty"`
	Plot    string  `json:"plot,omitempty"`
}

// solverFlags are generate's flags for the flow kinds.
var solverFlags = []string{"integrator", "ode-steps", "diffusion"}

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", "Generate points from a trained model the way it generates: a flow by integrating from\nnoise, an energy-matching potential by its Langevin sweep, an energy from its density on a grid.", stderr)
	modelDir := fs.String("model", "", "directory of a model trained by ebm train (required)")
	n := fs.Int("n", 1000, "number of points")
	seed := fs.Uint64("seed", 1, "random seed")
	method := fs.String("integrator", "rk4", "flows: integrator (ebm list describes them; the adaptive ones control their error)")
	odeSteps := fs.Int("ode-steps", 50, "flows: steps of a fixed-step integrator or of the SDE")
	diffusion := fs.Float64("diffusion", 0, "flow matching: generate by the SDE with this constant diffusion g (Euler–Maruyama) instead of the ODE")
	out := fs.String("out", "", "write the points to this .csv or .npy file")
	plotPath := fs.String("plot", "", "draw the points over the model's density into this .png")
	force := fs.Bool("force", false, "overwrite existing output files")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	tb, err := pick(integrate.Methods, "integrator", *method)
	switch {
	case err != nil:
		return err
	case *modelDir == "":
		return usagef("-model is required")
	case *n < 1 || *odeSteps < 1 || *diffusion < 0:
		return usagef("-n and -ode-steps must be positive, -diffusion not negative")
	case isSet(fs, "diffusion") && (tb.LowerOrder > 0 || isSet(fs, "integrator")):
		return usagef("-diffusion integrates the SDE by Euler–Maruyama: not with -integrator")
	case tb.LowerOrder > 0 && isSet(fs, "ode-steps"):
		return usagef("-ode-steps: not with the adaptive -integrator %s, which chooses its steps", *method)
	}
	if err := checkOutput(*out, ".csv", *force); err != nil {
		return err
	}
	if err := checkOutput(*plotPath, ".png", *force); err != nil {
		return err
	}
	m, err := model.Load(*modelDir)
	if err != nil {
		return err
	}
	switch f := m.(type) {
	case *model.Flow:
		setSolver(&f.Solver, tb, *odeSteps, *diffusion)
	case *model.Equilibrium:
		if err := refuse(fs, "-model of "+m.Kind().Describe()+" (the SDE's score needs a flow's velocity)", "diffusion"); err != nil {
			return err
		}
		setSolver(&f.Solver, tb, *odeSteps, 0)
	default:
		if err := refuse(fs, "-model of "+m.Kind().Describe(), solverFlags...); err != nil {
			return err
		}
	}
	start := time.Now()
	// The box of an energy's grid: around its training data, as in ebm train.
	ref, _, err := model.Data(m.Config().Data, m.Config().Seed, 0)
	if err != nil {
		return err
	}
	box, err := eval.BoxFor(ref, 0.15)
	if err != nil {
		return err
	}
	if em, ok := m.(*model.Energy); ok {
		em.Box = box
	}
	x, err := m.Generate(ctx, *n, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	s := generateSummary{Model: *modelDir, Kind: string(m.Kind()), Points: *n, Seconds: time.Since(start).Seconds(), Out: *out, Plot: *plotPath}
	if *out != "" {
		if err := dataset.Save(*out, []string{"x0", "x1"}, x); err != nil {
			return err
		}
	}
	if *plotPath != "" {
		g, err := plot.DensityGrid(m.NegLogDensity, box, gridCells(m))
		if err == nil {
			err = plot.Density(*plotPath, "generated points over the model's density", g, plot.Points{XY: x.Data(), Max: 4000, Color: plot.Red, Label: "generated"})
		}
		if err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "generated %d points from %s (%s) in %.2fs\n", s.Points, s.Model, m.Kind().Describe(), s.Seconds)
	return nil
}

// setSolver sets a flow's integration from the flags.
func setSolver(g *flow.Generator, tb integrate.Tableau, steps int, diffusion float64) {
	g.Method, g.Steps = tb, steps
	if tb.LowerOrder > 0 {
		g.Adaptive = &integrate.Adaptive{}
	}
	if diffusion > 0 {
		g.Diffusion = func(float64) float64 { return diffusion }
	}
}
