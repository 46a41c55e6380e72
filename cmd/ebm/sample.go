package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/plot"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/stancsv"
)

type sampleSummary struct {
	Sampler string `json:"sampler"`
	Target  string `json:"target"`
	model.SampleSummary
	Out string `json:"out,omitempty"`
	// Files are the files -format cmdstan wrote, one per chain.
	Files []string `json:"files,omitempty"`
	Plot  string   `json:"plot,omitempty"`
}

// target returns the energy named by -energy or trained in -model, its
// name and its dimension.
func target(name, dir string, d int) (energy.Energy, string, int, error) {
	switch {
	case name != "" && dir != "":
		return nil, "", 0, usagef("give -energy or -model, not both")
	case name == "" && dir == "":
		return nil, "", 0, usagef("give -energy NAME or -model DIR")
	case name != "":
		e, err := energy.ByName(name, d)
		if err != nil {
			return nil, "", 0, usagef("-energy: %v", err)
		}
		return e, name, d, nil
	}
	m, err := model.Load(dir)
	if err == nil && m.Density() == nil {
		err = fmt.Errorf("-model %s is %s: it generates by integration, not MCMC; use ebm generate -model %s", dir, m.Kind().Describe(), dir)
	}
	if err != nil {
		return nil, "", 0, err
	}
	return m.Density(), "model " + dir, m.Config().Dim, nil
}

func runSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sample", "Draw from an analytic energy or a trained model; print a diagnostics table, write the draws\n(CSV columns chain,draw,x0..: or .npy; -format cmdstan: CmdStan's CSV, a file per chain) and, with -plot, a picture.", stderr)
	en := fs.String("energy", "", "analytic energy (ebm list describes them)")
	dir := fs.String("model", "", "directory of a model trained by ebm train")
	d := fs.Int("dim", 2, "dimension (analytic energies)")
	sm := fs.String("sampler", "nuts", "sampler (ebm list describes them)")
	opt := sampler.Options{Trajectory: true}
	fs.IntVar(&opt.Chains, "chains", 4, "number of chains")
	fs.IntVar(&opt.Steps, "steps", 1000, "kept steps per chain (AIS: annealing steps)")
	fs.IntVar(&opt.Warmup, "warmup", 1000, "warm-up steps per chain (none for AIS)")
	fs.IntVar(&opt.Thin, "thin", 1, "keep every -thin-th step")
	fs.Uint64Var(&opt.Seed, "seed", 1, "random seed")
	offset := fs.Int("chain-offset", 0, "number the chains from `K`: chain K+c draws from the stream chain K+c of one big run\nwith the same -seed would, so that machines that each run a slice of the chains make that run (merge with ebm diag)")
	format := fs.String("format", "csv", "layout of a .csv -out: csv (one file: chain,draw,x0,…) or cmdstan (CmdStan's, a file per chain:\nOUT_ID.csv, IDs from -chain-offset + 1, with lp__, accept_stat__, …, energy__, x.1, …)")
	repel := fs.Float64("repulsion", 0, "strength `s` of a repulsion between the chains, for diverse samples (Energy Matching's interaction:\nEᵢ = E(xᵢ) − ½(s/σ²)Σⱼ‖xᵢ − xⱼ‖²); 0 is none; with -sampler langevin, descent or nesterov")
	bandwidth := fs.Float64("repulsion-bandwidth", 4, "bandwidth `σ` of -repulsion; keep 2·s·chains·step/σ² well below 1")
	sf := addSamplerSettings(fs)
	bf := addBounds(fs, "none")
	o := addOutputs(fs, "write the draws to this .csv or .npy file", "draw the samples over the energy (2-D) or per-dimension traces and histograms into this .png")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := bf.check(); err != nil {
		return err
	}
	ns, err := model.SamplerByName(*sm)
	if err != nil {
		return asUsage(err)
	}
	if err := refuse(fs, "-sampler "+ns.Name, ns.Unused()...); err != nil {
		return err
	}
	if !slices.Contains(ns.Uses, "warmup") {
		opt.Warmup = 0
	}
	switch {
	case opt.Chains < 1:
		return usagef("-chains %d: must be positive", opt.Chains)
	case opt.Steps < 1 || opt.Warmup < 0 || opt.Thin < 1:
		return usagef("-steps and -thin must be positive, -warmup not negative")
	case opt.Thin > opt.Steps:
		return usagef("-thin %d above -steps %d keeps no draw", opt.Thin, opt.Steps)
	case !samplerSettingsValid(sf):
		return usagef("-step-size, -leapfrog, -replicas and -max-temp must be finite and not negative, -step-jitter and -leapfrog-jitter in [0, 1)")
	case *repel != 0 && !ns.Joint:
		return usagef("-sampler %s tests each chain's move, so it cannot move chains that repel one another: -repulsion needs langevin, descent or nesterov", ns.Name)
	case !ns.Constrains && bf.mode != "none":
		return usagef("-sampler %s cannot keep chains in a box: not with -bounds %s", ns.Name, bf.mode)
	}
	if err := o.check(); err != nil {
		return err
	}
	files, err := cmdstanFiles(*format, o, *offset, opt.Chains)
	if err != nil {
		return err
	}
	opt.FirstStream = uint64(*offset)
	e, name, dim, err := target(*en, *dir, *d)
	if err != nil {
		return err
	}
	shown := e // the picture shows the potential, not the chains' interaction
	if *repel != 0 {
		if e, err = energy.NewInteraction(e, *repel, *bandwidth); err != nil {
			return usagef("-repulsion %g -repulsion-bandwidth %g: want a strength ≥ 0 and a bandwidth > 0, both finite", *repel, *bandwidth)
		}
		name += fmt.Sprintf(" with repulsion %g (bandwidth %g)", *repel, *bandwidth)
	}
	if sf.Metric, _ = e.(sampler.Metric); ns.Name == "rmhmc" && sf.Metric == nil {
		return usagef("-sampler rmhmc needs a metric, which only -energy gaussian (its precision) gives")
	}
	opt.Dim = dim
	if bf.mode != "none" {
		var cfg *model.Config
		if *dir != "" {
			c, err := model.ReadConfig(*dir)
			if err != nil {
				return err
			}
			cfg = &c
		}
		if opt.Bounds, err = bf.bounds(cfg); err != nil {
			return err
		}
	}
	r, err := model.Sample(ctx, ns.New(*sf), e, opt)
	if err != nil {
		return sizeUsage(err)
	}
	s := sampleSummary{Sampler: ns.Name, Target: name, SampleSummary: r.Summary(), Out: o.out, Files: files, Plot: o.plot}
	switch {
	case files != nil:
		st := stancsv.Settings{Model: name, Sampler: ns.Name, Seed: opt.Seed, Warmup: opt.Warmup, Draws: opt.Steps, Thin: opt.Thin}
		if ns.Name == "nuts" {
			st.MaxDepth = 10 // sampler.NUTS's default, which ebm uses
		}
		if ns.Name == "nuts" || ns.Name == "hmc" {
			st.Delta = 0.8 // their default target acceptance
		}
		// The run is timed as a whole: the footer splits its time by the
		// share of evaluations spent in warm-up.
		all, sampling := r.Info.GradEvals+r.Info.EnergyEvals, r.Info.SamplingGradEvals+r.Info.SamplingEnergyEvals
		if all > 0 {
			st.SamplingSeconds = r.Seconds * float64(sampling) / float64(all)
			st.WarmupSeconds = r.Seconds - st.SamplingSeconds
		}
		for c, path := range files {
			st.ID = *offset + c + 1
			ch, err := stancsv.FromResult(r.Result, c, nil, st)
			if err != nil {
				return err
			}
			if err := safefile.WriteFile(path, func(w io.Writer) error { return stancsv.Write(w, ch) }); err != nil {
				return fmt.Errorf("-out: %w", err)
			}
		}
	case o.out != "":
		header, rows := dataset.DrawsTable(r.Draws, r.Chains, r.Kept, dim)
		for i := range rows.Dim(0) {
			rows.Data()[i*(dim+2)] += float64(*offset) // the chain column
		}
		if err := dataset.Save(o.out, header, rows); err != nil {
			return err
		}
	}
	if o.plot != "" {
		if err := plot.Draws(o.plot, "samples over exp(−E): "+name, shown, r.Draws, r.Chains, r.Kept, dim); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	if o.json {
		return json.NewEncoder(stdout).Encode(s)
	}
	evals := fmt.Sprintf("%d gradients (%d after warm-up)", s.GradEvals, s.SamplingGradEvals)
	if s.EnergyEvals > 0 {
		evals = fmt.Sprintf("%d energies (%d after warm-up)", s.EnergyEvals, s.SamplingEnergyEvals)
	}
	fmt.Fprintf(stdout, "%s on %s: %d chains × %d draws after %d warm-up in %.2fs, %s\n\n",
		s.Sampler, s.Target, s.Chains, s.Draws, opt.Warmup, s.Seconds, evals)
	return s.Print(stdout)
}

// cmdstanFiles checks -format and -chain-offset and returns the files
// -format cmdstan writes, OUT_ID.csv for IDs offset+1 … offset+chains (nil
// for -format csv), refusing existing ones without -force.
func cmdstanFiles(format string, o *outputs, offset, chains int) ([]string, error) {
	if offset < 0 {
		return nil, usagef("-chain-offset %d: must not be negative", offset)
	}
	switch format {
	case "csv":
		return nil, nil
	case "cmdstan":
	default:
		return nil, usagef("-format %q: want csv or cmdstan", format)
	}
	if !strings.EqualFold(filepath.Ext(o.out), ".csv") {
		return nil, usagef("-format cmdstan writes .csv files: give -out NAME.csv")
	}
	stem := strings.TrimSuffix(o.out, filepath.Ext(o.out))
	files := make([]string, chains)
	for c := range files {
		files[c] = stem + "_" + strconv.Itoa(offset+c+1) + ".csv"
		if _, err := os.Stat(files[c]); err == nil && !o.force {
			return nil, fmt.Errorf("%s exists; pass -force to overwrite it", files[c])
		}
	}
	return files, nil
}
