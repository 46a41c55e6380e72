package model

import (
	"errors"
	"reflect"
	"testing"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/loss"
)

// TestEqMSettingsReachLoss: the config's eqm settings build the loss they
// say, a threshold of 0 included (the truncated c(t) with a = 0, the
// linear one); they survive config.json; and settings the loss cannot use
// are refused by Check.
func TestEqMSettingsReachLoss(t *testing.T) {
	base := Config{Data: "twomoons", Loss: "eqm", Dim: 2, Hidden: 8, Layers: 1, Activation: "silu", Steps: 10, Batch: 8, LR: 1e-3}
	for _, c := range []struct {
		name string
		set  func(*Config)
		want loss.EquilibriumMatching
	}{
		{"defaults", func(*Config) {}, loss.EquilibriumMatching{}},
		{"linear", func(c *Config) { c.EqMScale = "linear"; c.EqMLambda = 2 }, loss.EquilibriumMatching{Scale: loss.LinearScale, Multiplier: 2}},
		{"threshold 0", func(c *Config) { c.EqMThreshold = dataset.Float(0) }, loss.EquilibriumMatching{Scale: loss.LinearScale}},
		{"threshold", func(c *Config) { c.EqMThreshold = dataset.Float(0.6) }, loss.EquilibriumMatching{Threshold: 0.6}},
		{"piecewise from 0", func(c *Config) { c.EqMScale = "piecewise"; c.EqMStart = dataset.Float(0) },
			loss.EquilibriumMatching{Scale: loss.PiecewiseScale}},
		{"piecewise", func(c *Config) {
			c.EqMScale = "piecewise"
			c.EqMStart = dataset.Float(2.5)
			c.EqMThreshold = dataset.Float(0.5)
		},
			loss.EquilibriumMatching{Scale: loss.PiecewiseScale, Start: 2.5, Threshold: 0.5}},
		{"dispersion", func(c *Config) { c.EqMDispersion = 0.5; c.EqMDispersionTemp = 0.1 }, loss.EquilibriumMatching{Dispersion: 0.5, DispersionTemp: 0.1}},
	} {
		cfg := base
		c.set(&cfg)
		dir := t.TempDir()
		if err := cfg.write(dir); err != nil {
			t.Fatal(err)
		}
		back, err := ReadConfig(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, cfg) {
			t.Errorf("%s: config.json gives back %+v, want %+v", c.name, back, cfg)
		}
		if err := back.Check(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		o, err := back.NewLoss(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Time.(loss.EquilibriumMatching); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: loss %+v, want %+v", c.name, got, c.want)
		}
	}
	for name, set := range map[string]func(*Config){
		"piecewise without start": func(c *Config) { c.EqMScale = "piecewise" },
		"start without piecewise": func(c *Config) { c.EqMStart = dataset.Float(2) },
		"piecewise threshold 0": func(c *Config) {
			c.EqMScale = "piecewise"
			c.EqMStart = dataset.Float(2)
			c.EqMThreshold = dataset.Float(0)
		},
		"unknown scale":             func(c *Config) { c.EqMScale = "cosine" },
		"threshold 1":               func(c *Config) { c.EqMThreshold = dataset.Float(1) },
		"negative lambda":           func(c *Config) { c.EqMLambda = -1 },
		"negative dispersion":       func(c *Config) { c.EqMDispersion = -0.1 },
		"negative dispersion temp.": func(c *Config) { c.EqMDispersionTemp = -1 },
	} {
		cfg := base
		set(&cfg)
		if err := cfg.Check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	r, err := RecipeByName("fm")
	if err != nil {
		t.Fatal(err)
	}
	kept := r.Keep(Config{Loss: "fm", EqMScale: "linear", EqMThreshold: dataset.Float(0), EqMLambda: 2, EqMStart: dataset.Float(1), EqMDispersion: 1, EqMDispersionTemp: 1})
	if !reflect.DeepEqual(kept, Config{Loss: "fm"}) {
		t.Errorf("fm keeps eqm settings: %+v", kept)
	}
}
