package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/goebm/goebm/model"
)

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("list", "The names the other commands take, with one line each.", stderr)
	asJSON := fs.Bool("json", false, "print the lists as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	groups := model.Catalogue()
	if *asJSON {
		return json.NewEncoder(stdout).Encode(groups)
	}
	for _, g := range groups {
		fmt.Fprintf(stdout, "%s:\n", g.Title)
		width := 20 // or the group's longest name
		for _, it := range g.Names {
			width = max(width, len(it[0]))
		}
		for _, it := range g.Names {
			fmt.Fprintf(stdout, "  %-*s %s\n", width, it[0], it[1])
		}
	}
	return nil
}
