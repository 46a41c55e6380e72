package sampler

import (
	"context"
	"fmt"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/schedule"
)

// TorchEBM's sampler benchmark workloads (../shared/reference/torchebm-surface.md):
// DoubleWell(barrier_height=2), step size 1e-3, HMC with 10 leapfrog steps,
// at three scales. grads/s counts point gradients as TorchEBM does (HMC:
// L+1 per step); TorchEBM's figures on this machine kind are in
// ../shared/benchmarks/torchebm-cpu.md.
var torchebmScales = []struct {
	name               string
	chains, dim, steps int
}{
	{"small", 64, 8, 50},
	{"medium", 256, 32, 100},
	{"large", 1024, 128, 200},
}

func BenchmarkTorchEBM(b *testing.B) {
	well := energy.DoubleWell{BarrierHeight: 2}
	for _, sc := range torchebmScales {
		for _, c := range []struct {
			name    string
			s       func(context.Context, energy.Energy, Options) (*Result, error)
			perStep int
		}{
			{"langevin", Langevin{StepSize: schedule.Constant(1e-3)}.Sample, 1},
			{"hmc", HMC{StepSize: schedule.Constant(1e-3), LeapfrogSteps: 10}.Sample, 11},
		} {
			b.Run(fmt.Sprintf("%s/%s", c.name, sc.name), func(b *testing.B) {
				o := Options{Chains: sc.chains, Dim: sc.dim, Steps: sc.steps, Seed: 1}
				for b.Loop() {
					if _, err := c.s(context.Background(), well, o); err != nil {
						b.Fatal(err)
					}
				}
				grads := float64(sc.chains * sc.steps * c.perStep)
				b.ReportMetric(grads*float64(b.N)/b.Elapsed().Seconds(), "grads/s")
			})
		}
	}
}

// BenchmarkScaling runs the large workloads on 1 worker and on 2: the ratio
// of their times is the speed-up from the second core.
func BenchmarkScaling(b *testing.B) {
	well := energy.DoubleWell{BarrierHeight: 2}
	for _, c := range []struct {
		name string
		s    func(context.Context, energy.Energy, Options) (*Result, error)
	}{
		{"langevin", Langevin{StepSize: schedule.Constant(1e-3)}.Sample},
		{"hmc", HMC{StepSize: schedule.Constant(1e-3), LeapfrogSteps: 10}.Sample},
	} {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", c.name, w), func(b *testing.B) {
				o := Options{Chains: 1024, Dim: 128, Steps: 200, Seed: 1, Workers: w}
				for b.Loop() {
					if _, err := c.s(context.Background(), well, o); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
