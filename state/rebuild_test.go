package state

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// finished plans items and gives each a final image with the given hash.
func finished(t *testing.T, db *DB, finals map[int]string) {
	t.Helper()
	ctx := context.Background()
	for id, sha := range finals {
		if err := db.Plan(ctx, []Planned{planned(id, "h")}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveOriginal(ctx, id, "h", File{Path: "o", SHA256: "o" + sha}, json.RawMessage(`{}`), nil); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveFinal(ctx, id, Finished{Final: File{Path: "f.png", SHA256: sha}, PostHash: "p"}); err != nil {
			t.Fatal(err)
		}
	}
}

// The tables of other components, as they define them (state cannot import
// mint or curate); CarryOver copies them whatever their columns.
var (
	mintSteps = []Migration{`CREATE TABLE mint_txs(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, nonce INTEGER NOT NULL) STRICT;
		CREATE INDEX mint_txs_nonce ON mint_txs(nonce);
		CREATE TABLE mint_tokens(item_id INTEGER PRIMARY KEY, token_id INTEGER NOT NULL) STRICT;`}
	curateSteps = []Migration{`CREATE TABLE curate_log(id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id), to_status TEXT NOT NULL) STRICT;`}
)

func TestCarryOverKeepsJournalsAndDecisions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := open(t, dir)
	finished(t, old, map[int]string{1: "a", 2: "b", 3: "c", 4: "d", 5: "e"})
	set := func(db *DB, id int, st Status) {
		if _, err := db.SetStatus(ctx, []int{id}, st, Generated, Kept, Pinned); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Plan(ctx, []Planned{planned(9, "h")}); err != nil { // not planned any more when rebuilt
		t.Fatal(err)
	}
	set(old, 1, Kept)
	set(old, 2, Rejected)
	set(old, 3, Minted)
	set(old, 4, Pinned)
	set(old, 5, Kept)
	if err := old.Migrate(ctx, "mint", mintSteps); err != nil {
		t.Fatal(err)
	}
	if err := old.Migrate(ctx, "curate", curateSteps); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO mint_txs(id, hash, nonce) VALUES(1, '0xdeploy', 0), (2, '0xmint', 1)`,
		`INSERT INTO mint_tokens(item_id, token_id) VALUES(3, 3)`,
		`INSERT INTO curate_log(item_id, to_status) VALUES(1, 'kept'), (2, 'rejected'), (9, 'kept')`,
		`INSERT INTO requests(item_id, provider, paid, cost_usd, outcome, started_at) VALUES(1, 'openai', 1, 0.011, 'succeeded', 'x'), (2, 'openai', 1, 0.011, 'succeeded', 'x')`,
	} {
		if _, err := old.SQL().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	moved, err := MoveAside(dir, time.Unix(1795000000, 0))
	if err != nil || moved != Path(dir)+".damaged-1795000000" {
		t.Fatalf("moved to %q: %v", moved, err)
	}
	if _, err := os.Stat(Path(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the database is still in place: %v", err)
	}

	// The rebuilt database: item 5's final image is another file now.
	db := open(t, dir)
	finished(t, db, map[int]string{1: "a", 2: "b", 3: "c", 4: "d", 5: "changed"})
	rep, err := db.CarryOver(ctx, moved)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) != 0 {
		t.Fatalf("failed: %v", rep.Failed)
	}
	want := map[string]int{"requests": 2, "mint_txs": 2, "mint_tokens": 1, "curate_log": 3}
	if !reflect.DeepEqual(rep.Rows, want) {
		t.Errorf("rows carried %v, want %v", rep.Rows, want)
	}
	for id, st := range map[int]Status{1: Kept, 2: Rejected, 3: Minted, 4: Kept, 5: Generated} {
		if it, _ := db.Item(ctx, id); it.Status != st {
			t.Errorf("item %d is %s, want %s", id, it.Status, st)
		}
	}
	if v, _ := db.SchemaVersion(ctx, "mint"); v != 1 {
		t.Errorf("mint schema version %d, want 1", v)
	}
	// The carried tables are the mint component's: migrating them again is a no-op,
	// and the index came along.
	if err := db.Migrate(ctx, "mint", mintSteps); err != nil {
		t.Fatal(err)
	}
	var idx int
	db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'mint_txs_nonce'`).Scan(&idx)
	if idx != 1 {
		t.Error("the mint_txs index was not carried over")
	}
	spent, err := db.Spent(ctx)
	if err != nil || spent < 0.0219 || spent > 0.0221 {
		t.Errorf("spent %v after carry-over (%v), want the old journal's $0.022", spent, err)
	}
	// Foreign keys are back on afterwards.
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO requests(item_id, provider, started_at) VALUES(99, 'x', 'x')`); err == nil {
		t.Error("foreign keys are off after CarryOver")
	}
}

func TestCarryOverFromGarbageReportsAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte(strings.Repeat("not a database ", 300)), 0o644)
	rep, err := db.CarryOver(context.Background(), junk)
	if err != nil || len(rep.Failed) == 0 || len(rep.Rows) != 0 {
		t.Fatalf("carry over from garbage: %+v, %v", rep, err)
	}
}

func TestStateDBFolderIsNamed(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(Path(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), dir, Options{Create: true})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "is a folder, not a database file: run 'genmint repair'") ||
		strings.Contains(err.Error(), "read-only") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	moved, err := MoveAside(dir, time.Unix(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(moved); err != nil || !fi.IsDir() {
		t.Fatalf("the folder was not moved aside: %v", err)
	}
	if _, err := Open(context.Background(), dir, Options{Create: true}); err != nil {
		t.Fatalf("open after moving the folder aside: %v", err)
	}
}
