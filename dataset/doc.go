// Package dataset provides training data: TorchEBM's eight 2-D synthetic
// distributions, shuffled mini-batches (Loader; NewLabelledLoader deals each
// batch's labels with it), and points read from and written to
// CSV or NumPy .npy files (Load and Save, which round-trip exactly).
// DrawsTable lays a sampler's draws out as such rows, with chain and draw
// columns.
//
// Each generator is a settings struct whose zero value means TorchEBM's
// defaults, drawing from an injected *rand.Rand, so the same seed gives the
// same points:
//
//	GaussianMixture  8 components of sd 0.05 evenly on the unit circle
//	EightGaussians   the 8 Gaussians of the EBM literature: sd 0.02, centres scaled by 2
//	TwoMoons         two interleaving half circles, noise 0.05
//	SwissRoll        a spiral over 3π, noise 0.05, standardised
//	Circle           the unit circle, noise 0.05
//	Checkerboard     uniform on the dark squares of [−4, 4]², noise 0.01
//	Pinwheel         5 curved blades, radial scale 2, angular sd 0.1, spiral 5, noise 0.05
//	Grid             a 10×10 grid on [−1, 1]², noise 0.01
//
// A generator's Noise is optional (*float64, set with Float or WithNoise):
// nil means the default above, and 0 asks for none, so the noiseless
// checkerboard of TorchEBM's newer default (its #320) can be had.
//
// Images are real data: Digits is the UCI optical digits (E. Alpaydin and
// C. Kaynak, 1998, CC BY 4.0; the file is embedded, see data/README.md),
// 1,797 8×8 grey images with pixels 0 … 16 and labels 0 … 9, found by name
// with ImagesByName("digits"). Split holds out a fixed fifth (image i when
// i mod 5 = 4: 359 test, 1,438 training images). Scaled dequantises them
// into [−1, 1]^64 with noise from an injected *rand.Rand,
//
//	x = 2(v + u)/L − 1,   u ~ U[0, 1) per pixel,   L = 17 levels,
//
// so each pixel value v fills a bin of width 2/L, and a density p of x gives
// the pixels a likelihood with −log P(v) ≤ E_u[−log p(x)] − D·log(2/L)
// (Jensen; D = 64, LogBinWidth = log(2/L)): an NLL of dequantised points in
// nats plus D·log(L/2) = 136.96 nats bounds the pixels' NLL, and divided by
// D·log 2 gives bits per dimension.
//
// Two departures from TorchEBM, for honest held-out data: TwoMoons draws its
// angles independently (TorchEBM spaces them evenly), and Grid cycles through
// its points for any n (TorchEBM returns exactly one per point).
//
// # Image files
//
// Every image loader returns Images: pixels as integers 0 … Levels−1 in
// [C, H, W] order, labels where the files have them (nil otherwise), class
// names where known, and the one stated scaling of Scaled, x = 2(v + u)/L − 1
// with u ~ U[0, 1) from an injected *rand.Rand, here with L = 256 levels
// (LogBinWidth = log(2/256); D·log(L/2) = 3,804.0 nats for 28×28). The
// files' sizes are checked against their headers and bounded by package
// limit before anything is allocated for them. Split holds out a set's
// official test split where it has one, and otherwise the fixed fifth
// (image i when i mod 5 = 4), which for a folder of PNGs, read class by
// class, is a fifth of every class.
//
//	ReadIDX, LoadIDX   MNIST's IDX format, gzipped or plain: 2 zero bytes, the
//	                   item type (only 0x08, unsigned bytes), the rank, the
//	                   sizes as big-endian uint32, then exactly the items the
//	                   sizes call for (a short file or trailing bytes is an
//	                   error); images [n, H, W] with labels [n], counts equal
//	FashionMNIST       Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, MIT),
//	                   from a directory or FashionMNISTDir, where Debian's
//	                   dataset-fashion-mnist installs it; the 60,000 training
//	                   images then the official 10,000 test images, which
//	                   Split holds out; LoadImages("fashion-mnist", dir)
//	LoadImageDir       PNGs in class folders, labels by sorted folder name;
//	                   grey [1, H, W] when every pixel has R = G = B, else RGB
//	                   [3, H, W]; alpha dropped, 16-bit samples cut to 8
//	LoadNPYImages      .npy [n, C, H, W] (or [n, H, W]) of whole numbers
//	                   0 … 255 in any integer or float type, labels in a
//	                   second .npy [n] of whole numbers 0 … 65535
package dataset
