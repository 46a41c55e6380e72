package model

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRefusesNonFinite checks that a model directory whose weights hold
// a NaN or an infinity does not load, for every kind, and that the error
// names the parameter.
func TestLoadRefusesNonFinite(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"dsm", "fm", "eqm", "em"} {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			cfg := Config{Data: "circle", Loss: name, Dim: 2, Hidden: 4, Layers: 1, Activation: "tanh", Steps: 3, Batch: 16, LR: 1e-3, Seed: 2}
			l, err := NewLoss(name, LossSettings{Steps: 3})
			if err != nil {
				t.Fatal(err)
			}
			net, err := cfg.Network(KindOf(l), 7)
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(cfg, net, l)
			if err != nil {
				t.Fatal(err)
			}
			sub := filepath.Join(dir, name)
			ps := net.Params()
			last := ps[len(ps)-1]
			last.Value.Data()[0] = bad
			if err := m.Save(sub); err != nil {
				t.Fatal(err)
			}
			_, err = Load(sub)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), last.Name) {
				t.Errorf("%s with %g: %v; want an error naming %s", name, bad, err, last.Name)
			}
			if _, err := New(cfg, net, l); !errors.Is(err, ErrInvalid) {
				t.Errorf("New %s with %g: %v", name, bad, err)
			}
		}
	}
}
