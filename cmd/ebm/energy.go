package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/tensor"
)

func runEnergy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("energy", "Evaluate E (and with -grad ∇E) at the points of a .csv or .npy file; write them as\nCSV columns energy[,g0..] or .npy.", stderr)
	en := fs.String("energy", "", "analytic energy (ebm list describes them)")
	modelDir := fs.String("model", "", "directory of a model trained by ebm train")
	in := fs.String("in", "", "points, one per row (.csv or .npy; required)")
	out := fs.String("out", "", "output file (.csv or .npy; required)")
	grad := fs.Bool("grad", false, "also write the gradient")
	force := fs.Bool("force", false, "overwrite an existing output file")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" {
		return usagef("-in and -out are required")
	}
	if err := checkOutput(*out, ".csv", *force); err != nil {
		return err
	}
	x, err := dataset.Load(*in)
	if err != nil {
		return err
	}
	n, d := x.Dim(0), x.Dim(1)
	e, name, dim, err := target(*en, *modelDir, d)
	if err != nil {
		return err
	}
	if dim != d {
		return fmt.Errorf("-in %s has %d columns, the model takes %d", *in, d, dim)
	}
	es, gs := make([]float64, n), make([]float64, n*d)
	e.Grad(es, gs, x.Data(), d)
	header, cols := []string{"energy"}, 1
	if *grad {
		cols += d
		for j := range d {
			header = append(header, fmt.Sprintf("g%d", j))
		}
	}
	rows := make([]float64, 0, n*cols)
	for i := range n {
		rows = append(rows, es[i])
		if *grad {
			rows = append(rows, gs[i*d:(i+1)*d]...)
		}
	}
	if err := dataset.Save(*out, header, tensor.New(rows, n, cols)); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"target": name, "points": n, "dim": d, "out": *out, "grad": *grad})
	}
	fmt.Fprintf(stdout, "wrote the energies of %d points of %s to %s\n", n, name, *out)
	return nil
}
