// Package preview draws an item's image in the terminal with the best
// protocol the terminal supports, and caches thumbnails so scrolling through
// a collection never decodes a full-size image twice.
//
// Protocols, best first: the kitty graphics protocol, iTerm2 inline images,
// sixel, and Unicode half-blocks with 24-bit colour (every cell is ▀ with the
// upper pixel as foreground and the lower pixel as background), which works
// in any truecolor terminal and inside tmux.
//
// How images coexist with Bubble Tea v2's cell renderer: half-block frames
// are ordinary text and need nothing special. A graphics frame (kitty,
// iTerm2, sixel) is one escape sequence that the cell renderer cannot hold,
// so the caller (package tui) leaves the image's box blank in the view and
// draws the box itself, after the frame, with Frame.DrawAt: save the cursor,
// move to the image's top-left cell, draw, restore the cursor. Kitty
// placements are not erased by text; they are replaced by reusing one image
// id, and cleared with ClearSeq when the box shows no image.
package preview

import (
	"fmt"
	"strings"
)

// Protocol is a way of drawing images in a terminal.
type Protocol string

// Protocols, in the order Detect prefers them.
const (
	Kitty  Protocol = "kitty"
	ITerm  Protocol = "iterm"
	Sixel  Protocol = "sixel"
	Blocks Protocol = "blocks"
	None   Protocol = "none"
	// Auto asks Detect to choose; it is what --preview defaults to.
	Auto Protocol = "auto"
)

// Protocols lists the names --preview accepts.
var Protocols = []Protocol{Auto, Kitty, ITerm, Sixel, Blocks, None}

// ParseProtocol checks a --preview value.
func ParseProtocol(s string) (Protocol, error) {
	for _, p := range Protocols {
		if string(p) == s {
			return p, nil
		}
	}
	names := make([]string, len(Protocols))
	for i, p := range Protocols {
		names[i] = string(p)
	}
	return "", fmt.Errorf("unknown preview protocol %q: use one of %s", s, strings.Join(names, ", "))
}

// Graphics reports whether p draws with an image escape sequence rather than
// text cells.
func (p Protocol) Graphics() bool { return p == Kitty || p == ITerm || p == Sixel }

// Detect picks the protocol for the terminal described by the environment
// (pass os.Getenv). It asks the terminal nothing, so it cannot hang or leave
// a reply in the input stream:
//
//   - TERM=dumb: none.
//   - inside tmux or GNU screen (TMUX set, TERM screen*/tmux*): blocks, since
//     multiplexers drop graphics sequences unless passthrough is configured
//     (force one with --preview).
//   - KITTY_WINDOW_ID set, TERM=xterm-kitty, TERM=xterm-ghostty,
//     TERM_PROGRAM=WezTerm or ghostty: kitty.
//   - TERM_PROGRAM=iTerm.app or LC_TERMINAL=iTerm2: iterm.
//   - TERM naming sixel, or a terminal known to draw sixel (foot, mlterm,
//     contour, yaft, Konsole via KONSOLE_VERSION): sixel.
//   - otherwise: blocks (24-bit colour; best with COLORTERM=truecolor).
func Detect(getenv func(string) string) Protocol {
	term := strings.ToLower(getenv("TERM"))
	prog := getenv("TERM_PROGRAM")
	switch {
	case term == "dumb":
		return None
	case getenv("TMUX") != "" || strings.HasPrefix(term, "screen") || strings.HasPrefix(term, "tmux") || prog == "tmux":
		return Blocks
	case getenv("KITTY_WINDOW_ID") != "" || term == "xterm-kitty" || term == "xterm-ghostty" ||
		prog == "WezTerm" || strings.EqualFold(prog, "ghostty"):
		return Kitty
	case prog == "iTerm.app" || getenv("LC_TERMINAL") == "iTerm2":
		return ITerm
	case strings.Contains(term, "sixel") || hasAnyPrefix(term, "foot", "mlterm", "contour", "yaft") ||
		prog == "mlterm" || prog == "contour" || getenv("KONSOLE_VERSION") != "":
		return Sixel
	}
	return Blocks
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Resolve turns a --preview value into the protocol to use: Auto detects
// from the environment, anything else is forced.
func Resolve(p Protocol, getenv func(string) string) Protocol {
	if p == Auto || p == "" {
		return Detect(getenv)
	}
	return p
}
