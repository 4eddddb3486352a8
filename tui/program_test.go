package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
)

// probe asks the running model, from inside its own Update, whether the
// selected item's details and preview have arrived: a way to wait for the
// program without sleeping.
type probe struct{ reply chan bool }

type probed struct{ *Model }

func (p probed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if q, ok := msg.(probe); ok {
		q.reply <- p.settled()
		return p, nil
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

// settled reports whether nothing is loading or being written.
func (m *Model) settled() bool {
	if m.writing || len(m.queue) > 0 || len(m.regenerating) > 0 {
		return false
	}
	if e := m.selected(); e != nil {
		if _, ok := m.details[e.ID]; !ok {
			return false
		}
	}
	if k, _, ok := m.wantFrame(); ok {
		if _, have := m.frames.get(k); !have && m.frameErr[k] == "" {
			return false
		}
	}
	return true
}

func waitSettled(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		reply := make(chan bool, 1)
		tm.Send(probe{reply: reply})
		select {
		case ok := <-reply:
			if ok {
				return
			}
		case <-time.After(time.Second):
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the program never settled")
}

func waitOutput(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// The whole program at 100×30 with the half-block renderer: keys in, the
// database changed, the final screen byte-exact against a golden file.
func TestProgramGolden(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 30, Sidecars: true, Status: func(id int) state.Status {
		if id == 5 {
			return state.Refused
		}
		return state.Generated
	}})
	m := f.model(t, nil)
	tm := teatest.NewTestModel(t, probed{m}, teatest.WithInitialTermSize(100, 30))
	waitOutput(t, tm, "▀", "#0001")
	waitSettled(t, tm)

	tm.Send(keyMsg("j"))
	tm.Send(keyMsg("p")) // keep 2
	tm.Send(keyMsg("s")) // star 3
	tm.Send(keyMsg("x")) // reject 3
	waitOutput(t, tm, "rejected item 3")
	waitSettled(t, tm)
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	final := tm.FinalModel(t).(probed).Model
	golden(t, "program-100x30.golden", final.Screen())
	if f.status(t, 2) != state.Kept || f.status(t, 3) != state.Rejected || !f.entries(t)[2].Starred {
		t.Errorf("database after p, s, x: item 2 %s, item 3 %s", f.status(t, 2), f.status(t, 3))
	}
	lines := screenLines(t, final.Screen(), 100, 30)
	if !containsLine(lines, "▸ 0004") || !containsLine(lines, "#0004") || !containsLine(lines, "a circle on a gold background") {
		t.Errorf("final screen:\n%s", strings.Join(lines, "\n"))
	}
}

// Resizes while running, down to 40×12 and below the minimum, then back.
func TestProgramResizes(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 50, Sidecars: true})
	m := f.model(t, nil)
	tm := teatest.NewTestModel(t, probed{m}, teatest.WithInitialTermSize(40, 12))
	waitOutput(t, tm, "0001")
	for _, size := range [][2]int{{100, 30}, {30, 8}, {12, 4}, {41, 13}, {160, 50}, {40, 12}} {
		tm.Send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		tm.Send(keyMsg("j"))
	}
	tm.Send(keyMsg("p")) // keep item 7 at 40×12
	waitOutput(t, tm, "kept item 7")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	final := tm.FinalModel(t).(probed).Model
	lines := screenLines(t, final.Screen(), 40, 12)
	if !containsLine(lines, "▸ 0008") {
		t.Errorf("final 40×12 screen:\n%s", strings.Join(lines, "\n"))
	}
	if f.status(t, 7) != state.Kept {
		t.Error("the keep at 40×12 did not reach the database")
	}
}

// Regeneration in the running program: the spinner shows, curating goes
// on, the new candidate replaces the old one.
func TestProgramRegenerates(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 6, Sidecars: true})
	rg := &fakeRegen{f: f, release: make(chan struct{})}
	m := f.model(t, func(o *Options) { o.Regenerator = rg; o.NewSeed = func() uint32 { return 7 } })
	tm := teatest.NewTestModel(t, probed{m}, teatest.WithInitialTermSize(100, 30))
	waitOutput(t, tm, "#0001")
	tm.Send(keyMsg("r"))
	waitOutput(t, tm, "regenerating 1")
	tm.Send(keyMsg("j"))
	tm.Send(keyMsg("p")) // keep 2 meanwhile
	waitOutput(t, tm, "kept item 2")
	close(rg.release)
	waitOutput(t, tm, "item 1 regenerated")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if f.status(t, 2) != state.Kept {
		t.Error("keeping during a regeneration was lost")
	}
	if vs, _ := f.store.Details(bg, 1); len(vs.Variants) != 1 {
		t.Errorf("item 1 has %d variants, want 1", len(vs.Variants))
	}
}
