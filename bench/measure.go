package bench

import (
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goebm/goebm/tensor"
)

// ErrInvalid is wrapped by errors about an unknown scale or case.
var ErrInvalid = errors.New("invalid benchmark selection")

// Select returns the cases at a scale (a Scales name, or "all") whose
// names match one of the comma-separated patterns (path.Match globs, such
// as "loss_*"); the pattern "torchebm" matches TorchEBM's own suite. A case
// at a fixed shape has no scale and is selected only under "all". It is an
// error when a pattern is malformed or nothing matches.
func Select(cases []Case, scale, patterns string) ([]Case, error) {
	if scale != "all" && !slices.ContainsFunc(Scales, func(s Scale) bool { return s.Name == scale }) {
		return nil, fmt.Errorf("bench: scale %q unknown (valid: small, medium, large, all): %w", scale, ErrInvalid)
	}
	var out []Case
	for _, c := range cases {
		if scale != "all" && c.Scale != scale {
			continue
		}
		for _, p := range strings.Split(patterns, ",") {
			ok, err := path.Match(p, c.Name)
			if err != nil {
				return nil, fmt.Errorf("bench: case pattern %q: %w: %w", p, err, ErrInvalid)
			}
			if ok || p == "torchebm" && c.TorchEBM {
				out = append(out, c)
				break
			}
		}
	}
	if len(out) == 0 {
		var names []string
		for _, c := range cases {
			if !slices.Contains(names, c.Name) {
				names = append(names, c.Name)
			}
		}
		return nil, fmt.Errorf("bench: no case %q at scale %s (cases: torchebm, %s): %w", patterns, scale, strings.Join(names, ", "), ErrInvalid)
	}
	return out, nil
}

// Result is a case's measurement, with the fields of TorchEBM's CPU
// figures.
type Result struct {
	Case    string `json:"case"`
	Scale   string `json:"scale,omitempty"`
	Batch   int    `json:"batch"`
	Dim     int    `json:"dim"`
	Steps   int    `json:"steps,omitempty"`
	Workers int    `json:"workers,omitempty"`
	// Precision is "float32" for a case whose network computed in float32.
	Precision string `json:"precision,omitempty"`
	// Cores is the GOMAXPROCS of a timing at several (Timing.Cores).
	Cores         int      `json:"cores,omitempty"`
	MedianSeconds float64  `json:"median_seconds"`
	GradEvalsPerS *float64 `json:"chain_gradient_evals_per_s,omitempty"`
	// Evals is a flow case's evaluations of its velocity field per call.
	Evals int `json:"evals,omitempty"`
	// Speedup is, in the results of a timing at several core counts after
	// the first, the first's median time over this one's.
	Speedup *float64 `json:"speedup,omitempty"`
}

// Measure sets the case up, calls it once untimed and then reps times, and
// reports the median time: Timing{Reps: reps}.Measure.
func Measure(ctx context.Context, c Case, reps int) (Result, error) {
	rs, err := Timing{Reps: reps}.Measure(ctx, c)
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// Timing says how a case is timed.
type Timing struct {
	// Reps is the number of timed calls (at each core count); at least 1.
	Reps int
	// Warmup is the number of untimed calls first (at each core count); 0
	// means 1. A training loop runs thousands of steps, so a time taken
	// after a few (the storage pools and the heap grown, the caches warm)
	// is what it sees.
	Warmup int
	// Cores, when set, are the GOMAXPROCS values to time the case at,
	// interleaved call by call so that a change in the machine's load
	// falls on every count alike, the order reversed every other round.
	// GOMAXPROCS is restored after; every parallel loop in goebm reads it
	// at each call.
	Cores []int
}

// Measure sets the case up and times it: Warmup untimed calls, then Reps
// timed ones, at each core count. It returns a Result per count, in the
// order of Cores (one, at the current GOMAXPROCS, when Cores is empty),
// with its median time; with Cores, each has Cores set and, after the
// first, its Speedup over the first.
func (t Timing) Measure(ctx context.Context, c Case) ([]Result, error) {
	if t.Reps < 1 || t.Warmup < 0 || slices.ContainsFunc(t.Cores, func(n int) bool { return n < 1 }) {
		return nil, fmt.Errorf("bench: %d timed calls, %d warm-up, core counts %v: want positive calls and counts: %w", t.Reps, t.Warmup, t.Cores, ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := c.Setup(c)
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", c.ID(), err)
	}
	counts := max(len(t.Cores), 1)
	at := func(j int) {} // run at the j-th count
	if len(t.Cores) > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		at = func(j int) { runtime.GOMAXPROCS(t.Cores[j]) }
	}
	ts := make([][]float64, counts)
	work := make([]int, counts)
	call := func(j int, timed bool) error {
		// Not every workload checks ctx: stop between calls.
		if err := ctx.Err(); err != nil {
			return err
		}
		at(j)
		t0 := time.Now()
		var err error
		work[j], err = f(ctx)
		if timed {
			ts[j] = append(ts[j], time.Since(t0).Seconds())
		}
		return err
	}
	for j := range counts {
		for range max(t.Warmup, 1) {
			if err := call(j, false); err != nil {
				return nil, fmt.Errorf("bench: %s: %w", c.ID(), err)
			}
		}
	}
	for i := range t.Reps {
		for k := range counts {
			j := k
			if i%2 == 1 {
				j = counts - 1 - k
			}
			if err := call(j, true); err != nil {
				return nil, fmt.Errorf("bench: %s: %w", c.ID(), err)
			}
		}
	}
	rs := make([]Result, counts)
	for j := range rs {
		slices.Sort(ts[j])
		r := Result{Case: c.Name, Scale: c.Scale, Batch: c.Batch, Dim: c.Dim, Steps: c.Steps, Workers: c.Workers, MedianSeconds: ts[j][t.Reps/2]}
		if c.Precision != tensor.Float64 {
			r.Precision = c.Precision.String()
		}
		switch c.Unit {
		case Grads:
			rate := float64(work[j]) / r.MedianSeconds
			r.GradEvalsPerS = &rate
		case Evals:
			r.Evals = work[j]
		}
		if len(t.Cores) > 0 {
			r.Cores = t.Cores[j]
		}
		if j > 0 {
			s := rs[0].MedianSeconds / r.MedianSeconds
			r.Speedup = &s
		}
		rs[j] = r
	}
	return rs, nil
}

// Run runs each case as a sub-benchmark of b named by its ID, reporting
// allocations and its work: grads/s, or evals per call.
func Run(b *testing.B, cases []Case) {
	for _, c := range cases {
		b.Run(c.ID(), func(b *testing.B) {
			f, err := c.Setup(c)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			work, total := 0, 0
			for b.Loop() {
				if work, err = f(b.Context()); err != nil {
					b.Fatal(err)
				}
				total += work
			}
			switch c.Unit {
			case Grads:
				b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "grads/s")
			case Evals:
				b.ReportMetric(float64(work), "evals")
			}
		})
	}
}

// Benchmark runs the cases of Cases() whose names match patterns, at
// every scale (see Select and Run).
func Benchmark(b *testing.B, patterns string) {
	cases, err := Select(Cases(), "all", patterns)
	if err != nil {
		b.Fatal(err)
	}
	Run(b, cases)
}
