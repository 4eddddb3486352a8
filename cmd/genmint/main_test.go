package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/genmint/genmint/cmd/root"
	"github.com/genmint/genmint/internal/golden"
)

// runMainEnv makes this test binary run the real Main instead of the tests,
// so Go tests can start genmint as a process (and kill it).
const runMainEnv = "GENMINT_TEST_RUN_MAIN"

// TestMain lets the scripts run the real Main as the `genmint` command.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(int(root.Main()))
	}
	testscript.Main(m, map[string]func(){
		"genmint": func() { os.Exit(int(root.Main())) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: each is a
// txtar file of commands against the real binary and files they expect.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: golden.Update(), // -update rewrites the scripts' expected output files
		Setup: func(env *testscript.Env) error {
			env.Setenv("NO_COLOR", "1")
			env.Setenv("CI", "")
			env.Setenv("SOURCE_DATE_EPOCH", "1795000000")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// cmpexcept PATTERN A B: compare two files (or stdout) ignoring
			// lines that match PATTERN.
			"cmpexcept": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 3 {
					ts.Fatalf("usage: cmpexcept PATTERN A B")
				}
				re, err := regexp.Compile(args[0])
				ts.Check(err)
				read := func(name string) string {
					if name == "stdout" {
						return ts.ReadFile("stdout")
					}
					return ts.ReadFile(name)
				}
				keep := func(text string) string {
					var out []string
					for _, l := range strings.Split(text, "\n") {
						if !re.MatchString(l) {
							out = append(out, l)
						}
					}
					return strings.Join(out, "\n")
				}
				if a, b := keep(read(args[1])), keep(read(args[2])); a != b {
					ts.Fatalf("%s and %s differ outside lines matching %q:\n%s\n----\n%s", args[1], args[2], args[0], a, b)
				}
			},
			// pngchunks FILE: print the PNG's chunks (type, text keyword, length).
			"pngchunks": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: pngchunks FILE")
				}
				layout, err := pngLayout(ts.MkAbs(args[0]))
				ts.Check(err)
				ts.Stdout().Write([]byte(layout))
			},
			// exits N cmd args…: run cmd and require exit status N.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits N command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: bad status %q", args[0])
				}
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	})
}

// pngLayout lists a PNG's chunks: type, the keyword of text chunks, length.
func pngLayout(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if len(b) < 8 || !bytes.Equal(b[:8], []byte("\x89PNG\r\n\x1a\n")) {
		return "", fmt.Errorf("%s is not a PNG", path)
	}
	var out bytes.Buffer
	for i := 8; i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if i+12+n > len(b) {
			return "", fmt.Errorf("%s: truncated %s chunk", path, typ)
		}
		data := b[i+8 : i+8+n]
		switch typ {
		case "tEXt", "iTXt", "zTXt":
			kw, _, _ := bytes.Cut(data, []byte{0})
			fmt.Fprintf(&out, "%s %s %d\n", typ, kw, n)
		default:
			fmt.Fprintf(&out, "%s %d\n", typ, n)
		}
		i += 12 + n
	}
	return out.String(), nil
}
