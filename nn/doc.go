// Package nn builds neural networks from tensor ops: Linear layers,
// activations, Sequential, an MLP builder, weight initialisation, and saving
// and loading parameters.
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
// Initialisers take an injected *rand.Rand, so the same seed gives the same
// network. Save writes parameters atomically to a small documented binary
// format with a checksum (see WriteParams); Load refuses a truncated,
// corrupted or mismatched file and leaves the model as it was.
package nn
