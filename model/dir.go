package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is wrapped by PrepareDir's error for a directory that already
// holds a model.
var ErrExists = errors.New("directory holds a trained model")

// PrepareDir readies dir for a training run (TrainOptions.Dir). A
// directory that holds a model (a config.json) is refused unless the run
// overwrites or resumes it; a run that overwrites without resuming removes
// the old run's metrics.jsonl and checkpoint.bin first, so that they do not
// mix with the new run's.
func PrepareDir(dir string, overwrite, resume bool) error {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil && !overwrite && !resume {
		return fmt.Errorf("model: %s: %w", dir, ErrExists)
	}
	if !overwrite || resume {
		return nil
	}
	for _, f := range []string{"metrics.jsonl", "checkpoint.bin"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("model: %w", err)
		}
	}
	return nil
}
