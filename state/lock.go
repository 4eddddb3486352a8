package state

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// Lock takes the collection's writer lock (.genmint/lock), so two genmint
// processes never work on one collection at once. Readers (list, show) do not
// need it. The lock is released by the returned func, or by the OS when the
// process dies, so a kill -9 never leaves a collection locked.
func Lock(collectionDir string) (unlock func(), err error) {
	dir := filepath.Join(collectionDir, Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock collection: %w", err)
	}
	path := filepath.Join(dir, "lock")
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock collection %s: %w", collectionDir, err)
	}
	if !ok {
		holder := "another genmint"
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				holder = fmt.Sprintf("another genmint (pid %d)", pid)
			}
		}
		return nil, fmt.Errorf("%s is working on %s: wait for it to finish or stop it", holder, collectionDir)
	}
	// Record our pid for the message above; the lock itself is the flock.
	_ = os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	return func() { _ = fl.Unlock() }, nil
}
