package stancsv

import (
	"context"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/safefile"
	"github.com/goebm/goebm/sampler"
)

// TestRstanReadsOurFiles writes two NUTS chains in CmdStan's layout and has
// rstan's own reader, read_stan_csv, read them where R and rstan are
// installed (Debian's r-cran-rstan; skipped otherwise, and under -short):
// rstan must see the vector x, the 6 sampler columns after lp__ and the step size, and
// its means of x[1], x[2] and lp__ must be ours to 1e-12 (it reads the
// exact numbers Write writes).
func TestRstanReadsOurFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs R")
	}
	rscript, err := exec.LookPath("Rscript")
	if err != nil || exec.Command(rscript, "-e", "library(rstan)").Run() != nil {
		t.Skip("no Rscript with rstan")
	}
	r, err := sampler.NUTS{}.Sample(context.Background(), energy.Harmonic{}, sampler.Options{
		Chains: 2, Dim: 2, Warmup: 100, Steps: 100, Seed: 9, Trajectory: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	var chains []*Chain
	for c := range 2 {
		ch, err := FromResult(r, c, nil, Settings{Model: "harmonic", Sampler: "nuts", Seed: 9, ID: c + 1, Warmup: 100, Draws: 100,
			MaxDepth: 10, Delta: 0.8, Metric: "diag_e", WarmupSeconds: 0.5, SamplingSeconds: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "out_"+strconv.Itoa(c+1)+".csv")
		if err := safefile.WriteFile(f, func(w io.Writer) error { return Write(w, ch) }); err != nil {
			t.Fatal(err)
		}
		files, chains = append(files, f), append(chains, ch)
	}
	script := `suppressMessages(library(rstan)); f <- read_stan_csv(c("` + strings.Join(files, `","`) + `"));
m <- as.matrix(f); sp <- get_sampler_params(f, inc_warmup = FALSE)[[1]];
cat(sprintf("%.17g", c(mean(m[, "x[1]"]), mean(m[, "x[2]"]), mean(m[, "lp__"]), ncol(sp), sp[1, "stepsize__"])), "\n")`
	out, err := exec.Command(rscript, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("rstan: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	if len(fields) != 5 {
		t.Fatalf("rstan printed %q", out)
	}
	got := make([]float64, 5)
	for i, f := range fields {
		if got[i], err = strconv.ParseFloat(f, 64); err != nil {
			t.Fatalf("rstan printed %q", out)
		}
	}
	s, err := Summarize(chains)
	if err != nil {
		t.Fatal(err)
	}
	mean := map[string]float64{}
	for _, row := range s.Rows {
		mean[row.Name] = row.Mean
	}
	want := []float64{mean["x.1"], mean["x.2"], mean["lp__"], 6, chains[0].StepSize} // its sampler params leave out lp__
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
			t.Errorf("rstan's value %d: %.17g, ours %.17g", i, got[i], want[i])
		}
	}
}
