package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/sampler"
)

type dimSummary struct {
	Name string `json:"name"`
	diag.Summary
}

type sampleSummary struct {
	Sampler     string       `json:"sampler"`
	Target      string       `json:"target"`
	Chains      int          `json:"chains"`
	Draws       int          `json:"draws_per_chain"`
	Seconds     float64      `json:"seconds"`
	GradEvals   int64        `json:"gradient_evaluations"`
	Acceptance  float64      `json:"acceptance"`
	Divergences int          `json:"divergences"`
	SwapRates   []float64    `json:"swap_rates,omitempty"`
	Dims        []dimSummary `json:"dims"`
	Out         string       `json:"out,omitempty"`
	Plot        string       `json:"plot,omitempty"`
}

// MarshalJSON of diag.Summary values writes NaN as null.
func (d dimSummary) MarshalJSON() ([]byte, error) {
	f := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	s := d.Summary
	return json.Marshal(map[string]any{"name": d.Name, "mean": f(s.Mean), "sd": f(s.SD), "mcse_mean": f(s.MCSEMean),
		"mcse_sd": f(s.MCSESD), "q5": f(s.Q5), "median": f(s.Median), "q95": f(s.Q95),
		"ess_bulk": f(s.ESSBulk), "ess_tail": f(s.ESSTail), "rhat": f(s.Rhat)})
}

// target returns the energy named by -energy or trained in -model.
func target(energyName, modelDir string, d int) (energy.Energy, string, int, error) {
	switch {
	case energyName != "" && modelDir != "":
		return nil, "", 0, usagef("give -energy or -model, not both")
	case modelDir != "":
		m, err := loadModel(modelDir)
		if err != nil {
			return nil, "", 0, err
		}
		if m.density == nil {
			return nil, "", 0, fmt.Errorf("-model %s is %s: it generates by integration, not MCMC; use ebm generate -model %s", modelDir, describeKind(m.cfg.kind()), modelDir)
		}
		return m.density, "model " + modelDir, m.cfg.Dim, nil
	case energyName == "":
		return nil, "", 0, usagef("give -energy NAME or -model DIR")
	}
	mk, err := pick(values(energies), "energy", energyName)
	if err != nil {
		return nil, "", 0, err
	}
	if d < 1 {
		return nil, "", 0, usagef("-dim %d: must be positive", d)
	}
	if (energyName == "rosenbrock" || energyName == "funnel") && d < 2 {
		return nil, "", 0, usagef("-dim %d: %s needs at least 2", d, energyName)
	}
	e, err := mk(d)
	return e, energyName, d, err
}

func runSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sample", "Draw from an analytic energy or a trained model; print a diagnostics table, write the draws\n(CSV columns chain,draw,x0..: or .npy) and, with -plot, a picture.", stderr)
	en := fs.String("energy", "", "analytic energy: "+joinKeys(values(energies)))
	model := fs.String("model", "", "directory of a model trained by ebm train")
	d := fs.Int("dim", 2, "dimension (analytic energies)")
	sm := fs.String("sampler", "nuts", "sampler: "+joinKeys(values(samplers)))
	chains := fs.Int("chains", 4, "number of chains")
	steps := fs.Int("steps", 1000, "kept steps per chain")
	warmup := fs.Int("warmup", 1000, "warm-up steps per chain")
	thin := fs.Int("thin", 1, "keep every -thin-th step")
	var sf samplerFlags
	fs.Float64Var(&sf.step, "step-size", 0, "step size (the initial one where adapted); 0 means the sampler's default")
	fs.IntVar(&sf.leapfrog, "leapfrog", 0, "HMC leapfrog steps; 0 means 10")
	fs.IntVar(&sf.replicas, "replicas", 0, "parallel tempering replicas; 0 means 8")
	fs.Float64Var(&sf.maxTemp, "max-temp", 0, "parallel tempering's hottest temperature; 0 means 10")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "write the draws to this .csv or .npy file")
	plotPath := fs.String("plot", "", "draw the samples over the energy (2-D) or per-dimension traces and histograms into this .png")
	force := fs.Bool("force", false, "overwrite existing output files")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	mk, err := pick(values(samplers), "sampler", *sm)
	if err != nil {
		return err
	}
	switch {
	case *chains < 1:
		return usagef("-chains %d: must be positive", *chains)
	case *steps < 1 || *warmup < 0 || *thin < 1:
		return usagef("-steps and -thin must be positive, -warmup not negative")
	case sf.step < 0 || sf.leapfrog < 0 || sf.replicas < 0 || sf.maxTemp < 0:
		return usagef("-step-size, -leapfrog, -replicas and -max-temp must not be negative")
	case *plotPath != "" && !strings.HasSuffix(strings.ToLower(*plotPath), ".png"):
		return usagef("-plot %s: must be a .png file", *plotPath)
	}
	for _, p := range []string{*out, *plotPath} {
		if err := checkOutput(p, *force); err != nil {
			return err
		}
	}
	e, name, dim, err := target(*en, *model, *d)
	if err != nil {
		return err
	}
	start := time.Now()
	o := sampler.Options{Chains: *chains, Dim: dim, Warmup: *warmup, Steps: *steps, Thin: *thin, Seed: *seed, Trajectory: true}
	var r *sampler.Result
	var swapRates []float64
	smp := mk(sf)
	if pt, ok := smp.(sampler.ParallelTempering); ok {
		tr, err := pt.Temper(ctx, e, o)
		if err != nil {
			return err
		}
		r, swapRates = &tr.Result, tr.SwapRate
	} else if r, err = smp.Sample(ctx, e, o); err != nil {
		return err
	}
	s := sampleSummary{Sampler: *sm, Target: name, Chains: r.Chains, Draws: r.Kept, Seconds: time.Since(start).Seconds(),
		GradEvals: r.Info.GradEvals, SwapRates: swapRates, Out: *out, Plot: *plotPath}
	for c := range r.Chains {
		s.Acceptance += r.Info.AcceptRate[c] / float64(r.Chains)
		s.Divergences += r.Info.Divergences[c]
	}
	names := make([]string, dim)
	sums := make([]diag.Summary, dim)
	for j := range dim {
		names[j] = fmt.Sprintf("x%d", j)
		sums[j] = diag.Summarize(r.Chain(j))
		s.Dims = append(s.Dims, dimSummary{names[j], sums[j]})
	}
	if *out != "" {
		header := []string{"chain", "draw"}
		header = append(header, names...)
		err := writeTable(*out, header, r.Chains*r.Kept, dim+2, func(row, col int) float64 {
			switch col {
			case 0:
				return float64(row / r.Kept)
			case 1:
				return float64(row % r.Kept)
			}
			return r.Draws[row*dim+col-2]
		})
		if err != nil {
			return err
		}
	}
	if *plotPath != "" {
		if err := samplePlot(*plotPath, e, dim, r, name); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "%s on %s: %d chains × %d draws after %d warm-up in %.2fs, %d gradients\n\n",
		s.Sampler, s.Target, s.Chains, s.Draws, *warmup, s.Seconds, s.GradEvals)
	if err := diag.WriteTable(stdout, names, sums); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nacceptance %.3f, divergences %d", s.Acceptance, s.Divergences)
	if s.SwapRates != nil {
		fmt.Fprintf(stdout, ", swap rates %.2f", s.SwapRates)
	}
	fmt.Fprintln(stdout)
	return nil
}

func samplePlot(path string, e energy.Energy, dim int, r *sampler.Result, name string) error {
	if dim != 2 {
		return tracesPlot(path, r.Draws, r.Chains, r.Kept, dim)
	}
	pts := make([]float64, len(r.Draws))
	copy(pts, r.Draws)
	box, err := eval.BoxFor(tensorOf(pts), 0.1)
	if err != nil {
		return err
	}
	g, err := energyGrid(energyOf(e), box, 200)
	if err != nil {
		return err
	}
	p, err := densityPlot("samples over exp(−E): "+name, g, nil, "")
	if err != nil {
		return err
	}
	if err := scatter(p, xys(pts, 4000), redDot, "samples"); err != nil {
		return err
	}
	return savePlot(p, path)
}
