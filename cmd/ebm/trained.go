package main

import (
	"context"
	"math/rand/v2"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"github.com/goebm/goebm/tensor"
)

// What a loss trains: an energy E (density exp(−E), sampled by MCMC), a
// velocity field v(x, t) (flow matching), a time-invariant field f(x) to
// descend (equilibrium matching) or a potential V whose flow generates and
// whose exp(−V/ε_max) is the density (energy matching).
const (
	kindEnergy    = "energy"
	kindFlow      = "flow"
	kindEquilib   = "equilibrium"
	kindPotential = "potential"
)

// Generation settings of the flow kinds, shared by ebm train, eval and
// generate so that their figures agree.
const (
	flowSteps = 50   // RK4 steps from noise to data, for samples and densities
	emEpsMax  = 0.15 // energy matching's ε_max (TorchEBM's default)
	emSteps   = 200  // steps of the generating Langevin sweep, of size 0.01
	// eqmMultiplier is equilibrium matching's λ (TorchEBM's default).
	eqmMultiplier = 4
)

func kindOf(lossName string) string {
	switch lossName {
	case "fm":
		return kindFlow
	case "eqm":
		return kindEquilib
	case "em":
		return kindPotential
	}
	return kindEnergy
}

// trained is a model from ebm train, with what scores it and draws from it.
type trained struct {
	cfg modelConfig
	net nn.Module
	// density is the model's energy, exp(−density) its unnormalised
	// density, for the energy and potential kinds; nil for flows.
	density energy.Energy
	// field is the flow's velocity for the flow and equilibrium kinds.
	field flow.Field
}

// newTrained wraps a network built from cfg.
func newTrained(cfg modelConfig, net nn.Module) (*trained, error) {
	m := &trained{cfg: cfg, net: net}
	switch cfg.kind() {
	case kindEnergy, kindPotential:
		e, err := energy.NewModel(net, cfg.Dim)
		if err != nil {
			return nil, err
		}
		m.density = e
		if cfg.kind() == kindPotential {
			m.density = energy.Tempered{E: e, T: emEpsMax}
		}
	case kindFlow:
		tn := net.(nn.TimeModule)
		m.field = func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
			return tn.ForwardT(tp, x, tensor.Full(t, x.Dim(0), 1))
		}
	case kindEquilib:
		// Descend f for a time 1/λ: far from the data f matches λ times the
		// flow's velocity, so the descent dx/ds = −f(x)/λ, s in [0, 1],
		// arrives when a flow would (measured on two moons with Euler steps:
		// MMD² 0.012 at time 1/λ, 0.14 at 1, 0.74 at 4, where points pile up
		// between the moons; RK4 at 1/λ gives 0.079).
		m.field = func(tp *tensor.Tape, x *tensor.Tensor, _ float64) *tensor.Tensor {
			return tp.Scale(net.Forward(tp, x), -1/eqmMultiplier)
		}
	}
	return m, nil
}

// generate draws n points: by integrating the flow from noise, by the
// energy-matching Langevin sweep, or, for energies, from the density on a
// grid over box (2-D only).
func (m *trained) generate(ctx context.Context, n int, box eval.Box, rng *rand.Rand) (*tensor.Tensor, error) {
	d := m.cfg.Dim
	switch m.cfg.kind() {
	case kindFlow, kindEquilib:
		f := flow.Generator{Velocity: fieldDrift(m.field, d), Method: integrate.RK4, Steps: flowSteps}
		x, _, err := f.Generate(ctx, n, d, rng.Uint64())
		if err != nil {
			return nil, err
		}
		return tensor.New(x, n, d), nil
	case kindPotential:
		l := sampler.Langevin{StepSize: schedule.Constant(0.01), Temperature: loss.Sweep(emEpsMax, 0.8, emSteps)}
		r, err := l.Sample(ctx, m.density.(energy.Tempered).E, sampler.Options{Chains: n, Dim: d, Steps: emSteps, Seed: rng.Uint64()})
		if err != nil {
			return nil, err
		}
		return tensor.New(r.Final, n, d), nil
	}
	return eval.GridSample(m.density, box, 400, n, rng)
}

// negLogDensity writes −log p of the points pts (row-major, dimension 2) into
// dst: the energy (unnormalised) or the flow's exact −log p.
func (m *trained) negLogDensity(dst, pts []float64) error {
	if m.density != nil {
		m.density.Energy(dst, pts, 2)
		return nil
	}
	lp, err := flow.LogDensity(m.field, tensor.New(pts, len(pts)/2, 2), 0, 1, flowSteps)
	if err != nil {
		return err
	}
	for i, v := range lp {
		dst[i] = -v
	}
	return nil
}

// fieldDrift evaluates a field as an integrator's drift, without gradients.
func fieldDrift(f flow.Field, d int) integrate.Drift {
	return func(dst []float64, t float64, x []float64) {
		copy(dst, f(nil, tensor.New(x, len(x)/d, d), t).Data())
	}
}

// lossSettings are the flags a loss is built from.
type lossSettings struct {
	cdReg    float64
	steps    int
	coupling coupling.Coupling
}

func (c modelConfig) kind() string { return kindOf(c.Loss) }

// network builds the network of the config's kind.
func (c modelConfig) network(seed uint64) (nn.Module, error) {
	act, err := nn.ActivationByName(c.Activation)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	switch c.kind() {
	case kindFlow, kindEquilib:
		hidden := c.sizes()[1 : len(c.sizes())-1]
		return nn.NewTimeMLP(rng, c.Dim, 4, hidden, c.Dim, act)
	}
	return nn.NewMLP(rng, c.sizes(), act, nil)
}

func describeKind(k string) string {
	switch k {
	case kindFlow:
		return "a velocity field (flow matching)"
	case kindEquilib:
		return "an equilibrium field (equilibrium matching)"
	case kindPotential:
		return "a potential (energy matching)"
	}
	return "an energy"
}
