// Package nn builds neural networks from tensor ops: Linear layers,
// activations, Sequential, an MLP builder, label embeddings, multi-head
// self-attention, weight initialisation, and saving and loading parameters.
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
// Sequence layers take [n, L, dim]. MultiHeadAttention is self-attention
// over such sequences: one Linear makes q, k and v, Permute splits them into
// heads, tensor.ScaledDotProductAttention attends (optionally masked or
// causal), and an output Linear mixes the heads, initialised as PyTorch's
// nn.MultiheadAttention. Embedding maps class labels to learned vectors; with
// a null row (label NumClasses) it serves classifier-free guidance, where
// DropLabels replaces a fraction of labels by the null label in training.
//
// Initialisers take an injected *rand.Rand, so the same seed gives the same
// network. Save writes parameters atomically to a small documented binary
// format with a checksum (see WriteParams); Load refuses a truncated,
// corrupted or mismatched file and leaves the model as it was.
package nn
