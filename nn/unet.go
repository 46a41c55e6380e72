package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/goebm/goebm/tensor"
)

// UNetSettings configure NewUNet. The zero value is three levels of widths
// 32, 64 and 64, GroupNorm of 8 groups, SiLU, no labels, and an output of
// the input's channels.
type UNetSettings struct {
	// Channels are the widths of the levels, finest first; nil means 32,
	// 64, 64. Each level after the first works at half the resolution of
	// the one before, so the image's sides must divide by 2^(levels−1).
	Channels []int
	// Classes > 0 makes the network label-conditional, with a null label
	// (Classes) for the unconditional network, as classifier-free guidance
	// trains it.
	Classes int
	// Groups of the GroupNorms; 0 means 8, or the largest divisor of every
	// width below 8. It must divide every width.
	Groups int
	// Activation is the nonlinearity; the zero value means SiLU.
	Activation Activation
	// OutChannels of the output image; 0 means the input's.
	OutChannels int
}

// UNet is a convolutional U-Net for image-shaped fields v(x, t), such as
// the velocity of flow matching or the field of equilibrium matching (Ho et
// al. 2020's design, small): images as flat rows [n, C·H·W], a 3×3 stem,
// one ResBlock a level on the way down with a 2×2 average pool between
// levels, one in the middle, and one a level on the way up, each after a
// nearest-neighbour upsampling and the concatenation of the same level's
// skip, then a GroupNorm, the activation and a 3×3 head to the output
// channels. The conditioning vector
//
//	c = FC₂(SiLU(FC₁([sin(ωₖt), cos(ωₖt)]))) (+ Label(y)),  ωₖ = π·2ᵏ, k < 6,
//
// enters every block as a per-channel shift of its first convolution (a
// Linear of SiLU(c)), as DDPM conditions its blocks. The head starts at
// zero, so the field starts at zero (as in Dhariwal and Nichol 2021).
// Every op is smooth with a smooth activation, so gradients of gradients
// exist. Forward is the unconditional network at t = 0.
type UNet struct {
	// C, H, W are the image's channels, height and width; Out the output's
	// channels.
	C, H, W, Out int
	// Embed1 and Embed2 map the time features to the conditioning vector.
	Embed1, Embed2 *Linear
	// Label embeds the labels (with a null row), nil without classes.
	Label *Embedding
	// Stem maps the image to the first width.
	Stem *Conv2d
	// Down, Mid and Up are the blocks; Up[l] works at level l.
	Down, Up []*ResBlock
	Mid      *ResBlock
	// DownShift, MidShift and UpShift map SiLU(c) to each block's shift.
	DownShift, UpShift []*Linear
	MidShift           *Linear
	// Norm and Head make the output.
	Norm *GroupNorm
	Head *Conv2d
	// Act is the nonlinearity.
	Act Activation

	freqs *tensor.Tensor // [1, K]
}

var _ TimeModule = (*UNet)(nil)

// unetFreqs is the number of time frequencies of a UNet.
const unetFreqs = 6

// NewUNet returns a UNet for c×h×w images, drawing its initial weights
// from rng (PyTorch's defaults, the head at zero). It returns an error
// wrapping ErrInvalid when the settings do not fit the image.
func NewUNet(rng *rand.Rand, c, h, w int, s UNetSettings) (*UNet, error) {
	chans := s.Channels
	if chans == nil {
		chans = []int{32, 64, 64}
	}
	out := s.OutChannels
	if out == 0 {
		out = c
	}
	act := s.Activation
	if act.f == nil {
		act = SiLU()
	}
	levels := len(chans)
	switch {
	case c <= 0 || h <= 0 || w <= 0 || out < 0:
		return nil, fmt.Errorf("nn: unet for %d×%d×%d images to %d channels: %w", c, h, w, out, ErrInvalid)
	case levels == 0 || slices.ContainsFunc(chans, func(k int) bool { return k <= 0 }):
		return nil, fmt.Errorf("nn: unet widths %v must be positive: %w", chans, ErrInvalid)
	case s.Classes < 0 || s.Groups < 0:
		return nil, fmt.Errorf("nn: unet with %d classes and %d groups: %w", s.Classes, s.Groups, ErrInvalid)
	case h%(1<<(levels-1)) != 0 || w%(1<<(levels-1)) != 0:
		return nil, fmt.Errorf("nn: unet of %d levels halves a %d×%d image %d times: its sides must divide by %d: %w", levels, h, w, levels-1, 1<<(levels-1), ErrInvalid)
	}
	groups := s.Groups
	if groups == 0 {
		for groups = 8; slices.ContainsFunc(chans, func(k int) bool { return k%groups != 0 }); groups-- {
		}
	}
	if slices.ContainsFunc(chans, func(k int) bool { return k%groups != 0 }) {
		return nil, fmt.Errorf("nn: unet: %d groups do not divide the widths %v: %w", groups, chans, ErrInvalid)
	}
	conv := func(in, out, kernel int) *Conv2d {
		return NewConv2d(rng, in, out, kernel, tensor.ConvOptions{Padding: [2]int{kernel / 2, kernel / 2}})
	}
	norm := func(ch int) *GroupNorm {
		g, _ := NewGroupNorm(groups, ch, true) // checked above
		return g
	}
	block := func(in, out int) *ResBlock {
		b := &ResBlock{Norm1: norm(in), Conv1: conv(in, out, 3), Norm2: norm(out), Conv2: conv(out, out, 3), Act: act}
		if in != out {
			b.Skip = conv(in, out, 1)
		}
		return b
	}
	dim := 4 * chans[0] // the conditioning width, DDPM's 4× the first width
	u := &UNet{C: c, H: h, W: w, Out: out, Act: act, freqs: octaves(unetFreqs),
		Embed1: NewLinear(rng, 2*unetFreqs, dim, nil), Embed2: NewLinear(rng, dim, dim, nil), Stem: conv(c, chans[0], 3)}
	if s.Classes > 0 {
		var err error
		if u.Label, err = NewEmbedding(rng, s.Classes, dim, true, nil); err != nil {
			return nil, err
		}
	}
	in := chans[0]
	for _, k := range chans {
		u.Down = append(u.Down, block(in, k))
		u.DownShift = append(u.DownShift, NewLinear(rng, dim, k, nil))
		in = k
	}
	u.Mid, u.MidShift = block(in, in), NewLinear(rng, dim, in, nil)
	u.Up, u.UpShift = make([]*ResBlock, levels), make([]*Linear, levels)
	for l := levels - 1; l >= 0; l-- {
		u.Up[l] = block(in+chans[l], chans[l])
		u.UpShift[l] = NewLinear(rng, dim, chans[l], nil)
		in = chans[l]
	}
	u.Norm = norm(in)
	u.Head = conv(in, out, 3)
	clear(u.Head.W.Data())
	clear(u.Head.B.Data())
	return u, nil
}

// ForwardTY evaluates the network at x [n, C·H·W], t [n, 1] and labels
// (len n, each in [0, Classes], Classes the null label), returning
// [n, Out·H·W]. Nil labels mean the null label for every row; a network
// without classes takes only nil labels.
func (u *UNet) ForwardTY(tp *tensor.Tape, x, t *tensor.Tensor, labels []int) *tensor.Tensor {
	n := x.Dim(0)
	if x.Rank() != 2 || x.Dim(1) != u.C*u.H*u.W {
		panic(fmt.Sprintf("nn: UNet: input of shape %v, want [n, %d]", x.Shape(), u.C*u.H*u.W))
	}
	if t.Rank() != 2 || t.Dim(0) != n || t.Dim(1) != 1 {
		panic(fmt.Sprintf("nn: UNet: times of shape %v for %d rows", t.Shape(), n))
	}
	c := u.Embed2.Forward(tp, tp.SiLU(u.Embed1.Forward(tp, timeFeatures(tp, t, u.freqs))))
	switch {
	case u.Label != nil:
		if labels == nil {
			labels = slices.Repeat([]int{u.Label.Null()}, n)
		}
		if len(labels) != n {
			panic(fmt.Sprintf("nn: UNet: %d labels for %d rows", len(labels), n))
		}
		c = tp.Add(c, u.Label.Lookup(tp, labels))
	case labels != nil:
		panic("nn: UNet: labels given to a network without classes")
	}
	sc := tp.SiLU(c)
	shift := func(l *Linear) *tensor.Tensor {
		s := l.Forward(tp, sc)
		return tp.Reshape(s, n, s.Dim(1), 1, 1)
	}
	h := u.Stem.Forward(tp, tp.Reshape(x, n, u.C, u.H, u.W))
	skips := make([]*tensor.Tensor, len(u.Down))
	for l, b := range u.Down {
		if l > 0 {
			h = tp.AvgPool2d(h, [2]int{2, 2}, [2]int{2, 2}, [2]int{})
		}
		h = b.forward(tp, h, shift(u.DownShift[l]))
		skips[l] = h
	}
	h = u.Mid.forward(tp, h, shift(u.MidShift))
	for l := len(u.Up) - 1; l >= 0; l-- {
		if l < len(u.Up)-1 {
			h = tp.UpsampleNearest2d(h, 2)
		}
		h = u.Up[l].forward(tp, tp.Concat(1, h, skips[l]), shift(u.UpShift[l]))
	}
	h = u.Head.Forward(tp, resnetNormAct(tp, u.Norm, u.Act, h))
	return tp.Reshape(h, n, u.Out*u.H*u.W)
}

// NullLabel returns the null label (Classes), or −1 for a network without
// classes.
func (u *UNet) NullLabel() int {
	if u.Label == nil {
		return -1
	}
	return u.Label.Null()
}

// ForwardT evaluates the unconditional network (the null label, or no
// label) at x and t.
func (u *UNet) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	return u.ForwardTY(tp, x, t, nil)
}

// Forward evaluates the unconditional network at t = 0.
func (u *UNet) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return u.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

// Params returns the parameters by place: "embed1.weight", …,
// "label.weight" (with classes), "stem.weight", "down0.conv1.weight",
// "down0.shift.weight", "mid.…", "up0.skip.weight", "norm.weight",
// "head.bias".
func (u *UNet) Params() []Param {
	ps := prefixParams("embed1.", u.Embed1.Params())
	ps = append(ps, prefixParams("embed2.", u.Embed2.Params())...)
	if u.Label != nil {
		ps = append(ps, prefixParams("label.", u.Label.Params())...)
	}
	ps = append(ps, prefixParams("stem.", u.Stem.Params())...)
	for l, b := range u.Down {
		ps = append(ps, prefixParams(fmt.Sprintf("down%d.", l), b.Params())...)
		ps = append(ps, prefixParams(fmt.Sprintf("down%d.shift.", l), u.DownShift[l].Params())...)
	}
	ps = append(ps, prefixParams("mid.", u.Mid.Params())...)
	ps = append(ps, prefixParams("mid.shift.", u.MidShift.Params())...)
	for l, b := range u.Up {
		ps = append(ps, prefixParams(fmt.Sprintf("up%d.", l), b.Params())...)
		ps = append(ps, prefixParams(fmt.Sprintf("up%d.shift.", l), u.UpShift[l].Params())...)
	}
	ps = append(ps, prefixParams("norm.", u.Norm.Params())...)
	return append(ps, prefixParams("head.", u.Head.Params())...)
}
