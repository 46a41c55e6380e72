package neuralsampler

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// TestAmortized checks the sampler.Sampler face of a neural sampler (a
// tiny training, so the draws' quality is not the point: the training
// tests check that): the result's shape, energies equal to E at the draws,
// the last draw of each chain as its final point, chain c drawing what
// chain FirstStream + c of a bigger run draws, gradients counted for iDEM
// and energies alone for iEFM, and refusals of what it cannot honour.
func TestAmortized(t *testing.T) {
	ctx := context.Background()
	e := energy.Harmonic{}
	for _, m := range []Method{IDEM, IEFM} {
		cfg := smallConfig(m)
		cfg.Outer, cfg.Inner = 1, 5
		a := Amortized{Config: cfg}
		o := sampler.Options{Chains: 3, Dim: 2, Steps: 6, Seed: 4, Trajectory: true}
		r, err := a.Sample(ctx, e, o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Chains != 3 || r.Kept != 6 || len(r.Draws) != 36 || len(r.Energies) != 18 || len(r.Final) != 6 {
			t.Fatalf("%s: result of %d chains × %d kept, %d draws, %d energies", m, r.Chains, r.Kept, len(r.Draws), len(r.Energies))
		}
		want := make([]float64, 18)
		e.Energy(want, r.Draws, 2)
		if !slices.Equal(want, r.Energies) {
			t.Errorf("%s: energies %v, E at the draws %v", m, r.Energies, want)
		}
		for c := range 3 {
			if !slices.Equal(r.Final[c*2:c*2+2], r.Draws[(c*6+5)*2:(c*6+6)*2]) {
				t.Errorf("%s: chain %d's final point is not its last draw", m, c)
			}
		}
		o.Chains, o.FirstStream = 1, 2
		r2, err := a.Sample(ctx, e, o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r2.Draws, r.Draws[2*12:]) {
			t.Errorf("%s: chain 2 alone draws %v, in the run of 3 %v", m, r2.Draws, r.Draws[2*12:])
		}
		if (r.Info.GradEvals > 0) != (m == IDEM) || r.Info.EnergyEvals < 18 || r.Info.SamplingEnergyEvals != 18 {
			t.Errorf("%s: %d gradients, %d energies (%d drawing)", m, r.Info.GradEvals, r.Info.EnergyEvals, r.Info.SamplingEnergyEvals)
		}
	}
	joint, _ := energy.NewInteraction(e, 1, 1)
	a := Amortized{Config: smallConfig(IDEM)}
	for name, c := range map[string]struct {
		e energy.Energy
		o sampler.Options
	}{
		"init":   {e, sampler.Options{Chains: 1, Dim: 2, Steps: 2, Init: []float64{0, 0}}},
		"bounds": {e, sampler.Options{Chains: 1, Dim: 2, Steps: 2, Bounds: &sampler.Bounds{}}},
		"joint":  {joint, sampler.Options{Chains: 2, Dim: 2, Steps: 2}},
		"chains": {e, sampler.Options{Dim: 2, Steps: 2}},
	} {
		if _, err := a.Sample(ctx, c.e, c.o); !errors.Is(err, sampler.ErrInvalid) {
			t.Errorf("%s: %v, want sampler.ErrInvalid", name, err)
		}
	}
}
