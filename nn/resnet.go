package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/goebm/goebm/tensor"
)

// ResNetSettings configure NewResNetEnergy. The zero value is a three-stage
// network of widths 32, 64 and 128, one block per stage, SiLU, no
// normalisation, no spectral normalisation and a scalar energy head.
type ResNetSettings struct {
	// Channels are the widths of the stages; nil means 32, 64, 128. Between
	// two stages a 2×2 average pool halves the image (rounding down).
	Channels []int
	// Blocks is the number of residual blocks per stage; 0 means 1.
	Blocks int
	// Classes is 0 for a scalar energy head [n, 1], or K > 0 for a head of K
	// class logits f(x), the energy then being JEM's −logsumexp_y f(x)[y].
	Classes int
	// Groups > 0 puts a GroupNorm of that many groups before each
	// activation; it must divide every width. 0 means no normalisation.
	Groups int
	// SpectralNorm divides every convolution weight and the head's weight
	// by its largest singular value (Miyato et al. 2018), as IGEBM does.
	SpectralNorm bool
	// Activation is the nonlinearity; the zero value means SiLU. It should
	// be smooth: samplers need ∇ₓE and score matching its derivatives.
	Activation Activation
}

// ResNet is a convolutional residual energy network in the style of IGEBM
// (Du and Mordatch 2019) and JEM (Grathwohl et al. 2019), made by
// NewResNetEnergy. It takes images as flat rows [n, C·H·W] and gives
// energies [n, 1]; with class logits (Classes > 0) its energy is
// E(x) = −logsumexp_y f(x)[y] (JEMEnergy), and Logits and ClassEnergy give
// f(x) and E(x, y) = −f(x)[y].
//
// With SpectralNorm it behaves differently in training and evaluation (see
// SpectralNorm): SetTrain switches it.
type ResNet struct {
	// C, H, W are the image's channels, height and width.
	C, H, W int
	// Classes is the number of logits of the head, or 0 for a scalar head.
	Classes int
	// Stem is the first 3×3 convolution, from C channels to the first width.
	Stem Module
	// Stages hold the residual blocks of each stage.
	Stages [][]*ResBlock
	// Norm is the GroupNorm before the last activation, or nil.
	Norm *GroupNorm
	// Head maps the globally pooled features [n, width] to [n, 1] or
	// [n, Classes].
	Head Module
	// Act is the nonlinearity.
	Act Activation
}

// ResBlock is a pre-activation residual block (He et al. 2016):
//
//	y = skip(x) + conv₂(act(norm₂(conv₁(act(norm₁(x))))))
//
// with 3×3 convolutions of padding 1, so that the image keeps its size, and
// skip a 1×1 convolution where the width changes, the identity otherwise.
type ResBlock struct {
	Norm1, Norm2 *GroupNorm // nil without normalisation
	Conv1, Conv2 Module
	Skip         Module // nil for the identity
	Act          Activation
}

var (
	_ Module  = (*ResNet)(nil)
	_ Trainer = (*ResNet)(nil)
	_ Module  = (*ResBlock)(nil)
	_ Trainer = (*ResBlock)(nil)
)

// NewResNetEnergy returns a ResNet energy for c×h×w images given as flat
// rows: a 3×3 convolution to the first width, then the stages of residual
// blocks with a 2×2 average pool between two stages, a last
// (normalisation and) activation, the mean over the image (global average
// pooling) and a Linear head. Convolutions and the head start as PyTorch's
// defaults. It returns an error wrapping ErrInvalid when the settings do
// not fit the image.
func NewResNetEnergy(rng *rand.Rand, c, h, w int, s ResNetSettings) (*ResNet, error) {
	chans := s.channels()
	blocks := max(s.Blocks, 1)
	act := s.Activation
	if act.f == nil {
		act = SiLU()
	}
	switch {
	case c <= 0 || h <= 0 || w <= 0:
		return nil, fmt.Errorf("nn: resnet energy for %d×%d×%d images: %w", c, h, w, ErrInvalid)
	case len(chans) == 0 || slices.ContainsFunc(chans, func(k int) bool { return k <= 0 }):
		return nil, fmt.Errorf("nn: resnet energy widths %v must be positive: %w", chans, ErrInvalid)
	case s.Blocks < 0 || s.Classes < 0 || s.Groups < 0:
		return nil, fmt.Errorf("nn: resnet energy with %d blocks, %d classes, %d groups: %w", s.Blocks, s.Classes, s.Groups, ErrInvalid)
	case h>>(len(chans)-1) == 0 || w>>(len(chans)-1) == 0:
		return nil, fmt.Errorf("nn: resnet energy: %d poolings do not fit a %d×%d image: %w", len(chans)-1, h, w, ErrInvalid)
	case s.Groups > 0 && slices.ContainsFunc(chans, func(k int) bool { return k%s.Groups != 0 }):
		return nil, fmt.Errorf("nn: resnet energy: %d groups do not divide the widths %v: %w", s.Groups, chans, ErrInvalid)
	}
	conv := func(in, out, kernel int) Module {
		l := NewConv2d(rng, in, out, kernel, tensor.ConvOptions{Padding: [2]int{kernel / 2, kernel / 2}})
		if s.SpectralNorm {
			return NewSpectralConv2d(rng, l)
		}
		return l
	}
	norm := func(ch int) *GroupNorm {
		if s.Groups == 0 {
			return nil
		}
		g, _ := NewGroupNorm(s.Groups, ch, true) // checked above
		return g
	}
	r := &ResNet{C: c, H: h, W: w, Classes: s.Classes, Stem: conv(c, chans[0], 3), Act: act}
	in := chans[0]
	for _, out := range chans {
		var stage []*ResBlock
		for range blocks {
			b := &ResBlock{Norm1: norm(in), Conv1: conv(in, out, 3), Norm2: norm(out), Conv2: conv(out, out, 3), Act: act}
			if in != out {
				b.Skip = conv(in, out, 1)
			}
			stage = append(stage, b)
			in = out
		}
		r.Stages = append(r.Stages, stage)
	}
	r.Norm = norm(in)
	head := NewLinear(rng, in, max(s.Classes, 1), nil)
	r.Head = head
	if s.SpectralNorm {
		r.Head = NewSpectralLinear(rng, head)
	}
	return r, nil
}

// channels returns the stage widths, the default where Channels is nil.
func (s ResNetSettings) channels() []int {
	if s.Channels == nil {
		return []int{32, 64, 128}
	}
	return s.Channels
}

// Forward returns the energies [n, 1] of the flat images x [n, C·H·W]: the
// head's output, or JEMEnergy of the logits.
func (r *ResNet) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	f := r.Head.Forward(tp, r.Features(tp, x))
	if r.Classes == 0 {
		return f
	}
	return JEMEnergy(tp, f)
}

// Logits returns the class logits f(x) [n, Classes]. It panics on a scalar
// head, a programmer error.
func (r *ResNet) Logits(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	if r.Classes == 0 {
		panic("nn: ResNet.Logits on a scalar energy head")
	}
	return r.Head.Forward(tp, r.Features(tp, x))
}

// NumClasses returns the number of class logits, 0 for a scalar head.
func (r *ResNet) NumClasses() int { return r.Classes }

// ClassEnergy returns E(x, y) = −f(x)[y] [n, 1] for one label per row.
func (r *ResNet) ClassEnergy(tp *tensor.Tape, x *tensor.Tensor, labels []int) *tensor.Tensor {
	return JEMClassEnergy(tp, r.Logits(tp, x), labels)
}

// Features returns the globally pooled features [n, width] of the flat
// images x [n, C·H·W], which the head maps to energies or logits: what a
// classifier's feature-space scores (a Fréchet distance) compare.
func (r *ResNet) Features(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	h := r.Stem.Forward(tp, tp.Reshape(x, x.Dim(0), r.C, r.H, r.W))
	for i, stage := range r.Stages {
		if i > 0 {
			h = tp.AvgPool2d(h, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
		}
		for _, b := range stage {
			h = b.Forward(tp, h)
		}
	}
	h = resnetNormAct(tp, r.Norm, r.Act, h)
	h = tp.MeanAxes(h, 2, 3)
	return tp.Reshape(h, h.Dim(0), h.Dim(1))
}

// Params names the parameters by place: "stem.weight",
// "stage1.block0.conv2.bias", "norm.weight", "head.weight", …
func (r *ResNet) Params() []Param {
	ps := resnetPrefix("stem.", r.Stem.Params())
	for i, stage := range r.Stages {
		for j, b := range stage {
			ps = append(ps, resnetPrefix(fmt.Sprintf("stage%d.block%d.", i, j), b.Params())...)
		}
	}
	if r.Norm != nil {
		ps = append(ps, resnetPrefix("norm.", r.Norm.Params())...)
	}
	return append(ps, resnetPrefix("head.", r.Head.Params())...)
}

// SetTrain switches the spectrally normalised layers between training and
// evaluation.
func (r *ResNet) SetTrain(train bool) {
	SetTrain(r.Stem, train)
	for _, stage := range r.Stages {
		for _, b := range stage {
			b.SetTrain(train)
		}
	}
	SetTrain(r.Head, train)
}

// Forward applies the block to images x [N, C, H, W].
func (b *ResBlock) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return b.forward(tp, x, nil)
}

// forward applies the block with shift ([N, width, 1, 1], or nil for none)
// added to its first convolution's output: NoiseResNet's conditioning.
func (b *ResBlock) forward(tp *tensor.Tape, x, shift *tensor.Tensor) *tensor.Tensor {
	h := b.Conv1.Forward(tp, resnetNormAct(tp, b.Norm1, b.Act, x))
	if shift != nil {
		h = tp.Add(h, shift)
	}
	h = b.Conv2.Forward(tp, resnetNormAct(tp, b.Norm2, b.Act, h))
	skip := x
	if b.Skip != nil {
		skip = b.Skip.Forward(tp, x)
	}
	return tp.Add(skip, h)
}

// Params returns "norm1.weight", "conv1.weight", …, "skip.bias", those present.
func (b *ResBlock) Params() []Param {
	var ps []Param
	if b.Norm1 != nil {
		ps = append(ps, resnetPrefix("norm1.", b.Norm1.Params())...)
	}
	ps = append(ps, resnetPrefix("conv1.", b.Conv1.Params())...)
	if b.Norm2 != nil {
		ps = append(ps, resnetPrefix("norm2.", b.Norm2.Params())...)
	}
	ps = append(ps, resnetPrefix("conv2.", b.Conv2.Params())...)
	if b.Skip != nil {
		ps = append(ps, resnetPrefix("skip.", b.Skip.Params())...)
	}
	return ps
}

// SetTrain switches the block's spectrally normalised convolutions.
func (b *ResBlock) SetTrain(train bool) {
	SetTrain(b.Conv1, train)
	SetTrain(b.Conv2, train)
	if b.Skip != nil {
		SetTrain(b.Skip, train)
	}
}

func resnetNormAct(tp *tensor.Tape, n *GroupNorm, act Activation, x *tensor.Tensor) *tensor.Tensor {
	if n != nil {
		x = n.Forward(tp, x)
	}
	return act.Forward(tp, x)
}

func resnetPrefix(prefix string, ps []Param) []Param {
	for i := range ps {
		ps[i].Name = prefix + ps[i].Name
	}
	return ps
}

// JEMEnergy returns E(x) = −logsumexp_y f(x)[y], [n, 1], from class logits
// f(x) [n, K]: the energy of a classifier read as an energy-based model
// (Grathwohl et al. 2019), for which p(y | x) = softmax f(x) and
// E(x) = −log Σ_y exp(−E(x, y)).
func JEMEnergy(tp *tensor.Tape, logits *tensor.Tensor) *tensor.Tensor {
	if logits.Rank() != 2 {
		panic(fmt.Sprintf("nn: JEMEnergy of logits %v, want [n, classes]", logits.Shape()))
	}
	return tp.Neg(tp.Reshape(tp.LogSumExp(logits, 1), logits.Dim(0), 1))
}

// JEMClassEnergy returns E(x, y) = −f(x)[y], [n, 1], from class logits
// f(x) [n, K] and one label per row. It panics on a label out of range.
func JEMClassEnergy(tp *tensor.Tape, logits *tensor.Tensor, labels []int) *tensor.Tensor {
	if logits.Rank() != 2 || len(labels) != logits.Dim(0) {
		panic(fmt.Sprintf("nn: JEMClassEnergy of logits %v with %d labels", logits.Shape(), len(labels)))
	}
	return tp.Neg(tp.Gather(logits, 1, labels))
}

var (
	_ Classifier      = (*ResNet)(nil)
	_ LabelTimeModule = (*ConditionalTransformer)(nil)
)
