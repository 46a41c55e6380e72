package model

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestPrepareDir(t *testing.T) {
	dir := t.TempDir()
	exists := func(f string) bool { _, err := os.Stat(filepath.Join(dir, f)); return err == nil }
	if err := PrepareDir(dir, false, false); err != nil {
		t.Fatalf("an empty directory: %v", err)
	}
	for _, f := range []string{"config.json", "metrics.jsonl", "checkpoint.bin"} {
		os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644)
	}
	if err := PrepareDir(dir, false, false); !errors.Is(err, ErrExists) {
		t.Errorf("a model's directory: %v, want ErrExists", err)
	}
	if err := PrepareDir(dir, true, true); err != nil || !exists("metrics.jsonl") || !exists("checkpoint.bin") {
		t.Errorf("resuming: %v; it must keep the metrics and the checkpoint", err)
	}
	if err := PrepareDir(dir, true, false); err != nil || exists("metrics.jsonl") || exists("checkpoint.bin") || !exists("config.json") {
		t.Errorf("overwriting: %v; it must remove the metrics and the checkpoint, and only them", err)
	}
	if err := PrepareDir(dir, true, false); err != nil {
		t.Errorf("overwriting again, with nothing to remove: %v", err)
	}
}
