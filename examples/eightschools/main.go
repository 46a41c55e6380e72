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
	"github.com/goebm/goebm/bijector"
	"github.com/goebm/goebm/dist"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/scalar"
)

// The data: each school's estimated coaching effect and its standard error.
var (
	effect = []float64{28, 8, -3, 7, -1, 1, 18, 12}
	stdErr = []float64{15, 10, 16, 11, 9, 11, 10, 18}
)

const schools = 8

// thetaNames are θ's names, θ[1]…θ[8].
var thetaNames = func() []string {
	n := make([]string, schools)
	for j := range n {
		n[j] = fmt.Sprintf("theta[%d]", j+1)
	}
	return n
}()

// prior returns log p(μ) + log p(τ): μ ~ N(0, 5), τ ~ half-Cauchy(0, 5)
// (the Cauchy's density doubled on τ > 0, a constant left out).
func prior(tp *scalar.Tape, mu, tau scalar.Var) scalar.Var {
	zero, five := tp.Const(0), tp.Const(5)
	return tp.Add(dist.Normal(tp, mu, zero, five), dist.Cauchy(tp, tau, zero, five))
}

// likelihood returns Σ log N(y_j | θ_j, σ_j) for θ_j = at(j).
func likelihood(tp *scalar.Tape, at func(j int) scalar.Var) scalar.Var {
	lp := tp.Const(0)
	for j, y := range effect {
		lp = tp.Add(lp, dist.Normal(tp, tp.Const(y), at(j), tp.Const(stdErr[j])))
	}
	return lp
}

// centred is posteriordb's eight_schools_centered.
func centred() bayes.Model {
	return bayes.Model{
		Params: []bayes.Param{{Name: "mu"}, {Name: "tau", Constraint: bijector.Positive()}, {Name: "theta", Size: schools}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			mu, tau, theta := p[0][0], p[1][0], p[2]
			lp := prior(tp, mu, tau)
			for _, th := range theta { // θ_j ~ N(μ, τ)
				lp = tp.Add(lp, dist.Normal(tp, th, mu, tau))
			}
			return tp.Add(lp, likelihood(tp, func(j int) scalar.Var { return theta[j] }))
		},
	}
}

// nonCentred is posteriordb's eight_schools_noncentered.
func nonCentred() bayes.Model {
	return bayes.Model{
		Params: []bayes.Param{{Name: "mu"}, {Name: "tau", Constraint: bijector.Positive()}, {Name: "theta_tilde", Size: schools}},
		LogDensity: func(tp *scalar.Tape, p [][]scalar.Var) scalar.Var {
			mu, tau, tilde := p[0][0], p[1][0], p[2]
			lp := prior(tp, mu, tau)
			zero, one := tp.Const(0), tp.Const(1)
			for _, z := range tilde { // θ̃_j ~ N(0, 1)
				lp = tp.Add(lp, dist.Normal(tp, z, zero, one))
			}
			return tp.Add(lp, likelihood(tp, func(j int) scalar.Var { return tp.Add(mu, tp.Mul(tau, tilde[j])) }))
		},
	}
}

// withTheta appends θ_j = μ + τ·θ̃_j to each draw of the non-centred model.
func withTheta(f *bayes.Fit) *bayes.Fit {
	return f.Derive(thetaNames, func(x, theta []float64) {
		for j := range theta {
			theta[j] = x[0] + x[1]*x[2+j]
		}
	})
}

// fit samples the model called name ("centred" or "noncentred") with NUTS
// and returns its draws, θ included.
func fit(ctx context.Context, name string, nuts sampler.NUTS, o sampler.Options) (*bayes.Fit, error) {
	var m bayes.Model
	switch name {
	case "centred", "centered":
		m = centred()
	case "noncentred", "noncentered", "non-centred":
		m = nonCentred()
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
		f = withTheta(f)
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
