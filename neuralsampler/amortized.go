package neuralsampler

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
)

// Amortized is a neural sampler seen as a sampler.Sampler, as ebm sample
// runs it (-sampler idem or iefm): Sample trains a Sampler on the energy
// from Options.Seed, then draws Options.Steps independent points per chain
// with it (by the reverse SDE for iDEM, the probability-flow ODE for iEFM;
// the chain c's from rand.NewPCG(Seed + 1 + FirstStream + c, 0)). Its
// "chains" are blocks of independent draws, so the diagnostics read an ESS
// near their number where the network has learnt the target. Warm-up,
// initial points, bounds and conditions do not apply: Options that set
// Init, Bounds or Condition are refused, and so is an energy whose rows
// interact (energy.Joint).
type Amortized struct {
	Config
}

var _ sampler.Sampler = Amortized{}

// Sample trains the network and draws from it.
func (a Amortized) Sample(ctx context.Context, e energy.Energy, o sampler.Options) (*sampler.Result, error) {
	d := o.Dim
	if d == 0 {
		d = e.Dim()
	}
	switch {
	case o.Chains < 1 || o.Steps < 1 || d < 1:
		return nil, fmt.Errorf("neuralsampler: %d chains of %d draws in dimension %d: %w", o.Chains, o.Steps, d, sampler.ErrInvalid)
	case o.Init != nil || o.Bounds != nil || o.Condition != nil || o.Tuned != nil:
		return nil, fmt.Errorf("neuralsampler: a neural sampler draws from its own network: no initial points, bounds, conditions or tuning: %w", sampler.ErrInvalid)
	case energy.IsJoint(e):
		return nil, fmt.Errorf("neuralsampler: %T couples its points, which a network drawing each on its own cannot honour: %w", e, sampler.ErrInvalid)
	}
	cfg := a.Config
	cfg.Seed = o.Seed
	counted := &counting{target: e}
	s, err := New(counted, d, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, sampler.ErrInvalid)
	}
	if err := s.Train(ctx, nil); err != nil {
		return nil, err
	}
	thin := max(o.Thin, 1)
	kept := o.Steps / thin
	r := &sampler.Result{Dim: d, Chains: o.Chains, Kept: kept, Final: make([]float64, o.Chains*d), Energies: make([]float64, o.Chains*kept)}
	if o.Trajectory {
		r.Draws = make([]float64, o.Chains*kept*d)
	}
	r.Info.AcceptRate = make([]float64, o.Chains)
	r.Info.Divergences = make([]int, o.Chains)
	r.Info.StepSize = make([]float64, o.Chains)
	for c := range o.Chains {
		x, err := s.Sample(ctx, kept, o.Seed+1+o.FirstStream+uint64(c), s.cfg.Method == IDEM)
		if err != nil {
			return nil, err
		}
		e.Energy(r.Energies[c*kept:(c+1)*kept], x, d)
		if r.Draws != nil {
			copy(r.Draws[c*kept*d:], x)
		}
		copy(r.Final[c*d:(c+1)*d], x[(kept-1)*d:])
		r.Info.AcceptRate[c] = 1
	}
	drawn := int64(o.Chains * kept)
	r.Info.GradEvals = counted.grads.Load()
	r.Info.EnergyEvals, r.Info.SamplingEnergyEvals = counted.energies.Load()+drawn, drawn
	return r, nil
}

// counting counts the points at which the target, or its gradient, is
// evaluated.
type counting struct {
	target          energy.Energy
	grads, energies atomic.Int64
}

func (c *counting) Dim() int { return c.target.Dim() }

func (c *counting) Energy(e, x []float64, d int) {
	c.energies.Add(int64(len(e)))
	c.target.Energy(e, x, d)
}

func (c *counting) Grad(e, g, x []float64, d int) {
	c.grads.Add(int64(len(e)))
	c.target.Grad(e, g, x, d)
}
