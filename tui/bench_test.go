package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

// Benchmarks print, besides ns/op:
//   - first-frame-ms: open the state database, migrate, list 10,000 items,
//     build the model, size it, render the first View — what happens
//     between `genmint curate` starting and its first screen (target: under
//     300 ms);
//   - ref-ms: in the same run, the reference: reading the same 10,000 items
//     with the state package's own Items query;
//   - x-ref: first frame ÷ reference; x-budget: first frame ÷ 300 ms;
//   - complete-ms: the first frame plus the first item's details and a cold
//     preview (decode, thumbnail, half-block render).
//
// Run: go test ./tui -run '^$' -bench . -benchtime 10x

func BenchmarkFirstFrame10k(b *testing.B) {
	f := big(b)
	r, _ := preview.NewRenderer(preview.Blocks, preview.CellSize{})
	var frame, ref, complete time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		db, err := state.Open(bg, f.dir, state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := curate.NewStore(bg, db, f.dir, curate.SourceTUI)
		if err != nil {
			b.Fatal(err)
		}
		es, err := s.Entries(bg)
		if err != nil {
			b.Fatal(err)
		}
		m := New(Options{Store: s, Entries: es, Dir: f.dir, Previewer: &preview.Previewer{Cache: preview.NewCache("", 16), Renderer: r},
			Protocol: preview.Blocks})
		// Bubble Tea calls Init, then delivers the window size.
		initCmd := m.Init()
		_, sizeCmd := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		screen := m.View().Content
		frame += time.Since(start)
		if len(screen) == 0 || len(m.view) != 10_000 {
			b.Fatal("no first frame")
		}
		run(b, m, initCmd)
		run(b, m, sizeCmd)
		_ = m.View().Content
		complete += time.Since(start)
		if !m.settled() {
			b.Fatal("first item did not load")
		}

		start = time.Now()
		items, err := db.Items(bg, state.Query{})
		if err != nil || len(items) != 10_000 {
			b.Fatal(err)
		}
		ref += time.Since(start)
		db.Close()
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(ms(frame), "first-frame-ms")
	b.ReportMetric(ms(complete), "complete-ms")
	b.ReportMetric(ms(ref), "ref-ms")
	b.ReportMetric(float64(frame)/float64(ref), "x-ref")
	b.ReportMetric(ms(frame)/300, "x-budget")
}

// BenchmarkScroll10k is one key press while scrolling through 10,000 items
// (Update + View at 100×30, previews waiting for the selection to rest, as
// in real use). It reports us/key and, as the reference measured in the same
// run, the same keys over a 100-item collection (x-100items near 1 means the
// cost does not grow with the collection), and the share of a 60 Hz frame
// one key takes (x-frame).
func BenchmarkScroll10k(b *testing.B) {
	f := big(b)
	small := newFixture(b, curatetest.Options{N: 100, Status: func(id int) state.Status { return state.Generated }})
	build := func(fx *fixture) *Model {
		r, _ := preview.NewRenderer(preview.Blocks, preview.CellSize{})
		m := New(Options{Store: fx.store, Entries: fx.entries(b), Dir: fx.dir,
			Previewer: &preview.Previewer{Cache: preview.NewCache("", 16), Renderer: r},
			Protocol:  preview.Blocks, PreviewDelay: 50 * time.Millisecond})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		return m
	}
	keys := func(m *Model, n int) time.Duration {
		down, top := keyMsg("down"), keyMsg("g")
		start := time.Now()
		for i := 0; i < n; i++ {
			if m.cursor == len(m.view)-1 {
				m.Update(top)
			} else {
				m.Update(down)
			}
			_ = m.View().Content
		}
		return time.Since(start)
	}
	bigM, smallM := build(f), build(small)
	keys(bigM, 50) // warm up
	keys(smallM, 50)
	b.ResetTimer()
	big := keys(bigM, b.N)
	b.StopTimer()
	ref := keys(smallM, b.N)
	us := float64(big.Nanoseconds()) / 1000 / float64(b.N)
	b.ReportMetric(us, "us/key")
	b.ReportMetric(float64(big)/float64(ref), "x-100items")
	b.ReportMetric(us/16667, "x-frame")
}
