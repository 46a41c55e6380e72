package model

import (
	"encoding/json"
	"strings"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/flow"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/loss"
	"github.com/goebm/goebm/nn"
	"github.com/goebm/goebm/train"
)

// CallbackDocs names the training callbacks (train.Callbacks), each with
// its settings and their defaults after its line.
func CallbackDocs() [][2]string {
	var out [][2]string
	for _, c := range train.Callbacks() {
		doc := c.Doc
		if len(c.Params) > 0 {
			var ps []string
			for _, p := range c.Params {
				ps = append(ps, p[0]+"="+p[1])
			}
			doc += " (" + strings.Join(ps, ", ") + ")"
		}
		out = append(out, [2]string{c.Name, doc})
	}
	return out
}

// NameGroup is one kind of named thing, with each name's one-line
// description.
type NameGroup struct {
	// Title is the kind, plural: "energies", "samplers", ….
	Title string
	Names [][2]string
}

// Catalog is a list of name groups.
type Catalog []NameGroup

// MarshalJSON writes the catalogue as one object of groups, each an object
// from name to description.
func (c Catalog) MarshalJSON() ([]byte, error) {
	m := map[string]map[string]string{}
	for _, g := range c {
		m[g.Title] = map[string]string{}
		for _, nd := range g.Names {
			m[g.Title][nd[0]] = nd[1]
		}
	}
	return json.Marshal(m)
}

// Catalogue returns every name goebm's registries know, by kind: analytic
// energies, samplers, losses, couplings, interpolants, their SDEs'
// diffusion forms, flow networks' predictions, the SDEs' last steps,
// integrators, datasets and activations, so that a program can offer them all (ebm list
// prints it).
func Catalogue() Catalog {
	return Catalog{
		{"energies", energy.Names()},
		{"samplers", SamplerDocs()},
		{"losses", LossDocs()},
		{"couplings", coupling.Names()},
		{"interpolants", interpolant.Names()},
		{"diffusions", interpolant.DiffusionNames()},
		{"predictions", interpolant.PredictionNames()},
		{"last steps", flow.LastStepNames()},
		{"integrators", integrate.Names()},
		{"datasets", dataset.Names()},
		{"activations", nn.ActivationNames()},
		{"eqm scales", loss.EqMScaleNames()},
		{"callbacks", CallbackDocs()},
	}
}
