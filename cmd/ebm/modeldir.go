package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/nn"
)

// modelConfig is DIR/config.json: what rebuilds a trained network.
type modelConfig struct {
	Data       string  `json:"data"`
	Loss       string  `json:"loss"`
	Dim        int     `json:"dim"`
	Hidden     int     `json:"hidden"`
	Layers     int     `json:"layers"`
	Activation string  `json:"activation"`
	Steps      int     `json:"steps"`
	Batch      int     `json:"batch"`
	LR         float64 `json:"lr"`
	Seed       uint64  `json:"seed"`
}

func (c modelConfig) sizes() []int {
	s := []int{c.Dim}
	for range c.Layers {
		s = append(s, c.Hidden)
	}
	return append(s, 1)
}

func (c modelConfig) network(seed uint64) (nn.Module, error) {
	act, err := nn.ActivationByName(c.Activation)
	if err != nil {
		return nil, err
	}
	return nn.NewMLP(rand.New(rand.NewPCG(seed, 3)), c.sizes(), act, nil)
}

func writeJSON(path string, v any) error {
	return safefile.WriteFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// loadModel reads a model directory written by ebm train: its config and
// weights (the EMA weights when present).
func loadModel(dir string) (modelConfig, nn.Module, *energy.Model, error) {
	var c modelConfig
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return c, nil, nil, fmt.Errorf("-model %s: not a model directory (no config.json; ebm train writes one)", dir)
		}
		return c, nil, nil, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, nil, nil, fmt.Errorf("-model %s: config.json: %v", dir, err)
	}
	net, err := c.network(0)
	if err != nil {
		return c, nil, nil, fmt.Errorf("-model %s: %w", dir, err)
	}
	weights := filepath.Join(dir, "model_ema.params")
	if _, err := os.Stat(weights); err != nil {
		weights = filepath.Join(dir, "model.params")
	}
	if err := nn.Load(weights, net); err != nil {
		return c, nil, nil, fmt.Errorf("-model %s: %w", dir, err)
	}
	e, err := energy.NewModel(net, c.Dim)
	if err != nil {
		return c, nil, nil, err
	}
	return c, net, e, nil
}

// checkOutput refuses to overwrite an existing file without -force.
func checkOutput(path string, force bool) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s exists; pass -force to overwrite it", path)
	}
	return nil
}
