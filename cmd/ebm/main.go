// Command ebm trains energy-based models, samples from them, and draws
// pictures of both: goebm's main job from a shell. It parses flags, calls
// the library (the trained models are package model's) and prints.
//
//	ebm train  -data NAME|FILE -loss NAME -out DIR   train a 2-D energy or flow, write checkpoint, metrics, PNGs
//	ebm sample -energy NAME | -model DIR -out F     draw with any sampler, print diagnostics
//	ebm generate -model DIR -out F                  generate as the model does (a flow: by integration)
//	ebm energy -energy NAME | -model DIR -in F -out F   energies (and gradients) at points
//	ebm eval   -model DIR [-data NAME|FILE]         NLL and MMD on fresh or held-out data
//	ebm list                                        every name the flags take
//	ebm bench                                       TorchEBM's benchmark workloads, as JSON lines
//
// Every subcommand takes -json (its summary as one JSON object on standard
// output) and -h. Errors are one line on standard error and exit status 1,
// 2 for a bad command line (including a flag that does not apply).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goebm/goebm/dataset"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr and returns the exit status: 0 for none or
// a help request, 2 for a usage error, 1 for any other failure.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "ebm:", err)
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// errUsage marks errors in the command line itself.
var errUsage = errors.New("usage")

func usagef(format string, a ...any) error {
	return fmt.Errorf("%s (see ebm -h): %w", fmt.Sprintf(format, a...), errUsage)
}

var commands = []struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}{
	{"train", "train a 2-D energy or flow on a dataset; write checkpoint, metrics and pictures", runTrain},
	{"sample", "draw from an energy or a trained model with any sampler", runSample},
	{"generate", "generate points from a trained model (flows by integration)", runGenerate},
	{"energy", "evaluate energies (and gradients) at the points of a file", runEnergy},
	{"eval", "NLL and MMD of a trained model on fresh or held-out data", runEval},
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
			return c.run(ctx, args[1:], stdout, stderr)
		}
		names = append(names, c.name)
	}
	return usagef("unknown command %q (valid: %s)", args[0], strings.Join(names, ", "))
}

// newFlags returns a flag set that reports errors as values and prints its
// help to stderr.
func newFlags(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ebm %s [flags]\n%s\n\nflags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning errors into usage errors and rejecting
// positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%v: %w", err, errUsage)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// refuse returns a usage error naming the flags among names that were set
// on the command line: they do not apply to what.
func refuse(fs *flag.FlagSet, what string, names ...string) error {
	var set []string
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(names, f.Name) {
			set = append(set, "-"+f.Name)
		}
	})
	if len(set) == 0 {
		return nil
	}
	return usagef("%s: not with %s", strings.Join(set, ", "), what)
}

// isSet says whether a flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool { return refuse(fs, "", name) != nil }

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
		if _, err := os.Stat(p); err == nil && p != "" && !o.force {
			return fmt.Errorf("%s exists; pass -force to overwrite it", p)
		}
	}
	return nil
}

// names joins the names of a list of names and descriptions.
func names(list [][2]string) string {
	var out []string
	for _, nd := range list {
		out = append(out, nd[0])
	}
	return strings.Join(out, ", ")
}

// asUsage marks an error about a name or setting the command line gave as a
// usage error.
func asUsage(err error) error { return usagef("%v", err) }
