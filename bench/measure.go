package bench

import (
	"context"
	"errors"
	"fmt"
	"path"
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
	Precision     string   `json:"precision,omitempty"`
	MedianSeconds float64  `json:"median_seconds"`
	GradEvalsPerS *float64 `json:"chain_gradient_evals_per_s,omitempty"`
	// Evals is a flow case's evaluations of its velocity field per call.
	Evals int `json:"evals,omitempty"`
}

// Measure sets the case up, calls it once untimed and then reps times, and
// reports the median time.
func Measure(ctx context.Context, c Case, reps int) (Result, error) {
	if reps < 1 {
		return Result{}, fmt.Errorf("bench: %d timed calls: %w", reps, ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	f, err := c.Setup(c)
	if err != nil {
		return Result{}, fmt.Errorf("bench: %s: %w", c.ID(), err)
	}
	work, err := f(ctx) // warm-up
	ts := make([]float64, reps)
	for i := 0; i < reps && err == nil; i++ {
		// Not every workload checks ctx: stop between calls.
		if err = ctx.Err(); err != nil {
			break
		}
		t0 := time.Now()
		work, err = f(ctx)
		ts[i] = time.Since(t0).Seconds()
	}
	if err != nil {
		return Result{}, fmt.Errorf("bench: %s: %w", c.ID(), err)
	}
	slices.Sort(ts)
	r := Result{Case: c.Name, Scale: c.Scale, Batch: c.Batch, Dim: c.Dim, Steps: c.Steps, Workers: c.Workers, MedianSeconds: ts[reps/2]}
	if c.Precision != tensor.Float64 {
		r.Precision = c.Precision.String()
	}
	switch c.Unit {
	case Grads:
		rate := float64(work) / r.MedianSeconds
		r.GradEvalsPerS = &rate
	case Evals:
		r.Evals = work
	}
	return r, nil
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
