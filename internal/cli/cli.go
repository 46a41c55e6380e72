package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/goebm/goebm/internal/panics"
)

// The exit statuses.
const (
	ExitFailure  = 1
	ExitUsage    = 2
	ExitInternal = 3
	// ExitInterrupt is the shell's for a process killed by SIGINT.
	ExitInterrupt = 130
)

// Interrupts returns a context that the first signal on sig cancels; the
// second calls exit(130) at once, for a command that does not stop soon
// enough (signal.NotifyContext stops listening after the first).
func Interrupts(parent context.Context, prog string, sig <-chan os.Signal, stderr io.Writer, exit func(int)) context.Context {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		<-sig
		cancel()
		fmt.Fprintf(stderr, "%s: interrupted; stopping (interrupt again to quit at once)\n", prog)
		<-sig
		exit(ExitInterrupt)
	}()
	return ctx
}

// Main runs run and returns the exit status, turning a panic, which user
// input must never cause, into an internal error: one line, then the
// stack. A panic carried from another goroutine (package panics) shows
// that goroutine's stack, where the bug is.
func Main(ctx context.Context, prog string, args []string, stdout, stderr io.Writer,
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) (code int) {
	defer func() {
		if r := recover(); r != nil {
			stack := debug.Stack()
			if p, ok := r.(*panics.Error); ok {
				r, stack = p.Value, p.Stack
			}
			fmt.Fprintf(stderr, "%s: internal error: %v; please report it\n%s", prog, r, stack)
			code = ExitInternal
		}
	}()
	return ExitCode(prog, run(ctx, args, stdout, stderr), stderr)
}

// ExitCode reports err on stderr as one line (a usage error pointing at
// -h) and returns the exit status: 0 for none or a help request, 2 for a
// usage error, 1 for any other.
func ExitCode(prog string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, ErrUsage) {
		fmt.Fprintf(stderr, "%s: %v (see %s -h)\n", prog, err, prog)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	return ExitFailure
}

// ErrUsage matches (errors.Is) every usage error. Its text never shows:
// a usageError stands for it.
var ErrUsage = errors.New("usage")

// usageError is an error in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

// Usagef returns a usage error.
func Usagef(format string, a ...any) error {
	return &usageError{fmt.Sprintf(format, a...)}
}

// NewFlags returns the flag set of the subcommand "prog name", which
// reports errors as values and prints its help to stderr on -h.
func NewFlags(prog, name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(&helpBuffer{to: stderr})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s %s [flags]\n%s\n\nflags:\n", prog, name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// helpBuffer holds what the flag package prints while parsing, which Parse
// passes on to stderr for -h and drops for a bad flag: the flag package
// prints the whole help after every error.
type helpBuffer struct {
	bytes.Buffer
	to io.Writer
}

// Parse parses flags, turning errors into usage errors and rejecting
// positional arguments.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if h, ok := fs.Output().(*helpBuffer); ok {
				h.WriteTo(h.to)
			}
			return err
		}
		return Usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// Refuse returns a usage error naming the flags among names that were set
// on the command line: they do not apply to what.
func Refuse(fs *flag.FlagSet, what string, names ...string) error {
	var set []string
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(names, f.Name) {
			set = append(set, "-"+f.Name)
		}
	})
	if len(set) == 0 {
		return nil
	}
	return Usagef("%s: not with %s", strings.Join(set, ", "), what)
}

// IsSet says whether a flag was given on the command line.
func IsSet(fs *flag.FlagSet, name string) bool { return Refuse(fs, "", name) != nil }
