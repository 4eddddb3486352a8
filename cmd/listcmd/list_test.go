package listcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/cmdutil/cmdutiltest"
	"github.com/genmint/genmint/internal/termtext"
)

// hostile has a prompt that would set the terminal's title, clear the
// screen and reverse the line, were it printed raw.
const hostile = `name: Hostile
symbol: HOST
count: 3
seed: 5
provider:
  name: procedural
  params: {width: 16, height: 16}
prompt: "\e]0;TITLE\a {{.c}} \e[2J\u202Edone"
traits:
  c: [red, green, a-much-longer-value]
`

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func setup(t *testing.T) (*cmdutil.Factory, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(hostile), 0o644); err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: io, Dir: dir, Getenv: func(string) string { return "" }, Now: time.Now}
	cmdutiltest.Generated(t, f)
	return f, dir
}

// TestListShowsControlCharactersEscaped: on a terminal, with colour, the
// table holds no escape sequence but genmint's own colours, its columns
// line up, and the prompt is shown with \x1b; in a pipe the same; JSON keeps
// the exact prompt.
func TestListShowsControlCharactersEscaped(t *testing.T) {
	f, _ := setup(t)
	for _, tty := range []bool{true, false} {
		io, _, out, _ := cmdutil.Test()
		io.SetTTY(false, tty, tty)
		io.SetColorEnabled(tty)
		if err := listRun(context.Background(), &ListOptions{IO: io, State: f.OpenState}); err != nil {
			t.Fatal(err)
		}
		plain := sgr.ReplaceAllString(out.String(), "")
		if strings.ContainsAny(plain, "\x1b\a\u202e") {
			t.Fatalf("tty %v: raw control characters in\n%q", tty, out.String())
		}
		if !strings.Contains(plain, `\x1b]0;TITLE\x07 red \x1b[2J\u202edone`) {
			t.Fatalf("tty %v: prompt not shown escaped:\n%s", tty, plain)
		}
		if tty {
			if !sgr.MatchString(out.String()) {
				t.Fatal("no colour on the terminal")
			}
			// Every row's prompt starts at the same column.
			lines := strings.Split(strings.TrimSuffix(plain, "\n"), "\n")
			col := strings.Index(lines[0], "PROMPT")
			for _, l := range lines[1:] {
				if i := strings.Index(l, `\x1b]0`); termtext.Width(l[:max(i, 0)]) != col {
					t.Fatalf("misaligned (prompt at %d, header at %d):\n%s", i, col, plain)
				}
			}
		}
	}
	io, _, out, _ := cmdutil.Test()
	if err := listRun(context.Background(), &ListOptions{IO: io, JSON: true, State: f.OpenState}); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Items []struct{ Prompt string } }
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Items) != 3 {
		t.Fatalf("json: %v %s", err, out)
	}
	for _, it := range doc.Items {
		if !strings.HasPrefix(it.Prompt, "\x1b]0;TITLE\a ") || !strings.HasSuffix(it.Prompt, " \x1b[2J\u202edone") {
			t.Fatalf("JSON changed the prompt: %q", it.Prompt)
		}
	}
}

// TestListTruncatesAfterEscaping: a narrow terminal cuts the prompt after
// it was made safe, so no cut leaves half an escape sequence.
func TestListTruncatesAfterEscaping(t *testing.T) {
	f, _ := setup(t)
	io, _, out, _ := cmdutil.Test()
	io.SetTTY(false, true, true)
	if err := listRun(context.Background(), &ListOptions{IO: io, State: f.OpenState}); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if strings.ContainsRune(l, 0x1b) || termtext.Width(l) > 80 {
			t.Fatalf("line %q: raw ESC or wider than the terminal", l)
		}
	}
}
