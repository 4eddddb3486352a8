//go:build linux

package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// SetCPUs confines every thread of a running process; what the kernel
// then reports allowed is exactly the CPUs given.
func TestSetCPUs(t *testing.T) {
	cpus, err := CPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) == 0 {
		t.Fatal("CPUs listed none")
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	last := cpus[len(cpus)-1]
	if err := SetCPUs(cmd.Process.Pid, []int{last}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			if got := strings.TrimSpace(v); got != strconv.Itoa(last) {
				t.Fatalf("allowed CPUs %q, want %d", got, last)
			}
			return
		}
	}
	t.Fatal("no Cpus_allowed_list in /proc/PID/status")
}
