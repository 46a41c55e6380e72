package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/internal/limit"
	"github.com/goebm/goebm/interpolant"
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
	fs := newFlags("generate", "Generate points from a trained model the way it generates: a flow by integrating from\nnoise (by its ODE, or an SDE with the same marginals), an energy-matching potential by its Langevin\nsweep, an energy from its density on a grid; or with -reverse carry points back to a flow's noise.", stderr)
	dir := fs.String("model", "", "directory of a model trained by ebm train (required)")
	n := fs.Int("n", 1000, "number of points")
	seed := fs.Uint64("seed", 1, "random seed")
	method := fs.String("integrator", "rk4", "flows: the ODE's integrator, one of the ODE ones ebm list names (the adaptive ones control their error); with the SDE, one of the SDE ones (there euler_maruyama unless set)")
	steps := fs.Int("ode-steps", 50, "flows: steps of a fixed-step integrator or of the SDE")
	diffusion := fs.Float64("diffusion", 0, "flow matching: generate by the SDE dx = [v + ½g²s]dt + g dW with this constant noise g instead of the ODE")
	form := fs.String("diffusion-form", "", "flow matching: generate by the SDE dx = [v + w·s]dt + √(2w)dW with this diffusion form w(t): "+names(interpolant.DiffusionNames())+" (TorchEBM's default is SBDM)")
	norm := fs.Float64("diffusion-norm", 1, "with -diffusion-form: the factor of w(t)")
	last := fs.String("last-step", "mean", "with the SDE: its step from 1 − h to the data, "+names(flow.LastStepNames()))
	lastSize := fs.Float64("last-step-size", 0.04, "with the SDE: the last step's length h (below ½)")
	reverse := fs.String("reverse", "", "flows: instead of generating, carry the points of this .csv or .npy file from the data back to the noise by the reverse ODE (written to -out)")
	chain := fs.Int("chain-steps", 0, "image energies: Langevin steps from uniform noise (0: 4 times the training chains' steps); ncsn: steps per noise level (0: 1000 over the levels)")
	label := fs.Int("label", -1, "conditional models (jem, a transformer flow): class of the points; -1 means unconditional")
	guidance := fs.Float64("guidance", 1, "with -label: classifier-free guidance w (0 unconditional, 1 conditional, above 1 stronger)")
	o := addOutputs(fs, "write the points to this .csv or .npy file", "draw the points over the model's density into this .png")
	if err := parse(fs, args); err != nil {
		return err
	}
	sde, err := sdeFlags(fs, *diffusion, *form, *norm, *last, *lastSize)
	if err != nil {
		return err
	}
	tb, sdeMethod, err := integratorFlag(fs, *method, sde != nil)
	switch {
	case err != nil:
		return err
	case *dir == "":
		return usagef("-model is required")
	case *n < 1 || *steps < 1:
		return usagef("-n and -ode-steps must be positive")
	case tb.LowerOrder > 0 && isSet(fs, "ode-steps"):
		return usagef("-ode-steps: not with the adaptive -integrator %s, which chooses its steps", *method)
	}
	if sde != nil {
		sde.Method = sdeMethod
	}
	if *reverse != "" {
		if err := refuse(fs, "-reverse, which integrates the ODE from given points", "n", "seed", "diffusion", "diffusion-form", "diffusion-norm", "last-step", "last-step-size", "label", "guidance", "chain-steps", "plot"); err != nil {
			return err
		}
		if o.out == "" {
			return usagef("-reverse: -out is required")
		}
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
	f, integrated := m.(model.Integrated)
	if integrated {
		if err := f.SetSolver(tb, *steps, sde); err != nil {
			return asUsage(err)
		}
	} else if err := refuse(fs, "-model of "+m.Kind().Describe(), "integrator", "ode-steps", "diffusion", "diffusion-form", "diffusion-norm", "last-step", "last-step-size", "reverse"); err != nil {
		return err
	}
	if *reverse != "" {
		return encode(ctx, stdout, f, *dir, *reverse, o)
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

// sdeFlags returns the SDE that -diffusion or -diffusion-form asks for, or
// nil for the ODE, refusing the SDE's flags without it.
func sdeFlags(fs *flag.FlagSet, g float64, form string, norm float64, last string, lastSize float64) (*flow.SDE, error) {
	switch {
	case isSet(fs, "diffusion") && isSet(fs, "diffusion-form"):
		return nil, usagef("-diffusion is the constant form of -diffusion-form: not both")
	case !finite(g) || g < 0:
		return nil, usagef("-diffusion %g: must be finite and not negative", g)
	case !finite(norm) || norm <= 0:
		return nil, usagef("-diffusion-norm %g: must be finite and positive", norm)
	case !(lastSize > 0 && lastSize < 0.5):
		return nil, usagef("-last-step-size %g: must be above 0 and below ½", lastSize)
	}
	if g == 0 && form == "" {
		if err := refuse(fs, "the ODE (no -diffusion or -diffusion-form)", "diffusion-norm", "last-step", "last-step-size"); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if form == "" {
		if err := refuse(fs, "-diffusion (its norm is g²/2)", "diffusion-norm"); err != nil {
			return nil, err
		}
	}
	sde := &flow.SDE{Diffusion: interpolant.DiffusionConstant, Norm: g * g / 2, LastSize: lastSize}
	if form != "" {
		w, err := interpolant.DiffusionByName(form)
		if err != nil {
			return nil, asUsage(err)
		}
		sde.Diffusion, sde.Norm = w, norm
	}
	l, err := flow.LastStepByName(last)
	if err != nil {
		return nil, asUsage(err)
	}
	if l == flow.LastNone {
		if err := refuse(fs, "-last-step none", "last-step-size"); err != nil {
			return nil, err
		}
	}
	sde.Last = l
	return sde, nil
}

// integratorFlag returns the ODE's integrator named by -integrator or,
// with the SDE, the SDE integrator it names (euler_maruyama unless set).
func integratorFlag(fs *flag.FlagSet, name string, sde bool) (integrate.Tableau, integrate.SDESolver, error) {
	if !sde {
		tb, err := integrate.ByName(name)
		if err != nil {
			return tb, nil, asUsage(err)
		}
		return tb, nil, nil
	}
	if !isSet(fs, "integrator") {
		return integrate.Tableau{}, integrate.EulerMaruyama, nil
	}
	in, err := integrate.Lookup(name)
	if err != nil {
		return integrate.Tableau{}, nil, asUsage(err)
	}
	if in.Kind != integrate.SDE {
		return integrate.Tableau{}, nil, usagef("-integrator %s: the SDE needs an SDE integrator (%s)", in.Name, names(sdeIntegrators()))
	}
	return integrate.Tableau{}, in.SDE, nil
}

// sdeIntegrators lists the SDE integrators ebm list names.
func sdeIntegrators() [][2]string {
	var out [][2]string
	for _, nd := range integrate.Names() {
		if in, err := integrate.Lookup(nd[0]); err == nil && in.Kind == integrate.SDE {
			out = append(out, nd)
		}
	}
	return out
}

// encodeSummary is what ebm generate -reverse reports.
type encodeSummary struct {
	Model   string  `json:"model"`
	Kind    string  `json:"kind"`
	In      string  `json:"in"`
	Points  int     `json:"points"`
	Seconds float64 `json:"seconds"`
	Out     string  `json:"out"`
}

// encode carries the points of the file in back to the noise by the flow
// f's reverse ODE and writes them to -out.
func encode(ctx context.Context, stdout io.Writer, f model.Integrated, dir, in string, o *outputs) error {
	x, err := dataset.Load(in)
	if err != nil {
		return err
	}
	if d := f.Config().Dim; x.Dim(1) != d {
		return fmt.Errorf("-reverse %s has %d columns, the model takes %d", in, x.Dim(1), d)
	}
	start := time.Now()
	z, err := f.Encode(ctx, x)
	if err != nil {
		return err
	}
	var header []string
	if z.Dim(1) == 2 {
		header = []string{"z0", "z1"}
	}
	if err := dataset.Save(o.out, header, z); err != nil {
		return err
	}
	s := encodeSummary{Model: dir, Kind: string(f.Kind()), In: in, Points: z.Dim(0), Seconds: time.Since(start).Seconds(), Out: o.out}
	return report(stdout, o.json, s, func() {
		fmt.Fprintf(stdout, "carried %d points of %s back to the noise of %s (%s) in %.2fs\n", s.Points, in, dir, f.Kind().Describe(), s.Seconds)
	})
}
