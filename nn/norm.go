package nn

import (
	"fmt"
	"slices"

	"github.com/goebm/goebm/tensor"
)

// defaultNormEps is PyTorch's eps for its normalisation layers.
const defaultNormEps = 1e-5

// LayerNorm normalises each sample over its trailing axes, as PyTorch's
// nn.LayerNorm: y = (x − μ)/√(σ² + Eps) ⊙ Weight + Bias, with μ and the biased
// σ² over the last len(Shape) axes of x, which must equal Shape.
type LayerNorm struct {
	// Shape is the normalised trailing shape, e.g. [d] for [batch, d] input.
	Shape []int
	// Eps is added to the variance; 0 means 1e-5.
	Eps float64
	// Weight and Bias have shape Shape, or are nil (no affine part).
	Weight, Bias *tensor.Tensor
}

var _ Module = (*LayerNorm)(nil)

// NewLayerNorm returns a LayerNorm over trailing axes of the given shape,
// with Weight ones and Bias zeros when affine, PyTorch's initialisation.
func NewLayerNorm(shape []int, affine bool) (*LayerNorm, error) {
	if len(shape) == 0 || slices.ContainsFunc(shape, func(d int) bool { return d <= 0 }) {
		return nil, fmt.Errorf("nn: LayerNorm shape %v: want one or more positive sizes: %w", shape, ErrInvalid)
	}
	l := &LayerNorm{Shape: slices.Clone(shape)}
	l.Weight, l.Bias = normAffineInit(affine, shape...)
	return l, nil
}

// Forward normalises x, whose trailing axes must be Shape.
func (l *LayerNorm) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	s := x.Shape()
	if len(s) < len(l.Shape) || !slices.Equal(s[len(s)-len(l.Shape):], l.Shape) {
		panic(fmt.Sprintf("nn: LayerNorm over %v given input of shape %v", l.Shape, s))
	}
	return tp.LayerNorm(x, len(l.Shape), l.Weight, l.Bias, normEps(l.Eps))
}

// Params returns "weight" and "bias" when affine, none otherwise.
func (l *LayerNorm) Params() []Param { return normParams(l.Weight, l.Bias) }

// GroupNorm normalises input [N, C, ...] within groups of channels, as
// PyTorch's nn.GroupNorm: the C channels fall into Groups groups of C/Groups
// consecutive channels, each standardised per sample over its channels and
// spatial axes, then channel c is scaled by Weight[c] and shifted by Bias[c].
// Unlike batch normalisation it treats each sample alone, so an energy
// E(x) built with it does not depend on the other points in the batch.
type GroupNorm struct {
	// Groups must divide Channels.
	Groups, Channels int
	// Eps is added to the variance; 0 means 1e-5.
	Eps float64
	// Weight and Bias have shape [Channels], or are nil (no affine part).
	Weight, Bias *tensor.Tensor
}

var _ Module = (*GroupNorm)(nil)

// NewGroupNorm returns a GroupNorm with Weight ones and Bias zeros when
// affine, PyTorch's initialisation.
func NewGroupNorm(groups, channels int, affine bool) (*GroupNorm, error) {
	if groups <= 0 || channels <= 0 || channels%groups != 0 {
		return nil, fmt.Errorf("nn: GroupNorm of %d channels in %d groups: want positive sizes, groups dividing channels: %w", channels, groups, ErrInvalid)
	}
	g := &GroupNorm{Groups: groups, Channels: channels}
	g.Weight, g.Bias = normAffineInit(affine, channels)
	return g, nil
}

// Forward normalises x of shape [N, Channels, ...].
func (g *GroupNorm) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	normCheckChannels("GroupNorm", g.Channels, x)
	return tp.GroupNorm(x, g.Groups, g.Weight, g.Bias, normEps(g.Eps))
}

// Params returns "weight" and "bias" when affine, none otherwise.
func (g *GroupNorm) Params() []Param { return normParams(g.Weight, g.Bias) }

func normEps(eps float64) float64 {
	if eps == 0 {
		return defaultNormEps
	}
	return eps
}

// normAffineInit returns PyTorch's initial weight (ones) and bias (zeros) of
// the given shape, or nils without an affine part.
func normAffineInit(affine bool, shape ...int) (w, b *tensor.Tensor) {
	if !affine {
		return nil, nil
	}
	return tensor.Ones(shape...), tensor.Zeros(shape...)
}

// normCheckChannels panics unless x is [N, channels, ...].
func normCheckChannels(layer string, channels int, x *tensor.Tensor) {
	if x.Rank() < 2 || x.Dim(1) != channels {
		panic(fmt.Sprintf("nn: %s of %d channels given input of shape %v", layer, channels, x.Shape()))
	}
}

func normParams(w, b *tensor.Tensor) []Param {
	var ps []Param
	if w != nil {
		ps = append(ps, Param{"weight", w})
	}
	if b != nil {
		ps = append(ps, Param{"bias", b})
	}
	return ps
}

// BatchNorm normalises input [N, C, ...] per channel with statistics over
// the batch and spatial axes, as PyTorch's BatchNorm1d/2d: in training with
// the batch's mean and biased variance (gradients flow through them), in
// evaluation with RunningMean and RunningVar.
//
// The running statistics are not updated by Forward: call UpdateRunning
// after a training Forward, outside any tape, to blend the last batch's
// statistics in. A BatchNorm energy depends on the whole batch in training,
// so samplers should run it in evaluation; GroupNorm has no such coupling.
type BatchNorm struct {
	Channels int
	// Eps is added to the variance; 0 means 1e-5.
	Eps float64
	// Momentum is the weight of a new batch in the running statistics;
	// 0 means PyTorch's 0.1.
	Momentum float64
	// Weight and Bias have shape [Channels], or are nil (no affine part).
	Weight, Bias *tensor.Tensor
	// RunningMean and RunningVar ([Channels]) start at 0 and 1.
	RunningMean, RunningVar *tensor.Tensor
	Train                   bool

	lastMean, lastVar []float64 // the last training batch's statistics
	lastCount         int       // elements per channel in that batch
}

var (
	_ Module  = (*BatchNorm)(nil)
	_ Trainer = (*BatchNorm)(nil)
)

// NewBatchNorm returns a BatchNorm in training mode, with Weight ones and
// Bias zeros when affine.
func NewBatchNorm(channels int, affine bool) (*BatchNorm, error) {
	if channels <= 0 {
		return nil, fmt.Errorf("nn: BatchNorm of %d channels: %w", channels, ErrInvalid)
	}
	b := &BatchNorm{Channels: channels, RunningMean: tensor.Zeros(channels), RunningVar: tensor.Ones(channels), Train: true}
	b.Weight, b.Bias = normAffineInit(affine, channels)
	return b, nil
}

// Forward normalises x of shape [N, Channels, ...].
func (b *BatchNorm) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	normCheckChannels("BatchNorm", b.Channels, x)
	chanShape := make([]int, x.Rank()) // [1, C, 1, ...]
	for i := range chanShape {
		chanShape[i] = 1
	}
	chanShape[1] = b.Channels
	var mean, variance *tensor.Tensor
	if b.Train {
		axes := []int{0}
		for ax := 2; ax < x.Rank(); ax++ {
			axes = append(axes, ax)
		}
		mean, variance = tp.Moments(x, axes...)
		b.lastMean = append(b.lastMean[:0], mean.Data()...)
		b.lastVar = append(b.lastVar[:0], variance.Data()...)
		b.lastCount = x.Len() / b.Channels
	} else {
		mean, variance = tp.Reshape(b.RunningMean, chanShape...), tp.Reshape(b.RunningVar, chanShape...)
	}
	y := tp.Normalize(x, mean, variance, normEps(b.Eps))
	if b.Weight != nil {
		y = tp.Mul(y, tp.Reshape(b.Weight, chanShape...))
	}
	if b.Bias != nil {
		y = tp.Add(y, tp.Reshape(b.Bias, chanShape...))
	}
	return y
}

// UpdateRunning blends the statistics of the last training Forward into the
// running ones, r ← (1 − m)·r + m·s, with the variance unbiased (times
// n/(n − 1)) as PyTorch does. It does nothing before a training Forward.
func (b *BatchNorm) UpdateRunning() {
	if b.lastMean == nil {
		return
	}
	m := b.Momentum
	if m == 0 {
		m = 0.1
	}
	unbias := 1.0
	if b.lastCount > 1 {
		unbias = float64(b.lastCount) / float64(b.lastCount-1)
	}
	rm, rv := b.RunningMean.Data(), b.RunningVar.Data()
	for c := range rm {
		rm[c] = (1-m)*rm[c] + m*b.lastMean[c]
		rv[c] = (1-m)*rv[c] + m*b.lastVar[c]*unbias
	}
}

// Params returns "weight" and "bias" when affine; the running statistics
// are not trained.
func (b *BatchNorm) Params() []Param { return normParams(b.Weight, b.Bias) }

// SetTrain switches between batch statistics (true) and running ones.
func (b *BatchNorm) SetTrain(train bool) { b.Train = train }
