// Package tmux drives a terminal program in a private tmux server, for the
// end-to-end tests of genmint's terminal views (tui and `genmint curate`):
// start it in a pane of a given size, send keys, read the screen back with
// capture-pane, and wait until the screen shows what a test expects.
//
// Nothing is timed: every wait polls the pane until what is expected shows
// up, with a generous deadline for slow machines.
package tmux

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/internal/testenv"
)

// Deadline bounds each wait.
const Deadline = 30 * time.Second

// target names the one session (and its window) of a Session's server.
const target = "curate"

// Session is a private tmux server (its own socket) running one command.
// It is killed when the test ends.
type Session struct {
	t    testing.TB
	bin  string
	sock string
}

// Start runs command (a shell command line) in a w×h pane. It fails or
// skips the test, as testenv.Path does, when tmux is not installed.
func Start(t testing.TB, w, h int, command string) *Session {
	t.Helper()
	bin := testenv.Path(t, testenv.Tmux)
	s := &Session{t: t, bin: bin, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	s.Run("-f", "/dev/null", "new-session", "-d", "-s", target, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), command)
	t.Cleanup(func() { exec.Command(bin, "-S", s.sock, "kill-server").Run() })
	return s
}

// Run runs tmux with args on the session's server and returns its output;
// a failure fails the test.
func (s *Session) Run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.bin, append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Pane is what the pane shows now, or "" once the session has ended (the
// program quit).
func (s *Session) Pane() string {
	out, err := exec.Command(s.bin, "-S", s.sock, "capture-pane", "-p", "-t", target).CombinedOutput()
	if err != nil {
		return ""
	}
	return string(out)
}

// Keys sends keys, each a tmux key name ("Enter", "Escape", "j").
func (s *Session) Keys(keys ...string) {
	s.t.Helper()
	s.Run(append([]string{"send-keys", "-t", target}, keys...)...)
}

// Type sends text literally, character by character.
func (s *Session) Type(text string) {
	s.t.Helper()
	s.Run("send-keys", "-t", target, "-l", text)
}

// Resize makes the window w×h.
func (s *Session) Resize(w, h int) {
	s.t.Helper()
	s.Run("resize-window", "-t", target, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h))
}

// WaitFor polls the pane until ok holds and returns what it showed then; at
// the Deadline it fails the test naming what and showing the pane.
func (s *Session) WaitFor(what string, ok func(pane string) bool) string {
	s.t.Helper()
	var p string
	for deadline := time.Now().Add(Deadline); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		p = s.Pane()
		if ok(p) {
			return p
		}
	}
	s.t.Fatalf("never saw %s; the pane shows:\n%s", what, p)
	return ""
}

// WaitPane polls the pane until it shows every string.
func (s *Session) WaitPane(want ...string) string {
	s.t.Helper()
	return s.WaitFor(fmt.Sprintf("%q", want), func(p string) bool {
		for _, w := range want {
			if !strings.Contains(p, w) {
				return false
			}
		}
		return true
	})
}
