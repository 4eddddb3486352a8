package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
	"github.com/genmint/genmint/state"
)

const twoItems = `name: Two
symbol: TWO
count: 2
seed: 3
provider:
  name: procedural
  params: {width: 16, height: 16}
prompt: "{{.c}} rings"
traits:
  c: [red, blue]
`

// TestRunTimeErrorsAreOneLine: a collection locked by another genmint, or
// an item that does not exist, is reported in one line, never with a
// command's usage text, and with the documented exit code.
func TestRunTimeErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(twoItems), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (cmdutil.ExitCode, string, string) {
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test", Getenv: func(string) string { return "" }, Now: time.Now}
		code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...))
		return code, out.String(), errOut.String()
	}
	if code, _, errOut := run("generate"); code != 0 {
		t.Fatalf("generate: %d %s", code, errOut)
	}
	oneLine := func(what string, code, want cmdutil.ExitCode, errOut, says string) {
		t.Helper()
		if code != want || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "Usage:") || !strings.Contains(errOut, says) {
			t.Errorf("%s: exit %d (want %d), stderr:\n%s", what, code, want, errOut)
		}
	}

	unlock, err := state.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"keep", "1"}, {"keep", "--all"}, {"curate", "--keep", "1"}, {"generate"}, {"repair"}} {
		code, _, errOut := run(args...)
		oneLine(strings.Join(args, " ")+" while locked", code, cmdutil.ExitFailure, errOut, "is working on")
	}
	unlock()

	code, _, errOut := run("keep", "99")
	oneLine("keep 99", code, cmdutil.ExitUsage, errOut, "99")
	code, _, errOut = run("show", "99")
	oneLine("show 99", code, cmdutil.ExitUsage, errOut, "no item 99")
}
