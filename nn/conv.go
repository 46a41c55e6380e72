package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goebm/goebm/tensor"
)

// Conv2d is a 2-D convolution layer on images [N, C, H, W], PyTorch's
// torch.nn.Conv2d: W is [out, in/groups, kH, kW] and B is [out] or nil.
// Samplers and losses work on flat rows [n, d]; put a View before it to read
// rows as images (NewConvEnergy does).
type Conv2d struct {
	W, B *tensor.Tensor
	// Options are the stride, padding, dilation and groups.
	Options tensor.ConvOptions
}

// ConvTranspose2d is a transposed 2-D convolution layer on images, PyTorch's
// torch.nn.ConvTranspose2d: W is [in, out/groups, kH, kW] and B is [out] or
// nil.
type ConvTranspose2d struct {
	W, B *tensor.Tensor
	// Options are the stride, padding, output padding, dilation and groups.
	Options tensor.ConvOptions
}

var (
	_ Module = (*Conv2d)(nil)
	_ Module = (*ConvTranspose2d)(nil)
	_ Module = View{}
)

// NewConv2d returns a Conv2d layer from in to out channels with a square
// kernel, initialised as PyTorch does: weight and bias from
// U(−1/√fanIn, 1/√fanIn) with fanIn = in/groups·kernel² (that is
// kaiming-uniform with a = √5). It panics when the channels do not divide
// into the groups, a programmer error.
func NewConv2d(rng *rand.Rand, in, out, kernel int, opts tensor.ConvOptions) *Conv2d {
	g := convGroups("NewConv2d", in, out, opts)
	l := &Conv2d{W: tensor.Zeros(out, in/g, kernel, kernel), B: tensor.Zeros(out), Options: opts}
	convInit(rng, l.W, l.B, in/g*kernel*kernel)
	return l
}

// NewConvTranspose2d returns a ConvTranspose2d layer from in to out channels
// with a square kernel, initialised as PyTorch does: weight and bias from
// U(−1/√fanIn, 1/√fanIn) with PyTorch's fanIn for this weight layout,
// out/groups·kernel².
func NewConvTranspose2d(rng *rand.Rand, in, out, kernel int, opts tensor.ConvOptions) *ConvTranspose2d {
	g := convGroups("NewConvTranspose2d", in, out, opts)
	l := &ConvTranspose2d{W: tensor.Zeros(in, out/g, kernel, kernel), B: tensor.Zeros(out), Options: opts}
	convInit(rng, l.W, l.B, out/g*kernel*kernel)
	return l
}

func convGroups(op string, in, out int, opts tensor.ConvOptions) int {
	g := max(opts.Groups, 1)
	if in <= 0 || out <= 0 || in%g != 0 || out%g != 0 {
		panic(fmt.Sprintf("nn: %s: %d to %d channels in %d groups", op, in, out, g))
	}
	return g
}

func convInit(rng *rand.Rand, w, b *tensor.Tensor, fanIn int) {
	bound := 1 / math.Sqrt(float64(max(fanIn, 1)))
	fillUniform(rng, w.Data(), bound)
	fillUniform(rng, b.Data(), bound)
}

// Forward convolves x [N, C, H, W].
func (l *Conv2d) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.Conv2d(x, l.W, l.B, l.Options)
}

// Params returns "weight" and, if present, "bias".
func (l *Conv2d) Params() []Param { return weightBias(l.W, l.B) }

// Forward applies the transposed convolution to x [N, C, H, W].
func (l *ConvTranspose2d) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.ConvTranspose2d(x, l.W, l.B, l.Options)
}

// Params returns "weight" and, if present, "bias".
func (l *ConvTranspose2d) Params() []Param { return weightBias(l.W, l.B) }

func weightBias(w, b *tensor.Tensor) []Param {
	ps := []Param{{"weight", w}}
	if b != nil {
		ps = append(ps, Param{"bias", b})
	}
	return ps
}

// View reshapes each sample of a batch, keeping the batch axis: x [n, …]
// becomes [n, Shape…]. View{Shape: []int{1, 28, 28}} reads flat rows
// [n, 784] as images for a Conv2d; View{Shape: []int{-1}} flattens images
// back to rows for a Linear layer. One entry may be −1, inferred.
type View struct {
	Shape []int
}

// Forward reshapes x, sharing its storage.
func (v View) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return tp.Reshape(x, append([]int{x.Dim(0)}, v.Shape...)...)
}

// Params returns nil: a view has no parameters.
func (View) Params() []Param { return nil }

// NewConvEnergy returns a convolutional energy network for c×h×w images
// given as flat rows [n, c·h·w], giving energies [n, 1]: a 3×3 convolution
// with padding 1 to channels[0], then for each further entry a 4×4
// convolution with stride 2 and padding 1, which halves the image (rounding
// down), each followed by act; then the features are flattened and a
// Linear layer (PyTorch's default init, like the convolutions) maps them
// to the energy. It is the shape of the short-run MCMC energies of
// Nijkamp et al. (2019) with a smooth activation, so that score matching
// can train it.
func NewConvEnergy(rng *rand.Rand, c, h, w int, channels []int, act Activation) (*Sequential, error) {
	if c <= 0 || h <= 0 || w <= 0 || len(channels) == 0 {
		return nil, fmt.Errorf("nn: conv energy for %d×%d×%d images with channels %v: %w", c, h, w, channels, ErrInvalid)
	}
	if act.f == nil {
		return nil, fmt.Errorf("nn: conv energy needs an activation: %w", ErrInvalid)
	}
	s := &Sequential{Layers: []Module{View{Shape: []int{c, h, w}}}}
	in := c
	for i, out := range channels {
		if out <= 0 {
			return nil, fmt.Errorf("nn: conv energy channels %v must be positive: %w", channels, ErrInvalid)
		}
		if i == 0 {
			s.Layers = append(s.Layers, NewConv2d(rng, in, out, 3, tensor.ConvOptions{Padding: [2]int{1, 1}}))
		} else {
			if h < 2 || w < 2 {
				return nil, fmt.Errorf("nn: conv energy: %d stride-2 layers do not fit a %d×%d image: %w", len(channels)-1, h, w, ErrInvalid)
			}
			s.Layers = append(s.Layers, NewConv2d(rng, in, out, 4, tensor.ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}))
			h, w = h/2, w/2
		}
		s.Layers = append(s.Layers, act)
		in = out
	}
	s.Layers = append(s.Layers, View{Shape: []int{-1}}, NewLinear(rng, in*h*w, 1, nil))
	return s, nil
}
