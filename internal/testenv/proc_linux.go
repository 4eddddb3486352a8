//go:build linux

package testenv

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks the kernel to SIGKILL cmd when the test process dies,
// however it dies (a SIGKILLed `go test`, a timeout's panic): a node must not
// outlive its test, holding a port and writing state nobody removes.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
