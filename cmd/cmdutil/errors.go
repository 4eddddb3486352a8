package cmdutil

import (
	"errors"
	"fmt"
)

// ExitCode is genmint's documented process exit status.
type ExitCode int

// Exit codes. Scripts branch on these; never renumber them.
const (
	ExitOK          ExitCode = 0   // done
	ExitFailure     ExitCode = 1   // something failed at run time: a node, the disk, a provider
	ExitUsage       ExitCode = 2   // bad flags or a bad genmint.yaml: fix the input
	ExitPartial     ExitCode = 3   // finished, but some items failed or were refused: re-run or curate
	ExitNotVerified ExitCode = 4   // verify found a broken link: the collection is not what it claims (1 means it could not check)
	ExitInterrupted ExitCode = 130 // Ctrl-C or SIGTERM; everything finished so far is kept
)

// ExitError carries an exit code with an error. A nil Err means the command
// already said everything (its output explains the code).
type ExitError struct {
	Code ExitCode
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// UsageError reports bad input: exit code 2.
func UsageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// AsUsage marks err as a usage error.
func AsUsage(err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// Partial reports a command that finished with some items left undone, after
// printing its own summary: exit code 3.
func Partial() error { return &ExitError{Code: ExitPartial} }

// Silent ends a command with code after it printed everything itself.
func Silent(code ExitCode) error { return &ExitError{Code: code} }

// CodeOf returns the exit code an error stands for.
func CodeOf(err error) ExitCode {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFailure
}
