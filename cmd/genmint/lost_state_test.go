package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
	"github.com/genmint/genmint/state"
)

// TestLostStateNeverPaysTwice loses the state database three ways (deleted,
// emptied to 0 bytes, overwritten with garbage) after a paid generate, keep
// and pin, and proves that the next `generate` sends no paid request and
// changes no byte under items/, and that `repair`, `keep --all` and `pin`
// then find the same root CIDs with nothing new to pin.
func TestLostStateNeverPaysTwice(t *testing.T) {
	for _, damage := range []string{"lost", "empty", "garbage"} {
		t.Run(damage, func(t *testing.T) {
			api := &openAIImages{calls: map[string]int{}, limited: map[string]bool{}}
			srv := httptest.NewServer(api)
			defer srv.Close()
			dir := t.TempDir()
			specText := fmt.Sprintf(`name: Lost
symbol: LOST
count: 3
seed: 5
provider:
  name: openai
  base_url: %s/v1
  model: gpt-image-1
  params: {size: 1024x1024, quality: low}
prompt: "{{.subject}} over the bay"
traits:
  subject: [calm, sunny, misty]
postprocess:
  - border: {width: 2, color: "#101010"}
`, srv.URL)
			if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(specText), 0o644); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"OPENAI_API_KEY": canaryKey}
			clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
			run := func(args ...string) (cmdutil.ExitCode, string, string) {
				io, _, out, errOut := cmdutil.Test()
				f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test",
					Getenv: func(k string) string { return env[k] },
					Now:    func() time.Time { return clock }}
				code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...))
				return code, out.String(), errOut.String()
			}
			calls := func() int {
				api.mu.Lock()
				defer api.mu.Unlock()
				n := 0
				for _, c := range api.calls {
					n += c
				}
				return n
			}
			car := filepath.Join(dir, "collection.car")
			type pinResult struct {
				Roots        map[string]string `json:"roots"`
				BaseURI      string            `json:"base_uri"`
				Destinations []struct {
					Pinned  []string `json:"pinned"`
					Already []string `json:"already"`
				} `json:"destinations"`
			}
			pin := func() pinResult {
				t.Helper()
				code, out, errOut := run("pin", "--car", car, "--json")
				if code != 0 {
					t.Fatalf("pin: exit %d %s", code, errOut)
				}
				var res pinResult
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatalf("pin --json: %v\n%s", err, out)
				}
				return res
			}

			if code, out, errOut := run("generate", "--keep-all"); code != 0 {
				t.Fatalf("generate: exit %d %s %s", code, out, errOut)
			}
			first := pin()
			paid := calls()
			if paid != 3 {
				t.Fatalf("the first generate made %d requests, want 3", paid)
			}
			files := readTree(t, dir)
			carBytes, err := os.ReadFile(car)
			if err != nil {
				t.Fatal(err)
			}

			db := state.Path(dir)
			for _, suffix := range []string{"-wal", "-shm"} {
				os.Remove(db + suffix)
			}
			switch damage {
			case "lost":
				err = os.Remove(db)
			case "empty":
				err = os.WriteFile(db, nil, 0o644)
			case "garbage":
				err = os.WriteFile(db, bytes.Repeat([]byte("not a database, overwritten by accident\n"), 200), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}

			// generate: no paid request, every file as it was.
			code, out, errOut := run("generate")
			if code != 0 || calls() != paid {
				t.Fatalf("generate after a %s database: exit %d, %d more paid requests\n%s%s", damage, code, calls()-paid, out, errOut)
			}
			rebuilt := out
			if damage == "garbage" {
				rebuilt = errOut // rebuilt before the run, with the line saying where the old one went
			}
			if !strings.Contains(out, "0 generated, 3 already done") || !strings.Contains(rebuilt, "3 items") {
				t.Errorf("generate after a %s database said %q", damage, out)
			}
			if damage == "garbage" {
				moved := db + ".damaged-" + fmt.Sprint(clock.Unix())
				if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "moved it to "+moved) {
					t.Errorf("garbage database: stderr %q", errOut)
				}
				if _, err := os.Stat(moved); err != nil {
					t.Errorf("the damaged database was not kept: %v", err)
				}
			}
			after := readTree(t, dir)
			if len(after) != len(files) {
				t.Errorf("items/ held %d files, now %d", len(files), len(after))
			}
			for name, b := range files {
				if !bytes.Equal(after[name], b) {
					t.Errorf("items/%s changed", name)
				}
			}

			// repair (checking the CAR), keep --all, pin: the same CIDs, nothing new.
			if code, out, errOut := run("repair", "--car", car); code != 0 {
				t.Fatalf("repair: exit %d %s %s", code, out, errOut)
			} else if !strings.Contains(out, "Pin records rebuilt") {
				t.Errorf("repair did not rebuild the pin record: %q", out)
			}
			if code, out, errOut := run("keep", "--all"); code != 0 {
				t.Fatalf("keep --all: exit %d %s %s", code, out, errOut)
			}
			again := pin()
			if again.BaseURI != first.BaseURI || fmt.Sprint(again.Roots) != fmt.Sprint(first.Roots) {
				t.Errorf("roots changed: %v → %v", first.Roots, again.Roots)
			}
			for _, d := range again.Destinations {
				if len(d.Pinned) != 0 {
					t.Errorf("pin pinned %v again", d.Pinned)
				}
			}
			if b, _ := os.ReadFile(car); !bytes.Equal(b, carBytes) {
				t.Errorf("the CAR file was rewritten")
			}
			if calls() != paid {
				t.Errorf("%d paid requests after the damage", calls()-paid)
			}
		})
	}
}
