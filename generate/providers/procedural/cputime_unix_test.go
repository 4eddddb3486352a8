//go:build unix

package procedural

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used.
// The benchmarks report it per operation beside the wall time, because a
// shared machine inflates wall time while CPU time stays honest.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
