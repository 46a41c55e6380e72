// Command sample draws from one of goebm's analytic energies with one of its
// samplers and prints Stan-style diagnostics for every coordinate: a first
// run of the energy, sampler and diag packages (the ebm command will do this
// and more).
//
//	go run ./examples/sample                        # parallel tempering on a 2-D double well
//	go run ./examples/sample -sampler nuts          # NUTS on it: R-hat shows the wells unbalanced
//	go run ./examples/sample -energy funnel -dim 4  # Neal's funnel: divergences flag the neck
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "sample:", err)
		}
		os.Exit(2)
	}
}

type sampleFunc func(context.Context, energy.Energy, sampler.Options) (*sampler.Result, error)

var energies = map[string]func(d int) (energy.Energy, error){
	"funnel":     func(int) (energy.Energy, error) { return energy.Funnel{}, nil },
	"doublewell": func(int) (energy.Energy, error) { return energy.DoubleWell{}, nil },
	"rosenbrock": func(int) (energy.Energy, error) { return energy.Tempered{E: energy.Rosenbrock{}, T: 20}, nil },
	"gaussian": func(d int) (energy.Energy, error) {
		cov := make([]float64, d*d)
		for i := range d {
			for j := range d {
				cov[i*d+j] = 0.5
			}
			cov[i*d+i] = 1
		}
		return energy.NewGaussian(make([]float64, d), cov)
	},
}

var samplers = map[string]sampleFunc{
	"nuts":      sampler.NUTS{}.Sample,
	"hmc":       sampler.HMC{Adapt: true, AdaptMass: true}.Sample,
	"mala":      sampler.MALA{Adapt: true, AdaptMass: true}.Sample,
	"langevin":  sampler.Langevin{StepSize: schedule.Constant(0.01)}.Sample,
	"tempering": sampler.ParallelTempering{}.Sample,
}

func names[V any](m map[string]V) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	en := fs.String("energy", "doublewell", "energy: "+names(energies))
	sm := fs.String("sampler", "tempering", "sampler: "+names(samplers))
	dim := fs.Int("dim", 2, "dimension")
	chains := fs.Int("chains", 4, "number of chains")
	warmup := fs.Int("warmup", 1000, "warm-up steps per chain")
	steps := fs.Int("steps", 2000, "kept steps per chain")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	makeE, ok := energies[*en]
	if !ok {
		return fmt.Errorf("-energy %q: unknown (valid: %s)", *en, names(energies))
	}
	s, ok := samplers[*sm]
	if !ok {
		return fmt.Errorf("-sampler %q: unknown (valid: %s)", *sm, names(samplers))
	}
	if *dim < 1 {
		return fmt.Errorf("-dim %d: must be at least 1", *dim)
	}
	e, err := makeE(*dim)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := s(ctx, e, sampler.Options{Chains: *chains, Dim: *dim, Warmup: *warmup, Steps: *steps, Seed: *seed, Trajectory: true})
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	names := make([]string, r.Dim)
	sums := make([]diag.Summary, r.Dim)
	for j := range r.Dim {
		names[j] = fmt.Sprintf("x%d", j)
		sums[j] = diag.Summarize(r.Chain(j))
	}
	fmt.Fprintf(out, "%s on %s, %d chains × %d draws after %d warm-up, %v, %d gradients\n\n",
		*sm, *en, r.Chains, r.Kept, *warmup, elapsed.Round(time.Millisecond), r.Info.GradEvals)
	if err := diag.WriteTable(out, names, sums); err != nil {
		return err
	}
	div, acc := 0, 0.0
	for c := range r.Chains {
		div += r.Info.Divergences[c]
		acc += r.Info.AcceptRate[c] / float64(r.Chains)
	}
	fmt.Fprintf(out, "\nacceptance %.3f, divergences %d", acc, div)
	if r.Info.SwapRate != nil {
		fmt.Fprintf(out, ", swap rates %.2f", r.Info.SwapRate)
	}
	fmt.Fprintln(out)
	return nil
}
