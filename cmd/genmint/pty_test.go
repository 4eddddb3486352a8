//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// A terminal that never answers (ssh -tt, docker run -t, script) must not
// cost a command anything: no command but the curation view queries the
// terminal (OSC 11 background colour, ESC[6n cursor position, device
// attributes), so none waits for an answer that never comes.

// terminalQuery matches what asks a terminal for an answer: OSC sequences
// (ESC ], e.g. OSC 10/11 colours), device status reports (CSI … n), device
// attributes (CSI … c), XTVERSION (CSI > q), mode reports (CSI ? … $ p) and
// the kitty keyboard query (CSI ? u).
var terminalQuery = regexp.MustCompile(`\x1b\]|\x1b\[[0-9;?>]*[nc]|\x1b\[>[0-9]*q|\x1b\[\?[0-9;]*\$p|\x1b\[\?u`)

// onSilentTerminal runs genmint with stdin, stdout and stderr on a
// pseudo-terminal that nobody answers, and returns every byte it wrote there.
func onSilentTerminal(tb testing.TB, dir string, args ...string) []byte {
	tb.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		tb.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "TERM=xterm-256color", "CI=", "NO_COLOR=", "COLORTERM=truecolor")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// Its own session, with the terminal as its controlling terminal and in
	// the foreground, as under ssh -tt or script.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		tty.Close()
		tb.Fatal(err)
	}
	tty.Close() // only the child holds the terminal now: reads end when it exits
	var out bytes.Buffer
	_, err = io.Copy(&out, ptmx)
	var pe *os.PathError
	if err != nil && !(errors.As(err, &pe) && pe.Err != nil) { // EIO: the child closed the terminal
		tb.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("genmint %v on a terminal: %v\n%q", args, err, out.Bytes())
	}
	return out.Bytes()
}

// ptyCollection is a small generated collection for list and status.
func ptyCollection(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	spec := "name: Pty\nsymbol: PTY\ncount: 3\nseed: 2\nprovider: {name: procedural, params: {width: 24, height: 24}}\nprompt: \"{{.c}}\"\ntraits:\n  c: [red, blue, green]\n"
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		tb.Fatal(err)
	}
	if out, err := genmint(dir, "generate", "-q").CombinedOutput(); err != nil {
		tb.Fatalf("generate: %v\n%s", err, out)
	}
	return dir
}

// BenchmarkStartupOnSilentTerminal reports how long `genmint version`,
// `list` and `status` take on a terminal that never answers, and how many
// terminal queries each wrote (queries/op): a query waits for its
// timeout, seconds, here. Issue 11 point 4 wants 0 queries; bubbletea
// v1's package init (tea_init.go: lipgloss.HasDarkBackground) still writes
// OSC 11 and ESC[6n until the TUI moves to bubbletea v2.
func BenchmarkStartupOnSilentTerminal(b *testing.B) {
	dir := ptyCollection(b)
	for _, cmd := range []string{"version", "list", "status"} {
		b.Run(cmd, func(b *testing.B) {
			queries := 0
			for b.Loop() {
				queries += len(terminalQuery.FindAll(onSilentTerminal(b, dir, cmd), -1))
			}
			b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
		})
	}
}
