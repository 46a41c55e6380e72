package model

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// The networks a config can name (Config.Arch).
const (
	// ArchMLP is a multilayer perceptron on flat points (the default).
	ArchMLP = "mlp"
	// ArchConv is a convolutional ResNet energy on images
	// (nn.NewResNetEnergy): an energy, or with Classes a classifier whose
	// logits are an energy (JEM).
	ArchConv = "conv"
	// ArchTransformer is the conditional transformer on images
	// (nn.ConditionalTransformer): a velocity or a field of the flow losses,
	// label-conditional with Classes.
	ArchTransformer = "transformer"
	// ArchUNet is a convolutional U-Net on images (nn.UNet): a velocity or
	// a field of the flow losses, label-conditional with Classes.
	ArchUNet = "unet"
)

// Archs lists the networks with what each is for, as ebm train's -model
// flag takes them.
func Archs() [][2]string {
	return [][2]string{
		{ArchConv, "convolutional ResNet energy (IGEBM, JEM) for images"},
		{ArchMLP, "multilayer perceptron on flat points (the default)"},
		{ArchTransformer, "conditional transformer (patches, adaLN-Zero) for the flow losses on images"},
		{ArchUNet, "convolutional U-Net (time and label shifts) for the flow losses on images"},
	}
}

// defaultWidths are the conv network's stage widths when Widths is nil:
// on the digits, a Langevin step of a batch of 64 costs about 10 ms on two
// cores at these widths, 20 ms at 32, 64.
var defaultWidths = []int{16, 32}

// checkImageShape wants Image to be a shape [C, H, W] of Dim pixels.
func (c Config) checkImageShape() error {
	if len(c.Image) != 3 || c.Image[0] < 1 || c.Image[1] < 1 || c.Image[2] < 1 || c.Image[0]*c.Image[1]*c.Image[2] != c.Dim {
		return fmt.Errorf("model: -model %s needs images: image shape %v for dimension %d: %w", c.Arch, c.Image, c.Dim, ErrInvalid)
	}
	return nil
}

// imageNetwork returns the conv, transformer or U-Net network of the config for a
// model of kind k, with the activation act, initialised from rng (Network
// checks the shape and sizes first).
func (c Config) imageNetwork(k Kind, act nn.Activation, rng *rand.Rand) (nn.Module, error) {
	ch, h, w := c.Image[0], c.Image[1], c.Image[2]
	switch c.Arch {
	case ArchConv:
		if k != KindEnergy && k != KindClassifier {
			return nil, fmt.Errorf("model: -model conv is an energy or a classifier, not %s: the flow losses take -model transformer or mlp: %w", k.Describe(), ErrInvalid)
		}
		widths := c.Widths
		if widths == nil {
			widths = defaultWidths
		}
		net, err := nn.NewResNetEnergy(rng, ch, h, w, nn.ResNetSettings{Channels: widths, Classes: c.Classes, SpectralNorm: c.SpectralNorm, Activation: act})
		if err != nil {
			return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
		return net, nil
	case ArchTransformer:
		if k != KindFlow && k != KindEquilibrium {
			return nil, fmt.Errorf("model: -model transformer is a velocity or a field of the flow losses (fm, eqm), not %s: %w", k.Describe(), ErrInvalid)
		}
		net, err := nn.NewConditionalTransformer(rng, nn.TransformerConfig{Channels: ch, Height: h, Width: w, Patch: c.Patch,
			Dim: c.Hidden, Depth: c.Layers, Heads: c.Heads, Classes: c.Classes})
		if err != nil {
			return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
		return net, nil
	case ArchUNet:
		if k != KindFlow && k != KindEquilibrium {
			return nil, fmt.Errorf("model: -model unet is a velocity or a field of the flow losses (fm, eqm), not %s: %w", k.Describe(), ErrInvalid)
		}
		net, err := nn.NewUNet(rng, ch, h, w, nn.UNetSettings{Channels: c.Widths, Classes: c.Classes, Activation: act})
		if err != nil {
			return nil, fmt.Errorf("model: %w: %w", err, ErrInvalid)
		}
		return net, nil
	}
	return nil, fmt.Errorf("model: unknown network %q (valid: conv, mlp, transformer, unet): %w", c.Arch, ErrInvalid)
}

// Labelled is data with, where the set has them, one label per row.
type Labelled struct {
	// X holds the rows [n, d].
	X *tensor.Tensor
	// Y holds the labels, nil for unlabelled data.
	Y []int
}

// ImageData returns an image set's fixed training and test splits
// (dataset.Images.Split), dequantised into [−1, 1] by Images.Scaled with
// noise from rand.NewPCG(seed, 1) and rand.NewPCG(seed, 2), with their
// labels, and the set itself. dir is where the set's files are (empty: its
// default place).
func ImageData(name, dir string, seed uint64) (train, test Labelled, im *dataset.Images, err error) {
	im, err = dataset.LoadImages(name, dir)
	if err != nil {
		return train, test, nil, fmt.Errorf("model: %w", err)
	}
	train, test = ImageSplits(im, seed)
	return train, test, im, nil
}

// ImageSplits returns the training and test splits of a loaded image set,
// as ImageData does.
func ImageSplits(im *dataset.Images, seed uint64) (train, test Labelled) {
	tr, te := im.Split()
	train = Labelled{X: tr.Scaled(rand.New(rand.NewPCG(seed, 1))), Y: slices.Clone(tr.Labels)}
	test = Labelled{X: te.Scaled(rand.New(rand.NewPCG(seed, 2))), Y: slices.Clone(te.Labels)}
	return train, test
}

// LoadData returns the config's training and test data: an image set's
// splits with their labels (ImageData, from DataDir), or the points of Data
// (unlabelled).
func (c Config) LoadData(nTest int) (train, test Labelled, err error) {
	if dataset.IsImageSet(c.Data) {
		train, test, _, err = ImageData(c.Data, c.DataDir, c.Seed)
		return train, test, err
	}
	x, y, err := c.Points(nTest)
	return Labelled{X: x}, Labelled{X: y}, err
}

// ForImages fills the image fields of a conv or transformer config for the
// image set im: the shape, and the number of classes where the loss or the
// network uses labels (a classifier, JEM, or a flow on a transformer, which
// is then label-conditional). An MLP's config is returned with only its
// dimension, as it takes flat rows, except for loss ncsn, whose MLP too is
// an image model (generated, drawn and scored as images).
func (c Config) ForImages(im *dataset.Images) Config {
	c.Dim = im.Dim()
	if c.Loss == "ncsn" { // an image model on any network: annealed, clamped and scored as images
		c.Image = []int{im.C, im.H, im.W}
	}
	if c.Arch == "" || c.Arch == ArchMLP {
		return c
	}
	c.Image = []int{im.C, im.H, im.W}
	if c.usesLabels() {
		c.Classes = max(len(im.Classes), maxLabel(im.Labels)+1)
	}
	return c
}

// usesLabels reports whether the config's model learns from labels.
func (c Config) usesLabels() bool {
	switch c.Loss {
	case "ce", "jem":
		return true
	case "fm", "eqm":
		return c.Arch == ArchTransformer || c.Arch == ArchUNet
	}
	return false
}

func maxLabel(y []int) int {
	m := -1
	for _, v := range y {
		m = max(m, v)
	}
	return m
}
