// Package usage marks the errors that come from how a command was asked
// rather than from what it found: a flag value that cannot work, or flags
// that cannot go together. Domain packages (pin, verify) wrap Err, and the
// commands map it to exit code 2 (cmdutil.AsUsage) — one sentinel, so a
// domain package never needs cmd/ to say "fix your flags".
package usage

import (
	"errors"
	"fmt"
)

// Err is the sentinel every usage error wraps; its text, "usage", prefixes
// theirs ("usage: --contract …").
var Err = errors.New("usage")

// Errorf returns a usage error: Err, ": ", then the formatted message.
func Errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{Err}, args...)...)
}
