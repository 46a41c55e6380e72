// Command ebm trains energy-based models, samples from them, and draws
// pictures of both: goebm's main job from a shell. It parses flags, calls
// the library (the trained models are package model's) and prints.
//
//	ebm train  -data NAME|FILE -loss NAME -out DIR   train an energy or flow (any dim), write checkpoint, metrics, PNGs
//	ebm sample -energy NAME | -model DIR -out F     draw with any sampler, print diagnostics
//	                                                (-format cmdstan: CmdStan's CSV; -chain-offset K: a slice of the chains)
//	ebm diag FILE...                                summarise draws CSVs as stansummary does, with Stan's warnings
//	ebm generate -model DIR -out F                  generate as the model does (a flow: by integration)
//	ebm energy -energy NAME | -model DIR -in F -out F   energies (and gradients) at points
//	ebm inpaint -model DIR -in F -mask F | -denoise S -out F   complete or denoise images
//	ebm eval   -model DIR [-data NAME|FILE]         NLL (beyond 2-D by checked AIS, bits/dim) and MMD on fresh or held-out data
//	ebm list                                        every name the flags take
//	ebm bench                                       TorchEBM's benchmark workloads, as JSON lines
//
// Every subcommand takes -json (its summary as one JSON object on standard
// output) and -h. Errors are one line on standard error and exit status 1,
// 2 for a bad command line (including a flag that does not apply), 3 for an
// internal error (a bug: a panic, reported with its stack). ebm eval of a
// model beyond 2-D exits 1 when its AIS check has not converged, after
// printing the scores (-json: "converged": false). The first
// Ctrl-C stops the command at its next check; a second exits at once
// with status 130. EBM_CPUPROFILE=FILE writes a CPU profile of the command
// for go tool pprof.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/goebm/goebm/dataset"
	"github.com/goebm/goebm/internal/cli"
	"github.com/goebm/goebm/internal/limit"
)

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt)
	ctx := cli.Interrupts(context.Background(), "ebm", sig, os.Stderr, os.Exit)
	stop, err := profile(os.Getenv("EBM_CPUPROFILE"))
	if err != nil {
		os.Exit(exitCode(err, os.Stderr))
	}
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err := stop(); err != nil && code == 0 {
		code = exitCode(err, os.Stderr)
	}
	os.Exit(code)
}

// profile starts a CPU profile of the command into path (EBM_CPUPROFILE;
// go tool pprof reads it), TorchEBM's profile_context without a flag on
// every command, and returns the function that ends and writes it. An
// empty path profiles nothing.
func profile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("EBM_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("EBM_CPUPROFILE: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("EBM_CPUPROFILE: %w", err)
		}
		return nil
	}, nil
}

// runMain runs the command and returns its exit status (package cli's).
func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Main(ctx, "ebm", args, stdout, stderr, run)
}

// exitCode reports err on stderr and returns the exit status.
func exitCode(err error, stderr io.Writer) int { return cli.ExitCode("ebm", err, stderr) }

// errUsage matches every usage error.
var errUsage = cli.ErrUsage

var (
	usagef = cli.Usagef
	parse  = cli.Parse
	refuse = cli.Refuse
	isSet  = cli.IsSet
)

// newFlags returns the flag set of a subcommand (package cli's).
func newFlags(name, summary string, stderr io.Writer) *flag.FlagSet {
	return cli.NewFlags("ebm", name, summary, stderr)
}

var commands = []struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}{
	{"train", "train an energy or flow on a dataset (2-D, the digits, a file); write checkpoint, metrics and pictures", runTrain},
	{"sample", "draw from an energy or a trained model with any sampler", runSample},
	{"generate", "generate points from a trained model (flows by integration)", runGenerate},
	{"energy", "evaluate energies (and gradients) at the points of a file", runEnergy},
	{"inpaint", "complete images given observed pixels (or denoise them) with a trained energy", runInpaint},
	{"eval", "NLL and MMD of a trained model on fresh or held-out data", runEval},
	{"diag", "summarise draws CSVs (CmdStan's or ebm sample's) as stansummary does, with Stan's warnings", runDiag},
	{"list", "every name the flags take: energies, samplers, losses, datasets…", runList},
	{"bench", "TorchEBM's benchmark workloads, one JSON line per case", runBench},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || slices.Contains([]string{"-h", "-help", "--help", "help"}, args[0]) {
		fmt.Fprintln(stderr, "usage: ebm <command> [flags]; ebm <command> -h explains its flags")
		for _, c := range commands {
			fmt.Fprintf(stderr, "  %-8s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return usagef("no command")
		}
		return nil
	}
	var names []string
	for _, c := range commands {
		if c.name == args[0] {
			if b := os.Getenv("GOMLX_BACKEND"); b != "" && (c.name == "train" || c.name == "sample") {
				// a GPU user may expect ebm to read it; say which command does
				fmt.Fprintf(stderr, "ebm: GOMLX_BACKEND=%s is for ebmxla (go run ./cmd/ebmxla in xla/), which trains and samples MLP models through XLA; ebm runs goebm's own engine on the CPU\n", b)
			}
			return c.run(ctx, args[1:], stdout, stderr)
		}
		names = append(names, c.name)
	}
	return usagef("unknown command %q (valid: %s)", args[0], strings.Join(names, ", "))
}

// report prints v as one JSON object, or calls text.
func report(stdout io.Writer, asJSON bool, v any, text func()) error {
	if asJSON {
		return json.NewEncoder(stdout).Encode(v)
	}
	text()
	return nil
}

// outputs are the output flags of sample, generate and energy.
type outputs struct {
	out, plot   string
	force, json bool
}

// addOutputs defines -out, -plot (unless plotDoc is empty), -force and
// -json.
func addOutputs(fs *flag.FlagSet, outDoc, plotDoc string) *outputs {
	o := &outputs{}
	fs.StringVar(&o.out, "out", "", outDoc)
	if plotDoc != "" {
		fs.StringVar(&o.plot, "plot", "", plotDoc)
	}
	fs.BoolVar(&o.force, "force", false, "overwrite existing output files")
	fs.BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	return o
}

// check refuses output names of the wrong extension (a usage error) and,
// without -force, existing files.
func (o *outputs) check() error {
	if o.plot != "" && !strings.EqualFold(filepath.Ext(o.plot), ".png") {
		return usagef("-plot %s: must be a .png file", o.plot)
	}
	if o.out != "" {
		if err := dataset.CheckExt(o.out); err != nil {
			return usagef("-out: %v", err)
		}
	}
	for _, p := range []string{o.out, o.plot} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil && !o.force {
			return fmt.Errorf("%s exists; pass -force to overwrite it", p)
		}
		// Checked before the work, so that no output is written when
		// another cannot be.
		if st, err := os.Stat(filepath.Dir(p)); err != nil || !st.IsDir() {
			return fmt.Errorf("%s: no directory %s to write it in", p, filepath.Dir(p))
		}
	}
	return nil
}

// finite says whether a number from a flag is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// names joins the names of a list of names and descriptions.
func names(list [][2]string) string {
	var out []string
	for _, nd := range list {
		out = append(out, nd[0])
	}
	return strings.Join(out, ", ")
}

// sizeUsage makes an error about a size out of range (limit.ErrSize) a
// usage error: where the sizes come from flags (-chains, -steps, -dim,
// -replicas…), which it names, and not from a file.
func sizeUsage(err error) error {
	if errors.Is(err, limit.ErrSize) {
		return asUsage(err)
	}
	return err
}

// pointsFlag bounds -n points of dimension d (a usage error).
func pointsFlag(n, d int) error {
	_, err := limit.Elems("-n × dim", n, d)
	return sizeUsage(err)
}

// asUsage marks an error about a name or setting the command line gave as a
// usage error.
func asUsage(err error) error { return usagef("%v", err) }
