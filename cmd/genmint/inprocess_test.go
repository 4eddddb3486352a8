package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
)

// inProcess is a collection folder driven by the real root command run in
// this process, with the fixed clock of cmdutil.Clock: env is the commands'
// environment (a test changes it between runs), and all collects every
// stdout and stderr, for the checks that no secret was printed.
type inProcess struct {
	dir string
	env map[string]string
	all bytes.Buffer
}

// generatedInProcess writes spec as genmint.yaml in a fresh folder and runs
// `generate --keep-all` there, failing the test unless it exits 0.
func generatedInProcess(t *testing.T, spec string, env map[string]string) *inProcess {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	p := &inProcess{dir: t.TempDir(), env: env}
	if err := os.WriteFile(filepath.Join(p.dir, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := p.run("generate", "--keep-all"); code != 0 {
		t.Fatalf("generate: %d %s %s", code, out, errOut)
	}
	return p
}

// run runs genmint with args in the folder: its exit code, stdout, stderr.
func (p *inProcess) run(args ...string) (cmdutil.ExitCode, string, string) {
	io, _, out, errOut := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Getenv: func(k string) string { return p.env[k] }, Now: cmdutil.Clock(func(string) string { return "" })}
	code := root.Run(context.Background(), f, append([]string{"-C", p.dir}, args...))
	p.all.WriteString(out.String() + errOut.String())
	return code, out.String(), errOut.String()
}
