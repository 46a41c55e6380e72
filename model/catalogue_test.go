package model

import (
	"encoding/json"
	"io"
	"slices"
	"testing"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/train"
)

// TestCatalogueFinds checks that every listed name of the groups with a
// ByName is found by it, and that the groups come in their order.
func TestCatalogueFinds(t *testing.T) {
	byName := map[string]func(string) error{
		"energies":     func(n string) error { _, err := energy.ByName(n, 2); return err },
		"samplers":     func(n string) error { _, err := SamplerByName(n); return err },
		"losses":       func(n string) error { _, err := RecipeByName(n); return err },
		"couplings":    func(n string) error { _, err := coupling.ByName(n); return err },
		"interpolants": func(n string) error { _, err := interpolant.ByName(n); return err },
		"diffusions":   func(n string) error { _, err := interpolant.DiffusionByName(n); return err },
		"predictions":  func(n string) error { _, err := interpolant.PredictionByName(n); return err },
		"last steps":   func(n string) error { _, err := flow.LastStepByName(n); return err },
		"integrators":  func(n string) error { _, err := integrate.Lookup(n); return err },
		"eqm scales":   func(n string) error { _, err := loss.EqMScaleByName(n); return err },
		"callbacks":    func(n string) error { _, err := train.ParseCallbacks(n, io.Discard); return err },
	}
	var titles []string
	for _, g := range Catalogue() {
		titles = append(titles, g.Title)
		if len(g.Names) == 0 {
			t.Errorf("%s: empty", g.Title)
		}
		for _, nd := range g.Names {
			if f := byName[g.Title]; f != nil {
				if err := f(nd[0]); err != nil {
					t.Errorf("%s %s: %v", g.Title, nd[0], err)
				}
			}
		}
	}
	if want := []string{"energies", "samplers", "losses", "couplings", "interpolants", "diffusions", "predictions", "last steps", "integrators", "datasets", "activations", "eqm scales", "callbacks"}; !slices.Equal(titles, want) {
		t.Errorf("groups %q, want %q", titles, want)
	}
}

func TestCatalogJSON(t *testing.T) {
	c := Catalog{{"b", [][2]string{{"y", "why"}, {"x", "ex"}}}, {"a", nil}}
	b, err := json.Marshal(c)
	if want := `{"a":{},"b":{"x":"ex","y":"why"}}`; err != nil || string(b) != want {
		t.Errorf("got %s, %v; want %s", b, err, want)
	}
}
