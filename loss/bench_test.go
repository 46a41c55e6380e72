package loss

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// BenchmarkTorchEBM times one loss forward and backward (∇θ) on TorchEBM's
// loss workloads: an MLP dim→128→128→1 with SiLU, at its small, medium and
// large scales (exact score matching at batch ≤ 128, dim ≤ 16). TorchEBM's
// figures on this kind of machine: ../shared/benchmarks/torchebm-cpu.md.
func BenchmarkTorchEBM(b *testing.B) {
	scales := []struct {
		name       string
		batch, dim int
	}{{"small", 64, 8}, {"medium", 256, 32}, {"large", 1024, 128}}
	cases := []struct {
		name string
		loss func() EnergyLoss
	}{
		{"cd10", func() EnergyLoss {
			return &ContrastiveDivergence{K: 10, Sampler: sampler.Langevin{StepSize: schedule.Constant(1e-2)}}
		}},
		{"sm_exact", func() EnergyLoss { return ScoreMatching{} }},
		{"sm_approx", func() EnergyLoss { return ScoreMatching{Method: FiniteDifference} }},
		{"ssm5", func() EnergyLoss { return SlicedScoreMatching{Projections: 5} }},
		{"dsm", func() EnergyLoss { return DenoisingScoreMatching{Sigma: 0.1} }},
	}
	for _, c := range cases {
		for _, sc := range scales {
			batch, dim := sc.batch, sc.dim
			if c.name == "sm_exact" && sc.name != "small" {
				batch, dim = 128, 16
			}
			b.Run(fmt.Sprintf("%s/%s", c.name, sc.name), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				net, _ := nn.NewMLP(rng, []int{dim, 128, 128, 1}, nn.SiLU(), nil)
				params := nn.Values(net.Params())
				x := tensor.Randn(rng, batch, dim)
				l := c.loss()
				tp := tensor.NewTape()
				for b.Loop() {
					v, err := l.Loss(tp, net, x, rng)
					if err != nil {
						b.Fatal(err)
					}
					tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{})
					tp.Reset()
				}
			})
		}
	}
}

// BenchmarkEquilibriumMatching times one EqM loss forward and backward on a
// velocity MLP (dim+8 → 128 → 128 → dim) at TorchEBM's scales.
func BenchmarkEquilibriumMatching(b *testing.B) {
	for _, sc := range []struct {
		name       string
		batch, dim int
	}{{"small", 64, 8}, {"medium", 256, 32}, {"large", 1024, 128}} {
		for _, explicit := range []bool{false, true} {
			b.Run(fmt.Sprintf("explicit=%v/%s", explicit, sc.name), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				net, _ := nn.NewTimeMLP(rng, sc.dim, 4, []int{128, 128}, sc.dim, nn.SiLU())
				params := nn.Values(net.Params())
				x := tensor.Randn(rng, sc.batch, sc.dim)
				l := EquilibriumMatching{Explicit: explicit}
				tp := tensor.NewTape()
				for b.Loop() {
					v, err := l.Loss(tp, net, x, rng)
					if err != nil {
						b.Fatal(err)
					}
					tp.Grad([]*tensor.Tensor{v}, params, tensor.GradOptions{})
					tp.Reset()
				}
			})
		}
	}
}
