package tui

import (
	"sort"
	"strings"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/state"
)

// StatusFilter selects items by where curation left them.
type StatusFilter int

// Status filters, in the order the filter key cycles through them.
const (
	ShowAll       StatusFilter = iota
	ShowUndecided              // generated, awaiting a decision
	ShowKept
	ShowRejected
	ShowStarred
	ShowNoImage // refused, failed, pending
	ShowDone    // pinned, minted
	numStatusFilters
)

func (f StatusFilter) String() string {
	return [...]string{"all", "undecided", "kept", "rejected", "starred", "no image", "pinned/minted"}[f]
}

func (f StatusFilter) match(e *curate.Entry) bool {
	switch f {
	case ShowUndecided:
		return e.Status == state.Generated
	case ShowKept:
		return e.Status == state.Kept
	case ShowRejected:
		return e.Status == state.Rejected
	case ShowStarred:
		return e.Starred
	case ShowNoImage:
		return e.Status == state.Refused || e.Status == state.Failed || e.Status == state.Pending
	case ShowDone:
		return e.Status == state.Pinned || e.Status == state.Minted
	}
	return true
}

// traitQuery matches items by trait. "blue" matches any trait whose
// "type=value" contains blue; "background=blu" (or "background:blu")
// matches a trait whose type contains background and value contains blu.
// Case is ignored.
type traitQuery struct {
	raw        string
	typ, value string
	any        string
}

func parseTraitQuery(q string) traitQuery {
	q = strings.TrimSpace(q)
	tq := traitQuery{raw: q}
	lq := strings.ToLower(q)
	if i := strings.IndexAny(lq, "=:"); i >= 0 {
		tq.typ, tq.value = strings.TrimSpace(lq[:i]), strings.TrimSpace(lq[i+1:])
	} else {
		tq.any = lq
	}
	return tq
}

func (q traitQuery) empty() bool { return q.raw == "" }

// match tests the entry's lower-cased traits, as prepared by traitKeys.
func (q traitQuery) match(keys [][2]string) bool {
	if q.empty() {
		return true
	}
	for _, kv := range keys {
		if q.any != "" {
			if strings.Contains(kv[0]+"="+kv[1], q.any) {
				return true
			}
			continue
		}
		if strings.Contains(kv[0], q.typ) && strings.Contains(kv[1], q.value) {
			return true
		}
	}
	return false
}

func traitKeys(e *curate.Entry) [][2]string {
	out := make([][2]string, len(e.Traits))
	for i, t := range e.Traits {
		out[i] = [2]string{strings.ToLower(t.Type), strings.ToLower(t.Value)}
	}
	return out
}

// sortMode orders the list: by id, by status (pipeline order), by the
// value of one trait type, or by rarity (rarest first).
type sortMode struct {
	by    string // "id", "status", "trait" or "rarity"
	trait string // the trait type when by == "trait"
}

func (s sortMode) String() string {
	if s.by == "trait" {
		return s.trait
	}
	return s.by
}

// sortModes lists the modes the sort key cycles through: id, status, then
// each trait type in the order the collection first uses it, then rarity.
func sortModes(entries []curate.Entry) []sortMode {
	modes := []sortMode{{by: "id"}, {by: "status"}}
	seen := map[string]bool{}
	for i := range entries {
		for _, t := range entries[i].Traits {
			if !seen[t.Type] {
				seen[t.Type] = true
				modes = append(modes, sortMode{by: "trait", trait: t.Type})
			}
		}
		if len(seen) >= 16 {
			break
		}
	}
	if len(seen) > 0 {
		modes = append(modes, sortMode{by: "rarity"})
	}
	return modes
}

var statusRank = func() map[state.Status]int {
	m := map[state.Status]int{}
	// Undecided first: that is what a curator works through.
	for i, s := range []state.Status{state.Generated, state.Kept, state.Rejected, state.Refused, state.Failed, state.Pending, state.Pinned, state.Minted} {
		m[s] = i
	}
	return m
}()

func traitValue(e *curate.Entry, typ string) (string, bool) {
	for _, t := range e.Traits {
		if t.Type == typ {
			return t.Value, true
		}
	}
	return "", false
}

// rebuild recomputes the visible list (m.view) from the entries, the
// filters and the sort, keeping the cursor on the same item when it is
// still shown, or at the same position otherwise.
func (m *Model) rebuild() {
	keepID := m.selectedID()
	oldCursor := m.cursor
	m.view = m.view[:0]
	for i := range m.entries {
		e := &m.entries[i]
		if !m.statusFilter.match(e) {
			continue
		}
		if !m.trait.empty() && !m.trait.match(m.traitKeysAll[i]) {
			continue
		}
		m.view = append(m.view, i)
	}
	switch s := m.sort; s.by {
	case "status":
		sort.SliceStable(m.view, func(a, b int) bool {
			return statusRank[m.entries[m.view[a]].Status] < statusRank[m.entries[m.view[b]].Status]
		})
	case "trait":
		sort.SliceStable(m.view, func(a, b int) bool {
			va, oka := traitValue(&m.entries[m.view[a]], s.trait)
			vb, okb := traitValue(&m.entries[m.view[b]], s.trait)
			if oka != okb {
				return oka // items without the trait last
			}
			return va < vb
		})
	case "rarity":
		sortByRarity(m.view, m.entries)
	}
	m.cursor = -1
	if keepID != 0 {
		for i, idx := range m.view {
			if m.entries[idx].ID == keepID {
				m.cursor = i
				break
			}
		}
	}
	if m.cursor < 0 {
		m.cursor = min(max(oldCursor, 0), len(m.view)-1)
	}
	m.clampScroll()
}

// selected returns the entry under the cursor, or nil when the list is empty.
func (m *Model) selected() *curate.Entry {
	if m.cursor < 0 || m.cursor >= len(m.view) {
		return nil
	}
	return &m.entries[m.view[m.cursor]]
}

func (m *Model) selectedID() int {
	if e := m.selected(); e != nil {
		return e.ID
	}
	return 0
}

// visibleIDs lists the ids of every item the filters show.
func (m *Model) visibleIDs() []int {
	ids := make([]int, len(m.view))
	for i, idx := range m.view {
		ids[i] = m.entries[idx].ID
	}
	return ids
}

// clampScroll keeps the cursor inside the list rows on screen.
func (m *Model) clampScroll() {
	rows := m.listRows()
	if rows < 1 {
		rows = 1
	}
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+rows {
		m.top = m.cursor - rows + 1
	}
	if maxTop := len(m.view) - rows; m.top > maxTop {
		m.top = maxTop
	}
	if m.top < 0 {
		m.top = 0
	}
}

// move shifts the cursor by delta rows, clamped to the list.
func (m *Model) move(delta int) {
	if len(m.view) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+delta, 0), len(m.view)-1)
	m.clampScroll()
}

// jumpUndecided moves to the next (dir 1) or previous (dir -1) undecided
// item in list order, wrapping around; it reports whether there was one.
func (m *Model) jumpUndecided(dir int) bool {
	n := len(m.view)
	for step := 1; step <= n; step++ {
		i := ((m.cursor+dir*step)%n + n) % n
		if m.entries[m.view[i]].Status == state.Generated && !m.regenerating[m.entries[m.view[i]].ID] {
			m.cursor = i
			m.clampScroll()
			return true
		}
	}
	return false
}
