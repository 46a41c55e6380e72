package model

import (
	"fmt"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/tensor"
)

// EnergyTable evaluates e at the rows of x ([n, d]) and returns them as a
// table to save (dataset.Save): a column "energy", and with grad the
// gradient's columns g0, g1, … after it.
func EnergyTable(e energy.Energy, x *tensor.Tensor, grad bool) ([]string, *tensor.Tensor) {
	n, d := x.Dim(0), x.Dim(1)
	es, gs := make([]float64, n), make([]float64, n*d)
	e.Grad(es, gs, x.Data(), d)
	if !grad {
		return []string{"energy"}, tensor.New(es, n, 1)
	}
	header, rows := []string{"energy"}, make([]float64, 0, n*(d+1))
	for j := range d {
		header = append(header, fmt.Sprintf("g%d", j))
	}
	for i := range n {
		rows = append(append(rows, es[i]), gs[i*d:(i+1)*d]...)
	}
	return header, tensor.New(rows, n, d+1)
}
