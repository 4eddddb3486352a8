// Package cmdutil holds what every genmint command shares: the IO streams
// and what the terminal can do, the Factory of lazily built dependencies,
// exit codes, and the progress and JSON printers.
package cmdutil

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are a command's input and outputs, and what they are connected
// to. Results go to Out; progress, logs, prompts and the TUI go to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	color                 bool
	ci                    bool
	width                 func() int
	readSecret            func(prompt string) (string, error)
}

// System returns streams on the process's stdin, stdout and stderr.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.inTTY = isTerminal(os.Stdin)
	s.outTTY = isTerminal(os.Stdout)
	s.errTTY = isTerminal(os.Stderr)
	s.ci = IsCI(os.Getenv)
	s.color = s.errTTY && !s.ci && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	s.width = func() int {
		if w, _, err := term.GetSize(int(os.Stderr.Fd())); err == nil && w > 0 {
			return w
		}
		return 80
	}
	return s
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// IsCI reports whether we run under CI (CI=true or CI=1): no prompts, no
// progress bars, no TUI.
func IsCI(getenv func(string) string) bool {
	v := strings.ToLower(getenv("CI"))
	return v == "true" || v == "1"
}

// Test returns streams on buffers, none of them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, width: func() int { return 80 }}, in, out, errOut
}

// SetTTY pretends, in tests, that the streams are terminals.
func (s *IOStreams) SetTTY(in, out, err bool) { s.inTTY, s.outTTY, s.errTTY = in, out, err }

// SetColorEnabled turns colour on or off (--no-color).
func (s *IOStreams) SetColorEnabled(on bool) { s.color = on }

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// Interactive reports whether we may prompt, draw progress bars or run the
// TUI: stdin and stderr are terminals and we are not under CI.
func (s *IOStreams) Interactive() bool { return s.inTTY && s.errTTY && !s.ci }

// ProgressBars reports whether progress may be drawn as a redrawn bar.
func (s *IOStreams) ProgressBars() bool { return s.errTTY && !s.ci }

// ColorEnabled reports whether to colour output on stderr.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// TerminalWidth returns stderr's width in columns (80 when unknown).
func (s *IOStreams) TerminalWidth() int { return s.width() }

// Color wraps text in an ANSI colour when colour is enabled.
func (s *IOStreams) Color(code, text string) string {
	if !s.color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// Colour codes for Color.
const (
	Bold   = "1"
	Dim    = "2"
	Red    = "31"
	Green  = "32"
	Yellow = "33"
	Cyan   = "36"
)

// Errorf prints a line to ErrOut.
func (s *IOStreams) Errorf(format string, args ...any) {
	fmt.Fprintf(s.ErrOut, format, args...)
}
