package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/scalar"
)

// pixel is one non-zero pixel of an image: its index and its value / 16.
type pixel struct {
	j int
	v float64
}

// data holds the images of 0s and 1s, each as its non-zero pixels with the
// sign s = 1 − 2y folded in (−x for a 1, x for a 0), so that the log
// likelihood of image i is −softplus(s·(α + x·β)).
type data struct {
	pixels [][]pixel
	sign   []float64
	ones   int
}

func load() (*data, error) {
	im, err := dataset.Digits()
	if err != nil {
		return nil, err
	}
	d := &data{}
	const D = 64
	for i, y := range im.Labels {
		if y > 1 {
			continue
		}
		s := 1 - 2*float64(y)
		var px []pixel
		for j, v := range im.Pixels[i*D : (i+1)*D] {
			if v != 0 {
				px = append(px, pixel{j, s * float64(v) / 16})
			}
		}
		d.pixels, d.sign = append(d.pixels, px), append(d.sign, s)
		d.ones += y
	}
	return d, nil
}

// model returns the logistic regression on d.
func model(d *data) bayes.Model {
	return bayes.Model{
		Params: []bayes.Param{{Name: "alpha"}, {Name: "beta", Size: 64}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			alpha, beta := p[0][0], p[1]
			// N(0, 1) priors, constants left out: −½ Σ w².
			ss := tp.Square(alpha)
			for _, b := range beta {
				ss = tp.Add(ss, tp.Square(b))
			}
			lp := tp.Scale(ss, -0.5)
			for i, px := range d.pixels {
				eta := tp.Scale(alpha, d.sign[i])
				for _, q := range px {
					eta = tp.Add(eta, tp.Scale(beta[q.j], q.v))
				}
				lp = tp.Sub(lp, tp.Softplus(eta))
			}
			return lp
		},
	}
}

// fit samples the posterior with NUTS.
func fit(ctx context.Context, o sampler.Options) (*bayes.Fit, *data, error) {
	d, err := load()
	if err != nil {
		return nil, nil, err
	}
	post, err := bayes.New(model(d))
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
		len(d.sign), d.ones, o.Chains, o.Steps, o.Warmup, f.Result.Info.GradEvals, div)
	if err := f.Summary().Print(w); err != nil {
		return err
	}
	if out != "" {
		return f.Save(out)
	}
	return nil
}
