package stancsv

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/goebm/goebm/diag"
)

// Thresholds of Stan's warnings.
const (
	// RhatMax is the R-hat above which a parameter's chains have not mixed
	// (Vehtari et al. 2021; CmdStan's diagnose).
	RhatMax = 1.01
	// MinESSPerChain is the bulk and tail ESS per chain below which the
	// estimates are unreliable (Vehtari et al. 2021; rstan's warning).
	MinESSPerChain = 100
)

// Row is stansummary's line for one column of the draws.
type Row struct {
	Name string
	diag.Summary
	// MCSE is stansummary's MCSE column: SD/√ESS with the ESS of the
	// chains as they are (diag.ESS, neither split nor rank-normalised), as
	// CmdStan computes it. diag.Summary's MCSEMean, from split chains (R's
	// posterior), differs from it by a few percent at most on mixed chains.
	MCSE float64
	// MAD is the scaled median absolute deviation (diag.MAD).
	MAD float64
}

// MarshalJSON writes the row as diag.Coordinate does (snake_case keys,
// undefined values as null), with "mcse" and "mad".
func (r Row) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(diag.Coordinate{Name: r.Name, Summary: r.Summary})
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range map[string]float64{"mcse": r.MCSE, "mad": r.MAD} {
		m[k] = nil
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// Floats are numbers that marshal to JSON with NaN and ±Inf as null,
// which JSON has no number for.
type Floats []float64

// MarshalJSON writes the numbers as a JSON array, undefined ones as null.
func (f Floats) MarshalJSON() ([]byte, error) {
	out := make([]any, len(f))
	for i, v := range f {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[i] = v
		}
	}
	return json.Marshal(out)
}

// Summary is what Summarize finds in a set of chains.
type Summary struct {
	// Model is the first chain's model; Chains the number of chains and
	// Draws the draws of each; Warmup and Thin the first chain's settings.
	Model  string `json:"model,omitempty"`
	Chains int    `json:"chains"`
	Draws  int    `json:"draws_per_chain"`
	Warmup int    `json:"warmup"`
	Thin   int    `json:"thin"`
	Rows   []Row  `json:"columns"`
	// EBFMI is each chain's E-BFMI (diag.EBFMI of energy__), nil without
	// an energy__ column; NaN (JSON null) for a chain whose energy never
	// varies.
	EBFMI Floats `json:"e_bfmi,omitempty"`
	// Divergent and MaxDepthHits count the transitions that diverged and
	// that reached the largest tree depth, over all chains.
	Divergent    int `json:"divergent"`
	MaxDepthHits int `json:"max_treedepth_hits"`
	// Warnings are Stan's warnings about the draws, one paragraph each;
	// none when nothing is wrong.
	Warnings []string `json:"warnings"`
}

// Summarize merges chains that have the same columns, in the same order,
// and the same number of draws, and summarises every column as stansummary
// does, with E-BFMI per chain and Stan's warnings. Chains that differ give
// an error naming them, wrapping ErrInvalid.
func Summarize(chains []*Chain) (*Summary, error) {
	if len(chains) == 0 {
		return nil, fmt.Errorf("stancsv: no chains to summarise: %w", ErrInvalid)
	}
	first := chains[0]
	for _, c := range chains[1:] {
		if !slices.Equal(c.Names, first.Names) {
			return nil, fmt.Errorf("stancsv: %s has columns %s, %s has %s: %w",
				c.Source, brief(c.Names), first.Source, brief(first.Names), ErrInvalid)
		}
		if c.Len() != first.Len() {
			return nil, fmt.Errorf("stancsv: %s has %d draws, %s has %d: %w", c.Source, c.Len(), first.Source, first.Len(), ErrInvalid)
		}
	}
	if first.Len() == 0 {
		return nil, fmt.Errorf("stancsv: %s has no draws: %w", first.Source, ErrInvalid)
	}
	if err := distinct(chains); err != nil {
		return nil, err
	}
	s := &Summary{Model: first.Model, Chains: len(chains), Draws: first.Len(), Warmup: first.Warmup, Thin: max(first.Thin, 1), Warnings: []string{}}
	column := func(name string) [][]float64 {
		out := make([][]float64, len(chains))
		for i, c := range chains {
			out[i], _ = c.Column(name)
		}
		return out
	}
	for _, name := range first.Names {
		ch := column(name)
		r := Row{Name: name, Summary: diag.Summarize(ch), MAD: diag.MAD(ch)}
		r.MCSE = r.SD / math.Sqrt(diag.ESS(ch))
		s.Rows = append(s.Rows, r)
	}
	total := s.Chains * s.Draws
	pct := func(n int) string { return fmt.Sprintf("%d of %d (%.2f%%)", n, total, 100*float64(n)/float64(total)) }
	if first.index("treedepth__") >= 0 && first.MaxDepth > 0 {
		for _, c := range column("treedepth__") {
			for _, v := range c {
				if v >= float64(first.MaxDepth) {
					s.MaxDepthHits++
				}
			}
		}
		if s.MaxDepthHits > 0 {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s transitions hit the maximum treedepth limit of %d, or 2^%d leapfrog steps. "+
				"Those trajectories were cut short, so the chains move slowly: raise the limit.", pct(s.MaxDepthHits), first.MaxDepth, first.MaxDepth))
		}
	}
	if first.index("divergent__") >= 0 {
		for _, c := range column("divergent__") {
			for _, v := range c {
				if v != 0 {
					s.Divergent++
				}
			}
		}
		if s.Divergent > 0 {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s transitions ended with a divergence. "+
				"The integrator failed where the energy curves sharply, so those regions are under-explored and the draws biased: "+
				"adapt the step size towards a higher acceptance, or reparameterise.", pct(s.Divergent)))
		}
	}
	if first.index("energy__") >= 0 {
		for i, c := range column("energy__") {
			e := diag.EBFMI(c)
			s.EBFMI = append(s.EBFMI, e)
			if e < diag.EBFMIThreshold {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s: the E-BFMI, %.2f, is below the nominal threshold of %.2f. "+
					"Resampling the momentum moves this chain between energy levels too slowly to explore the target's tails: reparameterise if possible.",
					chains[i].Source, e, diag.EBFMIThreshold))
			}
		}
	}
	var highRhat, lowBulk, lowTail []string
	minESS := float64(MinESSPerChain * s.Chains)
	for _, r := range s.Rows {
		if strings.HasSuffix(r.Name, "__") {
			continue
		}
		if r.Rhat > RhatMax {
			highRhat = append(highRhat, r.Name)
		}
		if r.ESSBulk < minESS {
			lowBulk = append(lowBulk, r.Name)
		}
		if r.ESSTail < minESS {
			lowTail = append(lowTail, r.Name)
		}
	}
	if highRhat != nil {
		s.Warnings = append(s.Warnings, fmt.Sprintf("The following parameters had rank-normalized split R-hat greater than %.2f: %s. "+
			"The chains disagree: they have not mixed, and their estimates are biased; run longer or reparameterise.", RhatMax, strings.Join(highRhat, ", ")))
	}
	if lowBulk != nil {
		s.Warnings = append(s.Warnings, fmt.Sprintf("Bulk ESS below %d (%d per chain): %s. Means and medians are unreliable; run the chains longer.",
			int(minESS), MinESSPerChain, strings.Join(lowBulk, ", ")))
	}
	if lowTail != nil {
		s.Warnings = append(s.Warnings, fmt.Sprintf("Tail ESS below %d (%d per chain): %s. Variances and tail quantiles are unreliable; run the chains longer.",
			int(minESS), MinESSPerChain, strings.Join(lowTail, ", ")))
	}
	return s, nil
}

// distinct refuses two chains with the same draws, bit for bit: the same
// chain counted twice (a file given twice, or machines given overlapping
// -chain-offset slices), which would inflate the ESS and hide an R-hat.
func distinct(chains []*Chain) error {
	seen := map[uint64]*Chain{}
	for _, c := range chains {
		h := fnv.New64a()
		var b [8]byte
		for _, v := range c.Values {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			h.Write(b[:])
		}
		k := h.Sum64()
		if o, ok := seen[k]; ok && slices.Equal(o.Values, c.Values) {
			return fmt.Errorf("stancsv: %s and %s hold the same draws: the same chain twice (overlapping -chain-offset slices?): %w", o.Source, c.Source, ErrInvalid)
		}
		seen[k] = c
	}
	return nil
}

// brief lists column names, shortened past a few.
func brief(names []string) string {
	if len(names) > 9 {
		return strings.Join(names[:8], ",") + fmt.Sprintf(",… (%d in all)", len(names))
	}
	return strings.Join(names, ",")
}

// Print writes the summary as stansummary lays it out: a line on the run,
// then a row per column with Mean, MCSE, StdDev, MAD, 5%, 50%, 95%,
// ESS_bulk, ESS_tail and R_hat, then the E-BFMI of each chain and the
// warnings.
func (s *Summary) Print(w io.Writer) error {
	model := s.Model
	if model == "" {
		model = "(unnamed)"
	}
	fmt.Fprintf(w, "Inference for %s: %d chains × %d draws (%d saved); warm-up %d, thin %d\n\n", model, s.Chains, s.Draws, s.Chains*s.Draws, s.Warmup, s.Thin)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tMean\tMCSE\tStdDev\tMAD\t5%\t50%\t95%\tESS_bulk\tESS_tail\tR_hat\t")
	for _, r := range s.Rows {
		rhat := fmt.Sprintf("%.4f", r.Rhat)
		if r.Rhat > 100 { // a column constant in each chain (stepsize__)
			rhat = fmt.Sprintf("%.3g", r.Rhat)
		}
		fmt.Fprintf(tw, "%s\t%.4g\t%.2g\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t%.0f\t%.0f\t%s\t\n",
			r.Name, r.Mean, r.MCSE, r.SD, r.MAD, r.Q5, r.Median, r.Q95, r.ESSBulk, r.ESSTail, rhat)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.EBFMI != nil {
		fmt.Fprintf(w, "\nE-BFMI per chain:")
		for _, e := range s.EBFMI {
			fmt.Fprintf(w, " %.3f", e)
		}
		fmt.Fprintln(w)
	}
	if len(s.Warnings) == 0 {
		_, err := fmt.Fprintln(w, "\nNo problems detected.")
		return err
	}
	for _, m := range s.Warnings {
		fmt.Fprintf(w, "\nWarning: %s\n", m)
	}
	return nil
}
