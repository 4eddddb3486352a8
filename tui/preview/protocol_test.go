package preview

import (
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want Protocol
	}{
		{map[string]string{}, Blocks},
		{map[string]string{"TERM": "dumb"}, None},
		{map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}, Blocks},
		{map[string]string{"TERM": "xterm-256color", "COLORTERM": "24bit"}, Blocks},
		{map[string]string{"TERM": "xterm-256color"}, Blocks},
		{map[string]string{"TERM": "xterm-kitty"}, Kitty},
		{map[string]string{"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, Kitty},
		{map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, Kitty},
		{map[string]string{"TERM": "xterm-ghostty", "TERM_PROGRAM": "ghostty"}, Kitty},
		{map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "ghostty"}, Kitty},
		{map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, ITerm},
		{map[string]string{"TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"}, ITerm},
		{map[string]string{"TERM": "foot"}, Sixel},
		{map[string]string{"TERM": "foot-extra"}, Sixel},
		{map[string]string{"TERM": "mlterm"}, Sixel},
		{map[string]string{"TERM": "xterm-sixel"}, Sixel},
		{map[string]string{"TERM": "contour"}, Sixel},
		{map[string]string{"TERM": "xterm-256color", "KONSOLE_VERSION": "230804"}, Sixel},
		// Multiplexers win over what the outer terminal left in the environment.
		{map[string]string{"TERM": "tmux-256color", "KITTY_WINDOW_ID": "1"}, Blocks},
		{map[string]string{"TERM": "screen-256color", "TERM_PROGRAM": "iTerm.app"}, Blocks},
		{map[string]string{"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, Blocks},
		{map[string]string{"TERM": "xterm-256color", "TERM_PROGRAM": "tmux"}, Blocks},
	} {
		getenv := func(k string) string { return tc.env[k] }
		if got := Detect(getenv); got != tc.want {
			t.Errorf("Detect(%v) = %s, want %s", tc.env, got, tc.want)
		}
		if got := Resolve(Auto, getenv); got != tc.want {
			t.Errorf("Resolve(auto, %v) = %s, want %s", tc.env, got, tc.want)
		}
	}
	// A forced protocol ignores the environment.
	if got := Resolve(Sixel, func(string) string { return "xterm-kitty" }); got != Sixel {
		t.Errorf("Resolve(sixel) = %s", got)
	}
}

func TestParseProtocol(t *testing.T) {
	for _, s := range []string{"auto", "kitty", "iterm", "sixel", "blocks", "none"} {
		if p, err := ParseProtocol(s); err != nil || string(p) != s {
			t.Errorf("ParseProtocol(%q) = %q, %v", s, p, err)
		}
	}
	_, err := ParseProtocol("iterm2")
	if err == nil || !strings.Contains(err.Error(), "use one of auto, kitty, iterm, sixel, blocks, none") {
		t.Errorf("ParseProtocol(iterm2): %v", err)
	}
}
