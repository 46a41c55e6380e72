package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	Coupling   string  `json:"coupling,omitempty"`
}

func (c modelConfig) sizes() []int {
	s := []int{c.Dim}
	for range c.Layers {
		s = append(s, c.Hidden)
	}
	return append(s, 1)
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
func loadModel(dir string) (*trained, error) {
	var c modelConfig
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("-model %s: not a model directory (no config.json; ebm train writes one)", dir)
		}
		return nil, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("-model %s: config.json: %v", dir, err)
	}
	net, err := c.network(0)
	if err != nil {
		return nil, fmt.Errorf("-model %s: %w", dir, err)
	}
	weights := filepath.Join(dir, "model_ema.params")
	if _, err := os.Stat(weights); err != nil {
		weights = filepath.Join(dir, "model.params")
	}
	if err := nn.Load(weights, net); err != nil {
		return nil, fmt.Errorf("-model %s: %w", dir, err)
	}
	m, err := newTrained(c, net)
	if err != nil {
		return nil, fmt.Errorf("-model %s: %w", dir, err)
	}
	return m, nil
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
