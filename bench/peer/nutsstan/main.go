package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/sampler"
	"github.com/goebm/goebm/schedule"
	"gonum.org/v1/gonum/mat"
)

const d = 100

func main() {
	dir := flag.String("dir", "nutsstan-out", "folder for targets and Stan's draws")
	write := flag.Bool("write", false, "write the targets' Cholesky factors and stop")
	metric := flag.String("metric", "diag", "metric both samplers adapt: diag (Stan's diag_e) or dense (dense_e); unit (unit_e) with -step")
	seeds := flag.Int("seeds", 1, "runs per sampler and target, seeds 1…seeds (the R script's third argument)")
	only := flag.String("targets", strings.Join(targets, ","), "the targets to run, comma-separated (the R script's NUTSSTAN_TARGETS)")
	step := flag.Float64("step", 0, "with -metric unit: a fixed step size, no adaptation (the R script's NUTSSTAN_STEP), to compare the transitions alone")
	flag.Parse()
	kind, err := sampler.ParseMetricKind(*metric)
	if err == nil && (kind == sampler.MetricUnit) != (*step > 0) {
		err = fmt.Errorf("-metric unit goes with a fixed -step, and -step with -metric unit (Stan's unit_e with adapt_engaged = FALSE)")
	}
	if err == nil {
		for _, t := range strings.Split(*only, ",") {
			if !slices.Contains(targets, t) {
				err = fmt.Errorf("-targets: no target %q (want some of %s)", t, strings.Join(targets, ","))
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nutsstan:", err)
		os.Exit(2)
	}
	if err := run(*dir, *write, kind, *step, strings.Split(*only, ","), max(*seeds, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "nutsstan:", err)
		os.Exit(1)
	}
}

// targets are the names of the targets, in the order of the comparison.
var targets = []string{"iso", "diag", "corr"}

// covariances returns the three targets: the standard normal (iso), sds
// log-spaced from 0.1 to 1 (diag), and the same spectrum rotated by a
// seeded random orthogonal matrix (corr).
func covariances() map[string]*mat.SymDense {
	diagCov := mat.NewSymDense(d, nil)
	lam := make([]float64, d)
	for i := range d {
		sd := math.Pow(10, -1+float64(i)/float64(d-1))
		lam[i] = sd * sd
		diagCov.SetSym(i, i, lam[i])
	}
	rng := rand.New(rand.NewPCG(2026, 3))
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	corr := mat.NewSymDense(d, nil)
	for i := range d {
		for j := 0; j <= i; j++ {
			s := 0.0
			for k := range d {
				s += q.At(i, k) * lam[k] * q.At(j, k)
			}
			corr.SetSym(i, j, s)
		}
	}
	iso := mat.NewSymDense(d, nil)
	for i := range d {
		iso.SetSym(i, i, 1)
	}
	return map[string]*mat.SymDense{"iso": iso, "diag": diagCov, "corr": corr}
}

func run(dir string, write bool, kind sampler.MetricKind, step float64, only []string, seeds int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	covs := covariances()
	if write {
		for name, c := range covs {
			var ch mat.Cholesky
			if !ch.Factorize(c) {
				return fmt.Errorf("%s: not positive-definite", name)
			}
			var l mat.TriDense
			ch.LTo(&l)
			var b strings.Builder
			for i := range d {
				for j := range d {
					if j > 0 {
						b.WriteByte(',')
					}
					b.WriteString(strconv.FormatFloat(l.At(i, j), 'g', 17, 64))
				}
				b.WriteByte('\n')
			}
			if err := os.WriteFile(filepath.Join(dir, name+"_chol.csv"), []byte(b.String()), 0o644); err != nil {
				return err
			}
		}
		fmt.Println("wrote", dir)
		return nil
	}
	nuts := sampler.NUTS{Metric: kind}
	if step > 0 {
		nuts = sampler.NUTS{Metric: kind, NoAdapt: true, StepSize: schedule.Constant(step)}
		fmt.Printf("fixed step size %g, no adaptation; ", step)
	}
	fmt.Printf("metric %s, %d seeds: means over seeds\n", kind, seeds)
	fmt.Printf("%-6s %-7s %10s %12s %14s %8s\n", "target", "sampler", "min ESS", "gradients", "ESS/gradient", "seconds")
	for _, name := range only {
		c := covs[name]
		full := make([]float64, d*d) // SymDense stores one triangle
		for i := range d {
			for j := range d {
				full[i*d+j] = c.At(i, j)
			}
		}
		e, err := energy.NewGaussian(make([]float64, d), full)
		if err != nil {
			return err
		}
		var ours, theirs tally
		for seed := 1; seed <= seeds; seed++ {
			start := time.Now()
			r, err := nuts.Sample(context.Background(), e, sampler.Options{Chains: 4, Warmup: 1000, Steps: 1000, Seed: uint64(seed), Trajectory: true})
			if err != nil {
				return err
			}
			secs := time.Since(start).Seconds()
			chains := make([][][]float64, d)
			for j := range d {
				chains[j] = r.Chain(j)
			}
			ours.add(chains, float64(r.Info.SamplingGradEvals), secs)
			ours.warm += float64(r.Info.GradEvals - r.Info.SamplingGradEvals)
			ours.tuning(r.Info.StepSize, r.Info.AcceptRate, float64(r.Chains*r.Kept))
			if st, err := readStan(filepath.Join(dir, stanFile(name, kind, seed))); err == nil {
				theirs.add(st.chains, st.leap, math.NaN())
				theirs.tuning(st.step, st.accept, float64(st.draws))
			} else if seed == 1 {
				fmt.Printf("%-6s %-7s (no Stan draws: %v)\n", name, "stan", err)
			}
		}
		ours.report(name, "goebm")
		theirs.report(name, "stan")
		if theirs.n > 0 {
			// The ratio's standard error by the delta method, from the
			// seed-to-seed spread of each side's mean.
			q := ours.perGrad / theirs.perGrad
			se := q * math.Hypot(ours.perGradSE/ours.perGrad, theirs.perGradSE/theirs.perGrad)
			fmt.Printf("%-6s ratio   goebm/stan ESS per gradient %.3f ± %.3f (SE over seeds)\n", name, q, se)
		}
	}
	return nil
}

// stanFile is the name the R script gives a target's draws with a metric
// and seed.
func stanFile(target string, kind sampler.MetricKind, seed int) string {
	return fmt.Sprintf("%s_%s_e_%d_draws.csv", target, kind, seed)
}

// tally sums one sampler's runs on one target.
type tally struct {
	n                           int
	ess, grads, perGrad, totSec float64
	warm                        float64   // warm-up gradients (goebm's; Stan's are in its log)
	perGrads                    []float64 // each run's ESS per gradient
	perGradSE                   float64   // standard error of perGrad's mean over runs
	steps, accepts              []float64 // each chain's final step size and mean acceptance statistic
	draws                       float64   // kept draws over all runs and chains
}

func (t *tally) add(chains [][][]float64, grads, secs float64) {
	worst := math.Inf(1)
	for _, c := range chains {
		worst = math.Min(worst, diag.ESSBulk(c))
	}
	t.n++
	t.ess += worst
	t.grads += grads
	t.perGrad += worst / grads
	t.perGrads = append(t.perGrads, worst/grads)
	t.totSec += secs
}

// tuning records one run's step sizes and mean acceptance statistics per
// chain after warm-up, and its number of kept draws.
func (t *tally) tuning(steps, accepts []float64, draws float64) {
	t.steps = append(t.steps, steps...)
	t.accepts = append(t.accepts, accepts...)
	t.draws += draws
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (float64, float64) {
	n := float64(len(v))
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= n
	ss := 0.0
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	if n < 2 {
		return m, math.NaN()
	}
	return m, math.Sqrt(ss / (n - 1) / n)
}

func (t *tally) report(target, who string) {
	if t.n == 0 {
		return
	}
	n := float64(t.n)
	leap := t.grads / t.draws // before t.grads becomes a mean
	t.ess, t.grads, t.perGrad, t.totSec = t.ess/n, t.grads/n, t.perGrad/n, t.totSec/n
	_, t.perGradSE = meanSE(t.perGrads)
	secs := "-" // Stan's times are in its own log
	if !math.IsNaN(t.totSec) {
		secs = fmt.Sprintf("%.2f", t.totSec)
	}
	fmt.Printf("%-6s %-7s %10.0f %12.0f %14.5f %8s  (%d runs", target, who, t.ess, t.grads, t.perGrad, secs, t.n)
	if t.warm > 0 {
		fmt.Printf("; %.0f warm-up gradients", t.warm/n)
	}
	fmt.Println(")")
	step, stepSE := meanSE(t.steps)
	acc, accSE := meanSE(t.accepts)
	fmt.Printf("%-6s %-7s ESS/gradient SE %.5f; step size %.4f ± %.4f, acceptance %.4f ± %.4f (%d chains); %.2f leapfrogs per draw\n",
		target, who, t.perGradSE, step, stepSE, acc, accSE, len(t.steps), leap)
}

// stanRun is one of Stan's runs as the R script wrote it.
type stanRun struct {
	chains       [][][]float64 // per coordinate, per chain, the draws
	leap         float64       // leapfrog steps after warm-up, all chains
	step, accept []float64     // per chain: its step size, its mean accept_stat__
	draws        int
}

// readStan reads the draws the R script wrote, by the header's names: chain,
// n_leapfrog, stepsize, accept_stat and the d coordinates, which follow the
// sampler's columns.
func readStan(path string) (stanRun, error) {
	var st stanRun
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		return st, err
	}
	if len(rows) < 2 {
		return st, fmt.Errorf("%s: no draws", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"chain", "n_leapfrog", "stepsize", "accept_stat"} {
		if _, ok := col[h]; !ok {
			return st, fmt.Errorf("%s: no column %q (written by an older stan_nuts.R?)", path, h)
		}
	}
	x0 := max(col["chain"], col["n_leapfrog"], col["stepsize"], col["accept_stat"]) + 1
	if len(rows[0]) < x0+d {
		return st, fmt.Errorf("%s: %d columns, want %d coordinates after the sampler's", path, len(rows[0]), d)
	}
	st.chains = make([][][]float64, d)
	num := func(row []string, j int) float64 {
		if err != nil {
			return 0
		}
		var v float64
		v, err = strconv.ParseFloat(row[j], 64)
		return v
	}
	for _, row := range rows[1:] {
		c := int(num(row, col["chain"]))
		if err == nil && c < 1 {
			err = fmt.Errorf("chain %d", c)
		}
		if err != nil {
			return st, fmt.Errorf("%s: %w", path, err)
		}
		for len(st.step) < c {
			st.step, st.accept = append(st.step, 0), append(st.accept, 0)
		}
		st.leap += num(row, col["n_leapfrog"])
		st.step[c-1] = num(row, col["stepsize"])
		st.accept[c-1] += num(row, col["accept_stat"])
		for j := range d {
			for len(st.chains[j]) < c {
				st.chains[j] = append(st.chains[j], nil)
			}
			st.chains[j][c-1] = append(st.chains[j][c-1], num(row, x0+j))
		}
		if err != nil {
			return st, fmt.Errorf("%s: %w", path, err)
		}
		st.draws++
	}
	for c := range st.accept {
		st.accept[c] /= float64(len(st.chains[0][c]))
	}
	return st, nil
}
