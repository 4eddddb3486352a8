// Package curate is the curation step: the decisions that move an item
// between generated (undecided), kept and rejected, the stars an artist puts
// on favourites, the log that makes every decision undoable, the variants
// (earlier candidates) an item keeps when it is regenerated, and the
// regeneration itself (Regenerator: archive, regenerate through the generate
// pipeline, put the old candidate back on failure).
//
// The same rules serve both front ends: the terminal UI (package tui) calls
// Apply and Undo through a Store, and the no-terminal path
// (`genmint curate --keep 1-20 --reject 21-24 …`) calls ApplyFlags.
//
// Rules, by the item's current status (see decide.go for the table):
//   - keep:   generated or rejected → kept; kept, pinned, minted stay (already
//     in the collection); pending, failed, refused cannot be kept (no image).
//   - reject: generated, kept, refused, failed → rejected; rejected stays;
//     pending cannot be rejected (generate it first); pinned and minted are
//     never un-pinned or un-minted by curation.
//   - star and unstar change only the star, on any item.
//
// Every operation is one transaction in the state database, written before
// the call returns: a crash or kill loses no decision. Each operation is one
// batch in the decision log; Undo reverses the newest batch not yet undone,
// and refuses (changing nothing) when an item has moved on since (pinned,
// regenerated).
//
// Curation owns its tables under the component name "curate". Item statuses
// live in the items table (component "items"); curate updates that one column
// inside its own transaction, with the same guard state.DB.SetStatus uses
// (only from an expected status), so a decision and its log row can never be
// written apart.
package curate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/spec/trait"
	"github.com/genmint/genmint/state"
)

// Component is curation's name in schema_versions.
const Component = "curate"

var migrations = []state.Migration{
	// 1: stars, the decision log (batches of rows), variants.
	`CREATE TABLE curate_stars(
		item_id    INTEGER PRIMARY KEY REFERENCES items(id),
		starred_at TEXT NOT NULL
	) STRICT;
	CREATE TABLE curate_batches(
		id        INTEGER PRIMARY KEY AUTOINCREMENT,
		op        TEXT NOT NULL,
		source    TEXT NOT NULL,
		at        TEXT NOT NULL,
		undone_at TEXT NOT NULL DEFAULT ''
	) STRICT;
	CREATE TABLE curate_log(
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		batch       INTEGER NOT NULL REFERENCES curate_batches(id),
		item_id     INTEGER NOT NULL REFERENCES items(id),
		from_status TEXT NOT NULL,
		to_status   TEXT NOT NULL,
		star        INTEGER NOT NULL DEFAULT 0,
		at          TEXT NOT NULL
	) STRICT;
	CREATE INDEX curate_log_batch ON curate_log(batch);
	CREATE TABLE curate_variants(
		item_id         INTEGER NOT NULL REFERENCES items(id),
		variant         INTEGER NOT NULL,
		status          TEXT NOT NULL,
		seed            INTEGER NOT NULL,
		prompt          TEXT NOT NULL,
		negative_prompt TEXT NOT NULL DEFAULT '',
		gen_hash        TEXT NOT NULL DEFAULT '',
		post_hash       TEXT NOT NULL DEFAULT '',
		original_path   TEXT NOT NULL DEFAULT '',
		original_sha256 TEXT NOT NULL DEFAULT '',
		original_type   TEXT NOT NULL DEFAULT '',
		final_path      TEXT NOT NULL DEFAULT '',
		final_sha256    TEXT NOT NULL DEFAULT '',
		provenance_path TEXT NOT NULL DEFAULT '',
		record_sha256   TEXT NOT NULL DEFAULT '',
		created_at      TEXT NOT NULL,
		PRIMARY KEY(item_id, variant)
	) STRICT;`,
}

// Migrate brings curation's tables up to date. NewStore and ApplyFlags call
// it; it is cheap when there is nothing to do.
func Migrate(ctx context.Context, db *state.DB) error {
	return db.Migrate(ctx, Component, migrations)
}

// Source names who made a decision, as recorded in the log.
type Source string

// Decision sources.
const (
	SourceTUI   Source = "tui"
	SourceFlags Source = "flags"
)

// Entry is one item as the curation list shows it: light enough that a
// 10,000-item collection loads in a few tens of milliseconds. Details has
// the rest. Traits may be shared between entries: treat them as read-only.
type Entry struct {
	ID       int
	Status   state.Status
	Starred  bool
	Traits   []trait.Trait
	Final    state.File // path relative to the collection folder; SHA256 keys the thumbnail cache
	Variants int        // earlier candidates kept by regeneration
	Error    string     // why it was refused or failed, one line
}

// Undecided reports whether the item awaits a decision.
func (e Entry) Undecided() bool { return e.Status == state.Generated }

// HasImage reports whether the item has a final image to preview.
func (e Entry) HasImage() bool { return e.Final.Path != "" }

// Store is the state a curation session reads and writes: the collection's
// state database and its folder (to read provenance sidecars). It is safe for
// use from several goroutines; writes are serialised by SQLite.
type Store struct {
	db     *state.DB
	dir    string
	source Source
}

// NewStore migrates curation's tables and returns a Store recording decisions
// as made by source.
func NewStore(ctx context.Context, db *state.DB, collectionDir string, source Source) (*Store, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	return &Store{db: db, dir: collectionDir, source: source}, nil
}

// DB returns the underlying state database.
func (s *Store) DB() *state.DB { return s.db }

// Dir returns the collection folder.
func (s *Store) Dir() string { return s.dir }

// Entries lists every item in id order.
func (s *Store) Entries(ctx context.Context) ([]Entry, error) {
	return Entries(ctx, s.db)
}

// Entries lists every item of the collection in id order.
func Entries(ctx context.Context, db *state.DB) ([]Entry, error) {
	rows, err := db.SQL().QueryContext(ctx, `SELECT i.id, i.status, i.traits, i.final_path, i.final_sha256, i.error,
			s.item_id IS NOT NULL, coalesce(v.n, 0)
		FROM items i
		LEFT JOIN curate_stars s ON s.item_id = i.id
		LEFT JOIN (SELECT item_id, count(*) AS n FROM curate_variants GROUP BY item_id) v ON v.item_id = i.id
		ORDER BY i.id`)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	defer rows.Close()
	var out []Entry
	// Items share trait combinations: decode each distinct one once (the
	// slices are shared and must not be modified).
	seen := map[string][]trait.Trait{}
	for rows.Next() {
		var e Entry
		var traits string
		if err := rows.Scan(&e.ID, &e.Status, &traits, &e.Final.Path, &e.Final.SHA256, &e.Error, &e.Starred, &e.Variants); err != nil {
			return nil, fmt.Errorf("list items: %w", err)
		}
		if traits != "" && traits != "[]" {
			t, ok := seen[traits]
			if !ok {
				if err := json.Unmarshal([]byte(traits), &t); err != nil {
					return nil, fmt.Errorf("item %d: traits: %w", e.ID, err)
				}
				seen[traits] = t
			}
			e.Traits = t
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Entry reads one item's list row.
func (s *Store) Entry(ctx context.Context, id int) (Entry, error) {
	return entry(ctx, s.db, id)
}

func entry(ctx context.Context, db *state.DB, id int) (Entry, error) {
	it, err := db.Item(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{ID: it.ID, Status: it.Status, Traits: it.Traits, Final: it.Final, Error: it.Error}
	err = db.SQL().QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM curate_stars WHERE item_id = ?),
		(SELECT count(*) FROM curate_variants WHERE item_id = ?)`, id, id).Scan(&e.Starred, &e.Variants)
	if err != nil {
		return e, fmt.Errorf("read item %d: %w", id, err)
	}
	return e, nil
}

// Details is everything the provenance panel shows for one item.
type Details struct {
	Item      state.Item
	Starred   bool
	Record    *provenance.Record // the provenance.json sidecar; nil when absent or unreadable
	RecordErr string             // why Record is nil although the item has a sidecar path
	Variants  []Variant
}

// Details reads one item, its provenance sidecar and its variants.
func (s *Store) Details(ctx context.Context, id int) (Details, error) {
	it, err := s.db.Item(ctx, id)
	if err != nil {
		return Details{}, err
	}
	d := Details{Item: it}
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM curate_stars WHERE item_id = ?)`, id).Scan(&d.Starred); err != nil {
		return d, fmt.Errorf("read item %d: %w", id, err)
	}
	if d.Variants, err = Variants(ctx, s.db, id); err != nil {
		return d, err
	}
	if it.ProvenancePath != "" {
		d.Record, err = readRecord(filepath.Join(s.dir, filepath.FromSlash(it.ProvenancePath)))
		if err != nil {
			d.RecordErr = err.Error()
		}
	}
	return d, nil
}

// maxRecordBytes bounds a sidecar read; real records are a few kilobytes.
const maxRecordBytes = 4 << 20

func readRecord(path string) (*provenance.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is missing: run 'genmint generate' to rewrite it", path)
		}
		return nil, fmt.Errorf("read provenance: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read provenance: %w", err)
	}
	if fi.Size() > maxRecordBytes {
		return nil, fmt.Errorf("%s is %d bytes, too large for a provenance record", path, fi.Size())
	}
	var rec provenance.Record
	if err := json.NewDecoder(f).Decode(&rec); err != nil {
		return nil, fmt.Errorf("%s is not a provenance record (%v): run 'genmint generate' to rewrite it", path, err)
	}
	return &rec, nil
}

// Summary counts the collection's items by where curation left them.
type Summary struct {
	Total     int `json:"total"`
	Kept      int `json:"kept"`
	Rejected  int `json:"rejected"`
	Undecided int `json:"undecided"` // generated, awaiting a decision
	Starred   int `json:"starred"`
	Refused   int `json:"refused"`
	Failed    int `json:"failed"`
	Pending   int `json:"pending"`
	Pinned    int `json:"pinned"`
	Minted    int `json:"minted"`
	// Changed counts the decisions this run made (items whose status or star
	// changed); the caller fills it for a TUI session.
	Changed int `json:"changed"`
	// Skipped lists items a bulk flag passed over, and why.
	Skipped []Skip `json:"skipped"`
}

// String is the one-line summary printed when curation ends.
func (s Summary) String() string {
	line := fmt.Sprintf("kept %d, rejected %d, undecided %d of %d items", s.Kept, s.Rejected, s.Undecided, s.Total)
	if s.Starred > 0 {
		line += fmt.Sprintf("; %d starred", s.Starred)
	}
	if n := s.Refused + s.Failed + s.Pending; n > 0 {
		line += fmt.Sprintf("; %d without an image (refused %d, failed %d, pending %d)", n, s.Refused, s.Failed, s.Pending)
	}
	if s.Pinned+s.Minted > 0 {
		line += fmt.Sprintf("; pinned %d, minted %d", s.Pinned, s.Minted)
	}
	return line
}

// Summary counts the collection's items.
func (s *Store) Summary(ctx context.Context) (Summary, error) {
	return summarize(ctx, s.db)
}

func summarize(ctx context.Context, db *state.DB) (Summary, error) {
	counts, err := db.Counts(ctx)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{
		Kept: counts[state.Kept], Rejected: counts[state.Rejected], Undecided: counts[state.Generated],
		Refused: counts[state.Refused], Failed: counts[state.Failed], Pending: counts[state.Pending],
		Pinned: counts[state.Pinned], Minted: counts[state.Minted], Skipped: []Skip{},
	}
	for _, n := range counts {
		sum.Total += n
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM curate_stars`).Scan(&sum.Starred); err != nil {
		return sum, fmt.Errorf("count stars: %w", err)
	}
	return sum, nil
}

// stamp formats a time the way the state package stores times.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// idsJSON encodes ids for json_each.
func idsJSON(ids []int) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// queryer is what reads need from *sql.DB and *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
