package tmux

import (
	"strings"
	"testing"
)

// TestSession drives cat: typed text shows (echoed by the terminal, then
// by cat), keys are key names, Resize resizes, and once the program quits
// the pane reads empty.
func TestSession(t *testing.T) {
	s := Start(t, 40, 10, "cat")
	s.Type("hello world")
	s.WaitPane("hello world")
	s.Keys("Enter")
	s.WaitFor("the line twice", func(p string) bool { return strings.Count(p, "hello world") == 2 })

	s.Resize(30, 8)
	if got := strings.TrimSpace(s.Run("display-message", "-p", "-t", target, "#{window_width}x#{window_height}")); got != "30x8" {
		t.Errorf("after Resize(30, 8) the window is %s", got)
	}

	s.Keys("C-d") // end of input: cat exits, and the session with it
	s.WaitFor("the session to end", func(p string) bool { return p == "" })
}
