package cmdutil

import (
	"os"
	"strconv"
	"strings"

	"github.com/genmint/genmint/mint"
)

// CrashEnv names the fault tests' hook: "POINT:N" makes genmint kill itself
// with SIGKILL the N-th time a chain-writing command (mint, reveal) reaches
// POINT (one of mint.Points). Only the fault tests set it.
const CrashEnv = "GENMINT_TEST_CRASH"

// CrashHook reads CrashEnv: nil when it is not set.
func CrashHook(getenv func(string) string) func(mint.Point) {
	if getenv == nil {
		return nil
	}
	spec := getenv(CrashEnv)
	if spec == "" {
		return nil
	}
	point, nth, _ := strings.Cut(spec, ":")
	n, err := strconv.Atoi(nth)
	if err != nil || n < 1 {
		n = 1
	}
	hits := 0
	return func(p mint.Point) {
		if string(p) != point {
			return
		}
		if hits++; hits == n {
			self, _ := os.FindProcess(os.Getpid())
			_ = self.Kill() // SIGKILL: no deferred function, no flush
			select {}
		}
	}
}
