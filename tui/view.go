package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/dustin/go-humanize/english"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

// Minimum terminal size; below it the view asks for a bigger window.
const (
	minWidth  = 20
	minHeight = 6
)

// layout is where everything goes for the current terminal size.
type layout struct {
	tooSmall bool
	tiny     bool // list only, with a two-line footer about the selection
	body     int  // rows between the header and the status line
	helpRows int

	listCols, listRows int
	footerRows         int // tiny mode only

	rightCols   int // preview and panel column (0 in tiny mode)
	previewRows int // the preview box's rows (0 without a preview)
	previewCols int // the image area inside the box
	panelRows   int
}

func (m *Model) layout() layout {
	w, h := m.width, m.height
	l := layout{}
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	l.helpRows = 1
	if m.help.ShowAll {
		l.helpRows = 6
	}
	l.body = h - 2 - l.helpRows
	if l.body < 3 {
		l.helpRows = 1
		l.body = h - 3
	}
	if w < 64 || l.body < 10 {
		l.tiny = true
		l.listCols = w
		l.listRows = l.body
		if l.body >= 5 {
			l.footerRows = 2
			l.listRows = l.body - 2
		}
		return l
	}
	l.listCols = min(max(w*2/5, 28), 48)
	l.listRows = l.body
	l.rightCols = w - l.listCols - 1
	l.panelRows = l.body
	if m.opts.Protocol != preview.None && m.opts.Previewer != nil {
		l.previewRows = max(l.body*3/5, 4)
		if l.body-l.previewRows < 4 {
			l.previewRows = l.body - 4
		}
		l.panelRows = l.body - l.previewRows
		l.previewCols = l.rightCols - 2
	}
	return l
}

func (m *Model) listRows() int { return m.layout().listRows }

// View renders the screen in the alternate screen buffer. Once the view
// has quit it renders nothing, so the terminal is left clean (a kitty image
// is deleted by the overlay, see overlay.go).
func (m *Model) View() tea.View {
	v := tea.View{AltScreen: true}
	if !m.done() {
		v.Content = m.Screen()
	}
	return v
}

// done reports whether the view has quit with nothing left to write.
func (m *Model) done() bool {
	return m.quitting && !m.writing && len(m.queue) == 0 && len(m.regenerating) == 0
}

// Screen renders the curation screen: exactly height lines of exactly width
// cells. A graphics preview's box is left blank here: the overlay draws it
// (boxOverlay).
func (m *Model) Screen() string {
	l := m.layout()
	if l.tooSmall {
		msg := fmt.Sprintf("terminal too small: make it at least %d×%d", minWidth, minHeight)
		return ansi.Truncate(msg, max(m.width, 1), "…")
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.header())
	if l.tiny {
		for r := 0; r < l.listRows; r++ {
			lines = append(lines, m.listRow(r, l.listCols))
		}
		lines = append(lines, m.footer(l)...)
	} else {
		right := m.rightColumn(l)
		sep := m.st.sep.Render("│")
		graphics := m.opts.Protocol.Graphics()
		blank := strings.Repeat(" ", l.rightCols)
		for r := 0; r < l.body; r++ {
			rl := right.lines[r]
			if graphics && r < l.previewRows {
				rl = blank
			}
			lines = append(lines, m.listRow(r, l.listCols)+sep+rl)
		}
	}
	lines = append(lines, m.statusLine())
	lines = append(lines, m.helpLines(l)...)
	return strings.Join(lines, "\n")
}

// header is the title and the collection's counts.
func (m *Model) header() string {
	title := "genmint curate"
	if m.opts.Title != "" {
		title += " · " + m.opts.Title
	}
	c := m.counts
	right := fmt.Sprintf("kept %d · rejected %d · undecided %d", c[state.Kept], c[state.Rejected], c[state.Generated])
	if m.starred > 0 {
		right += fmt.Sprintf(" · ★ %d", m.starred)
	}
	if n := c[state.Refused] + c[state.Failed] + c[state.Pending]; n > 0 {
		right += fmt.Sprintf(" · no image %d", n)
	}
	if n := c[state.Pinned] + c[state.Minted]; n > 0 {
		right += fmt.Sprintf(" · pinned/minted %d", n)
	}
	if ansi.StringWidth(title)+1+ansi.StringWidth(right) > m.width {
		// Narrow: the counts in badge shorthand.
		right = fmt.Sprintf("✓%d ✗%d ·%d", c[state.Kept], c[state.Rejected], c[state.Generated])
		if m.starred > 0 {
			right += fmt.Sprintf(" ★%d", m.starred)
		}
	}
	return m.spread(m.st.title.Render(title), m.st.dim.Render(right), m.width)
}

// spread puts left and right on one line of exactly width cells, cutting the
// left part first when they do not fit.
func (m *Model) spread(left, right string, width int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if lw+1+rw > width {
		if rw+1 >= width {
			return pad(ansi.Truncate(left, width, "…"), width)
		}
		left = ansi.Truncate(left, width-rw-1, "…")
		lw = ansi.StringWidth(left)
	}
	return left + strings.Repeat(" ", width-lw-rw) + right
}

// pad cuts or fills s to exactly w cells.
func pad(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", max(w-sw, 0))
}

var badges = map[state.Status]string{
	state.Generated: "· undecided",
	state.Kept:      "✓ kept",
	state.Rejected:  "✗ rejected",
	state.Refused:   "⊘ refused",
	state.Failed:    "! failed",
	state.Pending:   "… pending",
	state.Pinned:    "◆ pinned",
	state.Minted:    "● minted",
}

const badgeWidth = 11

func (m *Model) badge(e *curate.Entry) string {
	if m.regenerating[e.ID] {
		return m.st.regen.Render(pad(m.spinner.View()+" regen", badgeWidth))
	}
	if b, ok := m.st.badges[e.Status]; ok {
		return b
	}
	return pad(string(e.Status), badgeWidth)
}

func (m *Model) idWidth() int {
	w := 4
	if n := len(m.entries); n > 0 {
		w = max(w, len(strconv.Itoa(m.entries[n-1].ID)))
	}
	return w
}

// listRow renders list row r (0 = the first row on screen).
func (m *Model) listRow(r, width int) string {
	i := m.top + r
	if i >= len(m.view) {
		if len(m.view) == 0 && r == 0 {
			return pad(m.st.dim.Render("  no items "+m.whereShownShort()), width)
		}
		return strings.Repeat(" ", width)
	}
	e := &m.entries[m.view[i]]
	mark := "  "
	if i == m.cursor {
		mark = "▸ "
	}
	star := "  "
	if e.Starred {
		star = m.st.star.Render("★") + " "
	}
	id := fmt.Sprintf("%0*d", m.idWidth(), e.ID)
	vals := make([]string, len(e.Traits))
	for j, t := range e.Traits {
		vals[j] = t.Value
	}
	lead := mark + id
	if i == m.cursor {
		lead = m.st.selected.Render(lead)
	}
	head := lead + " " + m.badge(e) + " " + star
	rest := max(width-ansi.StringWidth(head), 0)
	return pad(head+pad(m.st.dim.Render(strings.Join(vals, " · ")), rest), width)
}

func (m *Model) whereShownShort() string {
	if m.statusFilter == ShowAll && m.trait.empty() {
		return "in this collection"
	}
	return "match the filters (esc clears them)"
}

// rightColumn is the preview box over the provenance panel.
type column struct {
	lines []string
	frame *preview.Frame // a graphics frame to place, or nil
	ox    int            // its column offset inside the right column
	oy    int            // its row offset inside the box
}

func (m *Model) rightColumn(l layout) column {
	col := column{lines: make([]string, 0, l.body)}
	if l.previewRows > 0 {
		col.lines = append(col.lines, m.previewBox(l, &col)...)
	}
	col.lines = append(col.lines, m.panel(l.rightCols, l.panelRows)...)
	return col
}

// previewBox renders the box's lines; a graphics frame is left blank here
// and drawn by the overlay (boxOverlay).
func (m *Model) previewBox(l layout, col *column) []string {
	lines := make([]string, l.previewRows)
	blank := strings.Repeat(" ", l.rightCols)
	for i := range lines {
		lines[i] = blank
	}
	e := m.selected()
	center := func(s string) {
		lines[l.previewRows/2] = pad(strings.Repeat(" ", max((l.rightCols-ansi.StringWidth(s))/2, 0))+s, l.rightCols)
	}
	switch {
	case e == nil:
		return lines
	case !e.HasImage():
		why := "no image yet"
		switch e.Status {
		case state.Refused:
			why = "no image: the provider refused the prompt (e edits it and regenerates)"
		case state.Failed:
			why = "no image: generation failed ('genmint generate' retries it)"
		}
		center(m.st.dim.Render(why))
		return lines
	}
	k, _, ok := m.wantFrame()
	if !ok {
		return lines
	}
	f, have := m.frames.get(k)
	if !have {
		if msg := m.frameErr[k]; msg != "" {
			center(m.st.err.Render(ansi.Truncate(msg, l.rightCols-2, "…")))
		} else {
			center(m.st.dim.Render("loading preview…"))
		}
		return lines
	}
	oy := max((l.previewRows-f.Rows)/2, 0)
	ox := 1 + max((l.previewCols-f.Cols)/2, 0)
	if f.Protocol == preview.Blocks {
		for i, fl := range f.Lines {
			if oy+i < len(lines) {
				lines[oy+i] = strings.Repeat(" ", ox) + fl + strings.Repeat(" ", max(l.rightCols-ox-f.Cols, 0))
			}
		}
		return lines
	}
	col.frame, col.ox, col.oy = &f, ox, oy
	return lines
}

// panel is the provenance of the selected item.
func (m *Model) panel(width, rows int) []string {
	out := make([]string, 0, rows)
	inner := max(width-2, 1)
	add := func(s string) {
		if len(out) < rows {
			out = append(out, pad(" "+s, width))
		}
	}
	field := func(label, value string) {
		lab := m.st.label.Render(fmt.Sprintf("%-9s", label))
		wrapped := ansi.Wrap(value, max(inner-10, 8), " ,/")
		for i, line := range strings.Split(wrapped, "\n") {
			if i == 0 {
				add(lab + " " + line)
			} else {
				add(strings.Repeat(" ", 10) + line)
			}
		}
	}
	e := m.selected()
	if e == nil {
		for len(out) < rows {
			out = append(out, strings.Repeat(" ", width))
		}
		return out
	}
	head := fmt.Sprintf("#%0*d  %s", m.idWidth(), e.ID, m.badge(e))
	if e.Starred {
		head += " " + m.st.star.Render("★ starred")
	}
	add(head)
	d, ok := m.details[e.ID]
	if !ok {
		if len(e.Traits) > 0 {
			field("traits", traitsText(e))
		}
		add(m.st.dim.Render("loading details…"))
	} else {
		it := d.Item
		rec := d.Record
		field("prompt", it.Prompt)
		if rec != nil && rec.Content.RevisedPrompt != "" {
			field("revised", rec.Content.RevisedPrompt)
		}
		if it.NegativePrompt != "" {
			field("negative", it.NegativePrompt)
		}
		seed := strconv.FormatUint(uint64(it.Seed), 10)
		if rec != nil && rec.Content.Seed.Actual != nil && *rec.Content.Seed.Actual != uint64(it.Seed) {
			seed += fmt.Sprintf(" (service used %d)", *rec.Content.Seed.Actual)
		}
		field("seed", seed)
		if rec != nil {
			model := rec.Content.Model
			if rec.Content.ModelVersion != "" {
				model += " · version " + rec.Content.ModelVersion
			}
			field("model", model)
			field("provider", rec.Content.Provider)
		}
		if len(it.Traits) > 0 {
			field("traits", traitsText(&curate.Entry{Traits: it.Traits}))
		}
		if it.Error != "" {
			field(string(it.Status), it.Error)
		}
		// Hashes take one line each, cut to the panel (genmint show prints
		// them whole).
		hash := func(label, sum string) {
			if sum != "" {
				add(m.st.label.Render(fmt.Sprintf("%-9s", label)) + " " + ansi.Truncate("sha256:"+sum, max(inner-10, 8), "…"))
			}
		}
		hash("final", it.Final.SHA256)
		hash("original", it.Original.SHA256)
		hash("record", it.RecordSHA256)
		if d.RecordErr != "" {
			field("sidecar", d.RecordErr)
		}
		if n := len(d.Variants); n > 0 {
			field("variants", fmt.Sprintf("%d earlier %s (seeds %s)", n, english.PluralWord(n, "candidate", "candidates"), variantSeeds(d.Variants)))
		}
	}
	for len(out) < rows {
		out = append(out, strings.Repeat(" ", width))
	}
	return out
}

func traitsText(e *curate.Entry) string {
	parts := make([]string, len(e.Traits))
	for i, t := range e.Traits {
		parts[i] = t.Type + ": " + t.Value
	}
	return strings.Join(parts, " · ")
}

func variantSeeds(vs []curate.Variant) string {
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		parts = append(parts, strconv.FormatUint(uint64(v.Seed), 10))
	}
	return strings.Join(parts, ", ")
}

// footer is tiny mode's two lines about the selection.
func (m *Model) footer(l layout) []string {
	if l.footerRows == 0 {
		return nil
	}
	e := m.selected()
	if e == nil {
		return []string{strings.Repeat(" ", m.width), strings.Repeat(" ", m.width)}
	}
	first := fmt.Sprintf("#%d %s", e.ID, badges[e.Status])
	if e.Starred {
		first += " ★"
	}
	second := traitsText(e)
	if d, ok := m.details[e.ID]; ok {
		first += " seed " + strconv.FormatUint(uint64(d.Item.Seed), 10)
		second = d.Item.Prompt
	}
	return []string{pad(m.st.label.Render(first), m.width), pad(m.st.dim.Render(second), m.width)}
}

// statusLine shows the text input, or the last message with the spinner and
// what the list shows.
func (m *Model) statusLine() string {
	if m.input != inputNone {
		return pad(m.textIn.View(), m.width)
	}
	left := ""
	if n := len(m.regenerating); n > 0 {
		left = m.st.regen.Render(m.spinner.View()+fmt.Sprintf(" regenerating %d", n)) + "  "
	}
	msg := m.message
	if m.msgIsErr {
		msg = m.st.err.Render(msg)
	}
	left += msg
	right := fmt.Sprintf("%d/%d", len(m.view), len(m.entries))
	if m.statusFilter != ShowAll {
		right += " · " + m.statusFilter.String()
	}
	if !m.trait.empty() {
		right += " · trait " + strconv.Quote(m.trait.raw)
	}
	right += " · sort " + m.sort.String()
	return m.spread(left, m.st.dim.Render(right), m.width)
}

func (m *Model) helpLines(l layout) []string {
	h := m.help
	if l.helpRows == 1 {
		h.ShowAll = false
	}
	// The help text depends only on the width and the mode: render it once.
	ck := helpKey{width: m.width, all: h.ShowAll}
	if m.helpCache.key != ck || m.helpCache.text == "" {
		m.helpCache.key, m.helpCache.text = ck, h.View(m.keys)
	}
	lines := strings.Split(m.helpCache.text, "\n")
	for len(lines) < l.helpRows {
		lines = append(lines, "")
	}
	lines = lines[:l.helpRows]
	for i := range lines {
		lines[i] = pad(lines[i], m.width)
	}
	return lines
}

// helpStyles draws the help bar for a dark or a light background.
func helpStyles(dark bool) help.Styles {
	ld := lipgloss.LightDark(dark)
	key := lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#909090"), lipgloss.Color("#626262")))
	desc := lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#B2B2B2"), lipgloss.Color("#4A4A4A")))
	sep := lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#DDDADA"), lipgloss.Color("#3C3C3C")))
	return help.Styles{ShortKey: key, ShortDesc: desc, ShortSeparator: sep, Ellipsis: sep,
		FullKey: key, FullDesc: desc, FullSeparator: sep}
}

type helpKey struct {
	width int
	all   bool
}

// styles are the view's styles, in true colour: Bubble Tea reduces them to
// what the terminal shows (or to none under NO_COLOR).
type styles struct {
	title, dim, label, sep, err, star, regen, selected paint
	badge                                              map[state.Status]paint
	badges                                             map[state.Status]string // rendered, padded
}

// paint is a lipgloss style reduced to the escape sequences around its text,
// worked out once: rendering a list row then costs two string joins instead
// of a full lipgloss pass (the difference between ~300 µs and ~60 µs a key
// press on a 100×30 screen). It suits one-line text with colours and
// attributes only — no padding, borders or widths.
type paint struct{ pre, post string }

func newPaint(s lipgloss.Style) paint {
	r := s.Render("X")
	i := strings.IndexByte(r, 'X')
	if i < 0 {
		return paint{}
	}
	return paint{pre: r[:i], post: r[i+1:]}
}

// Render wraps s in the style's sequences.
func (p paint) Render(s string) string {
	if s == "" || p.pre == "" && p.post == "" {
		return s
	}
	return p.pre + s + p.post
}

func newStyles(dark bool) styles {
	c := lipgloss.Color
	ld := lipgloss.LightDark(dark)
	st := lipgloss.NewStyle
	s := styles{
		title:    newPaint(st().Bold(true)),
		dim:      newPaint(st().Foreground(ld(c("#6b6b6b"), c("#8a8a8a")))),
		label:    newPaint(st().Foreground(c("#7c6fd6")).Bold(true)),
		sep:      newPaint(st().Foreground(ld(c("#c8c8c8"), c("#3a3a3a")))),
		err:      newPaint(st().Foreground(c("#e5484d")).Bold(true)),
		star:     newPaint(st().Foreground(c("#f5a524"))),
		regen:    newPaint(st().Foreground(c("#3e9fe0"))),
		selected: newPaint(st().Reverse(true).Bold(true)),
		badge:    map[state.Status]paint{},
		badges:   map[state.Status]string{},
	}
	for status, col := range map[state.Status]string{
		state.Generated: "#8a8a8a", state.Kept: "#30a46c", state.Rejected: "#e5484d", state.Refused: "#d6409f",
		state.Failed: "#f76b15", state.Pending: "#8a8a8a", state.Pinned: "#3e9fe0", state.Minted: "#8e4ec6",
	} {
		s.badge[status] = newPaint(st().Foreground(c(col)))
		s.badges[status] = s.badge[status].Render(pad(badges[status], badgeWidth))
	}
	return s
}
