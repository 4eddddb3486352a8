//go:build !linux

package pipeline_test

import (
	"runtime"
	"time"
)

var cpuStart = time.Now()

// threadCPU falls back to wall time where per-thread CPU time is not read.
func threadCPU() time.Duration { return time.Since(cpuStart) }

func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
