package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bayes/models"
	"github.com/goebm/goebm/sampler"
)

// fit samples the model called name ("centred" or "noncentred") with NUTS
// and returns its draws, θ included.
func fit(ctx context.Context, name string, nuts sampler.NUTS, o sampler.Options) (*bayes.Fit, error) {
	var m bayes.Model
	switch name {
	case "centred", "centered":
		m = models.EightSchoolsCentred()
	case "noncentred", "noncentered", "non-centred":
		m = models.EightSchoolsNonCentred()
	default:
		return nil, fmt.Errorf("-model %q: want centred or noncentred", name)
	}
	post, err := bayes.New(m)
	if err != nil {
		return nil, err
	}
	f, err := post.Sample(ctx, nuts, o)
	if err != nil {
		return nil, err
	}
	if m.Params[2].Name == "theta_tilde" {
		f = models.EightSchoolsTheta(f)
	}
	return f, nil
}

func main() {
	name := flag.String("model", "noncentred", "centred or noncentred")
	o := sampler.Options{}
	flag.IntVar(&o.Chains, "chains", 4, "number of chains")
	flag.IntVar(&o.Warmup, "warmup", 1000, "warm-up draws per chain")
	flag.IntVar(&o.Steps, "steps", 1000, "kept draws per chain")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	accept := flag.Float64("accept", 0.8, "NUTS target acceptance")
	out := flag.String("out", "", "write the draws to this .csv or .npy file")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *name, sampler.NUTS{TargetAccept: *accept}, o, *out); err != nil {
		fmt.Fprintln(os.Stderr, "eightschools:", err)
		os.Exit(1)
	}
}

// run fits the model and prints its summary, writing the draws to out
// unless it is empty.
func run(ctx context.Context, w io.Writer, name string, nuts sampler.NUTS, o sampler.Options, out string) error {
	if o.Chains < 1 || o.Steps < 1 || o.Warmup < 0 {
		return errors.New("-chains and -steps must be positive, -warmup not negative")
	}
	f, err := fit(ctx, name, nuts, o)
	if err != nil {
		return err
	}
	info := f.Result.Info
	div := 0
	for _, d := range info.Divergences {
		div += d
	}
	fmt.Fprintf(w, "eight schools, %s: NUTS, %d chains × %d draws after %d warm-up; %d gradients, %d divergences; step sizes %s\n\n",
		name, o.Chains, o.Steps, o.Warmup, info.GradEvals, div, fmtSteps(info.StepSize))
	if err := f.Summary().Print(w); err != nil {
		return err
	}
	if out != "" {
		return f.Save(out)
	}
	return nil
}

func fmtSteps(s []float64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprintf("%.3g", v)
	}
	return strings.Join(parts, " ")
}
