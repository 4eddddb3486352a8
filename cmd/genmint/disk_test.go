package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// diskScript runs inside a private user and mount namespace (unshare -rm),
// where it may mount a tiny tmpfs: genmint fills it, then it is grown and
// genmint resumes; then it is made read-only. Markers on stdout let the
// test check each step.
const diskScript = `set -u
D="$1"; OUT="$2"; BIN="$3"
mount -t tmpfs -o size=420k tmpfs "$D" || { echo "NOMOUNT"; exit 0; }
cp "$OUT/genmint.yaml" "$D/"
"$BIN" -C "$D" generate -j 1 >"$OUT/full.out" 2>"$OUT/full.err"; echo "FULL_EXIT=$?"
"$BIN" -C "$D" list >"$OUT/full.list" 2>&1
mount -o remount,size=64m "$D"
"$BIN" -C "$D" generate -j 1 >"$OUT/resume.out" 2>"$OUT/resume.err"; echo "RESUME_EXIT=$?"
cp -a "$D/items" "$OUT/items"
sed -i 's/width: 2/width: 3/' "$D/genmint.yaml"
mount -o remount,ro "$D"
"$BIN" -C "$D" generate -j 1 >"$OUT/ro.out" 2>"$OUT/ro.err"; echo "RO_EXIT=$?"
`

// TestFullAndReadOnlyDisk: a full disk stops generate with one line naming
// the fix and loses nothing; after freeing space a re-run completes with
// files identical to a clean run; a read-only folder is named as such.
func TestFullAndReadOnlyDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs in a user namespace; skipped with -short")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	spec := `name: Disk
symbol: DISK
count: 16
seed: 12
provider:
  name: procedural
  params: {width: 128, height: 128}
prompt: "{{.palette}} {{.motif}}"
traits:
  palette: [ocean, ember, forest, neon]
  motif: [flow, rings, cells, tiles]
postprocess:
  - border: {width: 2, color: "#000000"}
`
	mnt, out, clean := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{out, clean} {
		if err := os.WriteFile(filepath.Join(d, "genmint.yaml"), []byte(spec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "genmint")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build genmint: %v\n%s", err, b)
	}
	cmd := exec.Command(unshare, "-rm", "sh", "-c", diskScript, "sh", mnt, out, bin)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1795000000", "NO_COLOR=1", "CI=")
	b, err := cmd.CombinedOutput()
	markers := string(b)
	if err != nil || strings.Contains(markers, "NOMOUNT") {
		t.Skipf("this kernel does not allow a tmpfs in a user namespace (%v): %s", err, markers)
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(out, name))
		return string(b)
	}

	// The full disk: exit 1, one line naming the fix, some items done.
	if !strings.Contains(markers, "FULL_EXIT=1") {
		t.Fatalf("generate on a full disk: %s\nstdout: %s\nstderr: %s", markers, read("full.out"), read("full.err"))
	}
	errLine := lastLine(read("full.err"))
	if !strings.Contains(errLine, "no space left on device") || !strings.Contains(errLine, "free some disk space and re-run; finished items are kept") {
		t.Errorf("full-disk error: %q", errLine)
	}
	done := strings.Count(read("full.list"), "\tgenerated\t")
	if done == 0 || done == 16 {
		t.Fatalf("%d items finished before the disk filled; the tmpfs size needs adjusting\n%s", done, read("full.list"))
	}

	// More room: the re-run completes, byte-identical to a clean run.
	if !strings.Contains(markers, "RESUME_EXIT=0") || !strings.Contains(read("resume.out"), "already done") {
		t.Fatalf("resume: %s\n%s\n%s", markers, read("resume.out"), read("resume.err"))
	}
	if b, err := exec.Command(bin, "-C", clean, "generate", "-q").CombinedOutput(); err != nil {
		t.Fatalf("clean run: %v %s", err, b)
	}
	// The clean run used the real clock; compare images, not the sidecars' times.
	for id := 1; id <= 16; id++ {
		for _, f := range []string{"original.png", "final.png"} {
			rel := fmt.Sprintf("items/%04d/%s", id, f)
			a, _ := os.ReadFile(filepath.Join(out, rel))
			c, _ := os.ReadFile(filepath.Join(clean, rel))
			if len(a) == 0 || !bytes.Equal(a, c) {
				t.Errorf("%s differs from a clean run after the full disk", rel)
			}
		}
	}
	t.Logf("%d of 16 items were done when the disk filled: %s", done, errLine)

	// Read-only: exit 1, the message says so.
	if !strings.Contains(markers, "RO_EXIT=1") || !strings.Contains(lastLine(read("ro.err")), "read-only") {
		t.Errorf("read-only collection: %s\n%s", markers, read("ro.err"))
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
