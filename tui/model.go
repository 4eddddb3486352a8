// Package tui is the curation view of `genmint curate`: a list of the
// collection's items with status badges, a large preview of the selected
// image, its provenance, and keys to keep, reject, star, undo, filter, sort
// and regenerate.
//
// The model follows the Elm architecture of Bubble Tea (v1): Update only
// computes — it never reads or writes files or the database. Everything that
// touches the outside world is a tea.Cmd through three small seams declared
// here: Store (curation decisions and item details, implemented by
// curate.Store), Previewer (thumbnails rendered for the terminal, implemented
// by preview.Previewer) and Regenerator (a new candidate through the
// collection's provider, implemented by curate.Regenerator over the generate
// pipeline).
//
// Decisions are written at once, one at a time and in the order they were
// made (a write queue: Bubble Tea runs commands concurrently, so two quick
// key presses could otherwise reach the database out of order). A
// regeneration runs in the background while the user keeps curating.
//
// A 10,000-item collection costs only its list rows: the view renders the
// rows on screen, and images, details and provenance are loaded for the
// selected item only, after a short pause in scrolling.
package tui

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/dustin/go-humanize/english"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

// Store is what the curation view reads and writes.
//
// Contract: every call is one transaction in the state database, durable
// when it returns (a crash or kill afterwards loses nothing). Apply and Undo
// are called one at a time, in the order the user made the decisions. Calls
// may block on a busy database; they honour ctx. None of them is retried by
// the view: an error is shown and the item keeps its last confirmed state.
type Store interface {
	// Details reads one item's full record, provenance sidecar and variants.
	Details(ctx context.Context, id int) (curate.Details, error)
	// Apply makes one decision on ids (one log batch); items it cannot apply
	// to come back in Change.Skipped.
	Apply(ctx context.Context, op curate.Op, ids []int) (curate.Change, error)
	// Undo reverses the newest decision batch (curate.ErrNothingToUndo when
	// there is none).
	Undo(ctx context.Context) (curate.Change, error)
}

var _ Store = (*curate.Store)(nil)

// Regenerator makes a new candidate for one item through the collection's
// provider, while the user keeps curating.
//
// Contract:
//   - newSeed and newPrompt, when not nil, replace the item's seed and
//     prompt; nil keeps them. The view never passes both nil, and asks only
//     for items that are generated (undecided), rejected, refused or failed
//     — never kept, pinned, minted or pending (state.DB.Reset's rule).
//   - Before anything is overwritten, the current candidate (if the item has
//     an image) is kept as a variant (curate.ArchiveCandidate) — never
//     deleted. On success the item holds the new candidate with status
//     generated (undecided), and Regenerated.Entry is its new list row.
//   - It is called from a background goroutine, possibly for several items
//     at once, concurrently with Store calls.
//   - It honours ctx: when the user quits, ctx is cancelled and Regenerate
//     returns promptly, leaving the item as it was (old candidate intact) or
//     fully regenerated, never half-way. Paid requests are journalled as the
//     generate pipeline always does.
//   - Errors are one line for the user (refusals say so: a refused new
//     prompt leaves the old candidate in place).
type Regenerator interface {
	Regenerate(ctx context.Context, itemID int, newSeed *uint32, newPrompt *string) (curate.Regenerated, error)
}

var _ Regenerator = (*curate.Regenerator)(nil)

// Previewer renders an image for a box of cells. preview.Previewer
// implements it; it may decode files, so the view calls it from a command.
type Previewer interface {
	Frame(ctx context.Context, src preview.Source, cols, rows int) (preview.Frame, error)
}

var _ Previewer = (*preview.Previewer)(nil)

// Options configure New.
type Options struct {
	// Store reads and writes curation state. Required.
	Store Store
	// Entries is the collection (curate.Entries), loaded before the first
	// frame so it shows the list at once.
	Entries []curate.Entry
	// Dir is the collection folder; entry paths are relative to it.
	Dir string
	// Title names the collection in the header.
	Title string

	// Previewer draws images; nil shows no preview.
	Previewer Previewer
	// Protocol is what Previewer draws with (placement depends on it).
	Protocol preview.Protocol
	// PreviewDelay is how long the selection must rest before its image and
	// details load, so holding ↓ through 10,000 items decodes nothing on
	// the way. 0 loads at once (tests).
	PreviewDelay time.Duration

	// Regenerator makes new candidates; nil disables r and e with a message.
	Regenerator Regenerator
	// NewSeed picks the seed for r; nil uses crypto/rand. It runs inside a
	// command, never in Update.
	NewSeed func() uint32

	// Renderer styles the view for its output (stderr); nil uses lipgloss'
	// default renderer.
	Renderer *lipgloss.Renderer
	// Keys overrides the key map.
	Keys *KeyMap
	// NoAdvance keeps the cursor on an item after keeping or rejecting it
	// (by default it moves to the next item, for fast culling).
	NoAdvance bool
}

// inputMode is what the keyboard is typing into.
type inputMode int

const (
	inputNone inputMode = iota
	inputTrait
	inputPrompt
)

// pendingOp is a decision waiting its turn to be written.
type pendingOp struct {
	op  curate.Op // OpUndo for undo
	ids []int
}

type frameKey struct {
	image      string // sha256 of the final image (or its path)
	cols, rows int
}

// Model is the curation view. Create it with New.
type Model struct {
	opts Options
	keys KeyMap
	st   styles

	width, height int

	entries      []curate.Entry
	pos          map[int]int   // item id → index in entries
	traitKeysAll [][][2]string // lower-cased traits per entry, for the trait filter
	view         []int         // indices into entries, filtered and sorted
	cursor       int           // index into view
	top          int           // first list row on screen
	counts       map[state.Status]int
	starred      int

	statusFilter StatusFilter
	trait        traitQuery
	sorts        []sortMode
	sortIdx      int
	sort         sortMode

	// Writes, one at a time.
	queue   []pendingOp
	writing bool
	changes int // items changed by this session's decisions

	// Loading the selection's preview and details.
	selSeq   int // bumps when the selection or the box changes
	details  map[int]curate.Details
	frames   *frameLRU
	loading  map[frameKey]bool
	frameErr map[frameKey]string

	// Regeneration.
	regenerating map[int]bool
	regenCtx     context.Context
	regenCancel  context.CancelFunc
	spinner      spinner.Model

	input    inputMode
	editID   int // the item whose prompt is being edited
	textIn   textinput.Model
	help     help.Model
	message  string
	msgIsErr bool

	quitArmed bool // q pressed once while regenerations run
	quitting  bool

	paint     *paintState // render bookkeeping for graphics previews (see view.go)
	helpCache struct {
		key  helpKey
		text string
	}
	sized bool // a WindowSizeMsg has arrived: previews can be sized
}

// New builds the curation view over opts.Entries.
func New(opts Options) *Model {
	keys := DefaultKeyMap()
	if opts.Keys != nil {
		keys = *opts.Keys
	}
	if opts.Renderer == nil {
		opts.Renderer = lipgloss.DefaultRenderer()
	}
	if opts.Previewer == nil {
		opts.Protocol = preview.None
	}
	if opts.NewSeed == nil {
		opts.NewSeed = randomSeed
	}
	m := &Model{
		opts:         opts,
		keys:         keys,
		st:           newStyles(opts.Renderer),
		entries:      opts.Entries,
		pos:          make(map[int]int, len(opts.Entries)),
		details:      map[int]curate.Details{},
		frames:       newFrameLRU(48),
		loading:      map[frameKey]bool{},
		frameErr:     map[frameKey]string{},
		regenerating: map[int]bool{},
		help:         help.New(),
		paint:        &paintState{},
		width:        80,
		height:       24,
	}
	m.help.Styles = helpStyles(opts.Renderer)
	m.regenCtx, m.regenCancel = context.WithCancel(context.Background())
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.textIn = textinput.New()
	m.textIn.Cursor.SetMode(cursor.CursorStatic)
	m.textIn.CharLimit = 4000
	m.traitIdx()
	m.sorts = sortModes(m.entries)
	m.sort = m.sorts[0]
	m.recount()
	m.rebuild()
	return m
}

func randomSeed() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

// traitIdx prepares lower-cased traits and the id index.
func (m *Model) traitIdx() {
	m.traitKeysAll = make([][][2]string, len(m.entries))
	for i := range m.entries {
		m.pos[m.entries[i].ID] = i
		m.traitKeysAll[i] = traitKeys(&m.entries[i])
	}
}

func (m *Model) recount() {
	m.counts = map[state.Status]int{}
	m.starred = 0
	for i := range m.entries {
		m.counts[m.entries[i].Status]++
		if m.entries[i].Starred {
			m.starred++
		}
	}
}

// Changes reports how many items this session's decisions changed (for the
// summary printed on exit).
func (m *Model) Changes() int { return m.changes }

// Entries returns the view's current knowledge of the collection.
func (m *Model) Entries() []curate.Entry { return m.entries }

// Init starts loading the first item's preview and details.
func (m *Model) Init() tea.Cmd {
	return m.selectionChanged()
}

// Messages the commands send back.
type (
	detailsMsg struct {
		id  int
		d   curate.Details
		err error
	}
	frameMsg struct {
		key frameKey
		f   preview.Frame
		err error
	}
	loadTickMsg struct{ seq int }
	appliedMsg  struct {
		op  pendingOp
		ch  curate.Change
		err error
	}
	regenMsg struct {
		id        int
		res       curate.Regenerated
		err       error
		newPrompt bool
	}
)

// Update handles one message. It does no I/O: it returns commands for that.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.sized = true
		m.help.Width = msg.Width
		m.textIn.Width = max(msg.Width-12, 10)
		m.clampScroll()
		return m, m.selectionChanged()

	case tea.KeyMsg:
		return m, m.onKey(msg)

	case loadTickMsg:
		if msg.seq != m.selSeq {
			return m, nil // the selection moved on
		}
		return m, m.load()

	case detailsMsg:
		if msg.err != nil {
			m.setErr(fmt.Sprintf("item %d: %v", msg.id, msg.err))
			return m, nil
		}
		if len(m.details) >= 256 {
			for id := range m.details {
				if id != m.selectedID() {
					delete(m.details, id)
				}
			}
		}
		m.details[msg.id] = msg.d
		return m, nil

	case frameMsg:
		delete(m.loading, msg.key)
		if msg.err != nil {
			m.frameErr[msg.key] = msg.err.Error()
			return m, nil
		}
		m.frames.put(msg.key, msg.f)
		return m, nil

	case appliedMsg:
		m.writing = false
		m.onApplied(msg)
		return m, tea.Batch(m.nextWrite(), m.maybeQuit())

	case regenMsg:
		return m, tea.Batch(m.onRegenerated(msg), m.maybeQuit())

	case spinner.TickMsg:
		if len(m.regenerating) == 0 {
			return m, nil // stop ticking
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) setMsg(s string) { m.message, m.msgIsErr = s, false }
func (m *Model) setErr(s string) { m.message, m.msgIsErr = s, true }

// onKey dispatches a key press.
func (m *Model) onKey(msg tea.KeyMsg) tea.Cmd {
	// Keys typed faster than the input is read (or sent by tmux send-keys)
	// arrive as one message with several runes: take them one by one.
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && m.input == inputNone {
		cmds := make([]tea.Cmd, 0, len(msg.Runes))
		for _, r := range msg.Runes {
			cmds = append(cmds, m.onKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
		}
		return tea.Batch(cmds...)
	}
	if m.input != inputNone {
		return m.onInputKey(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit(msg.String() == "ctrl+c")
	case m.quitting:
		return nil // saving before exit: no more decisions
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-max(m.listRows()-1, 1))
	case key.Matches(msg, k.PageDown):
		m.move(max(m.listRows()-1, 1))
	case key.Matches(msg, k.Top):
		m.move(-len(m.view))
	case key.Matches(msg, k.Bottom):
		m.move(len(m.view))
	case key.Matches(msg, k.NextUndecided), key.Matches(msg, k.PrevUndecided):
		dir := 1
		if key.Matches(msg, k.PrevUndecided) {
			dir = -1
		}
		if !m.jumpUndecided(dir) {
			m.setMsg("no undecided items " + m.whereShown())
		}
	case key.Matches(msg, k.Keep):
		return m.decideSelected(curate.OpKeep)
	case key.Matches(msg, k.Reject):
		return m.decideSelected(curate.OpReject)
	case key.Matches(msg, k.Star):
		e := m.selected()
		if e == nil {
			return nil
		}
		op := curate.OpStar
		if e.Starred {
			op = curate.OpUnstar
		}
		return m.enqueue(pendingOp{op: op, ids: []int{e.ID}})
	case key.Matches(msg, k.Undo):
		return m.enqueue(pendingOp{op: curate.OpUndo})
	case key.Matches(msg, k.KeepFiltered):
		return m.decideShown(curate.OpKeep)
	case key.Matches(msg, k.RejectFiltered):
		return m.decideShown(curate.OpReject)
	case key.Matches(msg, k.FilterStatus):
		m.statusFilter = (m.statusFilter + 1) % numStatusFilters
		m.rebuild()
		m.setMsg(fmt.Sprintf("showing %s: %d items", m.statusFilter, len(m.view)))
	case key.Matches(msg, k.FilterTrait):
		m.input = inputTrait
		m.textIn.Prompt = "trait: "
		m.textIn.Placeholder = "e.g. blue, or Background=blue (enter applies, esc cancels)"
		m.textIn.SetValue(m.trait.raw)
		m.textIn.CursorEnd()
		return m.textIn.Focus()
	case key.Matches(msg, k.Clear):
		if m.statusFilter == ShowAll && m.trait.empty() {
			return nil
		}
		m.statusFilter, m.trait = ShowAll, traitQuery{}
		m.rebuild()
		m.setMsg(fmt.Sprintf("filters cleared: %d items", len(m.view)))
	case key.Matches(msg, k.Sort):
		m.sortIdx = (m.sortIdx + 1) % len(m.sorts)
		m.sort = m.sorts[m.sortIdx]
		m.rebuild()
		m.setMsg("sorted by " + m.sort.String())
	case key.Matches(msg, k.Regenerate):
		return m.regenerate(false)
	case key.Matches(msg, k.EditPrompt):
		return m.regenerate(true)
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.clampScroll()
	default:
		return nil
	}
	return m.selectionChanged()
}

func (m *Model) whereShown() string {
	if m.statusFilter == ShowAll && m.trait.empty() {
		return "left"
	}
	return "among the items shown (esc clears the filters)"
}

// onInputKey feeds the text input (trait filter or prompt editor).
func (m *Model) onInputKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		m.input = inputNone
		m.textIn.Blur()
		m.setMsg("cancelled")
		return nil
	case tea.KeyCtrlC:
		m.input = inputNone
		return m.quit(true)
	case tea.KeyEnter:
		mode := m.input
		m.input = inputNone
		m.textIn.Blur()
		val := m.textIn.Value()
		if mode == inputTrait {
			m.trait = parseTraitQuery(val)
			m.rebuild()
			if m.trait.empty() {
				m.setMsg(fmt.Sprintf("trait filter cleared: %d items", len(m.view)))
			} else {
				m.setMsg(fmt.Sprintf("trait %q: %d items", m.trait.raw, len(m.view)))
			}
			return m.selectionChanged()
		}
		return m.regenerateWithPrompt(val)
	}
	var cmd tea.Cmd
	m.textIn, cmd = m.textIn.Update(msg)
	return cmd
}

// decideSelected keeps or rejects the item under the cursor and, unless
// NoAdvance, moves to the next one at once (the write follows).
func (m *Model) decideSelected(op curate.Op) tea.Cmd {
	e := m.selected()
	if e == nil {
		return nil
	}
	if m.regenerating[e.ID] {
		m.setErr(fmt.Sprintf("item %d is regenerating: decide when its new candidate arrives", e.ID))
		return nil
	}
	cmd := m.enqueue(pendingOp{op: op, ids: []int{e.ID}})
	if !m.opts.NoAdvance {
		m.move(1)
	}
	return tea.Batch(cmd, m.selectionChanged())
}

// decideShown keeps or rejects every item the filters show, as one batch
// (one undo reverses it).
func (m *Model) decideShown(op curate.Op) tea.Cmd {
	ids := m.visibleIDs()
	var busy []int
	kept := ids[:0]
	for _, id := range ids {
		if m.regenerating[id] {
			busy = append(busy, id)
		} else {
			kept = append(kept, id)
		}
	}
	if len(kept) == 0 {
		m.setMsg("no items shown")
		return nil
	}
	if len(busy) > 0 {
		m.setMsg(fmt.Sprintf("leaving out %s: regenerating", curate.FormatIDs(busy)))
	}
	return m.enqueue(pendingOp{op: op, ids: append([]int(nil), kept...)})
}

// enqueue adds a write to the queue and starts it when nothing else is
// being written.
func (m *Model) enqueue(op pendingOp) tea.Cmd {
	m.queue = append(m.queue, op)
	if m.writing {
		return nil
	}
	return m.nextWrite()
}

func (m *Model) nextWrite() tea.Cmd {
	if m.writing || len(m.queue) == 0 {
		return nil
	}
	op := m.queue[0]
	m.queue = m.queue[1:]
	m.writing = true
	store := m.opts.Store
	return func() tea.Msg {
		// Decisions are written even while quitting: they must not be lost.
		ctx := context.Background()
		var ch curate.Change
		var err error
		if op.op == curate.OpUndo {
			ch, err = store.Undo(ctx)
		} else {
			ch, err = store.Apply(ctx, op.op, op.ids)
		}
		return appliedMsg{op: op, ch: ch, err: err}
	}
}

// onApplied folds a written decision into the view.
func (m *Model) onApplied(msg appliedMsg) {
	if msg.err != nil {
		switch {
		case errors.Is(msg.err, curate.ErrNothingToUndo):
			m.setMsg("nothing to undo")
		default:
			m.setErr(firstLine(msg.err.Error()))
		}
		return
	}
	ch := msg.ch
	for _, u := range ch.Updated {
		if i, ok := m.pos[u.ID]; ok {
			m.entries[i].Status = u.Status
			m.entries[i].Starred = u.Starred
			if d, ok := m.details[u.ID]; ok {
				d.Item.Status, d.Starred = u.Status, u.Starred
				m.details[u.ID] = d
			}
		}
	}
	if msg.op.op == curate.OpUndo {
		m.changes -= len(ch.Updated)
	} else {
		m.changes += len(ch.Updated)
	}
	m.changes = max(m.changes, 0)
	m.recount()
	if len(ch.Updated) > 0 && (m.statusFilter != ShowAll || m.sort.by == "status") {
		m.rebuild()
	}
	m.setMsg(describeChange(msg.op, ch))
	if len(ch.Skipped) > 0 && len(msg.op.ids) == 1 {
		m.msgIsErr = true
	}
}

func describeChange(op pendingOp, ch curate.Change) string {
	verb := map[curate.Op]string{curate.OpKeep: "kept", curate.OpReject: "rejected", curate.OpStar: "starred",
		curate.OpUnstar: "unstarred", curate.OpUndo: "undid"}[op.op]
	ids := make([]int, len(ch.Updated))
	for i, u := range ch.Updated {
		ids[i] = u.ID
	}
	var s string
	switch {
	case op.op == curate.OpUndo:
		s = fmt.Sprintf("undid the last decision (%s %s)", english.PluralWord(len(ids), "item", "items"), curate.FormatIDs(ids))
	case len(op.ids) == 1 && len(ch.Skipped) == 1:
		sk := ch.Skipped[0]
		return fmt.Sprintf("cannot %s item %d: %s", op.op, sk.ID, sk.Reason)
	case len(ids) == 0:
		s = fmt.Sprintf("nothing to change: already %s", verb)
	case len(ids) == 1:
		s = fmt.Sprintf("%s item %d", verb, ids[0])
	default:
		s = fmt.Sprintf("%s %d items", verb, len(ids))
	}
	if len(ch.Skipped) > 0 {
		s += fmt.Sprintf("; skipped %d that cannot be %s (%s)", len(ch.Skipped), verb, ch.Skipped[0].Reason)
	}
	if op.op != curate.OpUndo && len(ids) > 0 {
		s += " · u undoes"
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// selectionChanged schedules loading the selected item's image and details
// once the selection rests (PreviewDelay), or at once.
func (m *Model) selectionChanged() tea.Cmd {
	m.selSeq++
	if m.opts.PreviewDelay <= 0 {
		return m.load()
	}
	if !m.needsLoad() {
		return nil
	}
	seq := m.selSeq
	return tea.Tick(m.opts.PreviewDelay, func(time.Time) tea.Msg { return loadTickMsg{seq: seq} })
}

// wantFrame is the frame the preview box should show now.
func (m *Model) wantFrame() (frameKey, preview.Source, bool) {
	e := m.selected()
	l := m.layout()
	if e == nil || !e.HasImage() || m.opts.Previewer == nil || !m.sized || l.previewRows <= 0 || l.previewCols <= 0 {
		return frameKey{}, preview.Source{}, false
	}
	src := preview.Source{Path: filepath.Join(m.opts.Dir, filepath.FromSlash(e.Final.Path)), SHA256: e.Final.SHA256}
	img := e.Final.SHA256
	if img == "" {
		img = e.Final.Path
	}
	return frameKey{image: img, cols: l.previewCols, rows: l.previewRows}, src, true
}

func (m *Model) needsLoad() bool {
	if e := m.selected(); e != nil {
		if _, ok := m.details[e.ID]; !ok {
			return true
		}
	}
	if k, _, ok := m.wantFrame(); ok {
		if _, have := m.frames.get(k); !have && !m.loading[k] {
			return true
		}
	}
	return false
}

// load returns the commands that fetch what the selection needs.
func (m *Model) load() tea.Cmd {
	var cmds []tea.Cmd
	if e := m.selected(); e != nil {
		if _, ok := m.details[e.ID]; !ok {
			id, store := e.ID, m.opts.Store
			cmds = append(cmds, func() tea.Msg {
				d, err := store.Details(context.Background(), id)
				return detailsMsg{id: id, d: d, err: err}
			})
		}
	}
	if k, src, ok := m.wantFrame(); ok {
		if _, have := m.frames.get(k); !have && !m.loading[k] && m.frameErr[k] == "" {
			m.loading[k] = true
			p := m.opts.Previewer
			cmds = append(cmds, func() tea.Msg {
				f, err := p.Frame(context.Background(), src, k.cols, k.rows)
				return frameMsg{key: k, f: f, err: err}
			})
		}
	}
	return tea.Batch(cmds...)
}

// regenerate starts regenerating the selected item with a new seed, or
// opens the prompt editor.
func (m *Model) regenerate(editPrompt bool) tea.Cmd {
	e := m.selected()
	if e == nil {
		return nil
	}
	if m.opts.Regenerator == nil {
		m.setErr("regeneration is not available here: run 'genmint curate' in the collection folder with its provider configured")
		return nil
	}
	switch {
	case m.regenerating[e.ID]:
		m.setMsg(fmt.Sprintf("item %d is already regenerating", e.ID))
		return nil
	case e.Status == state.Pinned || e.Status == state.Minted:
		m.setErr(fmt.Sprintf("item %d is %s: it cannot be regenerated", e.ID, e.Status))
		return nil
	case e.Status == state.Kept:
		m.setErr(fmt.Sprintf("item %d is kept: reject it (x) or undo (u) first, then regenerate", e.ID))
		return nil
	case e.Status == state.Pending:
		m.setErr(fmt.Sprintf("item %d has not been generated yet: run 'genmint generate'", e.ID))
		return nil
	}
	if editPrompt {
		d, ok := m.details[e.ID]
		if !ok {
			m.setMsg("loading the item's prompt: press e again in a moment")
			return m.load()
		}
		m.input = inputPrompt
		m.textIn.Prompt = "prompt: "
		m.textIn.Placeholder = ""
		m.textIn.SetValue(d.Item.Prompt)
		m.textIn.CursorEnd()
		m.editID = e.ID
		return m.textIn.Focus()
	}
	return m.startRegen(e.ID, nil)
}

func (m *Model) regenerateWithPrompt(p string) tea.Cmd {
	id := m.editID
	p = strings.TrimSpace(p)
	if p == "" {
		m.setErr("the prompt is empty: nothing regenerated")
		return nil
	}
	if d, ok := m.details[id]; ok && d.Item.Prompt == p {
		m.setMsg("prompt unchanged: press r to regenerate with a new seed instead")
		return nil
	}
	if m.regenerating[id] {
		m.setMsg(fmt.Sprintf("item %d is already regenerating", id))
		return nil
	}
	return m.startRegen(id, &p)
}

// startRegen runs the Regenerator in the background; the spinner runs while
// any regeneration does.
func (m *Model) startRegen(id int, prompt *string) tea.Cmd {
	first := len(m.regenerating) == 0
	m.regenerating[id] = true
	r, ctx, newSeed := m.opts.Regenerator, m.regenCtx, m.opts.NewSeed
	what := "a new seed"
	if prompt != nil {
		what = "the edited prompt"
	}
	m.setMsg(fmt.Sprintf("regenerating item %d with %s; keep curating", id, what))
	cmd := func() tea.Msg {
		var seed *uint32
		if prompt == nil {
			s := newSeed()
			seed = &s
		}
		res, err := r.Regenerate(ctx, id, seed, prompt)
		return regenMsg{id: id, res: res, err: err, newPrompt: prompt != nil}
	}
	if first {
		return tea.Batch(cmd, m.spinner.Tick)
	}
	return cmd
}

func (m *Model) onRegenerated(msg regenMsg) tea.Cmd {
	delete(m.regenerating, msg.id)
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			m.setMsg(fmt.Sprintf("regeneration of item %d cancelled; its candidate is unchanged", msg.id))
		} else {
			m.setErr(fmt.Sprintf("regenerate item %d: %s", msg.id, firstLine(msg.err.Error())))
		}
		return nil
	}
	if i, ok := m.pos[msg.id]; ok {
		ne := msg.res.Entry
		ne.ID = msg.id
		m.entries[i] = ne
		m.traitKeysAll[i] = traitKeys(&m.entries[i])
	}
	delete(m.details, msg.id)
	m.recount()
	m.rebuild()
	s := fmt.Sprintf("item %d regenerated: a new candidate awaits your decision", msg.id)
	if v := msg.res.Previous; v != nil {
		s += fmt.Sprintf(" (the old one is kept as variant %d)", v.No)
	}
	m.setMsg(s)
	if m.selectedID() == msg.id {
		return m.selectionChanged()
	}
	return nil
}

// quit leaves once every decision is written. With regenerations running,
// the first q asks; a second q (or ctrl+c) cancels them.
func (m *Model) quit(force bool) tea.Cmd {
	if len(m.regenerating) > 0 && !force && !m.quitArmed {
		m.quitArmed = true
		m.setMsg(fmt.Sprintf("%d %s running: press q again to cancel and quit, or wait",
			len(m.regenerating), english.PluralWord(len(m.regenerating), "regeneration", "regenerations")))
		return nil
	}
	m.quitting = true
	m.regenCancel()
	if m.writing || len(m.queue) > 0 || len(m.regenerating) > 0 {
		m.setMsg("saving…")
	}
	return m.maybeQuit()
}

func (m *Model) maybeQuit() tea.Cmd {
	if m.quitting && !m.writing && len(m.queue) == 0 && len(m.regenerating) == 0 {
		return tea.Quit
	}
	return nil
}

// Quitting reports whether the view has finished (used by tests).
func (m *Model) Quitting() bool { return m.quitting }

// frameLRU keeps rendered frames (a sixel frame can be ~100 KB).
type frameLRU struct {
	max   int
	order []frameKey
	m     map[frameKey]preview.Frame
}

func newFrameLRU(n int) *frameLRU { return &frameLRU{max: n, m: map[frameKey]preview.Frame{}} }

func (l *frameLRU) get(k frameKey) (preview.Frame, bool) {
	f, ok := l.m[k]
	return f, ok
}

func (l *frameLRU) put(k frameKey, f preview.Frame) {
	if _, ok := l.m[k]; !ok {
		l.order = append(l.order, k)
	}
	l.m[k] = f
	for len(l.order) > l.max {
		delete(l.m, l.order[0])
		l.order = l.order[1:]
	}
}
