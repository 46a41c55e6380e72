package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goebm/goebm/internal/safefile"
	"golang.org/x/sys/unix"
)

// Errors of OpenRun, for a directory a run may not use as asked.
var (
	// ErrExists: the directory holds a trained model (a config.json).
	ErrExists = errors.New("directory holds a trained model")
	// ErrInterrupted: an interrupted run waits in the directory's
	// .training sibling.
	ErrInterrupted = errors.New("an interrupted run waits to be resumed")
	// ErrNotEmpty: the directory holds files, but no model.
	ErrNotEmpty = errors.New("directory holds files but no config.json")
	// ErrLocked: another process holds the directory's lock.
	ErrLocked = errors.New("directory in use")
	// ErrMismatch: a resumed run's settings differ from those it was
	// started with.
	ErrMismatch = errors.New("settings differ from the run being resumed")
)

// Run is a training run's hold on a model directory, Out. The run writes
// into Work, the sibling Out+".training", and Commit renames Work into
// place, so that Out is at every moment the old model, or absent for an
// instant between two renames, or the new model: never half of one. A run
// killed part-way leaves Work holding its config and its last checkpoint,
// and OpenRun with resume continues it there, to the same bytes as a run
// never interrupted; one killed before its first checkpoint leaves nothing
// to resume, and the next OpenRun removes its Work.
//
// While a Run is open it holds an exclusive lock (flock) on Out+".lock",
// so that two runs cannot write one directory; Close removes the lock file.
//
// A run that starts afresh over an interrupted one (force) moves the old
// Work aside to Out+".training.old" and removes it only once the new run
// has a checkpoint; until then Close, or the next OpenRun after a crash,
// puts it back. Likewise Commit moves the old Out aside to Out+".replaced"
// before renaming Work into place, and the next OpenRun finishes or undoes
// a commit a crash interrupted.
type Run struct {
	// Out is the model directory; Work is where the run writes
	// (TrainOptions.Dir).
	Out, Work string

	lock   *os.File
	copied bool // Work was made from Out's checkpoint, to resume a finished run
	done   bool
}

// OpenRun locks the model directory out for a run with config c and
// readies its work directory. Without resume, a directory that holds a
// model (ErrExists), files but no model (ErrNotEmpty), or an interrupted
// run (ErrInterrupted) is refused unless force is set; force removes
// nothing yet (see Run). With resume, the interrupted run in Work is
// continued, or else a finished one in out (its checkpoint copied to
// Work); its config.json must match c in every setting (ErrMismatch), and
// it is checked before anything is written.
func OpenRun(out string, c Config, force, resume bool) (_ *Run, err error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if filepath.Dir(abs) == abs {
		return nil, fmt.Errorf("model: %s: a root directory cannot hold a model: %w", out, ErrInvalid)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o777); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	r := &Run{Out: abs, Work: abs + ".training"}
	if r.lock, err = lock(abs+".lock", out); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.unlock()
		}
	}()
	if err := r.recover(); err != nil {
		return nil, err
	}
	if resume {
		if err := r.resume(c); err != nil {
			return nil, err
		}
		return r, nil
	}
	switch fi, err := os.Stat(abs); {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("model: %w", err)
	case err == nil && !fi.IsDir():
		return nil, fmt.Errorf("model: %s: not a directory: %w", out, ErrInvalid)
	}
	if !force {
		if exists(r.Work) {
			return nil, fmt.Errorf("model: %s: %w in %s", out, ErrInterrupted, r.Work)
		}
		if exists(filepath.Join(abs, "config.json")) {
			return nil, fmt.Errorf("model: %s: %w", out, ErrExists)
		}
		if ents, err := os.ReadDir(abs); err == nil && len(ents) > 0 {
			return nil, fmt.Errorf("model: %s: %w", out, ErrNotEmpty)
		}
	}
	if exists(r.Work) {
		if err := os.Rename(r.Work, r.old()); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	if err := os.Mkdir(r.Work, 0o777); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return r, nil
}

func (r *Run) old() string      { return r.Work + ".old" }
func (r *Run) replaced() string { return r.Out + ".replaced" }

// recover finishes or undoes what a crashed run left half done: a commit
// between its two renames, or a run that died before its first checkpoint
// (its work directory holds nothing to resume; an interrupted run it
// displaced comes back).
func (r *Run) recover() error {
	var errs []error
	if exists(r.replaced()) {
		if exists(r.Out) {
			errs = append(errs, os.RemoveAll(r.replaced()))
		} else {
			errs = append(errs, os.Rename(r.replaced(), r.Out))
		}
	}
	errs = append(errs, r.tidy(!r.HasCheckpoint()))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("model: tidying after an interrupted run of %s: %w", r.Out, err)
	}
	return nil
}

// tidy removes the work directory when drop is set, and puts back the
// interrupted run it displaced; otherwise it removes that run.
func (r *Run) tidy(drop bool) error {
	if !drop {
		return os.RemoveAll(r.old())
	}
	err := os.RemoveAll(r.Work)
	if err == nil && exists(r.old()) {
		err = os.Rename(r.old(), r.Work)
	}
	return err
}

// resume checks that the run to continue has c's settings and, for a
// finished run in Out, copies its state into Work.
func (r *Run) resume(c Config) error {
	if exists(r.Work) {
		return c.sameRun(r.Work)
	}
	if !exists(filepath.Join(r.Out, "checkpoint.bin")) {
		return fmt.Errorf("model: -resume: no checkpoint in %s or %s: %w", r.Out, r.Work, ErrNotModel)
	}
	if err := c.sameRun(r.Out); err != nil {
		return err
	}
	if err := os.Mkdir(r.Work, 0o777); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	r.copied = true
	// The checkpoint last: a copy without it is dropped (recover).
	for _, f := range []string{"metrics.jsonl", "config.json", "checkpoint.bin"} {
		if err := copyFile(filepath.Join(r.Work, f), filepath.Join(r.Out, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("model: %w", err)
		}
	}
	return nil
}

// HasCheckpoint reports whether the run has a checkpoint to resume from.
func (r *Run) HasCheckpoint() bool {
	return exists(filepath.Join(r.Work, "checkpoint.bin"))
}

// Commit puts the finished run in place of Out.
func (r *Run) Commit() error {
	if exists(r.Out) {
		if err := os.Rename(r.Out, r.replaced()); err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	if err := os.Rename(r.Work, r.Out); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	r.done = true
	err := errors.Join(os.RemoveAll(r.replaced()), os.RemoveAll(r.old()))
	safefile.SyncDir(filepath.Dir(r.Out))
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// Close ends the run's hold on Out. A run that was not committed keeps its
// work directory when it has a checkpoint to resume from; otherwise the
// work directory goes, and an interrupted run it displaced comes back.
func (r *Run) Close() error {
	var err error
	if !r.done {
		err = r.tidy(r.copied || !r.HasCheckpoint())
	}
	if err := errors.Join(err, r.unlock()); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// lock takes an exclusive flock on path, creating the file. Close removes
// the file while still holding the lock, so a process that opened it
// before then finds, once it has the lock, that path names another file
// or none, and tries again.
func lock(path, out string) (*os.File, error) {
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, safefile.Mode())
		if err != nil {
			return nil, fmt.Errorf("model: lock %s: %w", out, err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("model: another ebm train holds %s: %w", out, ErrLocked)
			}
			return nil, fmt.Errorf("model: lock %s: %w", out, err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Lstat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return f, nil
		}
		f.Close()
	}
}

func (r *Run) unlock() error {
	if r.lock == nil {
		return nil
	}
	err := os.Remove(r.lock.Name())
	r.lock.Close()
	r.lock = nil
	return err
}

// sameRun refuses to resume the run in dir with settings other than c's,
// naming each that differs.
func (c Config) sameRun(dir string) error {
	old, err := ReadConfig(dir)
	if err != nil {
		return err
	}
	was, now := fields(old), fields(c)
	var diff []string
	all := maps.Clone(was)
	maps.Copy(all, now)
	for _, k := range slices.Sorted(maps.Keys(all)) {
		if was[k] != now[k] {
			diff = append(diff, fmt.Sprintf("%s %s (now %s)", k, orNone(was[k]), orNone(now[k])))
		}
	}
	if len(diff) > 0 {
		return fmt.Errorf("model: -resume: %s was started with %s: %w", dir, strings.Join(diff, ", "), ErrMismatch)
	}
	return nil
}

// fields returns c's config.json fields, each value as JSON text.
func fields(c Config) map[string]string {
	b, _ := json.Marshal(c) // a Config always marshals
	var m map[string]json.RawMessage
	json.Unmarshal(b, &m)
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	if _, ok := out["precision"]; !ok {
		out["precision"] = `"float64"` // what no precision means, named as -precision names it
	}
	return out
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// copyFile copies src to dst atomically.
func copyFile(dst, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return safefile.WriteFile(dst, func(w io.Writer) error {
		_, err := io.Copy(w, f)
		return err
	})
}
