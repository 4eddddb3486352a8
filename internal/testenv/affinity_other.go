//go:build !linux

package testenv

import (
	"errors"
	"fmt"
)

var errNoAffinity = errors.New("CPU affinity is set on Linux only")

// SetCPUs is Linux's; elsewhere it fails.
func SetCPUs(pid int, cpus []int) error {
	return fmt.Errorf("confine process %d to CPUs %v: %w", pid, cpus, errNoAffinity)
}

// CPUs is Linux's; elsewhere it fails.
func CPUs() ([]int, error) { return nil, errNoAffinity }
