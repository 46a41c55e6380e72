package main

import (
	"context"
	"fmt"
	"io"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/model"
)

func runEnergy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("energy", "Evaluate E (and with -grad ∇E) at the points of a .csv or .npy file; write them as\nCSV columns energy[,g0..] or .npy.", stderr)
	en := fs.String("energy", "", "analytic energy (ebm list describes them)")
	dir := fs.String("model", "", "directory of a model trained by ebm train")
	in := fs.String("in", "", "points, one per row (.csv or .npy; required)")
	grad := fs.Bool("grad", false, "also write the gradient")
	o := addOutputs(fs, "output file (.csv or .npy; required)", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *in == "" || o.out == "" {
		return usagef("-in and -out are required")
	}
	if err := o.check(); err != nil {
		return err
	}
	x, err := dataset.Load(*in)
	if err != nil {
		return err
	}
	n, d := x.Dim(0), x.Dim(1)
	e, name, dim, err := target(*en, *dir, d)
	if err != nil {
		return err
	}
	if dim != d {
		return fmt.Errorf("-in %s has %d columns, the model takes %d", *in, d, dim)
	}
	header, t := model.EnergyTable(e, x, *grad)
	if err := dataset.Save(o.out, header, t); err != nil {
		return err
	}
	return report(stdout, o.json, map[string]any{"target": name, "points": n, "dim": d, "out": o.out, "grad": *grad}, func() {
		fmt.Fprintf(stdout, "wrote the energies of %d points of %s to %s\n", n, name, o.out)
	})
}
