package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/genmint/genmint/spec/trait"
)

func open(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dir, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func planned(id int, hash string) Planned {
	return Planned{ID: id, Seed: uint32(id * 10), Prompt: "p" + hash, Traits: []trait.Trait{{Type: "a", Value: "x"}}, GenHash: hash}
}

func TestOpenRefusesMissingUnlessCreate(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir(), Options{})
	if !errors.Is(err, ErrNoCollection) {
		t.Fatalf("err = %v", err)
	}
}

func TestPlanKeepsFinishedWorkAndReplansTheRest(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	if err := db.Plan(ctx, []Planned{planned(1, "h1"), planned(2, "h1"), planned(3, "h1")}); err != nil {
		t.Fatal(err)
	}
	// Item 1 finishes, item 2 is refused, item 3 has its original stored.
	if err := db.SaveOriginal(ctx, 1, "h1", File{Path: "o1", SHA256: "s1", MediaType: "image/png"}, json.RawMessage(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFinal(ctx, 1, Finished{Final: File{Path: "f1.png", SHA256: "fs1"}, PostHash: "p"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(ctx, 2, Refused, "nope"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveOriginal(ctx, 3, "h1", File{Path: "o3", SHA256: "s3"}, json.RawMessage(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	// The same plan again changes nothing.
	if err := db.Plan(ctx, []Planned{planned(1, "h1"), planned(2, "h1"), planned(3, "h1")}); err != nil {
		t.Fatal(err)
	}
	it2, _ := db.Item(ctx, 2)
	it3, _ := db.Item(ctx, 3)
	if it2.Status != Refused || !it3.HasOriginal() {
		t.Fatalf("an unchanged plan changed items: %+v %+v", it2, it3)
	}
	// A new plan: the generated item keeps its inputs, the others take the new ones.
	if err := db.Plan(ctx, []Planned{planned(1, "h2"), planned(2, "h2"), planned(3, "h2"), planned(4, "h2")}); err != nil {
		t.Fatal(err)
	}
	items, _ := db.Items(ctx, Query{})
	if len(items) != 4 {
		t.Fatalf("%d items", len(items))
	}
	if items[0].GenHash != "h1" || items[0].Status != Generated || items[0].Prompt != "ph1" {
		t.Errorf("generated item was replanned: %+v", items[0])
	}
	if items[1].GenHash != "h2" || items[1].Status != Pending || items[1].Error != "" {
		t.Errorf("refused item with a new prompt is not pending: %+v", items[1])
	}
	if items[2].HasOriginal() {
		t.Errorf("an original for old inputs survived a replan: %+v", items[2])
	}
	// SaveOriginal for stale inputs is refused.
	if err := db.SaveOriginal(ctx, 3, "h1", File{Path: "o3"}, nil, nil); err == nil {
		t.Error("saved an original for outdated inputs")
	}
	counts, _ := db.Counts(ctx)
	if counts[Generated] != 1 || counts[Pending] != 3 {
		t.Errorf("counts = %v", counts)
	}
}

func TestSetStatusOnlyFromAllowedStatuses(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	db.Plan(ctx, []Planned{planned(1, "h"), planned(2, "h")})
	db.SaveOriginal(ctx, 1, "h", File{Path: "o", SHA256: "s"}, nil, nil)
	db.SaveFinal(ctx, 1, Finished{Final: File{Path: "f.png"}})
	n, err := db.SetStatus(ctx, []int{1, 2}, Kept, Generated)
	if err != nil || n != 1 {
		t.Fatalf("kept %d, %v", n, err)
	}
	it2, _ := db.Item(ctx, 2)
	if it2.Status != Pending {
		t.Errorf("a pending item was kept")
	}
	if err := db.Reset(ctx, planned(1, "h2")); err == nil {
		t.Errorf("a kept item was reset")
	}
}

// Restore undoes an Override whose regeneration did not finish, field for
// field, and never touches an item that moved on.
func TestRestoreAfterAnUnfinishedOverride(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	db.Plan(ctx, []Planned{planned(1, "h"), planned(2, "h")})
	db.SaveOriginal(ctx, 1, "h", File{Path: "items/0001/original.png", SHA256: "o1", MediaType: "image/png"}, json.RawMessage(`{"seed":1}`), nil)
	db.SaveFinal(ctx, 1, Finished{Final: File{Path: "items/0001/final.png", SHA256: "f1"}, ProvenancePath: "items/0001/provenance.json", RecordSHA256: "r1", PostHash: "p1"})
	db.SetStatus(ctx, []int{1}, Rejected, Generated)
	before, err := db.Item(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Override(ctx, 1, 99, "new prompt", "h99"); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(ctx, 1, Refused, "content filter"); err != nil {
		t.Fatal(err)
	}
	if err := db.Restore(ctx, before); err != nil {
		t.Fatal(err)
	}
	after, _ := db.Item(ctx, 1)
	before.UpdatedAt, after.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("restored item differs:\nbefore %+v\nafter  %+v", before, after)
	}
	// A finished item (here: still rejected, never overridden) is left alone.
	if err := db.Restore(ctx, before); err == nil {
		t.Error("Restore overwrote an item that was not left unfinished")
	}
}

func TestRequestJournal(t *testing.T) {
	ctx := context.Background()
	db := open(t, t.TempDir())
	db.Plan(ctx, []Planned{planned(1, "h")})
	a, _ := db.StartRequest(ctx, 1, "openai", "gpt-image-1", true, 0.04)
	b, _ := db.StartRequest(ctx, 1, "openai", "gpt-image-1", true, 0.04) // crashed: never finished
	if err := db.FinishRequest(ctx, a, RequestSucceeded, "req_1", "", 0.05); err != nil {
		t.Fatal(err)
	}
	reqs, _ := db.Requests(ctx, 1)
	if len(reqs) != 2 || reqs[0].Outcome != RequestSucceeded || reqs[0].ServiceID != "req_1" || reqs[1].ID != b || reqs[1].Outcome != RequestStarted {
		t.Fatalf("journal = %+v", reqs)
	}
	spent, _ := db.Spent(ctx)
	if spent < 0.0899 || spent > 0.0901 {
		t.Errorf("spent = %v, want 0.09 (the unfinished request counts)", spent)
	}
}

// TestMigratesAnOlderCollection writes a database the way an older genmint
// did (fewer migration steps) and opens it with the current one.
func TestMigratesAnOlderCollection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := open(t, dir)
	older := []Migration{`CREATE TABLE widgets(id INTEGER PRIMARY KEY, name TEXT NOT NULL)`}
	if err := db.Migrate(ctx, "widgets", older); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO widgets(name) VALUES('kept')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db2 := open(t, dir)
	newer := append(older, `ALTER TABLE widgets ADD COLUMN colour TEXT NOT NULL DEFAULT 'blue'`)
	if err := db2.Migrate(ctx, "widgets", newer); err != nil {
		t.Fatal(err)
	}
	var name, colour string
	if err := db2.SQL().QueryRowContext(ctx, `SELECT name, colour FROM widgets`).Scan(&name, &colour); err != nil {
		t.Fatal(err)
	}
	if name != "kept" || colour != "blue" {
		t.Errorf("after migration: %q %q", name, colour)
	}
	if v, _ := db2.SchemaVersion(ctx, "widgets"); v != 2 {
		t.Errorf("version %d", v)
	}
	// An older genmint, knowing one step, refuses the newer database.
	err := db2.Migrate(ctx, "widgets", older)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade genmint") {
		t.Errorf("err = %v", err)
	}
}

func TestCorruptDatabaseNamesTheFix(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	junk := []byte(strings.Repeat("this is not a database ", 400))
	if err := os.WriteFile(Path(dir), junk, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), dir, Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "run 'genmint repair' to rebuild it from items/") {
		t.Fatalf("err = %v", err)
	}
	if strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("not one line: %q", err)
	}
}

func TestLockKeepsASecondWriterOut(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	// flock is per open file description: a second process is what matters.
	if os.Getenv("GENMINT_LOCK_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestLockChild$", "-test.v")
		cmd.Env = append(os.Environ(), "GENMINT_LOCK_CHILD="+dir)
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), "is working on") || !strings.Contains(string(out), "pid") {
			t.Errorf("second process got: %s", out)
		}
	}
	unlock()
	again, err := Lock(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}

func TestLockChild(t *testing.T) {
	dir := os.Getenv("GENMINT_LOCK_CHILD")
	if dir == "" {
		t.Skip("helper for TestLockKeepsASecondWriterOut")
	}
	_, err := Lock(dir)
	t.Log(err)
}

// TestOpensAFirstReleaseCollection builds a database the way genmint's first
// release wrote it (items schema 1, before custom items) and opens it with
// this one: it migrates, and every item keeps its data.
func TestOpensAFirstReleaseCollection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, Dir), 0o755)
	sdb, err := sql.Open("sqlite", "file:"+Path(dir)+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	old := &DB{db: sdb, path: Path(dir), now: time.Now}
	if err := old.Migrate(ctx, "items", itemsMigrations[:1]); err != nil {
		t.Fatal(err)
	}
	_, err = sdb.ExecContext(ctx, `INSERT INTO items(id, status, seed, prompt, traits, gen_hash, final_path, final_sha256, created_at, updated_at)
		VALUES(1, 'generated', 42, 'an old prompt', '[{"trait_type":"a","value":"x"}]', 'h', 'items/0001/final.png', 'abc', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`)
	if err != nil {
		t.Fatal(err)
	}
	sdb.Close()

	db := open(t, dir)
	if v, _ := db.SchemaVersion(ctx, "items"); v != len(itemsMigrations) {
		t.Fatalf("items schema %d after open, want %d", v, len(itemsMigrations))
	}
	it, err := db.Item(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if it.Status != Generated || it.Seed != 42 || it.Prompt != "an old prompt" || it.Custom || it.Final.SHA256 != "abc" || it.Traits[0].Value != "x" {
		t.Fatalf("item after migration: %+v", it)
	}
}

// TestOpenPathWithURICharacters: a folder name with # or ? (special in a
// SQLite URI) holds its own database, not one at the truncated path.
func TestOpenPathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	for _, name := range []string{"drop #2", "what?", "100% done"} {
		dir := filepath.Join(parent, name)
		db, err := Open(ctx, dir, Options{Create: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := db.SetMeta(ctx, "k", name); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := os.Stat(Path(dir)); err != nil {
			t.Fatalf("%s: the database is not in the folder: %v", name, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 3 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("files beside the folders: %v", names)
	}
}

// TestPageCacheIsBounded checks that every pooled connection has the
// bounded page cache Open asks for, so memory stays flat however many
// items the database holds.
func TestPageCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var conns []*sql.Conn
	for range 3 { // distinct connections of the pool
		c, err := db.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var kib int
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&kib); err != nil {
			t.Fatal(err)
		}
		if kib != -256 {
			t.Errorf("connection %d: cache_size %d, want -256 (256 KiB)", len(conns), kib)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}
