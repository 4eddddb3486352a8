package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.failed = append(r.failed, fmt.Sprint(args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "out.json")

	r := &recorder{TB: t}
	Check(r, path, []byte("{}\n"))
	if len(r.failed) != 1 || !strings.Contains(r.failed[0], "run go test -update to create it") {
		t.Fatalf("missing file: %q", r.failed)
	}

	*update = true
	if !Update() {
		t.Fatal("Update() is false under -update")
	}
	r = &recorder{TB: t}
	Check(r, path, []byte("{}\n"))
	*update = false
	if b, err := os.ReadFile(path); err != nil || string(b) != "{}\n" || len(r.failed) != 0 {
		t.Fatalf("update: %q %v, failures %q", b, err, r.failed)
	}

	r = &recorder{TB: t}
	Check(r, path, []byte("{}\n"))
	if len(r.failed) != 0 {
		t.Fatalf("same bytes: %q", r.failed)
	}
	r = &recorder{TB: t}
	Check(r, path, []byte("{ }\n"))
	if len(r.failed) != 1 || !strings.Contains(r.failed[0], "differs from the golden file") ||
		!strings.Contains(r.failed[0], "--- got\n{ }\n") || !strings.Contains(r.failed[0], "--- want\n{}\n") {
		t.Fatalf("different bytes: %q", r.failed)
	}
}
