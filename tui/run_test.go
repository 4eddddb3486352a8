package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

func TestCheckTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	err = CheckTerminal(r, w)
	if !errors.Is(err, ErrNoTerminal) {
		t.Fatalf("pipes: %v, want ErrNoTerminal", err)
	}
	for _, flag := range []string{"--keep 1-20,25", "--reject 21-24", "--keep-all", "--reject-refused", "--keep-starred"} {
		if !strings.Contains(err.Error(), flag) {
			t.Errorf("the no-terminal error does not name %s: %q", flag, err)
		}
	}
	if CheckTerminal(nil, nil) == nil {
		t.Error("nil files pass")
	}
}

// Run end to end over pipes (no terminal: Bubble Tea reads keys from the
// pipe and draws into a buffer).
func TestRunOverPipes(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 5, Sidecars: true})
	in, keys := io.Pipe()
	var screen bytes.Buffer
	done := make(chan error, 1)
	var sumKept, sumChanged int
	go func() {
		sum, err := Run(context.Background(), RunOptions{DB: f.db, Dir: f.dir, Title: "Pipes", Preview: preview.Auto,
			Getenv: func(string) string { return "" }, In: in, Out: &screen})
		sumKept, sumChanged = sum.Kept, sum.Changed
		done <- err
	}()
	// One write: the keys arrive as one message and are taken in order; q
	// waits for the keep to be written.
	io.WriteString(keys, "jpq")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after q")
	}
	if f.status(t, 2) != state.Kept || sumKept != 1 || sumChanged != 1 {
		t.Errorf("after j p q: item 2 %s, summary kept %d changed %d", f.status(t, 2), sumKept, sumChanged)
	}
	// It drew on Out, in the alternate screen (and may have quit before a
	// whole frame was flushed).
	if !strings.Contains(screen.String(), "\x1b[?1049h") {
		t.Errorf("the view did not use the alternate screen on Out: %q", screen.String())
	}
}

func TestRunInterrupted(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 3})
	in, keys := io.Pipe()
	defer keys.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, RunOptions{DB: f.db, Dir: f.dir, Preview: preview.None, In: in, Out: io.Discard})
		done <- err
	}()
	io.WriteString(keys, "p")
	waitFor(t, func() bool { return f.status(t, 1) == state.Kept })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "every decision made is saved") {
			t.Fatalf("interrupted Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run ignored the cancelled context")
	}
}

// waitFor polls cond until it holds (10 s at most).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition never held")
}
