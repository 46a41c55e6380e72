// Command ebm trains energy-based models, samples from them, and draws
// pictures of both: goebm's main job from a shell.
//
//	ebm train  -data NAME -loss NAME -out DIR     train a 2-D energy or flow, write checkpoint, metrics, PNGs
//	ebm sample -energy NAME | -model DIR -out F   draw with any sampler, print diagnostics
//	ebm generate -model DIR -out F                generate as the model does (a flow: by integration)
//	ebm energy -energy NAME | -model DIR -in F -out F   energies (and gradients) at points
//	ebm eval   -model DIR -data NAME              NLL and MMD on fresh data
//	ebm list                                      the energies, samplers, losses and datasets
//	ebm bench                                     TorchEBM's benchmark workloads, as JSON lines
//
// Every subcommand takes -json (its summary as one JSON object on standard
// output) and -h. Errors are one line on standard error and exit status 1
// (2 for bad flags).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "ebm:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "ebm:", err)
		os.Exit(1)
	}
}

// errUsage marks errors in the command line itself.
var errUsage = errors.New("usage")

func usagef(format string, a ...any) error {
	return fmt.Errorf("%s (see ebm -h): %w", fmt.Sprintf(format, a...), errUsage)
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"train", "train a 2-D energy or flow on a dataset; write checkpoint, metrics and pictures", runTrain},
		{"sample", "draw from an energy or a trained model with any sampler", runSample},
		{"generate", "generate points from a trained model (flows by integration)", runGenerate},
		{"energy", "evaluate energies (and gradients) at the points of a file", runEnergy},
		{"eval", "NLL and MMD of a trained model on fresh data", runEval},
		{"list", "the energies, samplers, losses and datasets", runList},
		{"bench", "TorchEBM's benchmark workloads, one JSON line per case", runBench},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, "usage: ebm <command> [flags]; ebm <command> -h explains its flags")
		for _, c := range commands() {
			fmt.Fprintf(stderr, "  %-7s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return usagef("no command")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	var names []string
	for _, c := range commands() {
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

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// pick returns m[name] or a usage error listing the valid names.
func pick[V any](m map[string]V, flagName, name string) (V, error) {
	v, ok := m[strings.ToLower(name)]
	if !ok {
		var zero V
		return zero, usagef("-%s %q: unknown (valid: %s)", flagName, name, strings.Join(sortedKeys(m), ", "))
	}
	return v, nil
}

func joinKeys[V any](m map[string]V) string { return strings.Join(sortedKeys(m), ", ") }
