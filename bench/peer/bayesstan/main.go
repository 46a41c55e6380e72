// Command bayesstan compares goebm's NUTS on Bayesian models written on the
// scalar tape with Stan's NUTS (Debian r-cran-rstan) on the same models,
// side by side in one run, in interleaved rounds:
//
//   - time per gradient: goebm's whole run on one goroutine over its
//     gradients, against Stan's summed chain times over its leapfrog steps;
//   - bulk ESS per second with 4 chains on 2 cores: the smallest bulk ESS
//     over the parameters (goebm's diag, on both samplers' draws) over
//     goebm's whole run with 2 workers, and over Stan's summed chain times
//     halved (its 4 chains on 2 cores; compilation not counted).
//
// With -ops N it times single scalar ops instead, forward and backward, in
// models of N parameters (stan_ops.R), against Stan's math library.
//
// The Go models are declared with package bayes (constrained, named
// parameters) and written with package dist's densities on the scalar tape.
// The models are package bayes/models': eight schools, non-centred and
// centred, a GARCH(1,1) with 200 observations simulated from a fixed seed
// (the forms of posteriordb and Stan's benchmark suite), and the logistic
// regression of examples/logistic (the digits' 0s against their 1s, 65
// coefficients; Stan's vectorised bernoulli_logit against one Dot node per
// image).
//
// Stan times its chains with clock(), the CPU time of each chain's process;
// goebm's whole run is timed by the wall clock unless -clock cpu, which
// takes goebm's process CPU time (user and system, all threads) instead,
// halved for the two workers as Stan's chain times are halved: on a machine
// where other jobs take the cores, only the CPU times compare like with
// like.
//
//	go run ./bench/peer/bayesstan -dir /tmp/bayesstan -rounds 3 [-clock cpu]
package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/goebm/goebm/bayes"
	"github.com/goebm/goebm/bayes/models"
	"github.com/goebm/goebm/diag"
	"github.com/goebm/goebm/sampler"
)

func main() {
	dir := flag.String("dir", "bayesstan-out", "folder for the data, Stan's compiled models and draws")
	rounds := flag.Int("rounds", 3, "interleaved rounds")
	ops := flag.Int("ops", 0, "time single ops instead, over this many parameters")
	clock := flag.String("clock", "wall", "goebm's clock: wall, or cpu (its process CPU time, as Stan's clock())")
	flag.Parse()
	switch *clock {
	case "wall":
	case "cpu":
		cpuClock = true
	default:
		fmt.Fprintf(os.Stderr, "bayesstan: -clock %q: want wall or cpu\n", *clock)
		os.Exit(2)
	}
	var err error
	if *ops > 0 {
		err = os.MkdirAll(*dir, 0o755)
		if err == nil {
			err = runOps(*dir, *rounds, *ops, os.Stdout)
		}
	} else {
		err = run(*dir, *rounds, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bayesstan:", err)
		os.Exit(1)
	}
}

type model struct {
	name string
	post *bayes.Posterior
	// stan names, in goebm's fit, the values Stan's CSV holds, after derive
	// (if set) has added those the model does not declare. The bulk ESS is
	// compared on the same quantities: it is unchanged by a monotone map of
	// one coordinate, but not by a map that mixes them.
	stan   []string
	derive func(*bayes.Fit) *bayes.Fit
}

// figures is one round of one sampler on one model.
type figures struct{ usPerGrad, essPerSec, ess, grads float64 }

func run(dir string, rounds int, w io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 18))
	y := models.SimulateGARCH(200, 5, 1, 0.5, 0.3, 2, rng.NormFloat64)
	if err := writeColumn(filepath.Join(dir, "garch_y.csv"), y); err != nil {
		return err
	}
	runs := []model{
		{name: "eight_schools_noncentered", stan: eightSchoolsColumns("theta_tilde")},
		{name: "eight_schools_centered", stan: eightSchoolsColumns("theta")},
		{name: "garch11", stan: []string{"mu", "alpha0", "alpha1", "beta1"}, derive: models.GARCHBeta1},
		{name: "logistic_digits", stan: logisticColumns()},
	}
	digits, err := models.LoadDigits()
	if err != nil {
		return err
	}
	for i, m := range []bayes.Model{models.EightSchoolsNonCentred(), models.EightSchoolsCentred(), models.GARCH(y, 2), models.DigitsLogistic(digits)} {
		post, err := bayes.New(m)
		if err != nil {
			return err
		}
		runs[i].post = post
	}
	goebm := map[string][]figures{}
	stan := map[string][]figures{}
	for r := range rounds {
		cmd := exec.Command("Rscript", "bench/peer/bayesstan/stan_models.R", dir, strconv.Itoa(r+1))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("running Stan through Rscript: %w", err)
		}
		for _, m := range runs {
			f, err := stanFigures(dir, m.name)
			if err != nil {
				return err
			}
			stan[m.name] = append(stan[m.name], f)
			g, err := goebmFigures(m, uint64(r+1))
			if err != nil {
				return err
			}
			goebm[m.name] = append(goebm[m.name], g)
			fmt.Fprintf(w, "round %d %-26s µs/gradient goebm %6.2f Stan %6.2f | min bulk ESS goebm %5.0f Stan %5.0f | gradients goebm %6.0f Stan %6.0f | ESS/s goebm %6.0f Stan %6.0f\n",
				r+1, m.name, g.usPerGrad, f.usPerGrad, g.ess, f.ess, g.grads, f.grads, g.essPerSec, f.essPerSec)
		}
	}
	fmt.Fprintf(w, "\nmedian [min–max] over %d rounds; ratios > 1 favour goebm\n", rounds)
	for _, m := range runs {
		var grad, ess []float64
		for i := range goebm[m.name] {
			grad = append(grad, stan[m.name][i].usPerGrad/goebm[m.name][i].usPerGrad)
			ess = append(ess, goebm[m.name][i].essPerSec/stan[m.name][i].essPerSec)
		}
		fmt.Fprintf(w, "%-26s time per gradient, Stan/goebm %s   ESS per second, goebm/Stan %s\n", m.name, spread(grad), spread(ess))
	}
	return nil
}

// goebmFigures runs the model once on one goroutine for the time per
// gradient, then on two for the ESS per second, timing the whole run: the
// sampler and the mapping of the draws back to the constrained values.
func goebmFigures(m model, seed uint64) (figures, error) {
	o := sampler.Options{Chains: 4, Warmup: 1000, Steps: 1000, Seed: seed, Workers: 1}
	start := now()
	fit, err := m.post.Sample(context.Background(), sampler.NUTS{}, o)
	if err != nil {
		return figures{}, err
	}
	perGrad := (now() - start) / float64(fit.Result.Info.GradEvals) * 1e6
	o.Workers = 2
	start = now()
	fit, err = m.post.Sample(context.Background(), sampler.NUTS{}, o)
	if err != nil {
		return figures{}, err
	}
	wall := now() - start
	if cpuClock {
		wall /= 2 // the two workers' CPU time, halved as Stan's chains' is
	}
	if m.derive != nil {
		fit = m.derive(fit)
	}
	ess := 1e300
	for _, name := range m.stan {
		c := fit.Column(name)
		if c == nil {
			return figures{}, fmt.Errorf("%s: no value %q", m.name, name)
		}
		ess = min(ess, diag.ESSBulk(c))
	}
	return figures{perGrad, ess / wall, ess, float64(fit.Result.Info.GradEvals)}, nil
}

// cpuClock is -clock cpu: goebm is timed by its process's CPU time.
var cpuClock bool

var epoch = time.Now()

// now returns the seconds of goebm's clock: the wall clock's, or with
// -clock cpu, the process's CPU time.
func now() float64 {
	if cpuClock {
		return cpuSeconds()
	}
	return time.Since(epoch).Seconds()
}

// cpuSeconds returns the user and system CPU time of the process, all
// threads together.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(fmt.Sprintf("bayesstan: getrusage: %v", err))
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)*1e-6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// eightSchoolsColumns are the values Stan's CSV holds: mu, tau and the
// vector called v.
func eightSchoolsColumns(v string) []string {
	names := []string{"mu", "tau"}
	for j := range models.EightSchoolsY {
		names = append(names, fmt.Sprintf("%s[%d]", v, j+1))
	}
	return names
}

// logisticColumns are the logistic regression's values: alpha and
// beta[1] … beta[64].
func logisticColumns() []string {
	names := []string{"alpha"}
	for j := range 64 {
		names = append(names, fmt.Sprintf("beta[%d]", j+1))
	}
	return names
}

func stanFigures(dir, name string) (figures, error) {
	t, err := readCSV(filepath.Join(dir, name+"_time.csv"))
	if err != nil {
		return figures{}, err
	}
	seconds, leapfrogs := t[0][0], t[0][1]
	d, err := readCSV(filepath.Join(dir, name+"_draws.csv"))
	if err != nil {
		return figures{}, err
	}
	// Rows are chain, draw, parameters…, chain-major.
	chains, dim := int(d[len(d)-1][0]), len(d[0])-2
	kept := len(d) / chains
	draws := make([]float64, 0, len(d)*dim)
	for _, row := range d {
		draws = append(draws, row[2:]...)
	}
	ess := minESS(draws, chains, kept, dim)
	return figures{seconds / leapfrogs * 1e6, ess / (seconds / 2), ess, leapfrogs}, nil
}

func minESS(draws []float64, chains, kept, dim int) float64 {
	m := 1e300
	for _, c := range diag.SummarizeDraws(draws, chains, kept, dim) {
		m = min(m, c.ESSBulk)
	}
	return m
}

// spread formats the median of x and its range.
func spread(x []float64) string {
	return fmt.Sprintf("%.2f [%.2f–%.2f]", median(x), slices.Min(x), slices.Max(x))
}

// median returns the middle value of x (the upper one of an even count).
func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s[len(s)/2]
}

func readCSV(path string) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rows [][]float64
	for _, rec := range recs[min(1, len(recs)):] { // after the header
		row := make([]float64, len(rec))
		for i, s := range rec {
			if row[i], err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

func writeColumn(path string, x []float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for _, v := range x {
		fmt.Fprintln(f, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return f.Close()
}
