// Package fsatomic writes files so that a crash at any moment leaves either
// the old file or the new one, never a half-written one: write a temporary
// file in the same folder, fsync it, rename it over the target, fsync the
// folder.
package fsatomic

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TempPrefix starts the name of every temporary file; Clean removes leftovers.
const TempPrefix = ".tmp-genmint-"

// WriteFile atomically replaces path with data.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	fail := func(err error) error {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary file's name says nothing useful
		}
		return Explain(fmt.Errorf("write %s: %w", path, err))
	}
	f, err := os.CreateTemp(dir, TempPrefix+filepath.Base(path)+"-")
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fail(err)
	}
	if err = f.Chmod(perm); err != nil {
		return fail(err)
	}
	if err = f.Sync(); err != nil {
		return fail(err)
	}
	if err = f.Close(); err != nil {
		return fail(err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fail(err)
	}
	return SyncDir(dir)
}

// SyncDir makes a folder's entries (a rename, a new file) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return Explain(fmt.Errorf("sync %s: %w", dir, err))
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return Explain(fmt.Errorf("sync %s: %w", dir, err))
	}
	return nil
}

// Clean removes temporary files a crash left in dir.
func Clean(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// Explain adds the fix to the disk errors a user can act on.
func Explain(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("%w: free some disk space and re-run; finished items are kept", err)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w: the collection is on a read-only file system: copy it somewhere writable", err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w: make the collection folder writable (chmod u+w) and re-run", err)
	}
	return err
}
