package tui

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/genmint/genmint/tui/preview"
)

// A graphics preview (kitty, iTerm2, sixel) is one escape sequence, which
// Bubble Tea's cell renderer cannot hold: it keeps a grid of cells and
// writes only the cells that changed. So with a graphics protocol the view
// leaves the preview box blank (Screen), and the overlay draws the whole box
// — its text and its image — straight to the terminal, around the
// renderer:
//
//   - the model works out the box after every Update (boxOverlay); when it
//     changed, a command writes it at once (overlay.flush);
//   - the overlay is the program's output, so it sees every frame the
//     renderer writes; the renderer never writes into the box by itself (its
//     cells stay blank), but a frame that clears the screen, erases to the
//     end of a line or of the screen, scrolls, or inserts or deletes lines
//     or characters can wipe or move the image: after such a frame the box
//     is drawn again.
//
// A kitty image lives above the text and survives being written over: the
// box's sequence deletes the previous one first (preview.ClearSeq).

// overlay is the program's output when the view shows graphics previews.
// It implements term.File when the terminal is a file, so Bubble Tea still
// finds the terminal's size and colours through it.
type overlay struct {
	mu    sync.Mutex
	out   io.Writer
	file  *os.File // out, when it is a file
	seq   string   // draws the box as it should look now
	dirty bool     // seq changed since it was last written
}

func newOverlay(out io.Writer) *overlay {
	o := &overlay{out: out}
	o.file, _ = out.(*os.File)
	return o
}

// damage matches what, in a frame, can wipe or move a drawn image: erase in
// display or line (ED, EL), scrolling (SU, SD, DECSTBM, IND, RI), inserting
// or deleting lines or characters (IL, DL, ICH, DCH), and entering the
// alternate screen.
var damage = regexp.MustCompile(`\x1b\[(?:\?1049h|[0-9;]*[JKSTrLM@P])|\x1b[DM]`)

// Write passes the program's output on, then draws the box again when it
// changed or when the output may have damaged it.
func (o *overlay) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, err := o.out.Write(p)
	if err != nil {
		return n, err
	}
	if o.seq != "" && (o.dirty || damage.Match(p)) {
		o.dirty = false
		if _, err := io.WriteString(o.out, o.seq); err != nil {
			return n, err
		}
	}
	return n, nil
}

// set records how the box should look; it reports whether that changed.
func (o *overlay) set(seq string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if seq == o.seq {
		return false
	}
	o.seq, o.dirty = seq, true
	return true
}

// flush draws the box if it changed since it was last drawn. It is a
// tea.Cmd (it returns no message).
func (o *overlay) flush() tea.Msg {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dirty {
		o.dirty = false
		_, _ = io.WriteString(o.out, o.seq)
	}
	return nil
}

// Read, Fd and Close make the overlay a term.File over a terminal file.
func (o *overlay) Read(p []byte) (int, error) {
	if o.file == nil {
		return 0, io.EOF
	}
	return o.file.Read(p)
}

func (o *overlay) Fd() uintptr {
	if o.file == nil {
		return ^uintptr(0)
	}
	return o.file.Fd()
}

// Close leaves the terminal open: it belongs to the caller.
func (o *overlay) Close() error { return nil }

// boxOverlay is the sequence that draws the preview box of a graphics
// protocol: every line of the box's text at its place, then the image; the
// cursor and its attributes are saved and restored around it. Without a box
// (the view is too small, in tiny mode, or has quit) it only deletes a kitty
// image.
func (m *Model) boxOverlay() string {
	clear := preview.ClearSeq(m.opts.Protocol)
	if !m.opts.Protocol.Graphics() || m.done() || !m.sized {
		return clear
	}
	l := m.layout()
	if l.tooSmall || l.tiny || l.previewRows <= 0 {
		return clear
	}
	var col column
	lines := m.previewBox(l, &col)
	x := l.listCols + 1 // the box's first column, after the list and the separator
	var b strings.Builder
	b.WriteString(clear)
	b.WriteString("\x1b7") // DECSC
	for i, line := range lines {
		// The box's first line is under the header (screen row 1).
		fmt.Fprintf(&b, "\x1b[%d;%dH\x1b[0m%s", 2+i, x+1, line)
	}
	b.WriteString("\x1b[0m\x1b8") // DECRC
	if f := col.frame; f != nil {
		b.WriteString(f.DrawAt(1+col.oy, x+col.ox)) // saves and restores the cursor itself
	}
	return b.String()
}
