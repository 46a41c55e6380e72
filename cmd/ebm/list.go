package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/goebm/goebm/coupling"
	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/integrate"
	"github.com/goebm/goebm/interpolant"
	"github.com/goebm/goebm/model"
	"github.com/goebm/goebm/nn"
)

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("list", "The names the other commands take, with one line each.", stderr)
	asJSON := fs.Bool("json", false, "print the lists as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	groups := []struct {
		title string
		items [][2]string
	}{
		{"energies", energy.Names()},
		{"samplers", model.SamplerDocs()},
		{"losses", model.LossDocs()},
		{"couplings", coupling.Names()},
		{"interpolants", interpolant.Names()},
		{"integrators", integrate.Names()},
		{"datasets", dataset.Names()},
		{"activations", nn.ActivationNames()},
	}
	if *asJSON {
		m := map[string]map[string]string{}
		for _, g := range groups {
			m[g.title] = map[string]string{}
			for _, it := range g.items {
				m[g.title][it[0]] = it[1]
			}
		}
		return json.NewEncoder(stdout).Encode(m)
	}
	for _, g := range groups {
		fmt.Fprintf(stdout, "%s:\n", g.title)
		for _, it := range g.items {
			fmt.Fprintf(stdout, "  %-16s %s\n", it[0], it[1])
		}
	}
	return nil
}
