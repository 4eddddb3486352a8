package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/root"
	"github.com/genmint/genmint/internal/testenv"
	"github.com/genmint/genmint/mint"
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

// TestLostItemFolder deletes item folders: a generated item's is reported
// pending by `generate --dry-run` and made again by `generate`, byte for
// byte; a pinned item's is refused by `generate` (exit 3, naming the fix)
// and restored by `repair --car` from the pin, checked against the state.
func TestLostItemFolder(t *testing.T) {
	dir := t.TempDir()
	spec := `name: Gone
symbol: GONE
count: 3
seed: 21
provider:
  name: procedural
  params: {width: 96, height: 96}
prompt: "{{.palette}} rings"
traits:
  palette: [ocean, ember, forest]
`
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	run := func(args ...string) (cmdutil.ExitCode, string, string) {
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test", Getenv: func(string) string { return "" }, Now: func() time.Time { return clock }}
		code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...))
		return code, out.String(), errOut.String()
	}
	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	mustRun("generate")
	files := readTree(t, dir)

	// A generated item's folder: pending again, made again.
	if err := os.RemoveAll(filepath.Join(dir, "items/0002")); err != nil {
		t.Fatal(err)
	}
	if out := mustRun("generate", "--dry-run"); !strings.Contains(out, "Dry run: 1 of 3 items need 1 free request") || !strings.Contains(out, "Items 2 lost their files") {
		t.Errorf("dry run: %q", out)
	}
	if out := mustRun("generate"); !strings.HasPrefix(out, "1 generated, 2 already done") {
		t.Errorf("generate: %q", out)
	}
	if n := requestsPerItem(t, dir); n[2] != 2 || n[1] != 1 || n[3] != 1 {
		t.Errorf("requests per item %v: want item 2 asked once more", n)
	}
	again := readTree(t, dir)
	if !bytes.Equal(again["0002/original.png"], files["0002/original.png"]) || len(again["0002/original.png"]) == 0 {
		t.Errorf("item 2's original is not the one made before")
	}

	// --force replaces item 1 only after keeping its candidate as a variant.
	mustRun("generate", "--only", "1", "--force")
	for _, name := range []string{"original.png", "final.png", "provenance.json"} {
		if b, err := os.ReadFile(filepath.Join(dir, "items/0001/variants/1", name)); err != nil || !bytes.Equal(b, files["0001/"+name]) {
			t.Errorf("--force did not keep item 1's %s as variant 1: %v", name, err)
		}
	}

	// A pinned item's folder: generate refuses to remake it, repair restores it.
	mustRun("keep", "--all")
	car := filepath.Join(dir, "c.car")
	mustRun("pin", "--car", car)
	pinned := readTree(t, dir)
	if err := os.RemoveAll(filepath.Join(dir, "items/0003")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run("generate")
	if code != cmdutil.ExitPartial || !strings.Contains(out, "item 0003: items/0003 is gone but the item is pinned: restore it from the pin with 'genmint repair --car FILE'") {
		t.Fatalf("generate with a pinned item's folder gone: exit %d %q", code, out)
	}
	if out := mustRun("repair"); !strings.Contains(out, "item 0003 (pinned) lost its files: not restored: give --car FILE") {
		t.Errorf("repair without a source: %q", out)
	}
	if out := mustRun("repair", "--car", car); !strings.Contains(out, "item 0003 (pinned) lost its files: restored from the pin.") {
		t.Errorf("repair --car: %q", out)
	}
	restored := readTree(t, dir)
	for name, b := range pinned {
		if !bytes.Equal(restored[name], b) {
			t.Errorf("items/%s is not the pinned file after the restore", name)
		}
	}
	if out := mustRun("generate"); !strings.HasPrefix(out, "0 generated, 3 already done") {
		t.Errorf("generate after the restore: %q", out)
	}
	if n := requestsPerItem(t, dir); n[3] != 1 {
		t.Errorf("item 3 was asked for again: %v", n)
	}
}

// TestLostStateKubo is the lost database against a real Kubo node: after
// `generate` (no request), `repair --ipfs-api` rebuilds the pin record from
// the node's pins, and `keep --all` + `pin` find every root already there:
// the node holds exactly the pins it held before.
func TestLostStateKubo(t *testing.T) {
	kubo := testenv.StartKubo(t)
	dir := t.TempDir()
	spec := `name: Lost Kubo
symbol: LOSTK
count: 3
seed: 13
provider:
  name: procedural
  params: {width: 96, height: 96}
prompt: "{{.palette}} tiles"
traits:
  palette: [ocean, ember, forest]
`
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }, Now: cmdutil.Clock(func(string) string { return "" })}
		if code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...)); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out.String()
	}
	run("generate", "--keep-all")
	first := run("pin", "--ipfs-api", kubo.APIAddr, "--json")
	pinSet := func() string {
		lines := strings.Fields(kubo.IPFS(t, "pin", "ls", "--type=recursive", "--quiet"))
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	pins := pinSet()
	files := readTree(t, dir)
	asked := requestsPerItem(t, dir)

	if err := os.Remove(state.Path(dir)); err != nil {
		t.Fatal(err)
	}
	os.Remove(state.Path(dir) + "-wal")
	os.Remove(state.Path(dir) + "-shm")
	if out := run("generate"); !strings.HasPrefix(out, "0 generated, 3 already done") {
		t.Errorf("generate: %q", out)
	}
	if out := run("repair", "--ipfs-api", kubo.APIAddr); !strings.Contains(out, "Pin records rebuilt: the recomputed roots of 3 items are pinned") {
		t.Errorf("repair: %q", out)
	}
	run("keep", "--all")
	var a, b struct {
		BaseURI      string `json:"base_uri"`
		Destinations []struct {
			Pinned []string `json:"pinned"`
		} `json:"destinations"`
	}
	json.Unmarshal([]byte(first), &a)
	json.Unmarshal([]byte(run("pin", "--ipfs-api", kubo.APIAddr, "--json")), &b)
	if a.BaseURI == "" || a.BaseURI != b.BaseURI {
		t.Errorf("baseURI %q, then %q", a.BaseURI, b.BaseURI)
	}
	for _, d := range b.Destinations {
		if len(d.Pinned) != 0 {
			t.Errorf("pinned again: %v", d.Pinned)
		}
	}
	if now := pinSet(); now != pins {
		t.Errorf("the node's pins changed:\n%s\nnow\n%s", pins, now)
	}
	after := readTree(t, dir)
	for name, b := range files {
		if !bytes.Equal(after[name], b) {
			t.Errorf("items/%s changed", name)
		}
	}
	// The request journal was lost with the database; no new request was made.
	if n := requestsPerItem(t, dir); len(n) != 0 {
		t.Errorf("requests after the loss: %v (before: %v)", n, asked)
	}
}

// TestRepairForceCarriesJournals rebuilds a database that still opens:
// the request journal, the mint journal and the decisions come over, the
// pin record is kept because the files give its roots again, and nothing
// is paid for or pinned again.
func TestRepairForceCarriesJournals(t *testing.T) {
	api := &openAIImages{calls: map[string]int{}, limited: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	dir := t.TempDir()
	specText := fmt.Sprintf(`name: Carry
symbol: CARRY
count: 3
seed: 6
provider:
  name: openai
  base_url: %s/v1
  model: gpt-image-1
  params: {size: 1024x1024, quality: low}
prompt: "{{.subject}} at dawn"
traits:
  subject: [calm, sunny, misty]
`, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "genmint.yaml"), []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		io, _, out, errOut := cmdutil.Test()
		f := &cmdutil.Factory{IO: io, Dir: dir, Version: "test",
			Getenv: func(k string) string { return map[string]string{"OPENAI_API_KEY": canaryKey}[k] },
			Now:    func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }}
		if code := root.Run(context.Background(), f, append([]string{"-C", dir}, args...)); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out.String()
	}
	run("generate", "--keep-all")
	car := filepath.Join(dir, "c.car")
	run("pin", "--car", car)

	// Item 1 minted, as the mint journal records it.
	ctx := context.Background()
	db, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := mint.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO mint_tokens(item_id, token_id, chain_id, contract, owner, tx_hash, block, minted_at)
		VALUES(1, 1, 31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3', '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '0xabc', 2, 'x')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetStatus(ctx, []int{1}, state.Minted, state.Pinned); err != nil {
		t.Fatal(err)
	}
	spent, _ := db.Spent(ctx)
	db.Close()
	calls := len(api.calls)

	out := run("repair", "--force")
	for _, want := range []string{"Moved the old database to ", "requests 3", "mint_tokens 1",
		"Pin records checked: the recomputed roots of 3 items match the recorded run"} {
		if !strings.Contains(out, want) {
			t.Errorf("repair --force said %q, want %q in it", out, want)
		}
	}
	db, err = state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	items, _ := db.Items(ctx, state.Query{})
	now, _ := db.Spent(ctx)
	var tokens int
	db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM mint_tokens`).Scan(&tokens)
	db.Close()
	want := map[int]state.Status{1: state.Minted, 2: state.Pinned, 3: state.Pinned}
	for _, it := range items {
		if it.Status != want[it.ID] {
			t.Errorf("item %d is %s, want %s", it.ID, it.Status, want[it.ID])
		}
	}
	if now != spent || spent == 0 || tokens != 1 {
		t.Errorf("after repair --force: spent $%v (was $%v), %d minted tokens recorded", now, spent, tokens)
	}
	var res struct {
		Destinations []struct {
			Pinned []string `json:"pinned"`
		} `json:"destinations"`
	}
	json.Unmarshal([]byte(run("pin", "--car", car, "--json")), &res)
	for _, d := range res.Destinations {
		if len(d.Pinned) != 0 {
			t.Errorf("pinned again: %v", d.Pinned)
		}
	}
	if len(api.calls) != calls {
		t.Errorf("the provider was asked again")
	}
}
