package tui

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/genmint/genmint/state"
)

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

func randomSeed() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
