package model

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// recoveryNetwork returns the time-conditioned energy of loss drl: an MLP
// from the point and the level's time (4 Fourier features) to one output.
func (c Config) recoveryNetwork(act nn.Activation, rng *rand.Rand) (nn.TimeModule, error) {
	hidden := make([]int, c.Layers)
	for i := range hidden {
		hidden[i] = c.Hidden
	}
	net, err := nn.NewTimeMLP(rng, c.Dim, 4, hidden, 1, act)
	if err != nil {
		return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	return net, nil
}

// Recovery is a time-conditioned energy E(x, t) trained by diffusion
// recovery likelihood (loss drl; Gao et al. 2021): one energy per level of
// a Gaussian diffusion of the data. It generates by the chain of the
// conditionals p(xₖ | x_{k+1}) from N(0, I) down to the data's level
// (loss.DiffusionRecovery.Generate); its density is exp(−E(x, t₀)), the
// data level's energy.
type Recovery struct {
	base
	// Loss is the loss that trained it: its levels and its sampler.
	Loss loss.DiffusionRecovery
	// E is the energy at the data's level, t₀.
	E    *energy.Model
	tnet nn.TimeModule
}

var _ Model = (*Recovery)(nil)

// newRecovery wraps a network trained by recovery likelihood.
func newRecovery(b base, l loss.DiffusionRecovery) (*Recovery, error) {
	tn, ok := b.net.(nn.TimeModule)
	if !ok {
		return nil, fmt.Errorf("model: a recovery energy needs a network of (x, t), not a %T: %w", b.net, ErrInvalid)
	}
	first, err := l.AtLevel(tn, 0)
	if err != nil {
		return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	e, err := energy.NewModel(first, b.cfg.Dim)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return &Recovery{base: b, Loss: l, E: e, tnet: tn}, nil
}

// Kind returns KindRecovery.
func (m *Recovery) Kind() Kind { return KindRecovery }

// Density returns the energy at the data's level.
func (m *Recovery) Density() energy.Energy { return m.E }

// NegLogDensity writes E(x, t₀) at the points.
func (m *Recovery) NegLogDensity(_ context.Context, dst, pts []float64) error {
	m.E.Energy(dst, pts, m.cfg.Dim)
	return nil
}

// Generate draws n points by the chain of conditionals, seeded by
// rng.Uint64().
func (m *Recovery) Generate(ctx context.Context, n int, rng *rand.Rand) (*tensor.Tensor, error) {
	d := m.cfg.Dim
	x, err := m.Loss.Generate(ctx, m.tnet, n, d, rng.Uint64())
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return tensor.New(x, n, d), nil
}
