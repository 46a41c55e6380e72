// Command neural trains iDEM or iEFM (package neuralsampler) on GMM-40 or
// ManyWell from the energy alone and scores the samples against exact
// draws: MMD² (eval.MMD, median bandwidth) and the error of log Ẑ by
// importance sampling with the probability-flow ODE's density. The
// baseline is the same network untrained, scored the same way, and the
// floor is MMD² between two sets of exact draws; -langevin N scores MALA
// chains instead, run N steps from the same prior.
//
//	go run ./bench/neural -energy gmm40 -method idem -outer 20 -inner 100
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/neuralsampler"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

func main() {
	name := flag.String("energy", "gmm40", "gmm40 or manywell (32-D)")
	method := flag.String("method", "idem", "idem or iefm")
	outer := flag.Int("outer", 20, "buffer refills")
	inner := flag.Int("inner", 100, "regression steps per refill")
	k := flag.Int("k", 500, "Monte Carlo draws per target")
	batch := flag.Int("batch", 512, "regression batch")
	steps := flag.Int("steps", 100, "integration steps (refills, samples, densities)")
	n := flag.Int("n", 1000, "samples scored")
	nz := flag.Int("nz", 1000, "samples for log Z (0: skip)")
	seed := flag.Uint64("seed", 1, "seed")
	sigmaMax := flag.Float64("sigma-max", 0, "σmax in the scaled coordinates (0: 1 for gmm40, 2 for manywell)")
	maxScore := flag.Float64("max-score", 0, "target score norm clip (0: 70 for gmm40, 100 for manywell)")
	langevin := flag.Int("langevin", 0, "also score MALA (adapted step, warm-up half) run this many steps from the sampler's prior (0: skip)")
	flag.Parse()
	if *langevin > 0 {
		if err := mala(*name, *n, *langevin, *seed); err != nil {
			fmt.Fprintln(os.Stderr, "neural:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*name, *method, *outer, *inner, *k, *batch, *steps, *n, *nz, *seed, *sigmaMax, *maxScore); err != nil {
		fmt.Fprintln(os.Stderr, "neural:", err)
		os.Exit(1)
	}
}

func run(name, method string, outer, inner, k, batch, steps, n, nz int, seed uint64, sigmaMax, maxScore float64) error {
	ctx := context.Background()
	m, err := neuralsampler.MethodByName(method)
	if err != nil {
		return err
	}
	var (
		e     energy.Exact
		d     int
		cfg   = neuralsampler.Config{Method: m, K: k, Batch: batch, Outer: outer, Inner: inner, Steps: steps, Seed: seed}
		scale float64
	)
	switch name {
	case "gmm40":
		mix, err := energy.NewGMM40(energy.GMM40Seed)
		if err != nil {
			return err
		}
		e, d, scale = mix, 2, 50
		cfg.Schedule = neuralsampler.Geometric{SigmaMin: 1e-5, SigmaMax: cmp.Or(sigmaMax, 1)}
		cfg.MaxScore = cmp.Or(maxScore, 70)
	case "manywell":
		e, d, scale = energy.ManyWell{}, 32, 1
		cfg.Schedule = neuralsampler.Geometric{SigmaMin: 1e-5, SigmaMax: cmp.Or(sigmaMax, 2)}
		cfg.MaxScore = cmp.Or(maxScore, 100)
	default:
		return fmt.Errorf("unknown energy %q", name)
	}
	cfg.Scale = scale
	exact := tensor.New(e.Draw(n, rand.New(rand.NewPCG(seed, 99))), n, d)
	exact2 := tensor.New(e.Draw(n, rand.New(rand.NewPCG(seed, 98))), n, d)
	floor, h, err := eval.MMD(ctx, exact, exact2)
	if err != nil {
		return err
	}
	fmt.Printf("%s %s d=%d K=%d batch=%d outer=%d inner=%d steps=%d n=%d seed=%d σ %g…%g max score %g scale %g\n", name, m, d, k, batch, outer, inner, steps, n, seed, cfg.Schedule.SigmaMin, cfg.Schedule.SigmaMax, cfg.MaxScore, scale)
	fmt.Printf("exact vs exact: MMD² %.5f (bandwidth %.3g); log Z %.4f\n", floor, h, e.LogZ())
	s, err := neuralsampler.New(e, d, cfg)
	if err != nil {
		return err
	}
	score := func(label string) error {
		x, err := s.Sample(ctx, n, seed+7, m == neuralsampler.IDEM)
		if err != nil {
			return err
		}
		mmd, _, err := eval.MMD(ctx, tensor.New(x, n, d), exact)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s: MMD² %.5f", label, mmd)
		if nz > 0 {
			lz, ess, err := s.LogZ(ctx, e, nz, seed+8, steps)
			if err != nil {
				return err
			}
			line += fmt.Sprintf("; log Ẑ %.4f, error %+.4f, ESS/n %.3f", lz, lz-e.LogZ(), ess)
		}
		fmt.Println(line)
		return nil
	}
	if err := score("untrained"); err != nil {
		return err
	}
	start := time.Now()
	err = s.Train(ctx, func(st neuralsampler.Stats) {
		fmt.Printf("  outer %d loss %.4g buffer %d (%s)\n", st.Outer, st.Loss, st.Buffered, time.Since(start).Round(time.Second))
	})
	if err != nil {
		return err
	}
	return score("trained")
}

// mala scores the baseline: n MALA chains from N(0, (Scale·σmax)²I), the
// sampler's prior, steps steps (half warm-up, step size adapted), the
// final points against exact draws.
func mala(name string, n, steps int, seed uint64) error {
	ctx := context.Background()
	var (
		e  energy.Exact
		d  int
		sd float64
	)
	switch name {
	case "gmm40":
		mix, err := energy.NewGMM40(energy.GMM40Seed)
		if err != nil {
			return err
		}
		e, d, sd = mix, 2, 50
	case "manywell":
		e, d, sd = energy.ManyWell{}, 32, 2
	default:
		return fmt.Errorf("unknown energy %q", name)
	}
	rng := rand.New(rand.NewPCG(seed, 97))
	init := make([]float64, n*d)
	for i := range init {
		init[i] = sd * rng.NormFloat64()
	}
	res, err := sampler.MALA{Adapt: true}.Sample(ctx, e, sampler.Options{Chains: n, Dim: d, Init: init, Warmup: steps / 2, Steps: steps - steps/2, Seed: seed})
	if err != nil {
		return err
	}
	exact := tensor.New(e.Draw(n, rand.New(rand.NewPCG(seed, 99))), n, d)
	mmd, _, err := eval.MMD(ctx, tensor.New(res.Final, n, d), exact)
	if err != nil {
		return err
	}
	fmt.Printf("%s MALA %d chains × %d steps (%d energy gradients) from N(0, %g²I), seed %d: MMD² %.5f\n", name, n, steps, n*steps, sd, seed, mmd)
	return nil
}
