package testenv

import (
	"os/exec"
	"runtime"
)

// startTied starts cmd so that it dies with the test process (see
// dieWithParent) and returns a channel that receives cmd.Wait's result.
//
// Linux delivers the parent-death signal when the thread that forked the
// child ends, not the process: Go may retire a thread while the program runs
// on (a goroutine that locked it and exits), which would kill the node in the
// middle of a test. So the child is forked by a goroutine that keeps its
// thread locked and waits on the child there: the thread lives exactly as
// long as the child, and ends only with the test process.
func startTied(cmd *exec.Cmd) (<-chan error, error) {
	dieWithParent(cmd)
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}
