package flow

import (
	"context"
	"errors"
	"testing"

	"github.com/goebm/goebm/integrate"
)

// TestGenerateCancelled checks that a generation cancelled part way, with
// fixed steps, adaptively and by the SDE, evaluates the field no more and
// returns context.Canceled.
func TestGenerateCancelled(t *testing.T) {
	for name, g := range map[string]Generator{
		"fixed":    {Steps: 1000},
		"adaptive": {Adaptive: &integrate.Adaptive{RTol: 1e-10, ATol: 1e-10}},
		"sde":      {Steps: 1000, Diffusion: func(float64) float64 { return 0.5 }},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		field := gaussianField([]float64{2, -1}, 0.5)
		g.Velocity = func(dst []float64, t float64, x []float64) {
			if calls++; calls == 5 {
				cancel()
			}
			field(dst, t, x)
		}
		_, _, err := g.Generate(ctx, 100, 2, 1)
		if !errors.Is(err, context.Canceled) || calls != 5 {
			t.Errorf("%s: %v after %d evaluations; want context.Canceled after 5", name, err, calls)
		}
	}
}
