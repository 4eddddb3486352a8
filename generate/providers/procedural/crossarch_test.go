package procedural

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

// TestCrossArch builds this package's tests for other architectures and
// runs TestGolden in them, proving the pinned bytes do not depend on the
// machine:
//   - 386 (32-bit) always: natively on amd64 Linux, or under qemu-i386 when
//     the kernel cannot run 32-bit binaries (some VMs and sandboxes);
//   - arm64 (where Go fuses multiply-adds, the classic source of float
//     drift) under qemu-aarch64 when installed (apt-get install qemu-user),
//     skipped with a message otherwise.
//
// It compiles two test binaries, so it is skipped with -short.
func TestCrossArch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds test binaries for other architectures; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skipf("cross-architecture check runs on linux hosts, not %s", runtime.GOOS)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		var lerr error
		if goBin, lerr = exec.LookPath("go"); lerr != nil {
			t.Skipf("no go command to cross-compile with: %v", err)
		}
	}
	dir := t.TempDir()
	build := func(t *testing.T, arch string) string {
		t.Helper()
		bin := filepath.Join(dir, "procedural."+arch+".test")
		cmd := exec.Command(goBin, "test", "-c", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test -c for %s: %v\n%s", arch, err, out)
		}
		return bin
	}
	run := func(t *testing.T, argv ...string) {
		t.Helper()
		argv = append(argv, "-test.run", "^TestGolden$", "-test.count", "1")
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = "." // testdata/golden is found relative to the package
		// Go's signal-based goroutine preemption crashes under qemu-user
		// ("bad g in signal handler" on 386); it has no bearing on output.
		cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "PASS") {
			t.Fatalf("TestGolden under %s: %v\n%s", strings.Join(argv[:len(argv)-4], " "), err, out)
		}
	}

	t.Run("386", func(t *testing.T) {
		bin := build(t, "386")
		native := runtime.GOARCH == "amd64" || runtime.GOARCH == "386"
		if native {
			// Can this kernel execute 32-bit x86 binaries at all?
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
			t.Skip("this host is arm64: TestGolden already ran natively")
		}
		run(t, testenv.Path(t, testenv.QemuAarch64), build(t, "arm64"))
	})
}
