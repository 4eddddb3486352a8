//go:build !unix

package procedural

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
