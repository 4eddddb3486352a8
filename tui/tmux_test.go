package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/internal/testenv/tmux"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

// The test binary doubles as a tiny `genmint curate` (tui.CheckTerminal,
// then tui.Run, the summary as JSON on stdout) when GENMINT_TUI_HELPER=1, so
// the view's real terminal path — raw mode, alternate screen, drawing on
// stderr — is tested inside tmux with this package alone. The end-to-end
// test of the real `genmint curate` binary in tmux is in cmd/curatecmd.
func helperMain() {
	if err := CheckTerminal(os.Stdin, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	dir := os.Getenv("GENMINT_TUI_DIR")
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	sum, err := Run(ctx, RunOptions{DB: db, Dir: dir, Title: "tmux", Preview: preview.Auto})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(sum)
}

func helperCmd(t *testing.T, dir string) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"env", "GENMINT_TUI_HELPER=1", "GENMINT_TUI_DIR=" + dir, exe}
}

// Without a terminal the view refuses at once, exit 2, naming the flags.
func TestNoTerminalExits2(t *testing.T) {
	f := newFixture(t, curatetest.Options{N: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := helperCmd(t, f.dir)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin = nil // /dev/null
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("without a terminal: %v (output %q), want exit 2", err, out)
	}
	if !strings.Contains(string(out), "--keep 1-20,25") || !strings.Contains(string(out), "--reject-refused") ||
		strings.Contains(string(out), "could not open a new TTY") {
		t.Errorf("output %q", out)
	}
}

func TestTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the view in tmux")
	}
	f := newFixture(t, curatetest.Options{N: 40, Sidecars: true, Status: func(id int) state.Status {
		if id == 5 {
			return state.Refused
		}
		return state.Generated
	}})
	out := filepath.Join(t.TempDir(), "summary.json")
	args := helperCmd(t, f.dir)
	s := tmux.Start(t, 100, 30, strings.Join(args, " ")+" > "+out)

	// The preview is decoded off the UI goroutine, so it appears after the
	// list: wait for its half-blocks too (tmux detection should pick blocks;
	// kitty or sixel sequences would never show "▀").
	s.WaitPane("genmint curate · tmux", "▸ 0001", "#0001", "prompt", "▀")
	s.Keys("j", "p", "s", "x") // keep 2, star 3, reject 3
	s.WaitPane("0002 ✓ kept", "0003 ✗ rejected  ★", "rejected item 3")
	s.Keys("f") // undecided only
	s.WaitPane("showing undecided: 37 items")
	s.Keys("P") // keep all shown
	s.WaitPane("kept 37 items")
	s.Keys("u") // undo the bulk keep
	s.WaitPane("undid the last decision")

	// Shrink to 40×12 and keep one more.
	s.Resize(40, 12)
	s.Keys("escape")
	s.WaitPane("filters cleared")
	s.Keys("G", "p")
	s.WaitPane("kept item 40")
	s.Keys("q")

	var sum curate.Summary
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(out)
		if json.Unmarshal(b, &sum) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no summary on stdout after q; pane:\n%s", s.Pane())
		}
	}
	if sum.Kept != 2 || sum.Rejected != 1 || sum.Starred != 1 || sum.Changed != 4 || sum.Total != 40 {
		t.Errorf("summary %+v, want kept 2, rejected 1, starred 1, changed 4", sum)
	}
	for id, want := range map[int]state.Status{2: state.Kept, 3: state.Rejected, 40: state.Kept, 1: state.Generated, 5: state.Refused} {
		if got := f.status(t, id); got != want {
			t.Errorf("item %d: %s, want %s", id, got, want)
		}
	}
	// The thumbnail cache persisted for the next session.
	if files, _ := filepath.Glob(filepath.Join(preview.DiskDir(f.dir), "*.png")); len(files) == 0 {
		t.Error("no thumbnails cached on disk")
	}
}
