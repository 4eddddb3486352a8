//go:build !linux

package testenv

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal.
// Stop and t.Cleanup still end the node when the test ends normally.
func dieWithParent(*exec.Cmd) {}
