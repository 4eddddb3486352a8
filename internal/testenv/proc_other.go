//go:build !unix

package testenv

import (
	"os/exec"
	"time"
)

func ownProcessGroup(*exec.Cmd) {}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// ProcessCPU is 0 where the process's CPU time is not read.
func ProcessCPU() time.Duration { return 0 }
