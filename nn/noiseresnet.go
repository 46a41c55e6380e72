package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// NoiseResNet is a ResNet energy conditioned on a time t ∈ [0, 1] per row,
// E(x, t) with a scalar per image: the noise-conditional energy of
// multi-noise denoising score matching (NCSN; Song and Ermon 2019), where t
// names the noise level. It is the ResNet of NewResNetEnergy with t
// embedded as
//
//	emb(t) = FC₂(SiLU(FC₁([sin(ωₖt), cos(ωₖt)]))),  ωₖ = π·2ᵏ, k = 0 … 3,
//
// (the frequencies of TimeMLP, which resolve ten levels spread over [0, 1])
// and a per-channel shift Shift(emb(t)) added to every block's first
// convolution, as DDPM conditions its blocks (Ho et al. 2020):
//
//	y = skip(x) + conv₂(act(norm₂(conv₁(act(norm₁(x))) + shift(t))))
//
// Every op is smooth (with a smooth activation), so ∇ₓE has derivatives
// with respect to the weights, which denoising score matching needs. Its
// Forward is the network at t = 0.
type NoiseResNet struct {
	*ResNet
	// Embed1 and Embed2 map the time features to the embedding.
	Embed1, Embed2 *Linear
	// Shifts hold each block's Linear from the embedding to its width,
	// stage by stage.
	Shifts [][]*Linear
	freqs  *tensor.Tensor // [1, K]
}

var (
	_ TimeModule = (*NoiseResNet)(nil)
	_ Trainer    = (*NoiseResNet)(nil)
)

// noiseFreqs is the number of time frequencies of a NoiseResNet.
const noiseFreqs = 4

// NewNoiseResNetEnergy returns a NoiseResNet for c×h×w images given as flat
// rows, with the settings of NewResNetEnergy (a scalar head: Classes must
// be 0) and a time embedding as wide as the first stage. It returns an
// error wrapping ErrInvalid when the settings do not fit.
func NewNoiseResNetEnergy(rng *rand.Rand, c, h, w int, s ResNetSettings) (*NoiseResNet, error) {
	if s.Classes != 0 {
		return nil, fmt.Errorf("nn: noise-conditional resnet energy with %d classes: its head is a scalar energy: %w", s.Classes, ErrInvalid)
	}
	r, err := NewResNetEnergy(rng, c, h, w, s)
	if err != nil {
		return nil, err
	}
	chans := s.channels()
	dim := chans[0]
	n := &NoiseResNet{ResNet: r, Embed1: NewLinear(rng, 2*noiseFreqs, dim, nil), Embed2: NewLinear(rng, dim, dim, nil)}
	for i, stage := range r.Stages {
		var shifts []*Linear
		for range stage {
			shifts = append(shifts, NewLinear(rng, dim, chans[i], nil))
		}
		n.Shifts = append(n.Shifts, shifts)
	}
	n.freqs = octaves(noiseFreqs)
	return n, nil
}

// ForwardT returns the energies [n, 1] of the flat images x [n, C·H·W] at
// the times t [n, 1].
func (r *NoiseResNet) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	emb := tp.SiLU(r.Embed2.Forward(tp, tp.SiLU(r.Embed1.Forward(tp, timeFeatures(tp, t, r.freqs)))))
	n := x.Dim(0)
	h := r.Stem.Forward(tp, tp.Reshape(x, n, r.C, r.H, r.W))
	for i, stage := range r.Stages {
		if i > 0 {
			h = tp.AvgPool2d(h, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
		}
		for j, b := range stage {
			s := r.Shifts[i][j].Forward(tp, emb)
			h = b.forward(tp, h, tp.Reshape(s, n, s.Dim(1), 1, 1))
		}
	}
	h = resnetNormAct(tp, r.Norm, r.Act, h)
	h = tp.MeanAxes(h, 2, 3)
	return r.Head.Forward(tp, tp.Reshape(h, n, h.Dim(1)))
}

// Forward returns the energies at t = 0.
func (r *NoiseResNet) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return r.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

// Params returns the ResNet's parameters, then "embed1.weight", …,
// "embed2.bias" and each block's "stageI.blockJ.shift.weight" and
// ".bias".
func (r *NoiseResNet) Params() []Param {
	ps := append(r.ResNet.Params(), prefixParams("embed1.", r.Embed1.Params())...)
	ps = append(ps, prefixParams("embed2.", r.Embed2.Params())...)
	for i, shifts := range r.Shifts {
		for j, l := range shifts {
			ps = append(ps, prefixParams(fmt.Sprintf("stage%d.block%d.shift.", i, j), l.Params())...)
		}
	}
	return ps
}
