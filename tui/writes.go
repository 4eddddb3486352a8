package tui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/dustin/go-humanize/english"

	"github.com/genmint/genmint/curate"
)

// pendingOp is a decision waiting its turn to be written.
type pendingOp struct {
	op  curate.Op // OpUndo for undo
	ids []int
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
	idle := ids[:0] // not regenerating
	for _, id := range ids {
		if m.regenerating[id] {
			busy = append(busy, id)
		} else {
			idle = append(idle, id)
		}
	}
	if len(idle) == 0 {
		m.setMsg("no items shown")
		return nil
	}
	if len(busy) > 0 {
		m.setMsg(fmt.Sprintf("leaving out %s: regenerating", curate.FormatIDs(busy)))
	}
	return m.enqueue(pendingOp{op: op, ids: append([]int(nil), idle...)})
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
