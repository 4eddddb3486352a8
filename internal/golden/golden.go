// Package golden compares a test's byte-exact output (provenance JSON, token
// metadata, --json output, rendered images' hashes) with a file committed
// beside the test, and rewrites that file when the tests run with -update.
// It registers the one -update flag of every test binary that imports it.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Update reports whether the tests run with -update.
func Update() bool { return *update }

// Check compares got with the file at path. With -update it first writes
// got there (creating its folder). A missing file fails the test at once;
// a difference fails it showing both.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
			return
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
			return
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (after checking the change, go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
