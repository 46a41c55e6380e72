// Package tensor is goebm's compute engine: dense float64 tensors with
// reverse-mode automatic differentiation that can differentiate its own
// gradients, to any order.
//
// # Tapes
//
// Every op is a method on *Tape, which records it:
//
//	tp := tensor.NewTape()
//	e := tp.Sum(tp.Square(x))                                    // E(x) = Σ x²
//	g := tp.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{x}, tensor.GradOptions{})[0] // 2x
//
// A nil *Tape records nothing: it is the no-grad mode, for evaluation, and
// allocates no tape. NewNoGradTape gives the same mode with storage recycled
// by Reset. A tape is used by one goroutine at a time; parallel samplers
// give each goroutine its own, and share parameter tensors read-only.
//
// # Higher order
//
// The vector-Jacobian product (VJP) of every op is written with the tape's own
// ops. Grad runs those VJPs with recording off, unless GradOptions.CreateGraph
// is set: then the backward pass is recorded like any forward computation,
// and a second Grad differentiates it. This is what score matching needs:
//
//	s := tp.Grad(E, x, CreateGraph)           // s = ∇ₓE, recorded
//	loss := mean over rows of ‖s‖²
//	tp.Grad(loss, θ)                          // ∇θ mean ‖∇ₓE‖²
//
// and likewise ∇θ of tr ∇²ₓE (a Grad per column of s) or of Hutchinson's
// vᵀ∇ₓ(vᵀ∇ₓE). Smooth activations have fused kernels for their first and
// second derivatives (SiLU keeps σ(x) from its forward pass) and compose
// their higher derivatives from other ops. GELU is the exact x·Φ(x);
// GELUTanh is PyTorch's tanh approximation (what DiT-style transformers
// use), within 5e-4 of it at a tenth of the cost.
//
// Grad walks only the ops on a path from the requested inputs to the outputs,
// and asks each op only for the input gradients that are needed: the score of
// a network computes no weight gradients. An input the outputs do not depend
// on gets zeros.
//
// # Shapes and broadcasting
//
// Tensors are row-major with any rank; a batch of n points in d dimensions is
// [n, d]. Add, Sub, Mul and Div broadcast as NumPy does (a scalar, a row
// vector such as a bias, a column vector such as per-row weights); MulAdd is
// a⊙b + c in one pass, with Add(Mul(a, b), c)'s bits and gradients (adaLN's
// per-sample modulations). MatMul and
// Linear take rank-2 tensors and call BLAS; their VJPs are products through
// BLAS too, never a broadcast-and-reduce. Shape errors are programmer errors
// and panic with the op's name and the shapes.
//
// Broadcasting an [n] beside an [n, 1] gives [n, n], as in NumPy: a per-row
// statistic that lost its axis pairs every row with every other. SumAxes and
// MeanAxes keep the reduced axes with size 1, so reducing [n, d] over axis 1
// gives [n, 1], which broadcasts back row by row; SumAxis, MeanAxis and
// LogSumExp remove the axis.
//
// # Storage, speed and reproducibility
//
// A tape owns the storage of the tensors its ops make; Reset recycles it, so
// a sampler's loop of score evaluations allocates no tensor storage after
// its first step. Large ops are split across cores, as many as the tape
// allows (Tape.SetCores: every core by default; a caller running several
// tapes at once gives each its share). Reductions are summed in pieces of
// fixed size combined in a fixed order, and large matrix products are
// split into blocks of fixed size, so results are the same bits on one
// core or many.
//
// Matrix products use goebm's own on amd64 CPUs that have AVX2 and FMA:
// float64 micro-kernels in assembly (6×16 with AVX-512, 4×8 with AVX2)
// that read the operands where they lie, with their strides, packing only
// a transposed B and the partial panels at the edges; gonum's pure-Go BLAS
// elsewhere. Building with -tags openblas routes them
// to OpenBLAS through gonum.org/v1/netlib (Debian package libopenblas-dev);
// BLAS reports which.
//
// # Precision
//
// Values are float64. A tensor also carries a Precision, the number type of
// the matrix products that read it: Float64 (the default) or Float32, set
// on leaves with SetPrecision (nn.SetPrecision sets a network's parameters)
// and passed on by every op to its output, so a float32 network computes
// every product of its forward pass, its gradients and its gradients'
// gradients in float32 whatever its input. A float32 product rounds its
// operands as it packs them into panels and runs a 6×32 AVX-512 or 6×16
// AVX2 float32 micro-kernel (16 or 8 lanes per instruction to float64's 4;
// the two give the same bits) or OpenBLAS's sgemm; a product of at most 32
// columns and 256 terms (attention's per-head products) packs only B and
// rounds A as it reads it, four rows at a time, with the same bits. Each
// block of up to 256 terms is summed in float32 and the block sums in
// float64. Element-wise ops, reductions, optimizers and the MCMC
// that drives the energies stay float64: the products are where networks
// spend their time, and accept tests and analytic energies need the digits.
// The exceptions are SiLU's σ and GELUTanh, computed in float32 on Float32
// tensors where the CPU has AVX-512 (σ 1.45× faster, within 3 units of
// float32's rounding of σ at x rounded to float32; GELUTanh and its
// derivative within float32's rounding of x carried through): after the
// products they were the largest costs of a float32 conv energy's E(x) and
// of the transformer's step (1.05× on its ∇θ, 1.07× forward).
// HasFloat32 reports whether this build has a float32 product (gonum's
// pure-Go path computes Float32 products in float64).
//
// The assembly kernels that stream over whole tensors (SiLU's and
// GELUTanh's passes, padding a convolution's input) load and store whole
// vectors unmasked, keeping masks for a run's last values, and prefetch
// what they must read under masks: on Zen 5, masked loads and stores from
// and to memory not in cache ran 2–3× slower than plain ones even under
// full masks (the hardware's prefetcher does not follow masked loads),
// which cost a float32 conv energy's DSM step 1.14× (BenchmarkPasses
// times the passes in cache and out of it).
//
// # Normalisation, batch statistics and dropout
//
// MeanAxes, VarAxes and Moments reduce over any set of axes and keep them
// with size 1, so the statistics broadcast back against their input; the
// variance is the biased one (divided by the count) and is summed around the
// mean, Σ(x − μ)², which keeps its digits when |μ| ≫ σ. Moments over all axes
// but the channel axis are batch normalisation's statistics; Normalize
// applies (x − μ)/√(σ² + eps) with them in training or with running
// statistics, held as leaves and updated outside the tape, in evaluation.
//
// LayerNorm (over trailing axes) and GroupNorm (over groups of channels and
// the spatial axes of [N, C, ...]) follow PyTorch: biased variance, eps inside
// the square root, then a per-element or per-channel weight and bias. Both
// standardise each row of a [rows, m] view in one fused kernel that keeps
// x̂ = (x − μ)·r and r = 1/√(σ² + eps), recorded as two ops of x. The VJP
//
//	∂L/∂x = r ⊙ (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂))   (means over the row)
//
// is written with x̂ and r, and r's own VJP (−g r² x̂/m) with the same
// tensors, so both are exact functions of x and every order of derivative
// follows; without recording the VJP runs as one fused kernel. The affine
// part is another fused op whose parameter gradients are sums over the
// batch and spatial axes.
//
// Dropout zeroes elements with probability p using an injected *rand.Rand
// and scales the rest by 1/(1 − p); it is the identity outside training. The
// mask is a constant of the graph.
//
// # Any rank, softmax, indexing and attention
//
// Permute reorders the axes of a tensor of any rank (its gradient is the
// inverse permutation); Split is the inverse of Concat. BatchMatMul
// multiplies [..., m, k] by [..., k, n] with broadcast batch axes, one gemm
// per batch, and its gradients are batched products summed over the axes an
// operand was broadcast along.
//
// Softmax and LogSoftmax along an axis shift each line by its maximum; a
// line of all −∞ gives zeros (Softmax) or −∞ (LogSoftmax) rather than NaN.
// Softmax's exponentials are sigmoid's polynomial (within 3 ulp of
// math.Exp), eight lanes at a time with AVX-512 on a contiguous line.
// The two VJPs are y ⊙ (g − Σ g ⊙ y) and g − eʸ ⊙ Σ g, composed of ops. Max
// routes its gradient to the first maximum of each line, which ArgMax
// returns (as []int: indices carry no gradient). Gather and ScatterAdd pick
// and add back elements along an axis by an index per element (PyTorch's
// gather and scatter_add); each is the other's adjoint. Where selects
// between two broadcast operands by a mask without mixing them, so a −∞ in
// the branch not taken stays out of values and gradients. Embedding looks
// rows of a table up by id.
//
// ScaledDotProductAttention computes softmax(q·kᵀ·scale + mask)·v per batch
// and head in one fused pass (two gemms and an in-place stable softmax), and
// keeps the probabilities P for the backward pass:
//
//	dv = Pᵀg,  dS = P ⊙ (g·vᵀ − Σⱼ P ⊙ g·vᵀ),  dq = scale·dS·k,  dk = scale·dSᵀq,
//
// fused the same way, head by head. Recorded (CreateGraph), it rebuilds P
// from ops so that every order of derivative flows through q, k and the
// mask. PackedAttention is the same for heads packed as a linear layer
// makes them ([n, L, 3·D]: q, k and v, each heads × D/heads): its gemms
// read and write each head's rows in place, with no Permute splitting the
// heads out and merging them back. Masks are additive (−∞
// blocks; MaskFromBool converts a boolean one); Causal blocks keys after the
// query. A query with every key blocked gets zeros. Work is split into
// pieces of fixed size, so results are the same bits on any number of cores.
//
// # Convolutions, pooling and upsampling
//
// Conv2d and ConvTranspose2d take images [N, C, H, W] and follow PyTorch's
// conv2d and conv_transpose2d (stride, padding, dilation, groups, and
// output padding for the transposed one; ConvOptions' zero value is stride
// 1, no padding, dilation 1, one group). Conv2d is a product per group of
// the weight and the column matrix of a piece of samples (pieces of a size
// set by the geometry alone, so that deep layers with few output positions
// still make wide products), pieces spread over the cores; its weight
// layout is [O, C/G, kH, kW] and ConvTranspose2d's [Cin, Cout/G, kH, kW].
// Where goebm's packed kernels run, the column matrix is not written out:
// each sample is padded and split into its stride's phases (space to
// depth), which makes every row of the column matrix one contiguous run of
// that buffer, and the product reads the runs in place; the adjoint adds
// its rows back as whole runs. A float32 product with AVX-512 over more
// than a few taps pads into a float32 buffer that its kernel reads where it
// lies, rounding each value once as it is padded, and takes the rows past
// its whole 6-row panels (a layer's last few output channels) four at a
// time where there are three or four, else one at a time; on a small map,
// where many grid positions are no output, it computes at the outputs'
// positions only, six positions by 32 channels at a time; a shallow
// stride-1 conv (at most 32 terms a sum: a first layer) writes its outputs
// where they go, eight channels by 32 columns at a time. All give the same
// sums. Stride-2 grids are written, and stride-2 adjoints put back together
// from their phases, a whole image plane per kernel call. The others pack
// the runs into panels, rounding there, which gives the same values.
// Elsewhere (OpenBLAS in float64, gonum, or a layer whose phase grid
// wastes too much) it is im2col; both give the same bits. A stride-1
// conv's adjoint (its input gradient, and a stride-1
// ConvTranspose2d) is computed as the forward conv of the output gradient
// with the weight flipped in space and its channel axes swapped, so that
// it too reads its input in place (unless it has fewer than 8 input
// channels: except on a float32 grid, whose one-row kernel serves a first
// layer's single channel); a strided conv's adjoint whose kernel is
// a multiple of the stride is one stride-1 conv of all the stride's phases
// at once (the sub-pixel form), interleaved into the image. Both sum each
// element in another order than col2im would (tested against it within
// the sums' rounding). Conv2dSiLU is SiLU(Conv2d), SiLU run on each piece
// of outputs while it is in cache (in place on a tape that does not
// record; recording, into SiLU's own output, the same two ops recorded).
// In a first-order Grad a SiLU's gradient is not written whole where the
// convolution before it needs only its input's gradient: that
// convolution's flipped or phased adjoint computes it a piece at a time as
// it pads it (the same kernels, the same bits). A large adjoint that such a
// gradient is taken of is not written whole either: the convolution that
// pads the gradient computes that adjoint too, for the same piece of
// samples, so neither reaches memory.
//
// Three ops close the family under differentiation, for one geometry: the
// conv K(x, w), its adjoint Kᵀ(y, w) (the transposed conv), and the weight
// correlation C(x, y) with ⟨C(x, y), w⟩ = ⟨K(x, w), y⟩. Each is bilinear and
// each VJP is one of the three: ∂K = (Kᵀ(g, w), C(x, g)),
// ∂Kᵀ = (K(g, w), C(g, y)), ∂C = (Kᵀ(y, g), K(x, g)). Bias gradients are a
// row sum then a column sum. So every order of derivative runs on the same
// kernels, and score matching can train convolutional energies. The
// weight correlation sums samples in chunks of fixed size, added in order,
// so results are the same bits on any number of cores.
//
// AvgPool2d (PyTorch's defaults: zeros in the padding count, the size
// rounds down), UpsampleNearest2d and UpsampleBilinear2d (align_corners
// false) are each a separable linear map of every plane, Y = A·X·Bᵀ with
// fixed 1-D matrices A and B, computed as two products. Their gradient is
// the same op with Aᵀ and Bᵀ: average pooling's gradient is an upsampling
// and the other way round.
//
// # Linear algebra
//
// Cholesky factors a symmetric positive-definite [n, n] matrix as L·Lᵀ;
// SolveTriangular solves with a triangular matrix or its transpose, Solve
// with a general one (LU with partial pivoting). Built from them:
// CholeskySolve (a⁻¹·b given a's factor), LogDetCholesky and LogDet
// (2 Σ log Lᵢᵢ), InverseSPD (through the factor) and Inverse (general,
// through Solve); Diag and DiagEmbed take and make diagonals. The forward
// kernels are gonum's BLAS and LAPACK in float64, whatever the Precision.
// The VJPs are written with these ops, MatMulT and a mask of the lower
// triangle, so every order of derivative follows; the Cholesky one is
// Murray's (2016),
//
//	ā = L⁻ᵀ·sym(Φ(Lᵀ·L̄))·L⁻¹,  Φ: the lower triangle with its diagonal halved,
//
// and a solve's is another solve, with the transpose, and an outer product:
// b̄ = op(a)⁻ᵀ·x̄, op(a)‾ = −b̄·xᵀ (kept to the triangle for a triangular a).
// Without recording, Cholesky's VJP runs Murray's unblocked reverse-mode
// algorithm instead, at about the cost of the factorisation (n³/3
// multiply-adds against 3n³ for the solves): for a Gaussian process of 50
// points, about 8 µs to factor its kernel matrix and 14 µs to differentiate
// through the factor.
//
// Cholesky reads the symmetric part (a + aᵀ)/2 of its input, so its gradient
// is symmetric and matches a finite difference in any element. Whether a
// matrix is positive definite depends on data, so a matrix that is not
// gives a factor of NaNs, and NaN log-determinants and gradients, rather
// than a panic: goebm's HMC, NUTS and MALA reject a proposal whose energy
// is NaN (as divergent), and report a NaN at the starting point as an error.
// Solve does the same for an exactly singular matrix.
//
// # Special functions
//
// Lgamma (log|Γ|), Digamma and Polygamma(n, ·) (ψ⁽ⁿ⁾, any n ≥ 0) are
// element-wise ops for the normalising constants of statistical densities;
// the VJP of ψ⁽ⁿ⁾ is ψ⁽ⁿ⁺¹⁾, so every order of derivative is exact.
//
// # Checking gradients
//
// CheckGrad compares the gradients of any function built from tape ops with
// central finite differences, at first order or any higher order, like
// PyTorch's gradcheck and gradgradcheck. The tests run it over every op.
package tensor
