package tui

import (
	"context"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/genmint/genmint/tui/preview"
)

type frameKey struct {
	image      string // sha256 of the final image (or its path)
	cols, rows int
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

// frameFIFO keeps the last frames rendered (a sixel frame can be ~100 KB),
// dropping the oldest first: first in, first out, whether or not a frame
// was looked at since.
type frameFIFO struct {
	max   int
	order []frameKey
	m     map[frameKey]preview.Frame
}

func newFrameFIFO(n int) *frameFIFO { return &frameFIFO{max: n, m: map[frameKey]preview.Frame{}} }

func (l *frameFIFO) get(k frameKey) (preview.Frame, bool) {
	f, ok := l.m[k]
	return f, ok
}

func (l *frameFIFO) put(k frameKey, f preview.Frame) {
	if _, ok := l.m[k]; !ok {
		l.order = append(l.order, k)
	}
	l.m[k] = f
	for len(l.order) > l.max {
		delete(l.m, l.order[0])
		l.order = l.order[1:]
	}
}
