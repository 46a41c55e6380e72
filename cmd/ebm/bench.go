package main

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// benchLine has the fields of ../shared/benchmarks/torchebm-cpu.md.
type benchLine struct {
	Case          string   `json:"case"`
	Scale         string   `json:"scale"`
	Batch         int      `json:"batch"`
	Dim           int      `json:"dim"`
	Steps         int      `json:"steps,omitempty"`
	MedianSeconds float64  `json:"median_seconds"`
	GradEvalsPerS *float64 `json:"chain_gradient_evals_per_s,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "Run TorchEBM's benchmark workloads and print one JSON line per case, with the fields of\nits CPU figures (median of -reps runs after one warm-up).", stderr)
	reps := fs.Int("reps", 5, "timed runs per case")
	scale := fs.String("scale", "all", "small, medium, large or all")
	fs.Bool("json", true, "output is always JSON lines, one object per case (accepted for uniformity)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *reps < 1 {
		return usagef("-reps %d: must be positive", *reps)
	}
	scales := []struct {
		name              string
		batch, dim, steps int
	}{{"small", 64, 8, 50}, {"medium", 256, 32, 100}, {"large", 1024, 128, 200}}
	if *scale != "all" {
		i := slices.IndexFunc(scales, func(s struct {
			name              string
			batch, dim, steps int
		}) bool {
			return s.name == *scale
		})
		if i < 0 {
			return usagef("-scale %q: unknown (valid: small, medium, large, all)", *scale)
		}
		scales = scales[i : i+1]
	}
	enc := json.NewEncoder(stdout)
	median := func(f func() error) (float64, error) {
		if err := f(); err != nil { // warm-up
			return 0, err
		}
		var ts []float64
		for range *reps {
			t0 := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			ts = append(ts, time.Since(t0).Seconds())
		}
		slices.Sort(ts)
		return ts[len(ts)/2], nil
	}
	well := energy.DoubleWell{BarrierHeight: 2}
	for _, sc := range scales {
		for _, c := range []struct {
			name    string
			s       sampler.Sampler
			perStep int
		}{
			{"langevin_doublewell", sampler.Langevin{StepSize: schedule.Constant(1e-3)}, 1},
			{"hmc_doublewell", sampler.HMC{StepSize: schedule.Constant(1e-3), LeapfrogSteps: 10}, 11},
		} {
			sec, err := median(func() error {
				_, err := c.s.Sample(ctx, well, sampler.Options{Chains: sc.batch, Dim: sc.dim, Steps: sc.steps, Seed: 1})
				return err
			})
			if err != nil {
				return err
			}
			rate := float64(sc.batch*sc.steps*c.perStep) / sec
			enc.Encode(benchLine{Case: c.name, Scale: sc.name, Batch: sc.batch, Dim: sc.dim, Steps: sc.steps, MedianSeconds: sec, GradEvalsPerS: &rate})
		}
		for _, c := range []struct {
			name string
			l    func() loss.EnergyLoss
		}{
			{"loss_cd10", func() loss.EnergyLoss {
				return &loss.ContrastiveDivergence{K: 10, Sampler: sampler.Langevin{StepSize: schedule.Constant(1e-2)}}
			}},
			{"loss_sm_exact", func() loss.EnergyLoss { return loss.ScoreMatching{} }},
			{"loss_sm_approx", func() loss.EnergyLoss { return loss.ScoreMatching{Method: loss.FiniteDifference} }},
			{"loss_ssm5", func() loss.EnergyLoss { return loss.SlicedScoreMatching{Projections: 5} }},
			{"loss_dsm", func() loss.EnergyLoss { return loss.DenoisingScoreMatching{Sigma: 0.1} }},
		} {
			batch, dim := sc.batch, sc.dim
			if c.name == "loss_sm_exact" && sc.name != "small" {
				batch, dim = 128, 16
			}
			rng := rand.New(rand.NewPCG(1, 2))
			net, _ := nn.NewMLP(rng, []int{dim, 128, 128, 1}, nn.SiLU(), nil)
			params := nn.Values(net.Params())
			x := tensor.Randn(rng, batch, dim)
			l := c.l()
			tp := tensor.NewTape()
			sec, err := median(func() error {
				v, err := l.Loss(tp, net, x, rng)
				if err != nil {
					return err
				}
				tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{})
				tp.Reset()
				return nil
			})
			if err != nil {
				return err
			}
			enc.Encode(benchLine{Case: c.name, Scale: sc.name, Batch: batch, Dim: dim, MedianSeconds: sec})
		}
	}
	return nil
}
