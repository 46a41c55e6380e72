// Package nn builds neural networks from tensor ops: Linear layers,
// activations, Sequential, an MLP builder, normalisation, dropout and
// spectral normalisation, label embeddings, multi-head self-attention,
// convolutions, residual image energies, a conditional transformer, weight
// initialisation, and saving and loading parameters.
//
// A Module maps a batch [n, in] to [n, out] on a tape, and lists its
// parameters by name. An energy network is an MLP that ends in one unit:
//
//	m, err := nn.NewMLP(rng, []int{2, 128, 128, 1}, nn.SiLU(), nil)
//	e := m.Forward(tp, x) // [n, 1] energies
//
// Smooth activations (SiLU, GELU, tanh, softplus) are the ones to use for
// energies: samplers need ∇ₓE and score matching its derivatives, which ReLU
// does not have.
//
// Sequential runs a Conv2d and the SiLU after it as one op, and on a tape
// that does not record (an accept test's energies) a large batch of
// convolutions, activations and Linear layers depth-first: every layer on
// a chunk of samples before the next chunk, so that activations stay in
// cache, each core taking its own chunks. Both give the values the layers
// give one at a time.
//
// # Normalisation, dropout and spectral normalisation
//
// LayerNorm and GroupNorm follow PyTorch (biased variance, eps 1e-5 inside
// the square root, weight ones and bias zeros); both treat each sample alone,
// so an energy built with them is a function of one point, which batch
// normalisation's batch statistics would break. BatchNorm is there for
// classifiers and for comparison: batch statistics in training, running ones
// in evaluation, and the running update an explicit call (UpdateRunning),
// never part of a tape. Derivatives exist to any order, as score matching
// needs.
//
// Dropout, BatchNorm and SpectralLinear behave differently in training and evaluation;
// SetTrain switches every such layer in a network (the Trainer interface).
// SpectralNorm divides any weight tensor by σ(W) = uᵀWv, with u and v from a
// persistent power iteration run once per training call and held constant
// in the gradient, as PyTorch's spectral_norm does; a convolution weight
// [O, C, kH, kW] is read as the matrix [O, C·kH·kW]. Training calls update
// u and v, so a sampler that evaluates the energy from several goroutines
// runs the network in evaluation. u and v are not saved in parameter files.
//
// # Sequences and labels
//
// Sequence layers take [n, L, dim]. MultiHeadAttention is self-attention
// over such sequences: one Linear makes q, k and v, each head attends where
// that Linear put it (tensor.PackedAttention: scaled dot-product attention,
// optionally masked or causal, without permutes splitting and merging the
// heads), and an output Linear mixes the heads, initialised as PyTorch's
// nn.MultiheadAttention. Embedding maps class labels to learned vectors; with
// a null row (label NumClasses) it serves classifier-free guidance, where
// DropLabels replaces a fraction of labels by the null label in training.
//
// # Images
//
// Conv2d and ConvTranspose2d are convolution layers on images [N, C, H, W],
// with PyTorch's layouts and default initialisation (kaiming-uniform with
// a = √5, i.e. U(±1/√fanIn), and the same bound for the bias). Samplers and
// losses work on flat rows [n, d], so image layers do not guess shapes:
// a View reads rows as images (View{Shape: []int{1, 28, 28}}) and flattens
// them back (View{Shape: []int{-1}}). NewConvEnergy builds a convolutional
// energy that way, taking flat rows and giving [n, 1] energies:
//
//	m, err := nn.NewConvEnergy(rng, 1, 28, 28, []int{32, 32, 64, 64}, nn.SiLU())
//
// NewResNetEnergy builds the residual energies of IGEBM and JEM: a 3×3
// stem, stages of pre-activation blocks y = skip(x) + conv(act(norm(conv(
// act(norm(x)))))) with optional GroupNorm and spectrally normalised
// convolutions (SpectralConv2d), a 2×2 average pool between stages, global
// average pooling and a Linear head. The head gives a scalar energy, or K
// class logits f(x) read as JEM reads a classifier: E(x, y) = −f(x)[y]
// (JEMClassEnergy) and E(x) = −log Σ_y exp f(x)[y] (JEMEnergy), so that
// p(y | x) = exp(E(x) − E(x, y)) is the classifier's softmax. Forward gives
// E(x) either way, so samplers and losses use it as any other energy.
// NewNoiseResNetEnergy conditions the scalar ResNet energy on a time t per
// row, E(x, t), for multi-noise denoising score matching (NCSN): an
// embedding of t shifts every block's channels (NoiseResNet, a TimeModule).
//
// # Conditional transformer
//
// ConditionalTransformer is TorchEBM's ConditionalTransformer2D (a DiT,
// Peebles and Xie 2023) with its timestep and label embedders, on flat image
// rows: x [n, C·H·W] is cut into P×P patches embedded by a stride-P Conv2d
// (PatchEmbed), plus fixed 2-D sine-cosine positions (SinCosPosEmbed2D);
// c = TimestepEmbedder(t) + Embedding(y) conditions Depth adaLN-Zero blocks
//
//	x ← x + gate₁ ⊙ Attn(LN(x)·(1 + scale₁) + shift₁)
//	x ← x + gate₂ ⊙ MLP(LN(x)·(1 + scale₂) + shift₂)
//
// with the six vectors a Linear map of SiLU(c) and LN without affine
// (eps 1e-6); a head of the same form projects each token back to its
// patch, and Unpatchify reassembles [n, C'·H·W]. The modulations and the
// head start at zero: every block starts as the identity and the output as
// exactly 0. It is a TimeModule (ForwardT is the unconditional network, the
// null label), so flow and equilibrium matching train it; ForwardTY and
// WithLabels give the label-conditional network for classifier-free
// guidance. The type's comment lists where it follows TorchEBM and where it
// differs.
//
// Two interfaces name what the image losses need: Classifier (class
// logits f(x); ResNet with Classes, whose Features are the pooled features
// before the head) and LabelTimeModule (ForwardTY with a label per row and a
// NullLabel; ConditionalTransformer with Classes).
//
// # Initialisation and parameter files
//
// Initialisers take an injected *rand.Rand, so the same seed gives the same
// network. Save writes parameters atomically to a small documented binary
// format with a checksum and each parameter's element type (version 2; see
// WriteParams); Load refuses a truncated, corrupted or mismatched file, and
// a file whose element type is not the model's (ErrDType), and leaves the
// model as it was. Files of version 1, before the element type, load as
// float64.
//
// # Precision
//
// SetPrecision(m, tensor.Float32) makes a network compute its matrix
// products (forward, gradients and gradients of gradients) in float32 (see
// tensor.Precision); its parameters stay float64 between optimizer steps,
// and Save writes them as float32 values, which Load reads back only into a
// float32 network.
package nn
