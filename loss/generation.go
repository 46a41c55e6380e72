package loss

import (
	"context"
	"fmt"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// What a trained model needs from the loss that trained it to generate and
// to be scored, so that it never restates the loss's defaults.

// Lambda returns the multiplier λ in use (4 when Multiplier is 0). Far from
// the data a trained field f matches λ times the flow's velocity, so the
// descent dx/ds = −f(x)/λ over s in [0, 1] arrives when a flow would.
func (e EquilibriumMatching) Lambda() float64 {
	if e.Multiplier == 0 {
		return 4
	}
	return e.Multiplier
}

// Temperature returns ε_max, the temperature at which exp(−V/ε_max) is the
// density of a potential V this loss trained.
func (e EnergyMatching) Temperature() (float64, error) {
	s, err := e.settings()
	return s.epsMax, err
}

// Generate draws n points of dimension d from a potential v this loss
// trained, as its negatives from noise are drawn (by default LangevinSteps
// steps of size LangevinStep from N(0, I) sweeping the temperature; with a
// Sampler, that sampler on v/ε_max), the chains seeded by seed.
func (e EnergyMatching) Generate(ctx context.Context, v energy.Energy, n, d int, seed uint64) ([]float64, error) {
	s, err := e.settings()
	if err != nil {
		return nil, err
	}
	fromNoise, _, temp := e.chainSamplers(s)
	if temp != 1 {
		v = energy.Tempered{E: v, T: temp}
	}
	r, err := fromNoise.Sample(ctx, v, sampler.Options{Chains: n, Dim: d, Steps: s.k, Seed: seed})
	if err != nil {
		return nil, fmt.Errorf("loss: energy-matching generation: %w", err)
	}
	return r.Final, nil
}
