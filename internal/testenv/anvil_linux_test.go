//go:build linux

package testenv_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
)

// childEnv marks the re-executed test binary that starts anvil and waits to
// be killed.
const childEnv = "GENMINT_TESTENV_ORPHAN_CHILD"

// A test process killed outright (SIGKILL, no cleanup runs) must not leave
// its anvil running: the kernel's parent-death signal ends it.
func TestAnvilDiesWithTheTestProcess(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		a := testenv.StartAnvil(t)
		fmt.Printf("anvil-pid %d\n", a.PID())
		time.Sleep(2 * time.Minute)
		t.Fatal("the parent test never killed this process")
	}
	testenv.Path(t, testenv.Anvil) // skip or fail here, not in the child

	tmp := t.TempDir() // the child's t.TempDir lands here, since its cleanup never runs
	child := exec.Command(os.Args[0], "-test.run=^TestAnvilDiesWithTheTestProcess$", "-test.count=1")
	child.Env = append(os.Environ(), childEnv+"=1", "TMPDIR="+tmp)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()

	pidc := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), "anvil-pid "); ok {
				if pid, err := strconv.Atoi(s); err == nil {
					pidc <- pid
					return
				}
			}
		}
		close(pidc)
	}()
	var pid int
	select {
	case p, ok := <-pidc:
		if !ok {
			t.Fatal("the child test exited without starting anvil")
		}
		pid = p
	case <-time.After(2 * time.Minute):
		t.Fatal("the child test did not start anvil within 2 minutes")
	}
	if !anvilRunning(pid) {
		t.Fatalf("anvil (pid %d) is not running before its test process is killed", pid)
	}

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()

	// A bounded wait for the kernel to deliver the signal, not a measure of speed.
	deadline := time.Now().Add(30 * time.Second)
	for anvilRunning(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("anvil (pid %d) still running 30s after its test process was SIGKILLed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// anvilRunning reports whether pid is a live (not zombie) process named
// anvil: a pid reused by another program counts as gone.
func anvilRunning(pid int) bool {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(raw)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || s[open+1:end] != "anvil" {
		return false
	}
	state := strings.TrimSpace(s[end+1:])
	return state != "" && state[0] != 'Z' && state[0] != 'X'
}
