package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui/preview"
)

// ErrNoTerminal is returned by CheckTerminal when the interactive view
// cannot run; its message names the flags that work without a terminal.
var ErrNoTerminal = errors.New(curate.FlagsUsage())

// CheckTerminal reports whether the view can run on in (keys) and out (the
// screen, normally stderr). Call it before Run: without a terminal Bubble Tea
// would fail with "could not open a new TTY" or wait on a pipe.
func CheckTerminal(in, out *os.File) error {
	if in == nil || out == nil || !term.IsTerminal(int(in.Fd())) || !term.IsTerminal(int(out.Fd())) {
		return ErrNoTerminal
	}
	return nil
}

// RunOptions are what `genmint curate` passes to Run.
type RunOptions struct {
	// DB is the collection's open state database (the caller holds the
	// collection lock, state.Lock, for the session).
	DB *state.DB
	// Dir is the collection folder.
	Dir string
	// Title names the collection in the header (the spec's name).
	Title string
	// Preview is --preview: preview.Auto detects from the environment.
	Preview preview.Protocol
	// Getenv reads the environment for detection; nil uses os.Getenv.
	Getenv func(string) string
	// Regenerator makes new candidates; nil disables r and e.
	Regenerator Regenerator
	// In is the keyboard (os.Stdin); Out the screen (os.Stderr: stdout is
	// kept for the summary).
	In  io.Reader
	Out io.Writer
}

// Run opens the curation view and returns, when the user quits, the
// collection's summary with Changed set to the items this session changed.
// Every decision is already in the database by then.
//
// When ctx is cancelled (SIGINT or SIGTERM reaching the command), the view
// stops as if the user pressed ctrl+c: running regenerations are cancelled,
// queued decisions are written, and Run returns the summary with an error
// wrapping context.Canceled (exit code 130).
func Run(ctx context.Context, o RunOptions) (curate.Summary, error) {
	if o.In == nil {
		o.In = os.Stdin
	}
	if o.Out == nil {
		o.Out = os.Stderr
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	store, err := curate.NewStore(ctx, o.DB, o.Dir, curate.SourceTUI)
	if err != nil {
		return curate.Summary{}, err
	}
	entries, err := store.Entries(ctx)
	if err != nil {
		return curate.Summary{}, err
	}
	protocol := preview.Resolve(o.Preview, getenv)
	var cell preview.CellSize
	if f, ok := o.Out.(*os.File); ok {
		cell, _ = preview.CellSizeOf(f.Fd())
	}
	renderer, err := preview.NewRenderer(protocol, cell)
	if err != nil {
		return curate.Summary{}, err
	}
	var previewer Previewer
	if protocol != preview.None {
		previewer = &preview.Previewer{Cache: preview.NewCache(preview.DiskDir(o.Dir), 64), Renderer: renderer}
	}
	m := New(Options{
		Store: store, Entries: entries, Dir: o.Dir, Title: o.Title,
		Previewer: previewer, Protocol: protocol, PreviewDelay: 40 * time.Millisecond,
		Regenerator: o.Regenerator,
	})
	out := o.Out
	if protocol.Graphics() {
		m.gfx = newOverlay(o.Out)
		out = m.gfx
	}

	// The program gets its own context: cancelling ours asks the view to
	// finish its writes first instead of killing it mid-write.
	p := tea.NewProgram(m, tea.WithInput(o.In), tea.WithOutput(out), tea.WithoutSignalHandler())
	stop := make(chan struct{})
	var interrupted atomic.Bool
	go func() {
		select {
		case <-ctx.Done():
			interrupted.Store(true)
			p.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
		case <-stop:
		}
	}()
	_, runErr := p.Run()
	close(stop)

	sum, err := store.Summary(context.WithoutCancel(ctx))
	if err != nil {
		return sum, err
	}
	sum.Changed = m.Changes()
	if runErr != nil {
		return sum, fmt.Errorf("curate: %w", runErr)
	}
	if interrupted.Load() || ctx.Err() != nil {
		return sum, fmt.Errorf("curate interrupted (every decision made is saved): %w", context.Canceled)
	}
	return sum, nil
}
