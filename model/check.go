package model

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/goebm/goebm/dataset"

	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/tensor"
)

// Check refuses, before any work, a config that cannot train: a dimension,
// width, layer count, step count or batch below 1, sizes beyond what the
// machine can hold or steps beyond limit.MaxSteps, a learning rate that is
// not positive and finite, a negative or infinite CD regulariser, or an
// unknown loss, activation, coupling, interpolant, CD sampler or precision,
// and image settings that do not fit (checkImage). Its errors wrap ErrInvalid and name
// the settings as config.json does.
func (c Config) Check() error {
	switch {
	case c.Dim < 1 || (c.Arch != ArchConv && (c.Hidden < 1 || c.Layers < 1)) || c.Steps < 1 || c.Batch < 1: // a conv network has widths instead
		return fmt.Errorf("model: dim %d, hidden %d, layers %d, steps %d, batch %d: each must be positive: %w",
			c.Dim, c.Hidden, c.Layers, c.Steps, c.Batch, ErrInvalid)
	case c.Accumulate < 0:
		return fmt.Errorf("model: accumulate %d: must not be negative (0 means 1): %w", c.Accumulate, ErrInvalid)
	case !(c.EMA >= 0 && c.EMA < 1):
		return fmt.Errorf("model: ema %g: a decay in [0, 1) (0 means none): %w", c.EMA, ErrInvalid)
	case !(c.LR > 0) || math.IsInf(c.LR, 1):
		return fmt.Errorf("model: lr %g: must be positive and finite: %w", c.LR, ErrInvalid)
	case c.CDReg != nil && (!(*c.CDReg >= 0) || math.IsInf(*c.CDReg, 1)):
		return fmt.Errorf("model: cd_reg %g: must be finite and not negative: %w", *c.CDReg, ErrInvalid)
	}
	if err := c.checkImage(); err != nil {
		return err
	}
	if err := c.checkNoise(); err != nil {
		return err
	}
	if c.DataNoise != nil {
		gen, err := dataset.ByName(c.Data)
		if err != nil {
			return fmt.Errorf("model: data_noise for data %q: want a built-in 2-D dataset: %w", c.Data, ErrInvalid)
		}
		if _, err := dataset.WithNoise(gen, *c.DataNoise); err != nil {
			return fmt.Errorf("model: data_noise: %w: %w", err, ErrInvalid)
		}
	}
	if err := c.checkSizes(); err != nil {
		return fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	if _, err := nn.ActivationByName(c.Activation); err != nil {
		return fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	if _, err := tensor.ParsePrecision(c.Precision); err != nil {
		return fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	_, err := c.NewLoss(nil) // the names of its settings
	return err
}

// nonNeg says whether a setting is finite and not negative (NaN is not).
func nonNeg(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// checkImage checks the settings of image models and of CD's chains.
func (c Config) checkImage() error {
	switch {
	case c.Arch != "" && c.Arch != ArchMLP && c.Arch != ArchConv && c.Arch != ArchTransformer && c.Arch != ArchUNet:
		return fmt.Errorf("model: model %q: want conv, mlp, transformer or unet: %w", c.Arch, ErrInvalid)
	case c.Arch != "" && c.Arch != ArchMLP && !dataset.IsImageSet(c.Data):
		return fmt.Errorf("model: model %s needs an image set (%s), not data %q: %w", c.Arch, imageSetNames(), c.Data, ErrInvalid)
	case c.CDSteps < 0 || !nonNeg(c.CDStep) || !nonNeg(optional(c.CDNoise)):
		return fmt.Errorf("model: cd_steps %d, cd_step %g, cd_noise %g: each must be finite and not negative: %w", c.CDSteps, c.CDStep, optional(c.CDNoise), ErrInvalid)
	case !nonNeg(optional(c.GenWeight)):
		return fmt.Errorf("model: gen_weight %g: must be finite and not negative: %w", optional(c.GenWeight), ErrInvalid)
	case !(optional(c.LabelDrop) >= 0 && optional(c.LabelDrop) <= 1):
		return fmt.Errorf("model: label_drop %g: a probability in [0, 1]: %w", optional(c.LabelDrop), ErrInvalid)
	case c.Classes < 0 || c.Patch < 0 || c.Heads < 0:
		return fmt.Errorf("model: classes %d, patch %d, heads %d: none may be negative: %w", c.Classes, c.Patch, c.Heads, ErrInvalid)
	case slices.ContainsFunc(c.Widths, func(w int) bool { return w < 1 }):
		return fmt.Errorf("model: widths %v: each must be positive: %w", c.Widths, ErrInvalid)
	case c.Arch != "" && c.Arch != ArchMLP && (c.Loss == "drl" || c.Loss == "ed"):
		return fmt.Errorf("model: loss %s trains an MLP energy on points, not model %s: %w", c.Loss, c.Arch, ErrInvalid)
	case c.Arch != "" && c.Arch != ArchMLP && c.Loss == "sf2m":
		return fmt.Errorf("model: loss sf2m trains an MLP of velocity and score on points, not model %s: %w", c.Arch, ErrInvalid)
	case (c.Arch == ArchTransformer || c.Arch == ArchUNet) && c.Loss == "ncsn":
		return fmt.Errorf("model: model %s gives a field of the image's shape, not a scalar energy: loss ncsn wants model conv or mlp: %w", c.Arch, ErrInvalid)
	case (c.Arch == ArchTransformer || c.Arch == ArchUNet) && c.Loss != "fm" && c.Loss != "eqm":
		return fmt.Errorf("model: model %s is trained by the flow losses fm and eqm, not %s: %w", c.Arch, c.Loss, ErrInvalid)
	case c.Arch != ArchConv && (c.Loss == "ce" || c.Loss == "jem"):
		return fmt.Errorf("model: loss %s classifies: it needs model conv: %w", c.Loss, ErrInvalid)
	case c.Arch == ArchConv && (c.Loss == "fm" || c.Loss == "eqm" || c.Loss == "em"):
		return fmt.Errorf("model: model conv is an energy: loss %s wants model transformer, unet or mlp: %w", c.Loss, ErrInvalid)
	}
	return nil
}

// imageSetNames lists the image sets.
func imageSetNames() string {
	var out []string
	for _, n := range dataset.ImageNames() {
		out = append(out, n[0])
	}
	return strings.Join(out, ", ")
}
