package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.bin")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("got %q, want new", b)
	}
}

func TestWriteFileKeepsOldOnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.bin")
	os.WriteFile(p, []byte("old"), 0o644)
	boom := errors.New("boom")
	err := WriteFile(p, func(w io.Writer) error { w.Write([]byte("half")); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want it to wrap boom", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("file now %q, want old", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d entries in dir, want only the file (no temporary left)", len(ents))
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "f"), func(io.Writer) error { return nil })
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want one wrapping os.ErrNotExist", err)
	}
}

// A new file has the umask's permissions (0644 under umask 022), not
// CreateTemp's 0600, so that others can read a shared model.
func TestWriteFileUmaskMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.bin")
	if err := WriteFile(p, func(io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != Mode() {
		t.Errorf("mode %v, want %v", got, Mode())
	}
}

// WriteFile replaces a symbolic link at path; it never writes through it.
func TestWriteFileReplacesSymlink(t *testing.T) {
	dir := t.TempDir()
	target, p := filepath.Join(dir, "target"), filepath.Join(dir, "link")
	os.WriteFile(target, []byte("keep"), 0o644)
	if err := os.Symlink(target, p); err != nil {
		t.Skip(err)
	}
	if err := WriteFile(p, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Errorf("the link's target now holds %q, want keep", b)
	}
	if fi, _ := os.Lstat(p); fi.Mode()&os.ModeSymlink != 0 {
		t.Errorf("%s is still a link", p)
	}
}

func TestAppendRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target, p := filepath.Join(dir, "target"), filepath.Join(dir, "link")
	os.WriteFile(target, []byte("keep"), 0o644)
	if err := os.Symlink(target, p); err != nil {
		t.Skip(err)
	}
	if f, err := Append(p); err == nil {
		f.Close()
		t.Fatal("Append opened a symbolic link")
	}
	f, err := Append(target)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("+"))
	f.Close()
	if b, _ := os.ReadFile(target); string(b) != "keep+" {
		t.Errorf("got %q, want keep+", b)
	}
}
