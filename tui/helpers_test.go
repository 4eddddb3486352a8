package tui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

// updating reports whether golden files should be rewritten: go test
// -update (the flag is defined by teatest's golden package, which this test
// binary links).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

var bg = context.Background()

// fixture is a collection on disk with its store.
type fixture struct {
	dir   string
	db    *state.DB
	store *curate.Store
}

func newFixture(t testing.TB, o curatetest.Options) *fixture {
	t.Helper()
	dir := t.TempDir()
	db := curatetest.New(t, dir, o)
	s, err := curate.NewStore(bg, db, dir, curate.SourceTUI)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: dir, db: db, store: s}
}

func (f *fixture) entries(t testing.TB) []curate.Entry {
	t.Helper()
	es, err := f.store.Entries(bg)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// status reads an item's status through a second connection, as another
// process would after a crash.
func (f *fixture) status(t testing.TB, id int) state.Status {
	t.Helper()
	db, err := state.Open(bg, f.dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	it, err := db.Item(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	return it.Status
}

// newModel builds a model over the fixture with the half-block previewer,
// sized 100×30, and runs its Init.
func (f *fixture) model(t testing.TB, mod func(*Options)) *Model {
	t.Helper()
	r, _ := preview.NewRenderer(preview.Blocks, preview.CellSize{})
	o := Options{
		Store: f.store, Entries: f.entries(t), Dir: f.dir, Title: "Test Shapes",
		Previewer: &preview.Previewer{Cache: preview.NewCache("", 16), Renderer: r}, Protocol: preview.Blocks,
	}
	if mod != nil {
		mod(&o)
	}
	m := New(o)
	drive(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	run(t, m, m.Init())
	return m
}

// drive sends msg to the model and runs every command it returns, feeding
// their messages back, until nothing is left. Spinner ticks are dropped (they
// would tick forever); a tea.Quit is recorded. It returns true when the model
// asked to quit.
func drive(t testing.TB, m *Model, msg tea.Msg) bool {
	t.Helper()
	_, cmd := m.Update(msg)
	return run(t, m, cmd)
}

func run(t testing.TB, m *Model, cmd tea.Cmd) (quit bool) {
	t.Helper()
	if cmd == nil {
		return false
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
		return false
	case tea.BatchMsg:
		for _, c := range msg {
			if run(t, m, c) {
				quit = true
			}
		}
		return quit
	case tea.QuitMsg:
		return true
	case spinner.TickMsg:
		return false
	}
	return drive(t, m, msg)
}

// press sends keys, each as its own key message: "p", "down", "enter", …
func press(t testing.TB, m *Model, keys ...string) bool {
	t.Helper()
	quit := false
	for _, k := range keys {
		if drive(t, m, keyMsg(k)) {
			quit = true
		}
	}
	return quit
}

func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]rune{
		"up": tea.KeyUp, "down": tea.KeyDown, "enter": tea.KeyEnter, "esc": tea.KeyEscape,
		"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp, "home": tea.KeyHome, "end": tea.KeyEnd,
		"tab": tea.KeyTab, "backspace": tea.KeyBackspace,
	}
	switch {
	case k == " ":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case strings.HasPrefix(k, "ctrl+"):
		return tea.KeyPressMsg{Code: rune(k[len("ctrl+")]), Mod: tea.ModCtrl}
	}
	if c, ok := special[k]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

// typeText sends text as individual rune keys (for the text input).
func typeText(t testing.TB, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		drive(t, m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// plain strips escape sequences from a rendered screen.
func plain(s string) string { return ansi.Strip(s) }

// screenLines checks the screen is exactly h lines of exactly w cells and
// returns them without escape sequences.
func screenLines(t testing.TB, screen string, w, h int) []string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("screen has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Errorf("line %d is %d cells wide, want %d: %q", i, got, w, plain(l))
		}
		lines[i] = plain(l)
	}
	return lines
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if updating() {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("screen differs from %s (run go test -update if intended); got:\n%s", p, plain(got))
	}
}

// bigFixture is a shared 10,000-item collection, built once per test binary
// (about ten seconds through the state API).
var (
	bigOnce sync.Once
	bigFix  *fixture
	bigErr  error
)

func big(t testing.TB) *fixture {
	t.Helper()
	bigOnce.Do(func() {
		// tmpfs, when there is one, spares 20,000 fsyncs of setup.
		base := ""
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			base = "/dev/shm"
		}
		dir, err := os.MkdirTemp(base, "genmint-tui-10k-")
		if err != nil {
			dir, err = os.MkdirTemp("", "genmint-tui-10k-")
		}
		if err != nil {
			bigErr = err
			return
		}
		db, err := curatetest.Build(bg, dir, curatetest.Options{N: 10_000, Images: 6, Size: 256, Status: func(id int) state.Status {
			switch {
			case id%50 == 0:
				return state.Refused
			case id%7 == 0:
				return state.Kept
			case id%11 == 0:
				return state.Rejected
			}
			return state.Generated
		}})
		if err != nil {
			bigErr = err
			return
		}
		s, err := curate.NewStore(bg, db, dir, curate.SourceTUI)
		bigFix, bigErr = &fixture{dir: dir, db: db, store: s}, err
	})
	if bigErr != nil {
		t.Fatal(bigErr)
	}
	return bigFix
}

func TestMain(m *testing.M) {
	if os.Getenv("GENMINT_TUI_HELPER") == "1" {
		helperMain()
		os.Exit(0)
	}
	code := m.Run()
	if bigFix != nil {
		bigFix.db.Close()
		os.RemoveAll(bigFix.dir)
	}
	os.Exit(code)
}
