package dataset

import (
	"fmt"

	"github.com/goebm/goebm/tensor"
)

// DrawsTable lays out the draws of a multi-chain sampler run as rows to
// Save: one row per draw, with columns chain, draw, x0, x1, …, where
// draws[(c·kept + k)·dim + j] is coordinate j of draw k of chain c (the
// layout of sampler.Result.Draws). It returns the header and the
// [chains·kept, dim+2] table, and panics if draws does not hold
// chains·kept points of dimension dim.
func DrawsTable(draws []float64, chains, kept, dim int) ([]string, *tensor.Tensor) {
	if chains < 1 || kept < 1 || dim < 1 || len(draws) != chains*kept*dim {
		panic(fmt.Sprintf("dataset: %d draws for %d chains × %d kept × %d dimensions", len(draws), chains, kept, dim))
	}
	header := []string{"chain", "draw"}
	for j := range dim {
		header = append(header, fmt.Sprintf("x%d", j))
	}
	rows := make([]float64, 0, chains*kept*(dim+2))
	for i := range chains * kept {
		rows = append(append(rows, float64(i/kept), float64(i%kept)), draws[i*dim:(i+1)*dim]...)
	}
	return header, tensor.New(rows, chains*kept, dim+2)
}
