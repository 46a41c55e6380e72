package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// Coordinate is the Summary of one coordinate of a sampler's draws, with
// its name.
type Coordinate struct {
	Name string
	Summary
}

// MarshalJSON writes the summary as an object with snake_case keys (those
// of WriteTable's header, and "name"), and undefined values (NaN, ±Inf) as
// null, which JSON has no number for.
func (c Coordinate) MarshalJSON() ([]byte, error) {
	f := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	s := c.Summary
	return json.Marshal(map[string]any{"name": c.Name, "mean": f(s.Mean), "sd": f(s.SD), "mcse_mean": f(s.MCSEMean),
		"mcse_sd": f(s.MCSESD), "q5": f(s.Q5), "median": f(s.Median), "q95": f(s.Q95),
		"ess_bulk": f(s.ESSBulk), "ess_tail": f(s.ESSTail), "rhat": f(s.Rhat)})
}

// Table is the summaries of several quantities, one row each.
type Table []Coordinate

// SummarizeDraws summarises each coordinate of the draws of a multi-chain
// run, named x0, x1, …: draws[(c·kept + k)·dim + j] is coordinate j of
// draw k of chain c, the layout of sampler.Result.Draws. It panics if
// draws does not hold chains·kept points of dimension dim.
func SummarizeDraws(draws []float64, chains, kept, dim int) Table {
	if chains < 1 || kept < 0 || dim < 1 || len(draws) != chains*kept*dim {
		panic(fmt.Sprintf("diag: %d draws for %d chains × %d kept × %d dimensions", len(draws), chains, kept, dim))
	}
	t := make(Table, dim)
	for j := range t {
		byChain := make([][]float64, chains)
		for c := range byChain {
			chain := draws[c*kept*dim : (c+1)*kept*dim]
			byChain[c] = make([]float64, kept)
			for k := range byChain[c] {
				byChain[c][k] = chain[k*dim+j]
			}
		}
		t[j] = Coordinate{fmt.Sprintf("x%d", j), Summarize(byChain)}
	}
	return t
}

// Print writes the table as WriteTable does.
func (t Table) Print(w io.Writer) error {
	names, sums := make([]string, len(t)), make([]Summary, len(t))
	for i, c := range t {
		names[i], sums[i] = c.Name, c.Summary
	}
	return WriteTable(w, names, sums)
}
