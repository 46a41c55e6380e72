package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bayes/models"
	"github.com/goebm/goebm/sampler"
)

// fit samples the posterior with NUTS.
func fit(ctx context.Context, o sampler.Options) (*bayes.Fit, *models.Digits, error) {
	d, err := models.LoadDigits()
	if err != nil {
		return nil, nil, err
	}
	post, err := bayes.New(models.DigitsLogistic(d))
	if err != nil {
		return nil, nil, err
	}
	f, err := post.Sample(ctx, sampler.NUTS{}, o)
	return f, d, err
}

func main() {
	o := sampler.Options{}
	flag.IntVar(&o.Chains, "chains", 4, "number of chains")
	flag.IntVar(&o.Warmup, "warmup", 1000, "warm-up draws per chain")
	flag.IntVar(&o.Steps, "steps", 1000, "kept draws per chain")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	out := flag.String("out", "", "write the draws to this .csv or .npy file")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, o, *out); err != nil {
		fmt.Fprintln(os.Stderr, "logistic:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, o sampler.Options, out string) error {
	if o.Chains < 1 || o.Steps < 1 || o.Warmup < 0 {
		return errors.New("-chains and -steps must be positive, -warmup not negative")
	}
	f, d, err := fit(ctx, o)
	if err != nil {
		return err
	}
	div := 0
	for _, n := range f.Result.Info.Divergences {
		div += n
	}
	fmt.Fprintf(w, "logistic regression, 0 against 1: %d images (%d ones); NUTS, %d chains × %d draws after %d warm-up; %d gradients, %d divergences\n\n",
		d.Images, d.Ones, o.Chains, o.Steps, o.Warmup, f.Result.Info.GradEvals, div)
	if err := f.Summary().Print(w); err != nil {
		return err
	}
	if out != "" {
		return f.Save(out)
	}
	return nil
}
