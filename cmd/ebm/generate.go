package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/goebm/goebm/eval"
)

type generateSummary struct {
	Model   string  `json:"model"`
	Kind    string  `json:"kind"`
	Points  int     `json:"points"`
	Seconds float64 `json:"seconds"`
	Out     string  `json:"out,omitempty"`
	Plot    string  `json:"plot,omitempty"`
}

func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", "Generate points from a trained model the way it generates: a flow by integrating from\nnoise, an energy-matching potential by its Langevin sweep, an energy from its density on a grid.", stderr)
	model := fs.String("model", "", "directory of a model trained by ebm train (required)")
	n := fs.Int("n", 1000, "number of points")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "write the points to this .csv or .npy file")
	plotPath := fs.String("plot", "", "draw the points over the model's density into this .png")
	force := fs.Bool("force", false, "overwrite existing output files")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *model == "":
		return usagef("-model is required")
	case *n < 1:
		return usagef("-n %d: must be positive", *n)
	case *plotPath != "" && !strings.HasSuffix(strings.ToLower(*plotPath), ".png"):
		return usagef("-plot %s: must be a .png file", *plotPath)
	}
	for _, p := range []string{*out, *plotPath} {
		if err := checkOutput(p, *force); err != nil {
			return err
		}
	}
	m, err := loadModel(*model)
	if err != nil {
		return err
	}
	start := time.Now()
	// The box of an energy's grid: around its training data, as in ebm train.
	ref, err := trainingSample(m.cfg)
	if err != nil {
		return err
	}
	box, err := eval.BoxFor(ref, 0.15)
	if err != nil {
		return err
	}
	x, err := m.generate(ctx, *n, box, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	s := generateSummary{Model: *model, Kind: m.cfg.kind(), Points: *n, Seconds: time.Since(start).Seconds(), Out: *out, Plot: *plotPath}
	if *out != "" {
		d := x.Dim(1)
		if err := writeTable(*out, []string{"x0", "x1"}, *n, d, func(r, c int) float64 { return x.Data()[r*d+c] }); err != nil {
			return err
		}
	}
	if *plotPath != "" {
		if err := generatePlot(*plotPath, m, box, x.Data()); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	fmt.Fprintf(stdout, "generated %d points from %s (%s) in %.2fs\n", s.Points, s.Model, describeKind(s.Kind), s.Seconds)
	return nil
}

func generatePlot(path string, m *trained, box eval.Box, pts []float64) error {
	g, err := energyGrid(m.negLogDensity, box, gridCells(m))
	if err != nil {
		return err
	}
	p, err := densityPlot("generated points over the model's density", g, nil, "")
	if err != nil {
		return err
	}
	if err := scatter(p, xys(pts, 4000), redDot, "generated"); err != nil {
		return err
	}
	return savePlot(p, path)
}
