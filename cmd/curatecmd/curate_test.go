package curatecmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui"
	"github.com/genmint/genmint/tui/preview"
)

var bg = context.Background()

func TestParsing(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string
		want    func(*CurateOptions) bool
	}{
		{args: nil, want: func(o *CurateOptions) bool { return o.Flags.Empty() && o.Preview == preview.Auto }},
		{args: []string{"--keep", "1-3", "--keep", "7,2", "--reject", "4-5"}, want: func(o *CurateOptions) bool {
			return reflect.DeepEqual(o.Flags.Keep, []int{1, 2, 3, 7}) && reflect.DeepEqual(o.Flags.Reject, []int{4, 5})
		}},
		{args: []string{"--keep-all", "--reject-refused", "--keep-starred"}, want: func(o *CurateOptions) bool {
			return o.Flags.KeepAll && o.Flags.RejectRefused && o.Flags.KeepStarred && o.Flags.Keep == nil
		}},
		{args: []string{"--preview", "blocks"}, want: func(o *CurateOptions) bool { return o.Preview == preview.Blocks }},
		{args: []string{"--preview=none"}, want: func(o *CurateOptions) bool { return o.Preview == preview.None }},
		{args: []string{"--keep", "x"}, wantErr: `--keep: bad item ids in "x": "x" is not an item id`},
		{args: []string{"--reject", "5-2"}, wantErr: "--reject: bad item ids in \"5-2\": range 5-2 runs backwards: write 2-5"},
		{args: []string{"--keep", ""}, wantErr: "--keep: bad item ids: empty list"},
		{args: []string{"--preview", "png"}, wantErr: `--preview: unknown preview protocol "png": use one of auto, kitty, iterm, sixel, blocks, none`},
		{args: []string{"--preview", "sixel", "--keep-all"}, wantErr: "--preview is for the interactive view"},
	}
	for _, tc := range cases {
		io, _, _, _ := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: "coll", JSON: true}
		var got *CurateOptions
		cmd := NewCmdCurate(f, func(o *CurateOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Out)
		cmd.SetErr(io.ErrOut)
		err := cmd.Execute()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cmdutil.CodeOf(err) != cmdutil.ExitUsage {
				t.Errorf("%q: err = %v, want usage error %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got == nil || !tc.want(got) {
			t.Errorf("%q: err = %v, options = %+v", tc.args, err, got)
			continue
		}
		if got.Dir != "coll" || !got.JSON {
			t.Errorf("%q: global flags not taken: dir %q json %v", tc.args, got.Dir, got.JSON)
		}
	}
}

// collection is a curatetest collection of 8 items: 5 refused, 6 failed,
// 7 kept, 8 starred; the rest undecided.
func collection(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db := curatetest.New(t, dir, curatetest.Options{N: 8, Sidecars: true, Status: func(id int) state.Status {
		switch id {
		case 5:
			return state.Refused
		case 6:
			return state.Failed
		case 7:
			return state.Kept
		}
		return state.Generated
	}})
	s, err := curate.NewStore(bg, db, dir, curate.SourceTUI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Star(bg, 5, 8); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return dir
}

// options builds CurateOptions over dir with test streams. The TUI fails the
// test unless replaced.
func options(t testing.TB, dir string) (*CurateOptions, *cmdutil.IOStreams) {
	t.Helper()
	io, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Dir: dir, Getenv: func(string) string { return "" }, Now: cmdutil.Clock(func(string) string { return "" })}
	return &CurateOptions{
		IO: io, Dir: dir, Getenv: f.Getenv, State: f.OpenState, Lock: state.Lock, Spec: f.LoadSpec,
		Pipeline: f.Pipeline,
		TUI: func(context.Context, tui.RunOptions) (curate.Summary, error) {
			t.Error("the interactive view was started")
			return curate.Summary{}, nil
		},
	}, io
}

func outputs(io *cmdutil.IOStreams) (string, string) {
	return io.Out.(fmt.Stringer).String(), io.ErrOut.(fmt.Stringer).String()
}

func statuses(t *testing.T, dir string) map[int]state.Status {
	t.Helper()
	db, err := state.Open(bg, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.Items(bg, state.Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]state.Status{}
	for _, it := range items {
		out[it.ID] = it.Status
	}
	return out
}

func TestFlagsPrintTheSummary(t *testing.T) {
	dir := collection(t)
	o, io := options(t, dir)
	o.Flags = curate.Flags{Keep: []int{1, 2}, Reject: []int{3}, RejectRefused: true, KeepStarred: true}
	if err := curateRun(bg, o); err != nil {
		t.Fatal(err)
	}
	out, errOut := outputs(io)
	// 1, 2 kept, 3 and 5 rejected, 8 kept (starred); 5 was starred too but
	// rejected first: --keep-starred never overrides a decision.
	if want := "kept 4, rejected 2, undecided 1 of 8 items; 2 starred; 1 without an image (refused 0, failed 1, pending 0) (5 changed now).\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
	if errOut != "" {
		t.Errorf("stderr = %q", errOut)
	}
	want := map[int]state.Status{1: state.Kept, 2: state.Kept, 3: state.Rejected, 4: state.Generated, 5: state.Rejected,
		6: state.Failed, 7: state.Kept, 8: state.Kept}
	if got := statuses(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
}

func TestFlagsJSONAndSkipped(t *testing.T) {
	dir := collection(t)
	o, io := options(t, dir)
	o.JSON = true
	o.Flags = curate.Flags{KeepStarred: true, KeepAll: true}
	if err := curateRun(bg, o); err != nil {
		t.Fatal(err)
	}
	out, errOut := outputs(io)
	var sum curate.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	// Item 5 is starred but refused: skipped with its reason.
	if sum.Kept != 6 || sum.Changed != 5 || sum.Undecided != 0 || len(sum.Skipped) != 1 || sum.Skipped[0].ID != 5 ||
		sum.Skipped[0].Status != state.Refused || !strings.Contains(sum.Skipped[0].Reason, "refused") {
		t.Errorf("summary = %+v", sum)
	}
	if errOut != "" {
		t.Errorf("--json wrote to stderr: %q", errOut)
	}

	// In text, skipped items are listed on stderr.
	dir = collection(t)
	o, io = options(t, dir)
	o.Flags = curate.Flags{KeepStarred: true}
	if err := curateRun(bg, o); err != nil {
		t.Fatal(err)
	}
	if _, errOut := outputs(io); !strings.HasPrefix(errOut, "left item 5 as it is (refused): no image (the provider's content filter refused the prompt)") ||
		strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr = %q", errOut)
	}
}

// Bad decisions are usage errors (exit 2) that change nothing.
func TestFlagsExit2(t *testing.T) {
	for _, tc := range []struct {
		flags curate.Flags
		msg   string
	}{
		{curate.Flags{Keep: []int{1, 2}, Reject: []int{2}}, "item 2 named by both --keep and --reject: name each item once"},
		{curate.Flags{Keep: []int{1, 5}}, "cannot keep item 5: no image (the provider's content filter refused the prompt)"},
		{curate.Flags{KeepAll: true, Keep: []int{9}}, "cannot keep item 9: not in this collection (from --keep)"},
	} {
		dir := collection(t)
		o, io := options(t, dir)
		before := statuses(t, dir)
		o.Flags = tc.flags
		err := curateRun(bg, o)
		if cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: err = %v, want exit 2 with %q", tc.flags, err, tc.msg)
		}
		if out, _ := outputs(io); out != "" {
			t.Errorf("%+v: stdout = %q", tc.flags, out)
		}
		if after := statuses(t, dir); !reflect.DeepEqual(before, after) {
			t.Errorf("%+v: a refused run changed statuses: %v → %v", tc.flags, before, after)
		}
	}
}

// Without a terminal and without a decision flag: exit 2 at once, naming the
// flags, before touching the collection.
func TestNoTerminalNamesTheFlags(t *testing.T) {
	o, io := options(t, filepath.Join(t.TempDir(), "never-opened"))
	o.State = func(context.Context, bool) (*state.DB, error) {
		t.Error("opened the state database without a terminal")
		return nil, errors.New("no")
	}
	for _, tty := range [][3]bool{{false, false, false}, {true, true, false}, {false, true, true}} {
		io.SetTTY(tty[0], tty[1], tty[2])
		err := curateRun(bg, o)
		if cmdutil.CodeOf(err) != cmdutil.ExitUsage {
			t.Fatalf("tty %v: err = %v, want exit 2", tty, err)
		}
		for _, flag := range []string{"--keep 1-20,25", "--reject 21-24", "--keep-all", "--reject-refused", "--keep-starred"} {
			if !strings.Contains(err.Error(), flag) {
				t.Errorf("tty %v: %q does not name %s", tty, err, flag)
			}
		}
		if strings.Contains(err.Error(), "\n") || strings.HasPrefix(err.Error(), "genmint ") {
			t.Errorf("not one line for 'genmint: …': %q", err)
		}
	}
	// Under CI the message says why a terminal is not used.
	o.Getenv = func(k string) string { return map[string]string{"CI": "true"}[k] }
	if err := curateRun(bg, o); cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.HasPrefix(err.Error(), "CI is set: curate needs a terminal") {
		t.Errorf("under CI: %v", err)
	}
}

func TestNoCollection(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	o, _ := options(t, dir)
	o.Flags.KeepAll = true
	err := curateRun(bg, o)
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "run 'genmint init' first") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("curate created %s (the lock must come after the collection is found)", dir)
	}
}

func TestLockedCollection(t *testing.T) {
	dir := collection(t)
	unlock, err := state.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	o, _ := options(t, dir)
	o.Flags.KeepAll = true
	if err := curateRun(bg, o); err == nil || !strings.Contains(err.Error(), "is working on") {
		t.Errorf("err = %v, want the lock holder named", err)
	}
}

const procSpec = `name: Curate Cmd
symbol: CC
count: 8
seed: 5
provider:
  name: procedural
  params: {width: 64, height: 64}
prompt: "{{.a}} {{.b}}"
traits:
  a: [x, y, z]
  b: [p, q, r]
`

// On a terminal the view runs on stderr with the spec's name and a
// regenerator, and the summary it returns goes to stdout.
func TestInteractive(t *testing.T) {
	dir := collection(t)
	if err := os.WriteFile(filepath.Join(dir, spec.FileName), []byte(procSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	o, io := options(t, dir)
	io.SetTTY(true, true, true)
	o.Preview = preview.Blocks
	var got tui.RunOptions
	o.TUI = func(ctx context.Context, ro tui.RunOptions) (curate.Summary, error) {
		got = ro
		sum, err := curate.NewStore(ctx, ro.DB, ro.Dir, curate.SourceTUI)
		if err != nil {
			return curate.Summary{}, err
		}
		if _, err := sum.Keep(ctx, 1); err != nil {
			return curate.Summary{}, err
		}
		s, err := sum.Summary(ctx)
		s.Changed = 1
		return s, err
	}
	if err := curateRun(bg, o); err != nil {
		t.Fatal(err)
	}
	if got.Title != "Curate Cmd" || got.Dir != dir || got.Preview != preview.Blocks || got.Out != io.ErrOut || got.In != io.In ||
		got.Regenerator == nil || got.DB == nil {
		t.Errorf("view options = %+v", got)
	}
	out, _ := outputs(io)
	if want := "kept 2, rejected 0, undecided 4 of 8 items; 2 starred; 2 without an image (refused 1, failed 1, pending 0) (1 changed now).\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

// Ctrl-C: exit 130, the summary still printed, decisions kept.
func TestInteractiveInterrupted(t *testing.T) {
	dir := collection(t)
	o, io := options(t, dir)
	io.SetTTY(true, true, true)
	o.JSON = true
	o.TUI = func(ctx context.Context, ro tui.RunOptions) (curate.Summary, error) {
		// A broken genmint.yaml (here: none) names the folder instead.
		if ro.Title != filepath.Base(dir) {
			t.Errorf("title %q", ro.Title)
		}
		return curate.Summary{Total: 8, Kept: 1, Changed: 0, Skipped: []curate.Skip{}},
			fmt.Errorf("curate interrupted (every decision made is saved): %w", context.Canceled)
	}
	err := curateRun(bg, o)
	if cmdutil.CodeOf(err) != cmdutil.ExitInterrupted {
		t.Fatalf("err = %v, want exit 130", err)
	}
	out, errOut := outputs(io)
	var sum curate.Summary
	if json.Unmarshal([]byte(out), &sum) != nil || sum.Total != 8 {
		t.Errorf("stdout = %q", out)
	}
	if !strings.Contains(errOut, "interrupted: every decision made is saved") {
		t.Errorf("stderr = %q", errOut)
	}
}
