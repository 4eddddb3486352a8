// Package tui is the curation view of `genmint curate`: a list of the
// collection's items with status badges, a large preview of the selected
// image, its provenance, and keys to keep, reject, star, undo, filter, sort
// and regenerate.
//
// The model follows the Elm architecture of Bubble Tea (v2): Update only
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
//
// The seams, the Model and Update are in model.go; what each key does in
// input.go; the write queue in writes.go; loading the selection's preview
// and details in load.go; regeneration in regen.go; drawing in view.go and
// list.go.
package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
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

	// LightBackground styles the view for a light terminal background until
	// the terminal reports its colour (the running program asks it when the
	// view opens, never before); the default is a dark background.
	LightBackground bool
	// Keys overrides the key map.
	Keys *KeyMap
	// NoAdvance keeps the cursor on an item after keeping or rejecting it
	// (by default it moves to the next item, for fast culling).
	NoAdvance bool
}

// Model is the curation view. Create it with New.
type Model struct {
	opts Options
	keys KeyMap
	st   styles
	dark bool // the styles are for a dark background

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
	frames   *frameFIFO
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

	// gfx draws graphics previews outside Bubble Tea's cell renderer (see
	// overlay.go); nil when the view has no graphics preview or no
	// terminal (tests).
	gfx       *overlay
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
	if opts.Previewer == nil {
		opts.Protocol = preview.None
	}
	if opts.NewSeed == nil {
		opts.NewSeed = randomSeed
	}
	m := &Model{
		opts:         opts,
		keys:         keys,
		dark:         !opts.LightBackground,
		entries:      opts.Entries,
		pos:          make(map[int]int, len(opts.Entries)),
		details:      map[int]curate.Details{},
		frames:       newFrameFIFO(48),
		loading:      map[frameKey]bool{},
		frameErr:     map[frameKey]string{},
		regenerating: map[int]bool{},
		help:         help.New(),
		width:        80,
		height:       24,
	}
	m.setStyles(m.dark)
	m.regenCtx, m.regenCancel = context.WithCancel(context.Background())
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.textIn = textinput.New()
	tis := m.textIn.Styles()
	tis.Cursor.Blink = false
	m.textIn.SetStyles(tis)
	m.textIn.CharLimit = 4000
	m.traitIdx()
	m.sorts = sortModes(m.entries)
	m.sort = m.sorts[0]
	m.recount()
	m.rebuild()
	return m
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

// setStyles styles the view for a dark or a light background.
func (m *Model) setStyles(dark bool) {
	m.dark = dark
	m.st = newStyles(dark)
	m.help.Styles = helpStyles(dark)
	m.helpCache.text = ""
}

// Init starts loading the first item's preview and details, and asks the
// terminal for its background colour (the only terminal query genmint
// makes, and only here, once the curation view is open).
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.selectionChanged(), tea.RequestBackgroundColor)
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

// Update handles one message. It does no I/O: it returns commands for that
// (a graphics preview that changed is drawn by one, see overlay.go).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := m.update(msg)
	if m.gfx != nil && m.gfx.set(m.boxOverlay()) {
		cmd = tea.Batch(cmd, m.gfx.flush)
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.sized = true
		m.help.SetWidth(msg.Width)
		m.textIn.SetWidth(max(msg.Width-12, 10))
		m.clampScroll()
		return m, m.selectionChanged()

	case tea.BackgroundColorMsg:
		if dark := msg.IsDark(); dark != m.dark {
			m.setStyles(dark)
		}
		return m, nil

	case tea.KeyPressMsg:
		return m, m.onKey(msg)

	case tea.PasteMsg:
		if m.input == inputNone {
			return m, nil
		}
		var cmd tea.Cmd
		m.textIn, cmd = m.textIn.Update(msg)
		return m, cmd

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

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
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
