package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/genmint/genmint/curate"
)

// inputMode is what the keyboard is typing into.
type inputMode int

const (
	inputNone inputMode = iota
	inputTrait
	inputPrompt
)

// onKey dispatches a key press.
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	// Keys typed faster than the input is read (or sent by tmux send-keys)
	// may arrive as one message with several characters: take them one by
	// one.
	if runes := []rune(msg.Text); len(runes) > 1 && m.input == inputNone {
		cmds := make([]tea.Cmd, 0, len(runes))
		for _, r := range runes {
			cmds = append(cmds, m.onKey(tea.KeyPressMsg{Code: r, Text: string(r), Mod: msg.Mod}))
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
func (m *Model) onInputKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.Keystroke() {
	case "esc":
		m.input = inputNone
		m.textIn.Blur()
		m.setMsg("cancelled")
		return nil
	case "ctrl+c":
		m.input = inputNone
		return m.quit(true)
	case "enter":
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
