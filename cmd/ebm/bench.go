package main

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/goebm/goebm/bench"
	"github.com/goebm/goebm/tensor"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "Time the benchmark workloads of package bench and print one JSON line per case, with the fields of\nTorchEBM's CPU figures (median of -reps runs after one warm-up).", stderr)
	reps := fs.Int("reps", 5, "timed runs per case")
	scale := fs.String("scale", "all", "small, medium, large or all")
	cases := fs.String("case", "torchebm", "comma-separated case names or globs (loss_*); torchebm: TorchEBM's own suite")
	prec := fs.String("precision", "float64", "precision of the networks' products: float64 or float32 (the DoubleWell samplers stay float64)")
	warmup := fs.Int("warmup", 1, "untimed calls before the timed ones (at each core count)")
	coresFlag := fs.String("cores", "", "core counts to time each case at, interleaved call by call (1,2: one line per count, with each one's speed-up over the first); default: GOMAXPROCS")
	fs.Bool("json", true, "output is always JSON lines, one object per case (accepted for uniformity)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *reps < 1 || *warmup < 1 {
		return usagef("-reps %d, -warmup %d: both must be positive", *reps, *warmup)
	}
	tm := bench.Timing{Reps: *reps, Warmup: *warmup}
	if *coresFlag != "" {
		for f := range strings.SplitSeq(*coresFlag, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return usagef("-cores %q: want positive counts such as 1,2", *coresFlag)
			}
			tm.Cores = append(tm.Cores, n)
		}
	}
	p, err := tensor.ParsePrecision(*prec)
	if err != nil {
		return usagef("-precision: %v", err)
	}
	cs, err := bench.Select(bench.Cases(), *scale, *cases)
	if err != nil {
		return usagef("%v", err)
	}
	cs = bench.InPrecision(cs, p)
	enc := json.NewEncoder(stdout)
	for _, c := range cs {
		rs, err := tm.Measure(ctx, c)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}
