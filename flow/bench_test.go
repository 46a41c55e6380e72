package flow

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/nn"
)

// BenchmarkFlow generates a batch by integrating a velocity MLP
// (dim+8 → 128 → 128 → dim, SiLU, sinusoidal time embedding) at TorchEBM's
// scales: Euler with the scale's number of steps, and adaptive
// Dormand–Prince 5(4) at rtol 1e-3.
func BenchmarkFlow(b *testing.B) {
	for _, sc := range []struct {
		name              string
		batch, dim, steps int
	}{{"small", 64, 8, 50}, {"medium", 256, 32, 100}, {"large", 1024, 128, 200}} {
		net, _ := nn.NewTimeMLP(rand.New(rand.NewPCG(1, 1)), sc.dim, 4, []int{128, 128}, sc.dim, nn.SiLU())
		v := VelocityOf(net, sc.dim)
		for _, c := range []struct {
			name string
			f    Generator
		}{
			{"euler", Generator{Velocity: v, Method: integrate.Euler, Steps: sc.steps}},
			{"dopri5", Generator{Velocity: v, Adaptive: &integrate.Adaptive{RTol: 1e-3, ATol: 1e-5}}},
		} {
			b.Run(fmt.Sprintf("%s/%s", c.name, sc.name), func(b *testing.B) {
				evals := 0
				for b.Loop() {
					_, st, err := c.f.Generate(context.Background(), sc.batch, sc.dim, 1)
					if err != nil {
						b.Fatal(err)
					}
					evals = st.Evals
				}
				b.ReportMetric(float64(evals), "evals")
			})
		}
	}
}
