package model

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/tensor"
)

// Conditional is a model that generates by label: a JEM energy (E(x, y) =
// −f(x)[y]) or a flow on a label-conditional transformer.
type Conditional interface {
	Model
	// Classes is the number of labels, 0 for a model that is not
	// conditional.
	Classes() int
	// GenerateLabel draws n points of class label with classifier-free
	// guidance w: the field (or energy) u + w·(c − u) of the unconditional
	// u and the conditional c, so that w = 0 is the unconditional model and
	// w = 1 the conditional one; w > 1 pushes further towards the class.
	GenerateLabel(ctx context.Context, n, label int, w float64, rng *rand.Rand) (*tensor.Tensor, error)
}

var (
	_ Conditional = (*Energy)(nil)
	_ Conditional = (*Flow)(nil)
)

// imageBox is the box that images scaled into [−1, 1] live in; generation
// clamps to it, as training's chains do.
func imageBox() *sampler.Bounds {
	return &sampler.Bounds{Lo: []float64{-1}, Hi: []float64{1}, Mode: sampler.Clamp}
}

// GenerateStepsFactor times the training chains' steps is how many
// Langevin steps an image energy generates with, from uniform noise, when
// Energy.Steps is 0. Persistent chains in a replay buffer of 10,000 are a
// few times K steps old when a few hundred training steps have drawn from
// it, and chains much older than the ones the energy was trained against
// over-sharpen (on the digits, 80 steps reached a Fréchet distance of half
// that of 200).
const GenerateStepsFactor = 4

// generateImages draws n images from exp(−e) by Langevin with the config's
// CD step size and noise, from uniform noise in [−1, 1] and clamped to it,
// for steps steps (0: GenerateStepsFactor times CD's steps).
func (c Config) generateImages(ctx context.Context, e energy.Energy, n, steps int, rng *rand.Rand) (*tensor.Tensor, error) {
	if steps <= 0 {
		steps = GenerateStepsFactor * cmp.Or(c.CDSteps, 20)
	}
	init := make([]float64, n*c.Dim)
	for i := range init {
		init[i] = 2*rng.Float64() - 1
	}
	r, err := c.langevin().Sample(ctx, e, sampler.Options{Chains: n, Dim: c.Dim, Init: init, Steps: steps, Seed: rng.Uint64(), Bounds: imageBox()})
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return tensor.New(r.Final, n, c.Dim), nil
}

// Classes returns the number of labels of a JEM energy or a classifier, 0
// for an energy without labels.
func (m *Energy) Classes() int {
	if _, ok := m.net.(logits); !ok {
		return 0
	}
	return m.cfg.Classes
}

// logits is a network with class logits f(x) [n, classes] (nn.ResNet with
// Classes).
type logits interface {
	Logits(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor
}

// GenerateLabel draws n images of class label from the guided energy
// (1 − w)·E(x) + w·E(x, y), E(x) = −logsumexp f(x) and E(x, y) = −f(x)[y],
// by Langevin as Generate does.
func (m *Energy) GenerateLabel(ctx context.Context, n, label int, w float64, rng *rand.Rand) (*tensor.Tensor, error) {
	net, ok := m.net.(logits)
	if !ok || m.cfg.Classes == 0 || m.cfg.Image == nil {
		return nil, fmt.Errorf("model: generating by label needs a model with classes: this one has none: %w", ErrInvalid)
	}
	if label < 0 || label >= m.cfg.Classes {
		return nil, fmt.Errorf("model: label %d: want 0 … %d: %w", label, m.cfg.Classes-1, ErrInvalid)
	}
	e, err := energy.NewModel(guidedEnergy{net: net, params: m.net, label: label, w: w}, m.cfg.Dim)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return m.cfg.generateImages(ctx, e, n, m.Steps, rng)
}

// guidedEnergy is (1 − w)·E(x) + w·E(x, label) of a classifier's logits.
type guidedEnergy struct {
	net    logits
	params nn.Module
	label  int
	w      float64
}

func (g guidedEnergy) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	f := g.net.Logits(tp, x)
	labels := make([]int, x.Dim(0))
	for i := range labels {
		labels[i] = g.label
	}
	cond := nn.JEMClassEnergy(tp, f, labels)
	if g.w == 1 {
		return cond
	}
	return tp.Add(tp.Scale(nn.JEMEnergy(tp, f), 1-g.w), tp.Scale(cond, g.w))
}

func (g guidedEnergy) Params() []nn.Param { return g.params.Params() }

// labelled is a network that takes labels with (x, t): the conditional
// transformer.
type labelled interface {
	ForwardTY(tp *tensor.Tape, x, t *tensor.Tensor, labels []int) *tensor.Tensor
}

// Classes returns the number of labels of a flow on a label-conditional
// network, 0 otherwise.
func (m *Flow) Classes() int {
	if _, ok := m.net.(labelled); !ok {
		return 0
	}
	return m.cfg.Classes
}

// GenerateLabel integrates n points of class label with guidance w: the
// field u + w·(c − u) of the unconditional (null-label) field u and the
// field c of the label.
func (m *Flow) GenerateLabel(ctx context.Context, n, label int, w float64, rng *rand.Rand) (*tensor.Tensor, error) {
	net, ok := m.net.(labelled)
	if !ok || m.cfg.Classes == 0 {
		return nil, fmt.Errorf("model: generating by label needs a model with classes: this one has none: %w", ErrInvalid)
	}
	if label < 0 || label >= m.cfg.Classes {
		return nil, fmt.Errorf("model: label %d: want 0 … %d: %w", label, m.cfg.Classes-1, ErrInvalid)
	}
	scale := 1.0
	if m.eqLambda != 0 {
		scale = -1 / m.eqLambda
	}
	g := *m
	g.field = func(tp *tensor.Tape, x *tensor.Tensor, t float64) *tensor.Tensor {
		n := x.Dim(0)
		ts := tensor.Full(t, n, 1)
		if m.eqLambda != 0 { // an equilibrium field does not take t
			ts = tensor.Zeros(n, 1)
		}
		ys := make([]int, n)
		for i := range ys {
			ys[i] = label
		}
		c := net.ForwardTY(tp, x, ts, ys)
		if w != 1 {
			u := net.ForwardTY(tp, x, ts, nil)
			c = tp.Add(u, tp.Scale(tp.Sub(c, u), w))
		}
		return tp.Scale(c, scale)
	}
	return g.Generate(ctx, n, rng)
}
