package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

// mixed: 12 items; 4 refused, 6 kept, 9 rejected, 11 pending, 12 pinned.
func mixed(id int) state.Status {
	return map[int]state.Status{4: state.Refused, 6: state.Kept, 9: state.Rejected, 11: state.Pending, 12: state.Pinned}[id]
}

func mixedStatus(id int) state.Status {
	if s := mixed(id); s != "" {
		return s
	}
	return state.Generated
}

func TestKeepRejectStarAreWrittenAtOnce(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12, Status: mixedStatus})
	m := f.model(t, nil)

	press(t, m, "p") // keep 1, move to 2
	if got := f.status(t, 1); got != state.Kept {
		t.Fatalf("after p on item 1 the database says %s, want kept", got)
	}
	if m.selectedID() != 2 {
		t.Errorf("cursor on item %d after keeping, want it to advance to 2", m.selectedID())
	}
	press(t, m, "x") // reject 2, move to 3
	press(t, m, "s") // star 3, stay
	if got := f.status(t, 2); got != state.Rejected {
		t.Errorf("item 2: %s, want rejected", got)
	}
	if m.selectedID() != 3 {
		t.Errorf("star moved the cursor to %d", m.selectedID())
	}
	es := f.entries(t)
	if !es[2].Starred {
		t.Error("item 3 is not starred in the database")
	}
	lines := screenLines(t, m.View().Content, 100, 30)
	for _, want := range []string{"0001 ✓ kept", "0002 ✗ rejected", "0003 · undecided ★", "0004 ⊘ refused", "0011 … pending", "0012 ◆ pinned"} {
		if !containsLine(lines, want) {
			t.Errorf("screen lacks a row %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if !strings.Contains(lines[0], "kept 2 · rejected 2 · undecided 5 · ★ 1") {
		t.Errorf("header counts: %q", lines[0])
	}
	if m.Changes() != 3 {
		t.Errorf("session changed %d items, want 3", m.Changes())
	}
	// s again unstars.
	press(t, m, "s")
	if f.entries(t)[2].Starred {
		t.Error("second s did not unstar item 3")
	}
}

func containsLine(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestSpaceKeepsAndNoAdvance(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 3})
	m := f.model(t, func(o *Options) { o.NoAdvance = true })
	press(t, m, " ")
	if f.status(t, 1) != state.Kept || m.selectedID() != 1 {
		t.Errorf("space: item 1 %s, cursor on %d; want kept and no advance", f.status(t, 1), m.selectedID())
	}
}

func TestUndoKey(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 5})
	m := f.model(t, nil)
	press(t, m, "p", "x", "s", "u")
	if f.entries(t)[2].Starred {
		t.Error("undo did not remove the star")
	}
	press(t, m, "u")
	if got := f.status(t, 2); got != state.Generated {
		t.Errorf("item 2 after two undos: %s, want generated", got)
	}
	press(t, m, "u")
	if got := f.status(t, 1); got != state.Generated {
		t.Errorf("item 1 after three undos: %s", got)
	}
	if !strings.Contains(m.message, "undid the last decision (item 1)") {
		t.Errorf("message %q", m.message)
	}
	press(t, m, "u")
	if m.message != "nothing to undo" {
		t.Errorf("undo with nothing left: %q", m.message)
	}
	if m.Changes() != 0 {
		t.Errorf("changes after undoing everything: %d", m.Changes())
	}
	lines := screenLines(t, m.View().Content, 100, 30)
	if !containsLine(lines, "0001 · undecided") || !containsLine(lines, "0002 · undecided") {
		t.Error("undone items do not show as undecided")
	}
}

func TestCannotKeepWhatHasNoImage(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12, Status: mixedStatus})
	m := f.model(t, nil)
	press(t, m, "down", "down", "down") // item 4, refused
	press(t, m, "p")
	if f.status(t, 4) != state.Refused {
		t.Fatal("a refused item was kept")
	}
	if !m.msgIsErr || !strings.Contains(m.message, "cannot keep item 4: no image (the provider's content filter refused") {
		t.Errorf("message %q (error %v)", m.message, m.msgIsErr)
	}
	// Pinned items are never rejected.
	press(t, m, "G", "x")
	if f.status(t, 12) != state.Pinned || !strings.Contains(m.message, "never un-pins") {
		t.Errorf("reject pinned: %s, %q", f.status(t, 12), m.message)
	}
}

func TestNextUndecided(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12, Status: func(id int) state.Status {
		if id == 3 || id == 8 {
			return state.Generated
		}
		return state.Kept
	}})
	m := f.model(t, nil)
	var seen []int
	for i := 0; i < 3; i++ {
		press(t, m, "n")
		seen = append(seen, m.selectedID())
	}
	if !reflect.DeepEqual(seen, []int{3, 8, 3}) {
		t.Errorf("n visits %v, want 3, 8, then wraps to 3", seen)
	}
	press(t, m, "N")
	if m.selectedID() != 8 {
		t.Errorf("N went to %d, want 8", m.selectedID())
	}
	press(t, m, "p", "n", "p") // keep 8, jump to 3, keep 3
	press(t, m, "n")
	if m.message != "no undecided items left" {
		t.Errorf("message %q", m.message)
	}
}

func TestFilters(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12, Status: mixedStatus})
	m := f.model(t, nil)
	visible := func() []int { return m.visibleIDs() }

	press(t, m, "f") // undecided
	if got := visible(); !reflect.DeepEqual(got, []int{1, 2, 3, 5, 7, 8, 10}) {
		t.Errorf("undecided: %v", got)
	}
	// Keeping under the undecided filter takes the item off the list and the
	// cursor lands on the next one.
	press(t, m, "p")
	if got := visible(); len(got) != 6 || got[0] != 2 || m.selectedID() != 2 {
		t.Errorf("after keeping under the filter: %v, cursor %d", got, m.selectedID())
	}
	press(t, m, "f") // kept
	if got := visible(); !reflect.DeepEqual(got, []int{1, 6}) {
		t.Errorf("kept: %v", got)
	}
	press(t, m, "f", "f") // rejected, starred
	if got := visible(); len(got) != 0 {
		t.Errorf("starred: %v", got)
	}
	if lines := screenLines(t, m.View().Content, 100, 30); !containsLine(lines, "no items match the filters") {
		t.Error("an empty filter result says nothing")
	}
	press(t, m, "f") // no image
	if got := visible(); !reflect.DeepEqual(got, []int{4, 11}) {
		t.Errorf("no image: %v", got)
	}
	press(t, m, "f") // pinned/minted
	if got := visible(); !reflect.DeepEqual(got, []int{12}) {
		t.Errorf("pinned/minted: %v", got)
	}
	press(t, m, "f") // all
	if len(visible()) != 12 {
		t.Errorf("all: %v", visible())
	}

	// Trait filter: Background=blue → items 1, 6, 11.
	press(t, m, "/")
	typeText(t, m, "Background=blue")
	if m.input != inputTrait || !strings.Contains(plain(m.View().Content), "trait: Background=blue") {
		t.Fatalf("the trait prompt is not shown")
	}
	press(t, m, "enter")
	if got := visible(); !reflect.DeepEqual(got, []int{1, 6, 11}) {
		t.Errorf("Background=blue: %v", got)
	}
	// A bare word matches any trait type or value.
	press(t, m, "/", "ctrl+u")
	typeText(t, m, "TRI")
	press(t, m, "enter")
	if got := visible(); !reflect.DeepEqual(got, []int{3, 6, 9, 12}) {
		t.Errorf("tri: %v", got)
	}
	// Combined with a status filter.
	press(t, m, "f")
	if got := visible(); !reflect.DeepEqual(got, []int{3}) {
		t.Errorf("tri ∧ undecided: %v", got)
	}
	if st := plain(m.statusLine()); !strings.Contains(st, "1/12 · undecided · trait \"TRI\" · sort id") {
		t.Errorf("status line %q", st)
	}
	press(t, m, "esc")
	if len(visible()) != 12 {
		t.Errorf("esc left %v", visible())
	}
	// esc in the prompt cancels without changing the filter.
	press(t, m, "/")
	typeText(t, m, "gold")
	press(t, m, "esc")
	if len(visible()) != 12 || m.input != inputNone {
		t.Errorf("cancelled prompt changed the list: %v", visible())
	}
}

func TestSort(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 6, Status: func(id int) state.Status {
		if s, ok := map[int]state.Status{1: state.Kept, 2: state.Rejected, 5: state.Refused}[id]; ok {
			return s
		}
		return state.Generated
	}})
	m := f.model(t, nil)
	press(t, m, "o")
	if got := m.visibleIDs(); !reflect.DeepEqual(got, []int{3, 4, 6, 1, 2, 5}) {
		t.Errorf("by status: %v, want undecided, kept, rejected, refused", got)
	}
	press(t, m, "o") // Background: blue(1,6) gold(4) green(2) red(3) violet(5)
	if got := m.visibleIDs(); !reflect.DeepEqual(got, []int{1, 6, 4, 2, 3, 5}) {
		t.Errorf("by Background: %v", got)
	}
	press(t, m, "o") // Shape: circle(1,4) square(2,5) triangle(3,6)
	if got := m.visibleIDs(); !reflect.DeepEqual(got, []int{1, 4, 2, 5, 3, 6}) {
		t.Errorf("by Shape: %v", got)
	}
	if !strings.Contains(m.message, "sorted by Shape") {
		t.Errorf("message %q", m.message)
	}
	// Rarity: blue is drawn twice, every other value once, so the items
	// without blue are rarer (a tie, kept in id order).
	press(t, m, "o")
	if got := m.visibleIDs(); !reflect.DeepEqual(got, []int{2, 3, 4, 5, 1, 6}) || !strings.Contains(m.message, "sorted by rarity") {
		t.Errorf("by rarity: %v (%q)", got, m.message)
	}
	press(t, m, "o")
	if got := m.visibleIDs(); !reflect.DeepEqual(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("back to id: %v", got)
	}
}

func TestBulkDecideShown(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 20, Status: func(id int) state.Status {
		if id == 6 {
			return state.Refused
		}
		return state.Generated
	}})
	m := f.model(t, nil)
	press(t, m, "/")
	typeText(t, m, "blue") // 1, 6, 11, 16
	press(t, m, "enter", "P")
	for _, id := range []int{1, 11, 16} {
		if f.status(t, id) != state.Kept {
			t.Errorf("item %d not kept by P", id)
		}
	}
	if f.status(t, 2) != state.Generated || f.status(t, 6) != state.Refused {
		t.Error("P touched items outside the filter or without an image")
	}
	if !strings.Contains(m.message, "kept 3 items; skipped 1 that cannot be kept") {
		t.Errorf("message %q", m.message)
	}
	press(t, m, "u")
	for _, id := range []int{1, 11, 16} {
		if f.status(t, id) != state.Generated {
			t.Errorf("one undo did not reverse the bulk keep of item %d", id)
		}
	}
	press(t, m, "esc", "X")
	sum, _ := f.store.Summary(bg)
	if sum.Rejected != 20 {
		t.Errorf("X on the whole list rejected %d, want 20 (refused included)", sum.Rejected)
	}
}

// orderStore records the order writes reach it, and holds each until told.
type orderStore struct {
	Store
	mu    sync.Mutex
	calls []string
	fail  error
}

func (s *orderStore) Apply(ctx context.Context, op curate.Op, ids []int) (curate.Change, error) {
	s.mu.Lock()
	s.calls = append(s.calls, fmt.Sprintf("%s %v", op, ids))
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		return curate.Change{}, fail
	}
	return s.Store.Apply(ctx, op, ids)
}

func (s *orderStore) Undo(ctx context.Context) (curate.Change, error) {
	s.mu.Lock()
	s.calls = append(s.calls, "undo")
	s.mu.Unlock()
	return s.Store.Undo(ctx)
}

func TestWritesKeepTheirOrder(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 4})
	os := &orderStore{Store: f.store}
	m := f.model(t, func(o *Options) { o.Store = os; o.NoAdvance = true })
	// Three quick keys: only the first write starts; the others wait.
	_, c1 := m.Update(keyMsg("p"))
	_, c2 := m.Update(keyMsg("x"))
	_, c3 := m.Update(keyMsg("u"))
	if c1 == nil {
		t.Fatal("p started no write")
	}
	// c2 and c3 may load previews, but must not write out of turn.
	run(t, m, c2)
	run(t, m, c3)
	if len(os.calls) != 0 {
		t.Fatalf("writes ran before their turn: %v", os.calls)
	}
	run(t, m, c1)
	if want := []string{"keep [1]", "reject [1]", "undo"}; !reflect.DeepEqual(os.calls, want) {
		t.Fatalf("writes reached the store as %v, want %v", os.calls, want)
	}
	if got := f.status(t, 1); got != state.Kept {
		t.Errorf("item 1 after keep, reject, undo: %s, want kept", got)
	}
}

func TestStoreErrorIsShown(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 2})
	os := &orderStore{Store: f.store, fail: errors.New("write state x: disk full: free some space and re-run; nothing finished is lost")}
	m := f.model(t, func(o *Options) { o.Store = os })
	press(t, m, "p")
	if !m.msgIsErr || !strings.Contains(m.message, "disk full") {
		t.Errorf("message %q", m.message)
	}
	if m.entries[0].Status != state.Generated || m.Changes() != 0 {
		t.Errorf("a failed write changed the view: %s", m.entries[0].Status)
	}
	if !strings.Contains(plain(m.View().Content), "disk full") {
		t.Error("the error is not on screen")
	}
}

// fakeRegen regenerates through the real state database, the way the
// generate pipeline will: keep the old candidate as a variant, then point the
// item at a new image. It blocks until released.
type fakeRegen struct {
	f       *fixture
	release chan struct{}
	mu      sync.Mutex
	calls   []string
	fail    error
}

func (r *fakeRegen) Regenerate(ctx context.Context, id int, seed *uint32, prompt *string) (curate.Regenerated, error) {
	r.mu.Lock()
	call := fmt.Sprintf("item %d", id)
	if seed != nil {
		call += fmt.Sprintf(" seed %d", *seed)
	}
	if prompt != nil {
		call += fmt.Sprintf(" prompt %q", *prompt)
	}
	r.calls = append(r.calls, call)
	r.mu.Unlock()
	select {
	case <-r.release:
	case <-ctx.Done():
		return curate.Regenerated{}, fmt.Errorf("regenerate item %d: %w", id, ctx.Err())
	}
	if r.fail != nil {
		return curate.Regenerated{}, r.fail
	}
	prev, err := curate.ArchiveCandidate(ctx, r.f.db, r.f.dir, id)
	if err != nil {
		return curate.Regenerated{}, err
	}
	// The new candidate: another shared image, status generated.
	e, err := r.f.store.Entry(ctx, id)
	if err != nil {
		return curate.Regenerated{}, err
	}
	e.Status = state.Generated
	e.Final = state.File{Path: "shared/img-3.png", SHA256: strings.Repeat("3", 64)}
	return curate.Regenerated{Entry: e, Previous: prev}, nil
}

func (r *fakeRegen) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

func TestRegenerateInBackground(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 5, Sidecars: true})
	rg := &fakeRegen{f: f, release: make(chan struct{})}
	m := f.model(t, func(o *Options) {
		o.Regenerator = rg
		o.NewSeed = func() uint32 { return 424242 }
	})
	press(t, m, "down") // item 2
	_, cmd := m.Update(keyMsg("r"))
	if cmd == nil || !m.regenerating[2] {
		t.Fatal("r started nothing")
	}
	// The regeneration runs in the background…
	done := make(chan tea.Msg)
	go func() { done <- cmd() }()
	// …while the user keeps curating other items.
	press(t, m, "up", "p") // keep 1
	if f.status(t, 1) != state.Kept {
		t.Error("could not keep item 1 during a regeneration")
	}
	screen := plain(m.View().Content)
	if !strings.Contains(screen, "regenerating 1") || !strings.Contains(screen, "0002 ⣾ regen") && !strings.Contains(screen, "regen") {
		t.Errorf("no spinner or regen badge on screen:\n%s", screen)
	}
	// Decisions on the regenerating item wait for it (keeping 1 moved the
	// cursor back to 2).
	if m.selectedID() != 2 {
		t.Fatalf("cursor on %d", m.selectedID())
	}
	press(t, m, "x")
	if f.status(t, 2) != state.Generated || !strings.Contains(m.message, "item 2 is regenerating") {
		t.Errorf("reject during regeneration: %s, %q", f.status(t, 2), m.message)
	}
	press(t, m, "r")
	if !strings.Contains(m.message, "already regenerating") {
		t.Errorf("second r: %q", m.message)
	}
	close(rg.release)
	msg := <-done
	batch, _ := msg.(tea.BatchMsg)
	if batch != nil {
		// The first regeneration also starts the spinner; find our result.
		for _, c := range batch {
			if m2 := c(); m2 != nil {
				if rm, ok := m2.(regenMsg); ok {
					msg = rm
				}
			}
		}
	}
	drive(t, m, msg)
	if calls := rg.Calls(); !reflect.DeepEqual(calls, []string{"item 2 seed 424242"}) {
		t.Errorf("regenerator calls %v", calls)
	}
	if m.regenerating[2] || len(m.regenerating) != 0 {
		t.Error("item 2 still marked regenerating")
	}
	e := m.entries[1]
	if e.Final.SHA256 != strings.Repeat("3", 64) || e.Status != state.Generated {
		t.Errorf("entry after regeneration: %+v", e)
	}
	if !strings.Contains(m.message, "item 2 regenerated") || !strings.Contains(m.message, "variant 1") {
		t.Errorf("message %q", m.message)
	}
	// The spinner stops ticking with nothing left to regenerate.
	if _, cmd := m.Update(m.spinner.Tick()); cmd != nil {
		t.Error("the spinner keeps ticking")
	}
	// The old candidate is a variant in the database and in the panel.
	vs, _ := curate.Variants(bg, f.db, 2)
	if len(vs) != 1 || vs[0].Seed != curatetest.Seed(2) {
		t.Errorf("variants: %+v", vs)
	}
	if !strings.Contains(plain(m.View().Content), "variants  1 earlier candidate") {
		t.Errorf("panel does not list the variant:\n%s", plain(m.View().Content))
	}
}

func TestEditPromptAndRegenerate(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 5, Sidecars: true, Status: func(id int) state.Status {
		if id == 4 {
			return state.Refused
		}
		return state.Generated
	}})
	rg := &fakeRegen{f: f, release: make(chan struct{})}
	close(rg.release)
	m := f.model(t, func(o *Options) { o.Regenerator = rg })
	press(t, m, "down", "down", "down") // item 4, refused
	press(t, m, "e")
	if m.input != inputPrompt || m.textIn.Value() != curatetest.Prompt(4) {
		t.Fatalf("e did not open the prompt editor with the prompt: %v %q", m.input, m.textIn.Value())
	}
	press(t, m, "enter")
	if !strings.Contains(m.message, "prompt unchanged") || len(rg.Calls()) != 0 {
		t.Errorf("unchanged prompt: %q, %v", m.message, rg.Calls())
	}
	press(t, m, "e", "ctrl+u")
	typeText(t, m, "a friendly gold circle")
	press(t, m, "enter")
	if calls := rg.Calls(); !reflect.DeepEqual(calls, []string{`item 4 prompt "a friendly gold circle"`}) {
		t.Errorf("regenerator calls %v", calls)
	}
	if m.entries[3].Status != state.Generated || !m.entries[3].HasImage() {
		t.Errorf("refused item after regeneration: %+v", m.entries[3])
	}
	// A refused item had no image: no variant.
	if !strings.Contains(m.message, "item 4 regenerated") || strings.Contains(m.message, "variant") {
		t.Errorf("message %q", m.message)
	}
}

func TestRegenerateFailures(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12, Status: mixedStatus})
	m := f.model(t, nil)
	press(t, m, "r")
	if !m.msgIsErr || !strings.Contains(m.message, "regeneration is not available") {
		t.Errorf("without a regenerator: %q", m.message)
	}
	rg := &fakeRegen{f: f, release: make(chan struct{}), fail: errors.New("openai refused the prompt (content_policy_violation)")}
	close(rg.release)
	m = f.model(t, func(o *Options) { o.Regenerator = rg })
	press(t, m, "G", "r")
	if !strings.Contains(m.message, "item 12 is pinned: it cannot be regenerated") {
		t.Errorf("pinned: %q", m.message)
	}
	press(t, m, "k", "r")
	if !strings.Contains(m.message, "item 11 has not been generated yet") {
		t.Errorf("pending: %q", m.message)
	}
	press(t, m, "g", "down", "down", "down", "down", "down", "r") // item 6, kept
	if !strings.Contains(m.message, "item 6 is kept: reject it (x) or undo (u) first") || len(rg.Calls()) != 0 {
		t.Errorf("pending: %q", m.message)
	}
	press(t, m, "g", "r")
	if !m.msgIsErr || m.message != "regenerate item 1: openai refused the prompt (content_policy_violation)" {
		t.Errorf("refused regeneration: %q", m.message)
	}
	if m.entries[0].Final.SHA256 == "" || m.entries[0].Status != state.Generated {
		t.Error("a failed regeneration changed the item")
	}
}

func TestQuitWaitsForRegenerations(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 3})
	rg := &fakeRegen{f: f, release: make(chan struct{})}
	m := f.model(t, func(o *Options) { o.Regenerator = rg })
	_, cmd := m.Update(keyMsg("r"))
	results := make(chan tea.Msg, 2)
	go func() {
		for _, c := range cmd().(tea.BatchMsg) {
			go func() { results <- c() }()
		}
	}()
	if press(t, m, "q") {
		t.Fatal("q quit with a regeneration running")
	}
	if !strings.Contains(m.message, "1 regeneration running: press q again") {
		t.Errorf("message %q", m.message)
	}
	if press(t, m, "q") {
		t.Fatal("second q quit before the regeneration returned")
	}
	// The second q cancelled it; its result arrives and the view quits.
	var rm regenMsg
	for msg := range results {
		if r, ok := msg.(regenMsg); ok {
			rm = r
			break
		}
	}
	if !errors.Is(rm.err, context.Canceled) {
		t.Fatalf("regeneration result %v, want cancelled", rm.err)
	}
	if !drive(t, m, rm) {
		t.Error("the view did not quit once the regeneration ended")
	}
	if m.View().Content != "" {
		t.Errorf("after quitting the blocks view leaves %q", m.View().Content)
	}
}

func TestQuitWaitsForWrites(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 3})
	m := f.model(t, func(o *Options) { o.NoAdvance = true })
	_, write := m.Update(keyMsg("p"))
	_, q := m.Update(keyMsg("q"))
	if q != nil {
		if _, ok := q().(tea.QuitMsg); ok {
			t.Fatal("quit before the pending write")
		}
	}
	if !run(t, m, write) {
		t.Error("no quit after the write finished")
	}
	if f.status(t, 1) != state.Kept {
		t.Error("the write before quitting was lost")
	}
}

func TestResizeAndTinyTerminals(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 30, Sidecars: true})
	m := f.model(t, nil)
	for _, size := range [][2]int{{40, 12}, {100, 30}, {64, 14}, {63, 40}, {200, 60}, {20, 6}, {80, 24}} {
		drive(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := screenLines(t, m.View().Content, size[0], size[1])
		if !containsLine(lines, "0001") {
			t.Errorf("%dx%d: the list is not on screen:\n%s", size[0], size[1], strings.Join(lines, "\n"))
		}
	}
	// 40×12: list, two lines about the selection, status and help.
	drive(t, m, tea.WindowSizeMsg{Width: 40, Height: 12})
	press(t, m, "G")
	lines := screenLines(t, m.View().Content, 40, 12)
	if !containsLine(lines, "▸ 0030") || !containsLine(lines, "#30 · undecided seed 1210") {
		t.Errorf("40×12 after G:\n%s", strings.Join(lines, "\n"))
	}
	press(t, m, "p")
	if f.status(t, 30) != state.Kept {
		t.Error("keeping at 40×12 failed")
	}
	// Below the minimum the view says so instead of drawing garbage.
	drive(t, m, tea.WindowSizeMsg{Width: 15, Height: 5})
	if got := plain(m.View().Content); !strings.Contains(got, "terminal too") || strings.Contains(got, "\n") {
		t.Errorf("15×5: %q", got)
	}
	// Shrinking keeps the cursor on screen.
	drive(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	press(t, m, "g")
	for i := 0; i < 25; i++ {
		press(t, m, "down")
	}
	drive(t, m, tea.WindowSizeMsg{Width: 100, Height: 10})
	lines = screenLines(t, m.View().Content, 100, 10)
	if !containsLine(lines, "▸ 0026") {
		t.Errorf("the cursor left the screen after shrinking:\n%s", strings.Join(lines, "\n"))
	}
}

func TestHelpBar(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 3})
	m := f.model(t, nil)
	lines := screenLines(t, m.View().Content, 100, 30)
	if last := lines[29]; !strings.Contains(last, "p/space keep") || !strings.Contains(last, "x reject") || !strings.Contains(last, "u undo") {
		t.Errorf("help bar %q", last)
	}
	press(t, m, "?")
	screen := strings.Join(strings.Fields(strings.Join(screenLines(t, m.View().Content, 100, 30), "\n")), " ")
	for _, want := range []string{"P keep all shown", "X reject all shown", "e edit prompt", "o sort", "esc clear filters", "N previous undecided"} {
		if !strings.Contains(screen, want) {
			t.Errorf("full help lacks %q", want)
		}
	}
}

// countingPreviewer counts frames rendered.
type countingPreviewer struct {
	Previewer
	n atomic.Int64
}

func (c *countingPreviewer) Frame(ctx context.Context, src preview.Source, cols, rows int) (preview.Frame, error) {
	c.n.Add(1)
	return c.Previewer.Frame(ctx, src, cols, rows)
}

func TestTenThousandItemsLoadLazily(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-item collection")
	}
	f := big(t)
	r, _ := preview.NewRenderer(preview.Blocks, preview.CellSize{})
	cache := preview.NewCache("", 16)
	cp := &countingPreviewer{Previewer: &preview.Previewer{Cache: cache, Renderer: r}}
	m := New(Options{Store: f.store, Entries: f.entries(t), Dir: f.dir, Previewer: cp, Protocol: preview.Blocks,
		PreviewDelay: 50 * time.Millisecond})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if len(m.view) != 10_000 {
		t.Fatalf("list has %d items", len(m.view))
	}
	// Scrolling fast: each key schedules a delayed load; none has fired.
	var last tea.Cmd
	for i := 0; i < 300; i++ {
		_, last = m.Update(keyMsg("down"))
	}
	if cp.n.Load() != 0 || len(m.details) != 0 {
		t.Fatalf("scrolling loaded %d frames and %d details before resting", cp.n.Load(), len(m.details))
	}
	// Stale ticks (an earlier selection) load nothing.
	if _, c := m.Update(loadTickMsg{seq: m.selSeq - 1}); c != nil {
		t.Error("a stale tick loaded something")
	}
	// The last tick fires: exactly the resting item loads.
	run(t, m, last)
	if cp.n.Load() != 1 || len(m.details) != 1 || m.details[301].Item.ID != 301 {
		t.Errorf("after resting: %d frames, details %v", cp.n.Load(), len(m.details))
	}
	lines := screenLines(t, m.View().Content, 100, 30)
	if !containsLine(lines, "▸ 00301") || !containsLine(lines, "#00301") || !containsLine(lines, "▀") {
		t.Errorf("screen after scrolling to 301:\n%s", strings.Join(lines, "\n"))
	}
	// The end of the list, and back: a handful of rows rendered each time.
	press(t, m, "G")
	if m.selectedID() != 10_000 || !containsLine(screenLines(t, m.View().Content, 100, 30), "▸ 10000") {
		t.Errorf("G selected %d", m.selectedID())
	}
	// Six distinct images among 10,000 items: never more than six decodes.
	for i := 0; i < 40; i++ {
		press(t, m, "up")
	}
	if st := cache.Stats(); st.Decodes > 6 {
		t.Errorf("%d full-size decodes for 6 distinct images", st.Decodes)
	}
}

// The preview box of a graphics protocol is drawn by the overlay, around
// the cell renderer: blank in the view, drawn whole (text, then the image)
// when it changes or when a frame may have damaged it, and never again
// needlessly.
func TestGraphicsOverlay(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12, Status: mixedStatus})
	seq := "\x1b_Gfake\x1b\\"
	fp := previewFunc(func(src preview.Source, cols, rows int) preview.Frame {
		return preview.Frame{Protocol: preview.Kitty, Cols: 20, Rows: 10, Seq: seq}
	})
	m := f.model(t, func(o *Options) { o.Previewer = fp; o.Protocol = preview.Kitty })
	var term bytes.Buffer
	m.gfx = newOverlay(&term)
	drive(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	l := m.layout()

	// The view leaves the box blank: the image is not in it.
	screen := screenLines(t, m.View().Content, 100, 30)
	if strings.Contains(m.View().Content, seq) {
		t.Error("the view holds the image sequence")
	}
	for i := 1; i <= l.previewRows; i++ {
		if box := string([]rune(screen[i])[l.listCols+1:]); strings.TrimSpace(box) != "" {
			t.Errorf("box line %d is not blank in the view: %q", i, box)
		}
	}
	// The overlay drew it: kitty's old image deleted, every box line at its
	// place, then the image at its top-left cell, exactly once.
	drawn := term.String()
	oy := (l.previewRows - 10) / 2
	ox := 1 + (l.previewCols-20)/2
	want := preview.Frame{Seq: seq}.DrawAt(1+oy, l.listCols+1+ox)
	if !strings.HasPrefix(drawn, preview.ClearSeq(preview.Kitty)) || !strings.HasSuffix(drawn, want) {
		t.Errorf("overlay %q does not clear kitty's image first and end with %q", drawn, want)
	}
	for i := 0; i < l.previewRows; i++ {
		if cup := fmt.Sprintf("\x1b[%d;%dH", 2+i, l.listCols+2); !strings.Contains(drawn, cup) {
			t.Errorf("box line %d is not drawn (no %q)", i, cup)
		}
	}
	if n := strings.Count(drawn, seq); n != 1 {
		t.Errorf("image drawn %d times", n)
	}

	// A frame that only writes cells leaves the box alone; one that clears
	// the screen gets the box drawn again after it.
	term.Reset()
	m.gfx.Write([]byte("\x1b[3;5Habc"))
	if term.String() != "\x1b[3;5Habc" {
		t.Errorf("a plain frame redrew the box: %q", term.String())
	}
	term.Reset()
	m.gfx.Write([]byte("\x1b[H\x1b[2Jabc"))
	if got := term.String(); got != "\x1b[H\x1b[2Jabc"+drawn {
		t.Errorf("after a clear screen the box was not drawn again: %q", got)
	}

	// The list and the panel beside the box change (star item 1): the box is
	// the same, so nothing is drawn again.
	term.Reset()
	press(t, m, "s")
	if term.Len() != 0 {
		t.Errorf("an unchanged box was drawn again: %q", term.String())
	}

	// An item without an image: kitty's image is deleted and the box says why.
	press(t, m, "g", "down", "down", "down") // item 4, refused
	drawn = m.gfx.seq
	if !strings.HasSuffix(term.String(), drawn) {
		t.Error("the refused item's box was not drawn last")
	}
	if strings.Contains(drawn, seq) || !strings.HasPrefix(drawn, preview.ClearSeq(preview.Kitty)) {
		t.Errorf("a refused item's box still draws an image or does not delete kitty's: %q", drawn)
	}
	if !strings.Contains(plain(drawn), "the provider refused the prompt") {
		t.Error("the refused item's box does not say why there is no image")
	}

	// Quitting leaves no kitty image behind.
	term.Reset()
	if !press(t, m, "q") {
		t.Fatal("q did not quit")
	}
	if term.String() != preview.ClearSeq(preview.Kitty) {
		t.Errorf("after quitting the overlay wrote %q", term.String())
	}
}

type previewFunc func(src preview.Source, cols, rows int) preview.Frame

func (p previewFunc) Frame(_ context.Context, src preview.Source, cols, rows int) (preview.Frame, error) {
	return p(src, cols, rows), nil
}

func TestPreviewErrorsAreShown(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 2})
	m := f.model(t, func(o *Options) {
		o.Previewer = errPreviewer{}
	})
	if !strings.Contains(plain(m.View().Content), "preview x.png: damaged image") {
		t.Errorf("preview error not shown:\n%s", plain(m.View().Content))
	}
}

type errPreviewer struct{}

func (errPreviewer) Frame(context.Context, preview.Source, int, int) (preview.Frame, error) {
	return preview.Frame{}, errors.New("preview x.png: damaged image (unexpected EOF)")
}

// Several runes in one key message (fast typing, tmux send-keys) are taken
// one by one, in order, and runes after / go to the trait prompt.
func TestRunesInOneMessage(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12})
	m := f.model(t, nil)
	drive(t, m, tea.KeyPressMsg{Code: 'j', Text: "jpx/gold"})
	if f.status(t, 2) != state.Kept || f.status(t, 3) != state.Rejected {
		t.Errorf("jpx: item 2 %s, item 3 %s", f.status(t, 2), f.status(t, 3))
	}
	if m.input != inputTrait || m.textIn.Value() != "gold" {
		t.Errorf("after /gold: input %v, %q", m.input, m.textIn.Value())
	}
	press(t, m, "enter")
	if got := m.visibleIDs(); !reflect.DeepEqual(got, []int{4, 9}) {
		t.Errorf("gold: %v", got)
	}
	// A paste into the prompt stays whole.
	press(t, m, "/", "ctrl+u")
	drive(t, m, tea.PasteMsg{Content: "Shape=square"})
	press(t, m, "enter")
	if got := m.visibleIDs(); !reflect.DeepEqual(got, []int{2, 5, 8, 11}) {
		t.Errorf("pasted Shape=square: %v", got)
	}
}

func TestNarrowHeader(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 12, Status: mixedStatus})
	m := f.model(t, nil)
	drive(t, m, tea.WindowSizeMsg{Width: 40, Height: 12})
	press(t, m, "s")
	lines := screenLines(t, m.View().Content, 40, 12)
	if !strings.HasSuffix(lines[0], "✓1 ✗1 ·7 ★1") {
		t.Errorf("narrow header %q", lines[0])
	}
}
