package model

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/eval"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

// Kind is what a loss trains.
type Kind string

// The kinds.
const (
	// KindEnergy is an energy E: density exp(−E), sampled by MCMC.
	KindEnergy Kind = "energy"
	// KindFlow is a velocity field v(x, t) (flow matching).
	KindFlow Kind = "flow"
	// KindBridge is a Schrödinger bridge's velocity and score, one network
	// of 2d outputs ([SF]²M): generates by the bridge's SDE, density by
	// the velocity's ODE.
	KindBridge Kind = "bridge"
	// KindEquilibrium is a time-invariant field f(x) to descend
	// (equilibrium matching).
	KindEquilibrium Kind = "equilibrium"
	// KindPotential is a potential V whose Langevin sweep generates and
	// whose exp(−V/ε_max) is the density (energy matching).
	KindPotential Kind = "potential"
	// KindClassifier is a classifier f(x) of class logits, trained by
	// cross-entropy alone; its −logsumexp_y f(x)[y] is an energy it was not
	// trained as.
	KindClassifier Kind = "classifier"
	// KindNoiseEnergy is a noise-conditional energy E(x, σ) (multi-noise
	// denoising score matching, NCSN): generates by annealed Langevin
	// dynamics, density exp(−E(x, σ_L)) at the smallest noise.
	KindNoiseEnergy Kind = "noise-energy"
	// KindRecovery is a time-conditioned energy E(x, t), one energy per
	// level of a diffusion (diffusion recovery likelihood): generates by
	// the chain of its conditionals, density exp(−E(x, t₀)).
	KindRecovery Kind = "recovery-energy"
)

// Describe says in words what a model of the kind is.
func (k Kind) Describe() string {
	switch k {
	case KindFlow:
		return "a velocity field (flow matching)"
	case KindBridge:
		return "a Schrödinger bridge's velocity and score ([SF]²M)"
	case KindEquilibrium:
		return "an equilibrium field (equilibrium matching)"
	case KindPotential:
		return "a potential (energy matching)"
	case KindClassifier:
		return "a classifier (cross-entropy)"
	case KindNoiseEnergy:
		return "a noise-conditional energy (multi-noise DSM)"
	case KindRecovery:
		return "a time-conditioned energy (diffusion recovery likelihood)"
	}
	return "an energy"
}

// KindOf returns the kind of model an objective trains.
func KindOf(o Objective) Kind {
	switch o.Time.(type) {
	case loss.FlowMatching:
		return KindFlow
	case loss.SF2M:
		return KindBridge
	case loss.EquilibriumMatching:
		return KindEquilibrium
	case loss.MultiNoiseDSM:
		return KindNoiseEnergy
	case loss.DiffusionRecovery:
		return KindRecovery
	}
	switch o.Energy.(type) {
	case loss.EnergyMatching:
		return KindPotential
	case loss.CrossEntropy:
		return KindClassifier
	}
	return KindEnergy
}

// Model is a trained model: *Energy, *Flow, *Equilibrium, *Potential,
// *NoiseEnergy or *Recovery, as New and Load build them.
type Model interface {
	// Kind says what the network is.
	Kind() Kind
	// Config is what rebuilds it.
	Config() Config
	// Net is the trained network.
	Net() nn.Module
	// Density returns the energy E whose exp(−E) is the model's
	// unnormalised density, or nil for the flow kinds, whose density has
	// no closed form (NegLogDensity integrates it).
	Density() energy.Energy
	// NegLogDensity writes −log p of the rows of pts (row-major, of
	// dimension Config().Dim) into dst: up to the constant log Z for the
	// kinds with a Density, exact for the flow kinds, whose integration
	// stops with ctx's error once ctx is done.
	NegLogDensity(ctx context.Context, dst, pts []float64) error
	// Generate draws n points ([n, d]) the way the model generates.
	Generate(ctx context.Context, n int, rng *rand.Rand) (*tensor.Tensor, error)
	// Save writes config.json and model.params into a directory, which
	// Load reads back.
	Save(dir string) error
}

var (
	_ Model = (*Energy)(nil)
	_ Model = (*Flow)(nil)
	_ Model = (*Equilibrium)(nil)
	_ Model = (*Potential)(nil)
)

// New wraps a network trained by o as the model of o's kind. For the flow
// kinds and the noise-conditional and recovery energies net must be an nn.TimeModule. It refuses a network with a NaN or
// infinite weight, which would only generate garbage, naming the
// parameter: Load builds every model through New, so no command runs one.
func New(c Config, net nn.Module, o Objective) (Model, error) {
	if err := checkFinite(net); err != nil {
		return nil, err
	}
	b := base{cfg: c, net: net}
	k := KindOf(o)
	switch k {
	case KindFlow, KindEquilibrium:
		tn, ok := net.(nn.TimeModule)
		if !ok {
			return nil, fmt.Errorf("model: %s needs a network of (x, t), not a %T: %w", k.Describe(), net, ErrInvalid)
		}
		if k == KindFlow {
			fm := o.Time.(loss.FlowMatching)
			return &Flow{base: b, field: func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
				return tn.ForwardT(tp, x, tensor.Full(t, x.Dim(0), 1))
			}, Solver: flow.Generator{Prediction: fm.Prediction, Interpolant: fm.Path()}}, nil
		}
		eq := o.Time.(loss.EquilibriumMatching)
		if eq.Explicit || eq.TimeConditioned || eq.Prediction != interpolant.Velocity {
			return nil, fmt.Errorf("model: equilibrium matching with Explicit, TimeConditioned or a noise or score Prediction: only the plain field f(x) is a model here: %w", ErrInvalid)
		}
		lam := eq.Lambda()
		return &Equilibrium{Flow: Flow{base: b, field: func(tp *tensor.Tape, x *tensor.Tensor, _ float64) *tensor.Tensor {
			return tp.Scale(net.Forward(tp, x), -1/lam)
		}, eqLambda: lam}, Lambda: lam}, nil
	case KindPotential:
		em := o.Energy.(loss.EnergyMatching)
		v, err := energy.NewModel(net, c.Dim)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		eps, err := em.Temperature()
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		return &Potential{base: b, V: v, EpsMax: eps, loss: em}, nil
	case KindBridge:
		return newBridge(b, o.Time.(loss.SF2M))
	case KindNoiseEnergy:
		return newNoiseEnergy(b, o.Time.(loss.MultiNoiseDSM))
	case KindRecovery:
		return newRecovery(b, o.Time.(loss.DiffusionRecovery))
	}
	e, err := energy.NewModel(net, c.Dim)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	m := &Energy{base: b, E: e}
	if k == KindClassifier {
		m.kind = KindClassifier
	}
	return m, nil
}

// checkFinite reports the first parameter of net with a NaN or infinite
// weight.
func checkFinite(net nn.Module) error {
	for _, p := range net.Params() {
		for i, v := range p.Value.Data() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("model: parameter %s holds %g at index %d: %w", p.Name, v, i, ErrInvalid)
			}
		}
	}
	return nil
}

// base holds what every kind has.
type base struct {
	cfg Config
	net nn.Module
}

// Config returns the model's config.
func (b *base) Config() Config { return b.cfg }

// Net returns the trained network.
func (b *base) Net() nn.Module { return b.net }

// Save writes config.json and model.params into dir.
func (b *base) Save(dir string) error { return save(dir, b.cfg, b.net) }

// Energy is a model trained as an energy E (contrastive divergence, score
// matching, NCE): its density is exp(−E)/Z.
type Energy struct {
	base
	// E is the trained energy.
	E *energy.Model
	// Box is the region Generate draws from; the zero Box means Region.
	Box eval.Box
	// Steps is the number of Langevin steps an image model generates with;
	// 0 means GenerateStepsFactor times the training chains' steps.
	Steps int
	kind  Kind // KindEnergy, or KindClassifier
}

// Kind returns KindEnergy, or KindClassifier for a classifier trained by
// cross-entropy alone.
func (m *Energy) Kind() Kind { return cmp.Or(m.kind, KindEnergy) }

// Density returns E.
func (m *Energy) Density() energy.Energy { return m.E }

// NegLogDensity writes E at the points.
func (m *Energy) NegLogDensity(_ context.Context, dst, pts []float64) error {
	m.E.Energy(dst, pts, m.cfg.Dim)
	return nil
}

// generateSteps is how many MALA steps an Energy beyond 2-D generates
// with.
const generateSteps = 1000

// Generate draws n points from exp(−E): on a 400×400 grid over Box for 2-D
// models, exact up to the grid; beyond 2-D by n chains of MALA from
// N(0, I), 1000 steps that adapt the step size and a diagonal metric (Stan's
// warm-up), the last point of each chain kept, seeded by rng.Uint64(); for a
// conv image model by Langevin with the training chains' step and noise,
// Steps steps from uniform noise, clamped to [−1, 1].
func (m *Energy) Generate(ctx context.Context, n int, rng *rand.Rand) (*tensor.Tensor, error) {
	if m.cfg.Image != nil && m.cfg.Arch == ArchConv {
		return m.cfg.generateImages(ctx, m.E, n, m.Steps, rng)
	}
	if d := m.cfg.Dim; d != 2 {
		r, err := sampler.MALA{Adapt: true, AdaptMass: true}.Sample(ctx, m.E,
			sampler.Options{Chains: n, Warmup: generateSteps, Steps: 1, Seed: rng.Uint64()})
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		return tensor.New(r.Final, n, d), nil
	}
	box, err := m.Box, error(nil)
	if box == (eval.Box{}) {
		if box, err = Region(m); err != nil {
			return nil, err
		}
	}
	x, err := eval.GridSample(m.E, box, 400, n, rng)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return x, nil
}

// Region returns the region where a 2-D model's data lie: the box around
// its training points with a margin of 15% (eval.BoxFor), where ebm train
// draws and scores it.
func Region(m Model) (eval.Box, error) {
	train, _, err := m.Config().Points(0)
	if err != nil {
		return eval.Box{}, err
	}
	box, err := eval.BoxFor(train, 0.15)
	if err != nil {
		return box, fmt.Errorf("model: %w", err)
	}
	return box, nil
}

// densitySteps is the number of RK4 steps of a flow's change of variables.
const densitySteps = 50

// Flow is a network trained by flow matching to predict the velocity
// v(x, t), the score or the noise along a path: it generates by
// integrating dx/dt = v (converted from the prediction) from x(0) ~ N(0, I)
// to t = 1, or by an SDE with the same marginals, and its density is the
// one this flow carries N(0, I) to (flow.LogDensity).
type Flow struct {
	base
	// score is a bridge's score head (nil for a flow): the SDE's score.
	score flow.Field
	// field is the network's prediction, of the kind Solver.Prediction.
	field flow.Field
	// eqLambda is an equilibrium field's λ (its field is −f/λ), 0 for a flow.
	eqLambda float64
	// Solver holds the integration settings of Generate (Method, Steps,
	// Adaptive, SDE) and, from the loss, the network's Prediction and
	// Interpolant; its Field is set from the network. New sets RK4 in 50
	// steps.
	Solver flow.Generator
}

// Kind returns KindFlow.
func (m *Flow) Kind() Kind {
	if m.score != nil {
		return KindBridge
	}
	return KindFlow
}

// Density returns nil: a flow's density has no closed form.
func (m *Flow) Density() energy.Energy { return nil }

// Field returns the velocity field the ODE of Generate integrates
// (converted from a score or noise network), recorded on a tape so that
// its divergence can be taken.
func (m *Flow) Field() flow.Field {
	return flow.VelocityField(m.field, m.Solver.Interpolant, m.Solver.Prediction)
}

// NegLogDensity writes the flow's exact −log p at the points (the change of
// variables in 50 RK4 steps, over the ODE's span: from Eps for a score or
// noise network on a path that starts at α = 0).
func (m *Flow) NegLogDensity(ctx context.Context, dst, pts []float64) error {
	d := m.cfg.Dim
	ode := m.Solver
	ode.SDE = nil
	t0, t1, err := ode.Span()
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	lp, err := flow.LogDensity(ctx, m.Field(), tensor.New(pts, len(pts)/d, d), t0, t1, densitySteps)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	for i, v := range lp {
		dst[i] = -v
	}
	return nil
}

// Generate integrates n points from noise, seeded by rng.Uint64().
func (m *Flow) Generate(ctx context.Context, n int, rng *rand.Rand) (*tensor.Tensor, error) {
	d := m.cfg.Dim
	x, _, err := m.generator().Generate(ctx, n, d, rng.Uint64())
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return tensor.New(x, n, d), nil
}

// generator returns the Solver with its Field set from the network.
func (m *Flow) generator() flow.Generator {
	g := m.Solver
	// Nil tapes, not flow.Evaluator's pooled ones: a tape keeps every
	// intermediate of the network until it is reset, which for a batch of
	// 250 Fashion-MNIST images through the U-Net is gigabytes, where a nil
	// tape's intermediates die as the forward pass moves on.
	d := m.cfg.Dim
	g.Field = func(dst []float64, t float64, x []float64) {
		copy(dst, m.field(nil, tensor.New(x, len(x)/d, d), t).Data())
	}
	if m.score != nil && g.SDE != nil {
		sde := *g.SDE
		sde.Score = func(dst []float64, t float64, x []float64) {
			copy(dst, m.score(nil, tensor.New(x, len(x)/d, d), t).Data())
		}
		g.SDE = &sde
	}
	return g
}

// Encode integrates the points x ([n, d]) backwards by the ODE, from the
// data to the noise Generate starts from (flow.Generator.Encode): the
// inverse of the ODE's generation up to the integrator's error. It refuses
// a Solver set to the SDE.
func (m *Flow) Encode(ctx context.Context, x *tensor.Tensor) (*tensor.Tensor, error) {
	d := m.cfg.Dim
	if x.Rank() != 2 || x.Dim(1) != d {
		return nil, fmt.Errorf("model: encoding points of shape %v with a model of dimension %d: %w", x.Shape(), d, ErrInvalid)
	}
	z, _, err := m.generator().Encode(ctx, x.Data(), d)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return tensor.New(z, x.Dim(0), d), nil
}

// Equilibrium is a time-invariant field f(x) trained by equilibrium
// matching. It generates as a flow whose velocity is −f(x)/λ over t in
// [0, 1]: far from the data f matches λ times the flow's velocity, so this
// descent arrives when a flow would.
type Equilibrium struct {
	Flow
	// Lambda is the loss's multiplier λ.
	Lambda float64
}

// Kind returns KindEquilibrium.
func (m *Equilibrium) Kind() Kind { return KindEquilibrium }

// Potential is a potential V trained by energy matching: its density is
// exp(−V/ε_max), and it generates by the loss's noise-started Langevin
// sweep.
type Potential struct {
	base
	// V is the trained potential and EpsMax the loss's ε_max.
	V      *energy.Model
	EpsMax float64
	loss   loss.EnergyMatching
}

// Kind returns KindPotential.
func (m *Potential) Kind() Kind { return KindPotential }

// Density returns V/ε_max.
func (m *Potential) Density() energy.Energy { return energy.Tempered{E: m.V, T: m.EpsMax} }

// NegLogDensity writes V/ε_max at the points.
func (m *Potential) NegLogDensity(_ context.Context, dst, pts []float64) error {
	m.Density().Energy(dst, pts, m.cfg.Dim)
	return nil
}

// Generate runs the loss's generating Langevin sweep on V, seeded by
// rng.Uint64().
func (m *Potential) Generate(ctx context.Context, n int, rng *rand.Rand) (*tensor.Tensor, error) {
	x, err := m.loss.Generate(ctx, m.V, n, m.cfg.Dim, rng.Uint64())
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return tensor.New(x, n, m.cfg.Dim), nil
}
