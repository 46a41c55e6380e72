package model

import (
	"fmt"
	"math"

	"github.com/goebm/goebm/nn"
)

// Check refuses, before any work, a config that cannot train: a dimension,
// width, layer count, step count or batch below 1, sizes beyond what the
// machine can hold or steps beyond limit.MaxSteps, a learning rate that is
// not positive and finite, a negative or infinite CD regulariser, or an
// unknown loss, activation, coupling, interpolant or CD sampler. Its errors wrap ErrInvalid and name
// the settings as config.json does.
func (c Config) Check() error {
	switch {
	case c.Dim < 1 || c.Hidden < 1 || c.Layers < 1 || c.Steps < 1 || c.Batch < 1:
		return fmt.Errorf("model: dim %d, hidden %d, layers %d, steps %d, batch %d: each must be positive: %w",
			c.Dim, c.Hidden, c.Layers, c.Steps, c.Batch, ErrInvalid)
	case !(c.LR > 0) || math.IsInf(c.LR, 1):
		return fmt.Errorf("model: lr %g: must be positive and finite: %w", c.LR, ErrInvalid)
	case !(c.CDReg >= 0) || math.IsInf(c.CDReg, 1):
		return fmt.Errorf("model: cd_reg %g: must be finite and not negative: %w", c.CDReg, ErrInvalid)
	}
	if err := c.checkSizes(); err != nil {
		return fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	if _, err := nn.ActivationByName(c.Activation); err != nil {
		return fmt.Errorf("model: %w: %w", err, ErrInvalid)
	}
	_, err := c.NewLoss(nil) // the names of its settings
	return err
}
