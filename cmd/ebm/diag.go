package main

import (
	"context"
	"io"
	"strings"

	"github.com/goebm/goebm/stancsv"
)

// runDiag summarises draws CSVs as stansummary does, with E-BFMI and Stan's
// warnings: the files' chains are merged, so the files of machines that
// each ran a slice of the chains (-chain-offset) summarise as one run.
func runDiag(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("diag", "Summarise draws CSV files, CmdStan's or ebm sample's (ebm diag [flags] FILE...), as stansummary does:\n"+
		"Mean, MCSE, StdDev, MAD, 5%, 50%, 95%, ESS_bulk, ESS_tail and R_hat of every column over all the files' chains,\n"+
		"E-BFMI per chain, and Stan's warnings (divergences, maximum tree depth, E-BFMI < 0.3, R-hat > 1.01, ESS < 100 per chain).\n"+
		"The chains must have the same columns and number of draws.", stderr)
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	var flags, files []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
		} else {
			files = append(files, a)
		}
	}
	if err := parse(fs, flags); err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("give the draws files to summarise: ebm diag FILE...")
	}
	var chains []*stancsv.Chain
	for _, f := range files {
		ch, err := stancsv.ReadFile(f)
		if err != nil {
			return err
		}
		chains = append(chains, ch...)
	}
	s, err := stancsv.Summarize(chains)
	if err != nil {
		return err
	}
	return report(stdout, *asJSON, s, func() { s.Print(stdout) })
}
