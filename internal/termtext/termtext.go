// Package termtext makes text from outside genmint (a spec, a provider's
// answer, a server's error) safe to show on a terminal: every control
// character is shown escaped, as \x1b or \u009b, so a prompt cannot set the
// window title, move the cursor or reorder a line with a bidi override. It
// also lays out tables whose columns stay aligned when cells are coloured.
//
// JSON output never goes through here: it keeps the exact strings.
package termtext

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Line returns s for one line of a terminal or a table cell: control
// characters, line breaks and tabs included, bidi controls and bytes that
// are not UTF-8 are shown escaped. Text without any is returned unchanged.
func Line(s string) string { return escape(s, false) }

// Text is Line for text that may span lines: newlines and tabs are kept.
func Text(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if clean(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean reports whether s needs no escaping (the common case, no copy).
func clean(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && !(keepLines && (c == '\n' || c == '\t'))) || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || unsafeRune(r) {
			return false
		}
		i += n
	}
	return true
}

// unsafeRune reports the non-ASCII runes a terminal acts on or that change
// how a line reads: C1 controls (0x9b is CSI, 0x9d OSC), the bidi
// embeddings, overrides, isolates and marks, and the Unicode line and
// paragraph separators.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// Collapse puts text from outside genmint (a server's error body, an
// error's text) on one line: every run of white space, line breaks and tabs
// included, becomes one space, with none at either end. When limit > 0 and
// more than limit characters are left, it keeps the first limit and adds "…";
// it never splits a character. Other control characters are kept (JSON
// and state keep the text as sent): show the result through Line.
func Collapse(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if limit <= 0 || len(s) <= limit {
		return s // at most limit bytes, so at most limit characters
	}
	n := 0
	for i := range s {
		if n == limit {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// Width is the number of terminal columns s takes, not counting the ANSI
// escape sequences genmint itself adds for colour.
func Width(s string) int { return ansi.StringWidth(s) }

// Truncate cuts s (already made safe, possibly coloured) to at most width
// columns, ending with "…" when it was cut. It never splits a character or
// an escape sequence.
func Truncate(s string, width int) string {
	if width < 1 {
		width = 1
	}
	if Width(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// Table lays out rows in columns separated by Gap spaces, padding each
// cell by its width on the terminal, so coloured cells stay aligned (a
// tabwriter counts the bytes of the colour codes). The last column is not
// padded. Cells must already be safe (see Line).
type Table struct {
	Gap  int
	rows [][]string
}

// Row adds a row.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Rows returns the rows added so far.
func (t *Table) Rows() [][]string { return t.rows }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Widths returns each column's width.
func (t *Table) Widths() []int {
	var w []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(w) {
				w = append(w, 0)
			}
			w[i] = max(w[i], Width(c))
		}
	}
	return w
}

// WriteTo writes the table.
func (t *Table) WriteTo(out io.Writer) (int64, error) {
	gap := t.Gap
	if gap <= 0 {
		gap = 2
	}
	widths := t.Widths()
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-Width(c)+gap))
			}
		}
		b.WriteByte('\n')
	}
	n, err := io.WriteString(out, b.String())
	return int64(n), err
}
