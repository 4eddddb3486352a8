//go:build linux

package testenv

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// SetCPUs confines every thread of process pid (0: this one) to cpus, so
// that threads it starts later, which inherit their parent thread's
// affinity, stay there too. A benchmark uses it to give a node and its
// client CPUs of their own, as on two machines.
func SetCPUs(pid int, cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	if pid == 0 {
		pid = os.Getpid()
	}
	done := map[int]bool{}
	// A thread started while the list is read is started from one not yet
	// confined: read it again until no thread is new.
	for {
		ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		if err != nil {
			return fmt.Errorf("threads of process %d: %w", pid, err)
		}
		fresh := false
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || done[tid] {
				continue
			}
			fresh = true
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
				return fmt.Errorf("confine thread %d of process %d to CPUs %v: %w", tid, pid, cpus, err)
			}
			done[tid] = true
		}
		if !fresh {
			return nil
		}
	}
}

// CPUs lists the CPUs this process may run on.
func CPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for c := 0; c < len(set)*64 && len(cpus) < set.Count(); c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}
