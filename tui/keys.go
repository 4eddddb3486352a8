package tui

import "charm.land/bubbles/v2/key"

// KeyMap is every key the curation view answers to. The help bar
// (bubbles/help) lists them from here, so the two never disagree.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding

	Keep, Reject, Star, Undo         key.Binding
	NextUndecided, PrevUndecided     key.Binding
	KeepFiltered, RejectFiltered     key.Binding
	FilterStatus, FilterTrait, Clear key.Binding
	Sort                             key.Binding
	Regenerate, EditPrompt           key.Binding
	Help, Quit                       key.Binding
}

// DefaultKeyMap follows photo-culling habits (p pick, x reject, u undo)
// and leaves j/k to move, as in most terminal tools.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k", "ctrl+p"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j", "ctrl+n"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),

		Keep:          key.NewBinding(key.WithKeys("p", "space"), key.WithHelp("p/space", "keep")),
		Reject:        key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reject")),
		Star:          key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "star")),
		Undo:          key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo")),
		NextUndecided: key.NewBinding(key.WithKeys("n", "tab"), key.WithHelp("n", "next undecided")),
		PrevUndecided: key.NewBinding(key.WithKeys("N", "shift+tab"), key.WithHelp("N", "previous undecided")),

		KeepFiltered:   key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "keep all shown")),
		RejectFiltered: key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "reject all shown")),

		FilterStatus: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filter status")),
		FilterTrait:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter trait")),
		Clear:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filters")),
		Sort:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort")),

		Regenerate: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "regenerate (new seed)")),
		EditPrompt: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit prompt & regenerate")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line help bar.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Keep, k.Reject, k.Star, k.Undo, k.NextUndecided, k.FilterStatus, k.FilterTrait, k.Regenerate, k.Help, k.Quit}
}

// FullHelp is the expanded help, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Keep, k.Reject, k.Star, k.Undo, k.NextUndecided, k.PrevUndecided},
		{k.FilterStatus, k.FilterTrait, k.Clear, k.Sort, k.KeepFiltered, k.RejectFiltered},
		{k.Regenerate, k.EditPrompt, k.Help, k.Quit},
	}
}
