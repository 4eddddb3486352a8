package collpath

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree makes a collection folder with a file inside, a secret beside it,
// and symlinks both ways.
func tree(t testing.TB) (dir, outside string) {
	t.Helper()
	base := t.TempDir()
	dir = filepath.Join(base, "coll")
	outside = filepath.Join(base, "pw.txt")
	must(t, os.MkdirAll(filepath.Join(dir, "prompts", "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "prompts", "main.tmpl"), []byte("a {{.x}}"), 0o644))
	must(t, os.WriteFile(outside, []byte("the-passphrase"), 0o600))
	must(t, os.Symlink(outside, filepath.Join(dir, "abs-out")))
	must(t, os.Symlink("../pw.txt", filepath.Join(dir, "rel-out")))
	must(t, os.Symlink(base, filepath.Join(dir, "up")))
	must(t, os.Symlink("prompts/main.tmpl", filepath.Join(dir, "in-link")))
	must(t, os.Symlink("../nowhere", filepath.Join(dir, "dangling-out")))
	return dir, outside
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestResolveRefusesOutside(t *testing.T) {
	dir, outside := tree(t)
	for _, name := range []string{
		"../pw.txt", "prompts/../../pw.txt", `..\pw.txt`, outside, "/etc/passwd",
		"abs-out", "rel-out", "up/pw.txt", "up/coll/../pw.txt", "dangling-out", "up/missing.png",
		"", ".", "prompts/..",
	} {
		_, err := Resolve(dir, name)
		if !errors.Is(err, ErrOutside) {
			t.Errorf("Resolve(%q) = %v, want ErrOutside", name, err)
		}
		if _, err := ReadFile(dir, name, 1<<20); !errors.Is(err, ErrOutside) {
			t.Errorf("ReadFile(%q) = %v, want ErrOutside", name, err)
		}
	}
}

func TestResolveInside(t *testing.T) {
	dir, _ := tree(t)
	want, err := filepath.EvalSymlinks(filepath.Join(dir, "prompts", "main.tmpl"))
	must(t, err)
	for _, name := range []string{"prompts/main.tmpl", "./prompts/main.tmpl", "prompts/sub/../main.tmpl", "in-link", "up/coll/prompts/main.tmpl"} {
		got, err := Resolve(dir, name)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", name, got, err, want)
			continue
		}
		b, err := ReadFile(dir, name, 1<<20)
		if name == "up/coll/prompts/main.tmpl" {
			// Resolves inside, but os.Root refuses the detour through the
			// parent: still never a read outside.
			if err != nil && !errors.Is(err, ErrOutside) {
				t.Errorf("ReadFile(%q) = %v", name, err)
			}
			continue
		}
		if err != nil || string(b) != "a {{.x}}" {
			t.Errorf("ReadFile(%q) = %q, %v", name, b, err)
		}
	}
}

func TestResolveMissing(t *testing.T) {
	dir, _ := tree(t)
	_, err := Resolve(dir, "prompts/none.tmpl")
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrOutside) {
		t.Fatalf("got %v, want not-exist", err)
	}
	if _, err := ReadFile(dir, "prompts", 10); !errors.Is(err, ErrIsDir) {
		t.Fatalf("reading a folder: %v", err)
	}
	if _, err := ReadFile(dir, "prompts/main.tmpl", 3); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
}

func TestErrorNamesReason(t *testing.T) {
	dir, _ := tree(t)
	_, err := Resolve(dir, "rel-out")
	if err == nil || !strings.Contains(err.Error(), `"rel-out" is outside the collection folder: a symlink leads to`) {
		t.Fatalf("got %v", err)
	}
	_, err = Resolve(dir, "../x")
	if err == nil || err.Error() != `"../x" is outside the collection folder: it climbs out with ..` {
		t.Fatalf("got %v", err)
	}
}

// FuzzResolve: whatever the name, a successful Resolve or ReadFile never
// lands outside the folder, and Clean's answer agrees with Resolve's.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"prompts/main.tmpl", "../pw.txt", "up/pw.txt", "rel-out", "/etc/passwd", `..\pw.txt`, "a/../../b", "in-link", "prompts//./sub/../main.tmpl", "\x00"} {
		f.Add(s)
	}
	dir, _ := tree(f)
	root, err := filepath.EvalSymlinks(dir)
	must(f, err)
	f.Fuzz(func(t *testing.T, name string) {
		got, err := Resolve(dir, name)
		if _, cerr := Clean(name); cerr != nil && err == nil {
			t.Fatalf("Clean(%q) refused (%v) but Resolve accepted", name, cerr)
		}
		if err == nil {
			if !inside(root, got) {
				t.Fatalf("Resolve(%q) = %q, outside %q", name, got, root)
			}
			real, rerr := filepath.EvalSymlinks(got)
			if rerr == nil && !inside(root, real) {
				t.Fatalf("Resolve(%q) = %q leads to %q", name, got, real)
			}
		}
		if b, err := ReadFile(dir, name, 1<<10); err == nil && string(b) == "the-passphrase" {
			t.Fatalf("ReadFile(%q) read the file outside the folder", name)
		}
	})
}
