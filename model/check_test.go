package model

import (
	"errors"
	"math"
	"testing"

	"github.com/goebm/goebm/dataset"
)

func TestConfigCheck(t *testing.T) {
	ok := Config{Data: "twomoons", Loss: "fm", Dim: 2, Hidden: 8, Layers: 2, Activation: "silu", Steps: 10, Batch: 16, LR: 1e-3,
		Coupling: "exact-ot", Interpolant: "vp"}
	if err := ok.Check(); err != nil {
		t.Fatalf("a valid config: %v", err)
	}
	for name, change := range map[string]func(*Config){
		"no layers":      func(c *Config) { c.Layers = 0 },
		"no steps":       func(c *Config) { c.Steps = 0 },
		"zero batch":     func(c *Config) { c.Batch = 0 },
		"zero lr":        func(c *Config) { c.LR = 0 },
		"NaN lr":         func(c *Config) { c.LR = math.NaN() },
		"Inf lr":         func(c *Config) { c.LR = math.Inf(1) },
		"NaN reg":        func(c *Config) { c.CDReg = dataset.Float(math.NaN()) },
		"Inf reg":        func(c *Config) { c.CDReg = dataset.Float(math.Inf(1)) },
		"huge steps":     func(c *Config) { c.Steps = 1 << 62 },
		"huge hidden":    func(c *Config) { c.Hidden = 1 << 62 },
		"huge layers":    func(c *Config) { c.Layers = 1 << 62 },
		"huge batch":     func(c *Config) { c.Batch = 1 << 62 },
		"negative reg":   func(c *Config) { c.CDReg = dataset.Float(-1) },
		"activation":     func(c *Config) { c.Activation = "swish" },
		"loss":           func(c *Config) { c.Loss = "magic" },
		"coupling":       func(c *Config) { c.Coupling = "psychic" },
		"interpolant":    func(c *Config) { c.Interpolant = "wiggly" },
		"CD sampler":     func(c *Config) { c.Loss, c.CDSampler = "cd", "gibbs" },
		"AIS CD sampler": func(c *Config) { c.Loss, c.CDSampler = "cd", "ais" },
		"NaN gen weight": func(c *Config) { c.GenWeight = dataset.Float(math.NaN()) },
		"gen weight −1":  func(c *Config) { c.GenWeight = dataset.Float(-1) },
	} {
		c := ok
		change(&c)
		if err := c.Check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
