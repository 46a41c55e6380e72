package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/goebm/goebm/tensor"
)

// adaLNEps is the eps of the affine-free LayerNorms of the adaLN-Zero
// blocks and head: 1e-6, as TorchEBM (and DiT) use, not PyTorch's 1e-5.
const adaLNEps = 1e-6

// TransformerConfig describes a ConditionalTransformer. The zero value of
// each optional field means the documented default.
type TransformerConfig struct {
	// Channels, Height and Width are the image's shape; rows of the input
	// are images flattened in [C, H, W] order.
	Channels, Height, Width int
	// OutChannels of the output image; 0 means Channels (a velocity or
	// score of the input's shape).
	OutChannels int
	// Patch is the side of the square patches; it divides Height and Width.
	Patch int
	// Dim is the token width; a multiple of 4 (for the 2-D position
	// embedding) and of Heads.
	Dim int
	// Depth is the number of adaLN-Zero blocks, Heads their attention heads.
	Depth, Heads int
	// MLPRatio is the hidden width of each block's MLP over Dim; 0 means 4.
	MLPRatio float64
	// FreqDim is the number of sinusoidal time features; even; 0 means 256.
	FreqDim int
	// Classes is the number of labels; 0 means no label embedding. With
	// labels, the embedding has a null row (label Classes) for
	// classifier-free guidance.
	Classes int
}

func (c TransformerConfig) withDefaults() TransformerConfig {
	if c.OutChannels == 0 {
		c.OutChannels = c.Channels
	}
	if c.MLPRatio == 0 {
		c.MLPRatio = 4
	}
	if c.FreqDim == 0 {
		c.FreqDim = 256
	}
	return c
}

func (c TransformerConfig) validate() error {
	switch {
	case c.Channels <= 0 || c.Height <= 0 || c.Width <= 0 || c.OutChannels <= 0:
		return fmt.Errorf("image %d×%d×%d to %d channels: sizes must be positive", c.Channels, c.Height, c.Width, c.OutChannels)
	case c.Patch <= 0 || c.Height%c.Patch != 0 || c.Width%c.Patch != 0:
		return fmt.Errorf("patch side %d must be positive and divide %d×%d", c.Patch, c.Height, c.Width)
	case c.Dim <= 0 || c.Dim%4 != 0 || c.Heads <= 0 || c.Dim%c.Heads != 0:
		return fmt.Errorf("width %d with %d heads: want a positive multiple of 4 and of the heads", c.Dim, c.Heads)
	case c.Depth < 0:
		return fmt.Errorf("depth %d", c.Depth)
	case c.MLPRatio < 0 || int(float64(c.Dim)*c.MLPRatio) <= 0:
		return fmt.Errorf("MLP ratio %v", c.MLPRatio)
	case c.FreqDim < 0 || c.FreqDim%2 != 0:
		return fmt.Errorf("%d time frequencies: want an even number", c.FreqDim)
	case c.Classes < 0:
		return fmt.Errorf("%d classes", c.Classes)
	}
	return nil
}

// ConditionalTransformer is a diffusion transformer (DiT, Peebles and Xie
// 2023) conditioned on time and, optionally, a class label: TorchEBM's
// ConditionalTransformer2D with its MLPTimestepEmbedder and LabelEmbedder.
// It maps flat image rows x [n, C·H·W], times t [n, 1] and labels to
// [n, C'·H·W]:
//
//  1. the image is cut into P×P patches, each embedded by a Conv2d with
//     kernel = stride = P (PatchEmbed), plus the fixed 2-D sine-cosine
//     position embedding (SinCosPosEmbed2D): tokens [n, N, D];
//  2. the conditioning vector is c = TimestepEmbedder(t) + label
//     embedding(y), [n, D];
//  3. Depth adaLN-Zero blocks update the tokens, each modulated by a Linear
//     map of SiLU(c);
//  4. the head (AdaLNZeroHead) normalises, modulates and projects each
//     token to its patch's C'·P·P values, and Unpatchify puts the patches
//     back into an image row.
//
// Every adaLN modulation and the head's projection start at zero, so each
// block starts as the identity and the whole network outputs exactly 0 at
// initialisation, as TorchEBM's does (its test asserts a zero output).
//
// Where it follows TorchEBM: patch embedding, position embedding (the
// column in the first half of each vector), block layout
// (shift, scale, gate for attention and again for the MLP; y = x·(1 + scale)
// + shift), LayerNorm without affine and eps 1e-6, an MLP of ratio 4 with
// the tanh form of GELU (tensor's GELUTanh), a
// 256-feature timestep embedding [cos(tωₖ), sin(tωₖ)] with ωₖ =
// 10000^(−k/128) followed by Linear–SiLU–Linear, and initialisation: PyTorch
// defaults everywhere (attention projections are plain Linears there, so
// not nn.MultiheadAttention's Xavier init), labels N(0, 1), zeros for the
// modulations and the head's projection.
//
// Where it differs, and why:
//   - TorchEBM's backbone takes one conditioning vector and leaves the
//     embedders to the caller; here they are part of the network, summed
//     as in DiT, so that it is a TimeModule flow matching can train;
//   - the label embedding always has the null row (TorchEBM adds it only
//     with a label-dropout probability > 0), because the unconditional
//     network ForwardT evaluates is that row;
//   - images may be rectangular (TorchEBM's unpatchify needs a square grid);
//   - Linear weights are [in, out] (see Linear), so parameter files are
//     goebm's own.
//
// Times are used as given: TorchEBM's frequencies suit t in [0, 1] only
// through the first few features (ωₖ ≤ 1), which the MLP can still use.
type ConditionalTransformer struct {
	Config TransformerConfig // with defaults filled in
	Patch  *PatchEmbed
	Time   *TimestepEmbedder
	Label  *Embedding // nil without classes
	Blocks []*AdaLNZeroBlock
	Head   *AdaLNZeroHead

	pos *tensor.Tensor // [N, D], fixed
}

var _ TimeModule = (*ConditionalTransformer)(nil)

// NewConditionalTransformer returns a ConditionalTransformer initialised as
// TorchEBM's (see the type), drawing from rng.
func NewConditionalTransformer(rng *rand.Rand, cfg TransformerConfig) (*ConditionalTransformer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("nn: ConditionalTransformer: %v: %w", err, ErrInvalid)
	}
	d := cfg.Dim
	gh, gw := cfg.Height/cfg.Patch, cfg.Width/cfg.Patch
	m := &ConditionalTransformer{
		Config: cfg,
		Patch:  NewPatchEmbed(rng, cfg.Channels, cfg.Patch, d),
		Time:   NewTimestepEmbedder(rng, cfg.FreqDim, d),
		pos:    SinCosPosEmbed2D(d, gh, gw),
	}
	if cfg.Classes > 0 {
		var err error
		if m.Label, err = NewEmbedding(rng, cfg.Classes, d, true, nil); err != nil {
			return nil, err
		}
	}
	for range cfg.Depth {
		b, err := NewAdaLNZeroBlock(rng, d, cfg.Heads, d, int(float64(d)*cfg.MLPRatio))
		if err != nil {
			return nil, err
		}
		m.Blocks = append(m.Blocks, b)
	}
	m.Head = NewAdaLNZeroHead(d, d, cfg.Patch*cfg.Patch*cfg.OutChannels)
	return m, nil
}

// ForwardTY evaluates the network at x [n, C·H·W], t [n, 1] and labels
// (len n, each in [0, Classes], Classes the null label), returning
// [n, C'·H·W]. Nil labels mean the null label for every row; a network
// without classes takes only nil labels.
func (m *ConditionalTransformer) ForwardTY(tp *tensor.Tape, x, t *tensor.Tensor, labels []int) *tensor.Tensor {
	cfg := m.Config
	n := x.Dim(0)
	if x.Rank() != 2 || x.Dim(1) != cfg.Channels*cfg.Height*cfg.Width {
		panic(fmt.Sprintf("nn: ConditionalTransformer: input of shape %v, want [n, %d]", x.Shape(), cfg.Channels*cfg.Height*cfg.Width))
	}
	if t.Rank() != 2 || t.Dim(0) != n || t.Dim(1) != 1 {
		panic(fmt.Sprintf("nn: ConditionalTransformer: times of shape %v for %d rows", t.Shape(), n))
	}
	c := m.Time.Forward(tp, t) // [n, D]
	if m.Label != nil {
		if labels == nil {
			labels = make([]int, n)
			for i := range labels {
				labels[i] = m.Label.Null()
			}
		}
		if len(labels) != n {
			panic(fmt.Sprintf("nn: ConditionalTransformer: %d labels for %d rows", len(labels), n))
		}
		c = tp.Add(c, m.Label.Lookup(tp, labels))
	} else if labels != nil {
		panic("nn: ConditionalTransformer: labels given to a network without classes")
	}
	// Every modulation of TorchEBM applies SiLU to c first; it is the same
	// tensor for all, so it is computed once.
	sc := tp.SiLU(c)
	h := m.Patch.Forward(tp, tp.Reshape(x, n, cfg.Channels, cfg.Height, cfg.Width))
	h = tp.Add(h, m.pos) // [n, N, D] + [N, D]
	for _, b := range m.Blocks {
		h = b.ForwardCond(tp, h, sc)
	}
	return Unpatchify(tp, m.Head.ForwardCond(tp, h, sc), cfg.Height/cfg.Patch, cfg.Width/cfg.Patch, cfg.Patch, cfg.OutChannels)
}

// NullLabel returns the null label (Classes), or −1 for a network without
// classes.
func (m *ConditionalTransformer) NullLabel() int {
	if m.Label == nil {
		return -1
	}
	return m.Label.Null()
}

// ForwardT evaluates the unconditional network (the null label, or no
// label) at x and t.
func (m *ConditionalTransformer) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	return m.ForwardTY(tp, x, t, nil)
}

// Forward evaluates the unconditional network at t = 0.
func (m *ConditionalTransformer) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return m.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

// WithLabels returns the network with its labels fixed, a TimeModule for
// a sampler or flow.VelocityOf: labels of length 1 apply to every row,
// otherwise there is one per row. It shares m's parameters.
func (m *ConditionalTransformer) WithLabels(labels ...int) *Labelled {
	return &Labelled{Net: m, Labels: labels}
}

// Params returns the parameters by name: "patch.proj.weight",
// "time.fc1.weight", …, "label.weight" (with classes),
// "blocks.<i>.attn.qkv.weight", …, "head.proj.bias".
func (m *ConditionalTransformer) Params() []Param {
	ps := prefixParams("patch.", m.Patch.Params())
	ps = append(ps, prefixParams("time.", m.Time.Params())...)
	if m.Label != nil {
		ps = append(ps, prefixParams("label.", m.Label.Params())...)
	}
	for i, b := range m.Blocks {
		ps = append(ps, prefixParams("blocks."+strconv.Itoa(i)+".", b.Params())...)
	}
	return append(ps, prefixParams("head.", m.Head.Params())...)
}

// Labelled is a ConditionalTransformer with fixed labels: a TimeModule of
// the label-conditional network.
type Labelled struct {
	Net *ConditionalTransformer
	// Labels has one label per row, or one for all rows.
	Labels []int
}

var _ TimeModule = (*Labelled)(nil)

// ForwardT evaluates the network at x and t with the fixed labels.
func (l *Labelled) ForwardT(tp *tensor.Tape, x, t *tensor.Tensor) *tensor.Tensor {
	labels := l.Labels
	if len(labels) == 1 && x.Dim(0) != 1 {
		labels = make([]int, x.Dim(0))
		for i := range labels {
			labels[i] = l.Labels[0]
		}
	}
	return l.Net.ForwardTY(tp, x, t, labels)
}

// Forward evaluates the network at t = 0 with the fixed labels.
func (l *Labelled) Forward(tp *tensor.Tape, x *tensor.Tensor) *tensor.Tensor {
	return l.ForwardT(tp, x, tensor.Zeros(x.Dim(0), 1))
}

// Params returns the network's parameters.
func (l *Labelled) Params() []Param { return l.Net.Params() }

// TimestepEmbedder embeds times t [n, 1] as TorchEBM's MLPTimestepEmbedder
// (DiT's TimestepEmbedder): the features [cos(tωₖ)…, sin(tωₖ)…] with
// ωₖ = 10000^(−k/h), k < h = F/2, then Linear(F, D), SiLU, Linear(D, D).
// The features are tape ops, so gradients reach t.
type TimestepEmbedder struct {
	FC1, FC2 *Linear
	freqs    *tensor.Tensor // [1, F/2]
}

var _ Module = (*TimestepEmbedder)(nil)

// NewTimestepEmbedder returns a TimestepEmbedder of freqDim (even, > 0)
// features to dim, with PyTorch's default Linear initialisation.
func NewTimestepEmbedder(rng *rand.Rand, freqDim, dim int) *TimestepEmbedder {
	if freqDim <= 0 || freqDim%2 != 0 || dim <= 0 {
		panic(fmt.Sprintf("nn: NewTimestepEmbedder: %d features (want even) to %d", freqDim, dim))
	}
	h := freqDim / 2
	f := tensor.Zeros(1, h)
	for k := range h {
		f.Data()[k] = math.Exp(-math.Log(10000) * float64(k) / float64(h))
	}
	return &TimestepEmbedder{FC1: NewLinear(rng, freqDim, dim, nil), FC2: NewLinear(rng, dim, dim, nil), freqs: f}
}

// Forward embeds t [n, 1] as [n, D].
func (e *TimestepEmbedder) Forward(tp *tensor.Tape, t *tensor.Tensor) *tensor.Tensor {
	wt := tp.Mul(t, e.freqs) // [n, F/2]
	return e.FC2.Forward(tp, tp.SiLU(e.FC1.Forward(tp, tp.Concat(1, tp.Cos(wt), tp.Sin(wt)))))
}

// Params returns "fc1.weight", "fc1.bias", "fc2.weight" and "fc2.bias".
func (e *TimestepEmbedder) Params() []Param {
	return append(prefixParams("fc1.", e.FC1.Params()), prefixParams("fc2.", e.FC2.Params())...)
}

// AdaLNZeroBlock is a transformer block with adaLN-Zero conditioning (DiT;
// TorchEBM's AdaLNZeroBlock). From the activated conditioning vector
// s = SiLU(c), Ada gives six [n, D] vectors shift₁, scale₁, gate₁, shift₂,
// scale₂, gate₂, and with LN an affine-free LayerNorm (eps 1e-6),
//
//	x ← x + gate₁ ⊙ Attn(LN(x)·(1 + scale₁) + shift₁)
//	x ← x + gate₂ ⊙ MLP(LN(x)·(1 + scale₂) + shift₂)
//
// with MLP = FC2 ∘ GELUTanh ∘ FC1 (TorchEBM's GELU(approximate="tanh")).
// Ada starts at zero, so the gates are zero and
// the block starts as the identity.
type AdaLNZeroBlock struct {
	Attn     *MultiHeadAttention
	FC1, FC2 *Linear
	Ada      *Linear // [condDim, 6·D], zero at initialisation
}

// NewAdaLNZeroBlock returns a block of width dim with heads heads,
// conditioning of width condDim and an MLP of hidden width hidden. The
// attention and MLP Linears have PyTorch's default initialisation, as in
// TorchEBM; Ada is zero.
func NewAdaLNZeroBlock(rng *rand.Rand, dim, heads, condDim, hidden int) (*AdaLNZeroBlock, error) {
	if condDim <= 0 || hidden <= 0 {
		return nil, fmt.Errorf("nn: AdaLNZeroBlock with conditioning %d and hidden width %d: %w", condDim, hidden, ErrInvalid)
	}
	if dim <= 0 || heads <= 0 || dim%heads != 0 {
		return nil, fmt.Errorf("nn: AdaLNZeroBlock of width %d with %d heads (width must be a positive multiple of heads): %w", dim, heads, ErrInvalid)
	}
	return &AdaLNZeroBlock{
		// TorchEBM's attention projections are plain nn.Linear layers.
		Attn: &MultiHeadAttention{Heads: heads, QKV: NewLinear(rng, dim, 3*dim, nil), Out: NewLinear(rng, dim, dim, nil)},
		FC1:  NewLinear(rng, dim, hidden, nil),
		FC2:  NewLinear(rng, hidden, dim, nil),
		Ada:  &Linear{W: tensor.Zeros(condDim, 6*dim), B: tensor.Zeros(6 * dim)},
	}, nil
}

// ForwardCond updates tokens x [n, N, D] given s = SiLU(c) [n, condDim].
func (b *AdaLNZeroBlock) ForwardCond(tp *tensor.Tape, x, s *tensor.Tensor) *tensor.Tensor {
	n, l, d := x.Dim(0), x.Dim(1), x.Dim(2)
	m := adaChunks(tp, b.Ada.Forward(tp, s), n, 6, d)
	h := b.Attn.Forward(tp, adaModulate(tp, x, m[0], m[1]))
	x = tp.MulAdd(h, m[2], x)
	h = tp.Reshape(adaModulate(tp, x, m[3], m[4]), n*l, d)
	h = b.FC2.Forward(tp, tp.GELUTanh(b.FC1.Forward(tp, h)))
	return tp.MulAdd(tp.Reshape(h, n, l, d), m[5], x)
}

// Params returns "attn.qkv.weight", …, "mlp.fc1.weight", …, "ada.weight"
// and "ada.bias".
func (b *AdaLNZeroBlock) Params() []Param {
	ps := prefixParams("attn.", b.Attn.Params())
	ps = append(ps, prefixParams("mlp.fc1.", b.FC1.Params())...)
	ps = append(ps, prefixParams("mlp.fc2.", b.FC2.Params())...)
	return append(ps, prefixParams("ada.", b.Ada.Params())...)
}

// AdaLNZeroHead is the final layer of a ConditionalTransformer (TorchEBM's
// AdaLNZeroPatchHead): from s = SiLU(c), Ada gives shift and scale, and
// each token becomes Proj(LN(x)·(1 + scale) + shift), its patch's values.
// Ada and Proj start at zero, so the output starts at zero.
type AdaLNZeroHead struct {
	Ada  *Linear // [condDim, 2·D]
	Proj *Linear // [D, P·P·C']
}

// NewAdaLNZeroHead returns a head from width dim, conditioning condDim, to
// out values per token, all zero.
func NewAdaLNZeroHead(dim, condDim, out int) *AdaLNZeroHead {
	return &AdaLNZeroHead{
		Ada:  &Linear{W: tensor.Zeros(condDim, 2*dim), B: tensor.Zeros(2 * dim)},
		Proj: &Linear{W: tensor.Zeros(dim, out), B: tensor.Zeros(out)},
	}
}

// ForwardCond maps tokens x [n, N, D] given s = SiLU(c) to [n, N, out].
func (h *AdaLNZeroHead) ForwardCond(tp *tensor.Tape, x, s *tensor.Tensor) *tensor.Tensor {
	n, l, d := x.Dim(0), x.Dim(1), x.Dim(2)
	m := adaChunks(tp, h.Ada.Forward(tp, s), n, 2, d)
	y := h.Proj.Forward(tp, tp.Reshape(adaModulate(tp, x, m[0], m[1]), n*l, d))
	return tp.Reshape(y, n, l, y.Dim(1))
}

// Params returns "ada.weight", "ada.bias", "proj.weight" and "proj.bias".
func (h *AdaLNZeroHead) Params() []Param {
	return append(prefixParams("ada.", h.Ada.Params()), prefixParams("proj.", h.Proj.Params())...)
}

// adaChunks splits a modulation [n, k·D] into k tensors [n, 1, D], ready to
// broadcast over the tokens (TorchEBM's chunk(k, dim=1) then unsqueeze(1)).
func adaChunks(tp *tensor.Tape, mod *tensor.Tensor, n, k, d int) []*tensor.Tensor {
	ones := make([]int, k)
	for i := range ones {
		ones[i] = 1
	}
	return tp.Split(tp.Reshape(mod, n, k, d), 1, ones...)
}

// adaModulate returns LN(x)·(1 + scale) + shift, LN an affine-free
// LayerNorm over the last axis.
func adaModulate(tp *tensor.Tape, x, shift, scale *tensor.Tensor) *tensor.Tensor {
	h := tp.LayerNorm(x, 1, nil, nil, adaLNEps)
	return tp.MulAdd(h, tp.AddScalar(scale, 1), shift)
}
