package layers

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/genmint/genmint/internal/testenv"
)

// TestCrossArch builds this package's tests for 386 (natively, or under
// qemu-i386 when the kernel cannot run 32-bit binaries) and arm64 (under
// qemu-aarch64) and runs TestDeterministic there, whose pinned sha256
// proves the composite's bytes do not depend on the machine. Skipped with
// -short (it compiles two test binaries), as the procedural provider's is.
func TestCrossArch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds test binaries for other architectures; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skipf("cross-architecture check runs on linux hosts, not %s", runtime.GOOS)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command to cross-compile with: %v", err)
		}
	}
	dir := t.TempDir()
	build := func(t *testing.T, arch string) string {
		t.Helper()
		bin := filepath.Join(dir, "layers."+arch+".test")
		cmd := exec.Command(goBin, "test", "-c", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test -c for %s: %v\n%s", arch, err, out)
		}
		return bin
	}
	run := func(t *testing.T, argv ...string) {
		t.Helper()
		argv = append(argv, "-test.run", "^TestDeterministic$", "-test.count", "1", "-test.v")
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1") // qemu-user and Go's preemption signals
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestDeterministic") {
			t.Fatalf("TestDeterministic under %s: %v\n%s", strings.Join(argv[:len(argv)-5], " "), err, out)
		}
	}
	t.Run("386", func(t *testing.T) {
		bin := build(t, "386")
		native := runtime.GOARCH == "amd64" || runtime.GOARCH == "386"
		if native {
			err := exec.Command(bin, "-test.list", "^$").Run()
			native = !errors.Is(err, syscall.ENOEXEC)
		}
		if native {
			run(t, bin)
			return
		}
		run(t, testenv.Path(t, testenv.QemuI386), bin)
	})
	t.Run("arm64", func(t *testing.T) {
		if runtime.GOARCH == "arm64" {
			t.Skip("this host is arm64: TestDeterministic already ran natively")
		}
		run(t, testenv.Path(t, testenv.QemuAarch64), build(t, "arm64"))
	})
}
