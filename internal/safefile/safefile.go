package safefile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// mode is what a new file's permissions are: 0666 less the process's
// umask, as a plain create would give. os.CreateTemp makes 0600 files, so
// WriteFile widens them to this. The umask can only be read by setting it,
// so it is read once, at start, before any goroutine creates files.
var mode = func() os.FileMode {
	u := syscall.Umask(0o022)
	syscall.Umask(u)
	return 0o666 &^ os.FileMode(u)
}()

// Mode returns the permissions WriteFile and Append give a new file: 0666
// less the umask.
func Mode() os.FileMode { return mode }

// WriteFile calls write with a buffered writer on a temporary file beside
// path, syncs it to disk, and renames it over path. On any error the
// temporary file is removed and path is left as it was. The file gets
// Mode's permissions; a symbolic link at path is replaced, not followed.
func WriteFile(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	SyncDir(dir)
	return nil
}

// Append opens path for appending, creating it with Mode's permissions;
// it refuses a symbolic link at path rather than write through it.
func Append(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY|syscall.O_NOFOLLOW, 0o666)
	if err != nil {
		return nil, fmt.Errorf("append to %s: %w", path, err)
	}
	return f, nil
}

// SyncDir makes the renames in dir durable; not every system can sync a
// directory, so it reports nothing.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
