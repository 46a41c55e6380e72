package eval

import (
	"context"
	"fmt"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
)

// AISLogZ estimates log ∫exp(−E) in dimension d by annealed importance
// sampling from N(0, baseScale²I) (sampler.AIS) with the given number of
// chains and annealing steps, and returns the estimate with its standard
// error: log Z for models beyond 2-D, where quadrature is out of reach.
// Then NLL = mean E(x) + log Z as for 2-D.
func AISLogZ(ctx context.Context, e energy.Energy, d, chains, steps int, baseScale, stepSize float64, seed uint64) (logZ, se float64, err error) {
	if chains < 2 || steps < 1 {
		return 0, 0, fmt.Errorf("eval: AIS with %d chains and %d steps: %w", chains, steps, ErrInvalid)
	}
	r, err := sampler.AIS{BaseScale: baseScale, StepSize: schedule.Constant(stepSize), MoveSteps: 2}.Anneal(ctx, e,
		sampler.Options{Dim: d, Chains: chains, Steps: steps, Seed: seed})
	if err != nil {
		return 0, 0, fmt.Errorf("eval: %w", err)
	}
	return r.LogZ, r.LogZSE, nil
}
