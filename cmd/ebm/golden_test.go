package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goebm/goebm/energy"
	"github.com/goebm/goebm/internal/cli"
	"github.com/goebm/goebm/sampler"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the command's output")

// fmModel is a tiny flow-matching model ebm train wrote, shared with
// package model's example.
const fmModel = "../../model/testdata/twomoons-fm"

// goldenCases are command lines whose exit code, stdout and stderr are
// kept in testdata/NAME.golden.
var goldenCases = []struct {
	name string
	args []string
}{
	{"help", []string{"-h"}},
	{"no-command", nil},
	{"unknown-command", []string{"frobnicate"}},
	{"list", []string{"list"}},
	{"sample-help", []string{"sample", "-h"}},
	{"train-help", []string{"train", "-h"}},
	{"generate-help", []string{"generate", "-h"}},
	{"bad-flag", []string{"train", "-bogus"}},
	{"extra-argument", []string{"list", "extra"}},
	{"sample-nuts", []string{"sample", "-energy", "double-well", "-chains", "2", "-warmup", "100", "-steps", "100", "-seed", "3"}},
	{"sample-tempering", []string{"sample", "-energy", "DoubleWell", "-sampler", "tempering", "-replicas", "4", "-chains", "2", "-warmup", "50", "-steps", "50"}},
	{"sample-ais", []string{"sample", "-energy", "gaussian", "-sampler", "ais", "-chains", "200", "-steps", "100"}},
	{"sample-rmhmc", []string{"sample", "-energy", "gaussian", "-sampler", "rmhmc", "-chains", "2", "-warmup", "20", "-steps", "50"}},
	{"sample-rwm", []string{"sample", "-energy", "gaussian", "-sampler", "rwm", "-chains", "2", "-warmup", "200", "-steps", "200", "-seed", "3"}},
	{"sample-slice", []string{"sample", "-energy", "gaussian", "-sampler", "slice", "-chains", "2", "-warmup", "20", "-steps", "100", "-seed", "3"}},
	{"sample-ess", []string{"sample", "-energy", "gaussian", "-sampler", "ess", "-chains", "2", "-warmup", "20", "-steps", "100", "-seed", "3"}},
	{"sample-smc", []string{"sample", "-energy", "gaussian", "-sampler", "smc", "-chains", "64", "-steps", "100", "-seed", "3"}},
	{"sample-mclmc", []string{"sample", "-energy", "gaussian", "-sampler", "mclmc", "-chains", "2", "-warmup", "200", "-steps", "200", "-seed", "3"}},
	{"leapfrog-with-rwm", []string{"sample", "-energy", "gaussian", "-sampler", "rwm", "-leapfrog", "5"}},
	{"sample-descent", []string{"sample", "-energy", "rosenbrock", "-sampler", "descent", "-step-size", "0.001", "-chains", "2", "-warmup", "0", "-steps", "20"}},
	{"sample-repulsion", []string{"sample", "-energy", "harmonic", "-sampler", "langevin", "-step-size", "0.01", "-repulsion", "0.2", "-chains", "16", "-warmup", "100", "-steps", "400", "-seed", "2"}},
	{"rmhmc-no-metric", []string{"sample", "-energy", "funnel", "-sampler", "rmhmc"}},
	{"ais-warmup", []string{"sample", "-energy", "gaussian", "-sampler", "ais", "-warmup", "10"}},
	{"leapfrog-with-mala", []string{"sample", "-energy", "gaussian", "-sampler", "mala", "-leapfrog", "5"}},
	{"sample-nuts-dense", []string{"sample", "-energy", "gaussian", "-dim", "3", "-metric", "dense", "-chains", "2", "-warmup", "200", "-steps", "100", "-seed", "3"}},
	{"metric-with-mala", []string{"sample", "-energy", "gaussian", "-sampler", "mala", "-metric", "dense"}},
	{"unknown-metric", []string{"sample", "-energy", "gaussian", "-metric", "full"}},
	{"sample-hmc-jitter", []string{"sample", "-energy", "gaussian", "-dim", "3", "-sampler", "hmc", "-metric", "dense", "-step-jitter", "0.3", "-chains", "2", "-warmup", "200", "-steps", "100", "-seed", "3"}},
	{"step-jitter-too-big", []string{"sample", "-energy", "gaussian", "-step-jitter", "1"}},
	{"sample-hmc-leapfrog-jitter", []string{"sample", "-energy", "gaussian", "-dim", "3", "-sampler", "hmc", "-leapfrog-jitter", "0.5", "-chains", "2", "-warmup", "200", "-steps", "100", "-seed", "3"}},
	{"leapfrog-jitter-with-nuts", []string{"sample", "-energy", "gaussian", "-leapfrog-jitter", "0.5"}},
	{"unknown-energy", []string{"sample", "-energy", "banana"}},
	{"unknown-sampler", []string{"sample", "-energy", "gaussian", "-sampler", "gibbs"}},
	{"missing-model", []string{"sample", "-model", "testdata/no-such-model"}},
	{"coupling-with-eqm", []string{"train", "-loss", "eqm", "-coupling", "greedy", "-out", "unused"}},
	{"eqm-scale-with-fm", []string{"train", "-loss", "fm", "-eqm-scale", "linear", "-out", "unused"}},
	{"eqm-start-without-piecewise", []string{"train", "-loss", "eqm", "-eqm-start", "2", "-out", "unused"}},
	{"unknown-callback", []string{"train", "-loss", "eqm", "-callbacks", "early-stop:patience=5,nap", "-out", "unused"}},
	{"cd-reg-with-dsm", []string{"train", "-loss", "dsm", "-cd-reg", "0.5", "-interpolant", "cosine", "-out", "unused"}},
	{"cd-sampler-ais", []string{"train", "-loss", "cd", "-cd-sampler", "ais", "-out", "unused"}},
	{"unknown-loss", []string{"train", "-loss", "magic", "-out", "unused"}},
	{"unknown-data", []string{"train", "-data", "spirals", "-out", "unused"}},
	{"generate-flow", []string{"generate", "-model", fmModel, "-n", "5"}},
	{"generate-adaptive-steps", []string{"generate", "-model", fmModel, "-integrator", "dopri5", "-ode-steps", "10"}},
	{"generate-sde", []string{"generate", "-model", fmModel, "-n", "5", "-diffusion-form", "sbdm", "-last-step", "tweedie"}},
	{"last-step-with-ode", []string{"generate", "-model", fmModel, "-last-step", "euler"}},
	{"prediction-with-eqm", []string{"train", "-loss", "eqm", "-prediction", "score", "-out", "unused"}},
	{"sample-flow", []string{"sample", "-model", fmModel}},
	{"eval-flow", []string{"eval", "-model", fmModel, "-n", "200"}},
	{"inpaint-help", []string{"inpaint", "-h"}},
	{"inpaint-flow", []string{"inpaint", "-model", fmModel, "-in", "testdata/inpaint-images.csv", "-mask", "testdata/inpaint-mask.csv", "-out", "unused.csv"}},
	{"inpaint-neither", []string{"inpaint", "-model", fmModel, "-in", "testdata/inpaint-images.csv", "-out", "unused.csv"}},
	{"sample-bounds-no-box", []string{"sample", "-energy", "gaussian", "-bounds", "reflect"}},
	{"sample-repulsion-nuts", []string{"sample", "-energy", "harmonic", "-repulsion", "0.2"}},
	{"diag-help", []string{"diag", "-h"}},
	{"diag-bern", append([]string{"diag"}, bernFiles...)},
	{"diag-bern-json", append([]string{"diag", "-json"}, bernFiles...)},
	{"diag-eight-schools", []string{"diag", "../../stancsv/testdata/eight_schools.csv"}},
	{"diag-no-files", []string{"diag", "-json"}},
	{"diag-missing-file", []string{"diag", bernFiles[0], "testdata/no-such-draws.csv"}},
	{"diag-same-chain-twice", []string{"diag", bernFiles[0], bernFiles[1], bernFiles[0]}},
	{"diag-mismatched-columns", []string{"diag", bernFiles[0], "../../stancsv/testdata/eight_schools.csv"}},
	{"sample-cmdstan-no-out", []string{"sample", "-energy", "gaussian", "-format", "cmdstan"}},
	{"sample-bad-format", []string{"sample", "-energy", "gaussian", "-format", "arviz", "-out", "x.csv"}},
	{"sample-negative-offset", []string{"sample", "-energy", "gaussian", "-chain-offset", "-1"}},
}

// bernFiles are Stan's four reference chains (CmdStan 2.35's Bernoulli
// example), whose summary Stan's tests pin down (diag/testdata/README.md).
var bernFiles = []string{"../../diag/testdata/bern1.csv", "../../diag/testdata/bern2.csv", "../../diag/testdata/bern3.csv", "../../diag/testdata/bern4.csv"}

// timings are replaced in golden output: they differ from run to run.
var timings = regexp.MustCompile(`in [0-9.]+s`)

// runGolden runs a command line in-process and renders its exit code,
// stdout and stderr as main would produce them.
func runGolden(args []string) string {
	var out, errb bytes.Buffer
	code := exitCode(run(context.Background(), args, &out, &errb), &errb)
	return timings.ReplaceAllString(fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", code, out.String(), errb.String()), "in Xs")
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			got := runGolden(c.args)
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./cmd/ebm -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("ebm %s:\ngot:\n%s\nwant:\n%s", strings.Join(c.args, " "), got, want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		msg  string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 0, ""},
		{usagef("bad %s", "flag"), 2, "ebm: bad flag (see ebm -h)\n"},
		{fmt.Errorf("wrapped: %w", usagef("bad")), 2, "ebm: wrapped: bad (see ebm -h)\n"},
		{errors.New("disk full"), 1, "ebm: disk full\n"},
	} {
		var b bytes.Buffer
		if code := exitCode(c.err, &b); code != c.code || b.String() != c.msg {
			t.Errorf("exitCode(%v) = %d, %q; want %d, %q", c.err, code, b.String(), c.code, c.msg)
		}
	}
}

// TestInternalError checks that a panic becomes exit status 3 with one
// line, then the stack.
func TestInternalError(t *testing.T) {
	saved := commands
	defer func() { commands = saved }()
	commands = append(slices.Clone(saved), commands[0])
	commands[len(commands)-1].name = "crash"
	commands[len(commands)-1].run = func(context.Context, []string, io.Writer, io.Writer) error { panic("planted") }
	var errb bytes.Buffer
	code := runMain(context.Background(), []string{"crash"}, &bytes.Buffer{}, &errb)
	first, _, _ := strings.Cut(errb.String(), "\n")
	if code != 3 || first != "ebm: internal error: planted; please report it" || !strings.Contains(errb.String(), "goroutine") {
		t.Errorf("panic: exit %d, stderr:\n%s", code, errb.String())
	}
}

// plantedEnergy is an energy whose gradient panics at the points of the
// chains after the first block: a bug that strikes on one of the sampler's
// goroutines.
type plantedEnergy struct{ energy.Harmonic }

func (plantedEnergy) Grad(e, g, x []float64, d int) {
	if slices.Contains(x, 1e6) {
		panic("planted energy bug")
	}
	energy.Harmonic{}.Grad(e, g, x, d)
}

// TestInternalErrorInSampler checks that a panic on one of sampler.Run's
// goroutines, which would end the process with Go's status 2 and every
// goroutine's stack, becomes exit status 3 with one line, then the stack of
// the goroutine that panicked.
func TestInternalErrorInSampler(t *testing.T) {
	saved := commands
	defer func() { commands = saved }()
	commands = append(slices.Clone(saved), commands[0])
	commands[len(commands)-1].name = "crash"
	commands[len(commands)-1].run = func(ctx context.Context, _ []string, _, _ io.Writer) error {
		init := make([]float64, 2*2*sampler.BlockSize)
		init[len(init)-2] = 1e6 // the last chain, in the second block
		_, err := sampler.MALA{}.Sample(ctx, plantedEnergy{}, sampler.Options{Init: init, Dim: 2, Steps: 5, Workers: 2})
		return err
	}
	var errb bytes.Buffer
	code := runMain(context.Background(), []string{"crash"}, &bytes.Buffer{}, &errb)
	first, stack, _ := strings.Cut(errb.String(), "\n")
	if code != 3 || first != "ebm: internal error: planted energy bug; please report it" ||
		!strings.Contains(stack, "plantedEnergy.Grad") || !strings.Contains(stack, "sampler.(*block).run") {
		t.Errorf("panic in a sampler goroutine: exit %d, stderr:\n%s", code, errb.String())
	}
}

// TestSecondInterrupt checks that the first signal cancels and the second
// exits at once with status 130.
func TestSecondInterrupt(t *testing.T) {
	sig := make(chan os.Signal, 2)
	exited := make(chan int)
	ctx := cli.Interrupts(context.Background(), "ebm", sig, io.Discard, func(code int) { exited <- code })
	sig <- os.Interrupt
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("after one interrupt: %v", ctx.Err())
	}
	select {
	case code := <-exited:
		t.Fatalf("exited %d after one interrupt", code)
	case <-time.After(10 * time.Millisecond):
	}
	sig <- os.Interrupt
	if code := <-exited; code != 130 {
		t.Errorf("second interrupt: exit %d, want 130", code)
	}
}
