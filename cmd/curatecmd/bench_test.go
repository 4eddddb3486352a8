package curatecmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui"
)

// BenchmarkFirstScreen10k measures `genmint curate` on a 10,000-item
// collection from Run's start — open the state database, take the lock,
// read genmint.yaml, list the items, start Bubble Tea — to the first frame
// written to the screen (target: under 300 ms). It reports:
//   - first-screen-ms;
//   - ref-ms: in the same run, the reference: opening the same database and
//     reading its 10,000 items with the state package's own Items query;
//   - x-ref: first screen ÷ reference; x-budget: first screen ÷ 300 ms.
//
// Run: go test ./cmd/curatecmd -run '^$' -bench FirstScreen -benchtime 10x
func BenchmarkFirstScreen10k(b *testing.B) {
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm" // spares 20,000 fsyncs of setup
	}
	dir, err := os.MkdirTemp(base, "genmint-curatecmd-10k-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := curatetest.Build(bg, dir, curatetest.Options{N: 10_000, Images: 6, Size: 256})
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	big := "name: Ten Thousand\nsymbol: TK\ncount: 10000\nseed: 3\nunique: false\n" +
		"provider: {name: procedural, params: {width: 256, height: 256}}\n" +
		"prompt: \"{{.motif}} in {{.palette}} tones\"\n" +
		"traits:\n  palette: [ocean, ember, forest, neon]\n  motif: [flow, rings, cells]\n"
	if err := os.WriteFile(filepath.Join(dir, spec.FileName), []byte(big), 0o644); err != nil {
		b.Fatal(err)
	}

	var first, ref time.Duration
	for i := 0; i < b.N; i++ {
		o, ios := options(b, dir)
		ios.SetTTY(true, true, true)
		keys, press := io.Pipe()
		screen := &firstFrame{seen: make(chan struct{})}
		ios.In, ios.ErrOut = keys, screen
		o.Getenv = func(k string) string { return map[string]string{"TERM": "xterm-256color"}[k] }
		o.TUI = tui.Run
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- curateRun(context.Background(), o) }()
		select {
		case <-screen.seen:
		case err := <-done:
			b.Fatalf("curate ended before its first screen: %v", err)
		case <-time.After(30 * time.Second):
			b.Fatal("no first screen")
		}
		first += time.Since(start)
		io.WriteString(press, "q")
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		press.Close()

		start = time.Now()
		db, err := state.Open(bg, dir, state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		items, err := db.Items(bg, state.Query{})
		if err != nil || len(items) != 10_000 {
			b.Fatal(err)
		}
		ref += time.Since(start)
		db.Close()
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(ms(first), "first-screen-ms")
	b.ReportMetric(ms(ref), "ref-ms")
	b.ReportMetric(float64(first)/float64(ref), "x-ref")
	b.ReportMetric(ms(first)/300, "x-budget")
}

// firstFrame is a screen that signals when the view's header is first drawn.
type firstFrame struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan struct{}
	done bool
}

func (f *firstFrame) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		f.buf.Write(p)
		if bytes.Contains(f.buf.Bytes(), []byte("undecided")) && bytes.Contains(f.buf.Bytes(), []byte("0001")) {
			f.done = true
			close(f.seen)
		}
	}
	return len(p), nil
}
