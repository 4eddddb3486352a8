package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/genmint/genmint/internal/mediatype"
	"github.com/genmint/genmint/spec/trait"
)

// Status is where an item stands in the pipeline.
type Status string

// Item statuses. An item moves pending → generated → kept → pinned → minted;
// refused, failed and rejected are side exits (failed items are retried by
// the next `genmint generate`).
const (
	Pending   Status = "pending"   // planned, no image yet
	Generated Status = "generated" // final image and provenance on disk, awaiting curation
	Refused   Status = "refused"   // the provider's content filter declined the prompt
	Failed    Status = "failed"    // the last attempt failed; the next run retries it
	Kept      Status = "kept"      // chosen for the collection
	Rejected  Status = "rejected"  // left out of the collection
	Pinned    Status = "pinned"    // on IPFS (or in a CAR file), CIDs final
	Minted    Status = "minted"    // on chain
)

// Statuses lists every status in pipeline order.
var Statuses = []Status{Pending, Generated, Refused, Failed, Kept, Rejected, Pinned, Minted}

// ParseStatus checks a status name from a flag.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	names := make([]string, len(Statuses))
	for i, st := range Statuses {
		names[i] = string(st)
	}
	return "", fmt.Errorf("unknown status %q: use one of %s", s, strings.Join(names, ", "))
}

// Done reports whether the item has a finished image that generate must not redo.
func (s Status) Done() bool {
	switch s {
	case Generated, Kept, Rejected, Pinned, Minted:
		return true
	}
	return false
}

var itemsMigrations = []Migration{
	// 1: items, the paid-request journal, collection facts.
	`CREATE TABLE meta(
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) STRICT;
	CREATE TABLE items(
		id              INTEGER PRIMARY KEY,
		status          TEXT NOT NULL DEFAULT 'pending',
		seed            INTEGER NOT NULL,
		prompt          TEXT NOT NULL,
		negative_prompt TEXT NOT NULL DEFAULT '',
		traits          TEXT NOT NULL DEFAULT '[]',
		gen_hash        TEXT NOT NULL,
		post_hash       TEXT NOT NULL DEFAULT '',
		original_path   TEXT NOT NULL DEFAULT '',
		original_sha256 TEXT NOT NULL DEFAULT '',
		original_type   TEXT NOT NULL DEFAULT '',
		result          TEXT NOT NULL DEFAULT '',
		final_path      TEXT NOT NULL DEFAULT '',
		final_sha256    TEXT NOT NULL DEFAULT '',
		provenance_path TEXT NOT NULL DEFAULT '',
		record_sha256   TEXT NOT NULL DEFAULT '',
		error           TEXT NOT NULL DEFAULT '',
		attempts        INTEGER NOT NULL DEFAULT 0,
		created_at      TEXT NOT NULL,
		updated_at      TEXT NOT NULL
	) STRICT;
	CREATE INDEX items_status ON items(status);
	CREATE TABLE requests(
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		item_id     INTEGER NOT NULL REFERENCES items(id),
		provider    TEXT NOT NULL,
		model       TEXT NOT NULL DEFAULT '',
		paid        INTEGER NOT NULL DEFAULT 0,
		cost_usd    REAL NOT NULL DEFAULT 0,
		outcome     TEXT NOT NULL DEFAULT 'started',
		service_id  TEXT NOT NULL DEFAULT '',
		error       TEXT NOT NULL DEFAULT '',
		started_at  TEXT NOT NULL,
		finished_at TEXT NOT NULL DEFAULT ''
	) STRICT;
	CREATE INDEX requests_item ON requests(item_id);`,
	// 2: items regenerated with their own seed or prompt keep them.
	`ALTER TABLE items ADD COLUMN custom INTEGER NOT NULL DEFAULT 0;`,
}

// Item is one row of the items table.
type Item struct {
	ID             int
	Status         Status
	Seed           uint32
	Prompt         string
	NegativePrompt string
	Traits         []trait.Trait
	// GenHash identifies the provider request's inputs (provider, model,
	// params, prompt, seed); PostHash the post-process steps the final image
	// was made with. A spec edit that changes either makes the item stale.
	GenHash  string
	PostHash string

	Original       File            // the provider's output, as received
	Result         json.RawMessage // what the provider told us, as recorded in provenance
	Final          File            // the post-processed image with provenance embedded
	ProvenancePath string          // the sidecar record, relative to the collection
	RecordSHA256   string          // the hash embedded in the final image's XMP

	// Custom items were regenerated with their own seed or prompt (in
	// curation): the spec's plan no longer applies to them.
	Custom bool

	Error     string // the last failure or refusal, one line
	Attempts  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// File is a file of an item, relative to the collection folder.
type File struct {
	Path      string
	SHA256    string
	MediaType string
}

// HasOriginal reports whether the provider's output is already stored, so a
// re-run only post-processes it.
func (it *Item) HasOriginal() bool { return it.Original.SHA256 != "" }

const itemColumns = `id, status, seed, prompt, negative_prompt, traits, gen_hash, post_hash,
	original_path, original_sha256, original_type, result,
	final_path, final_sha256, provenance_path, record_sha256,
	error, attempts, created_at, updated_at, custom`

func scanItem(sc interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var traits, created, updated, result string
	var seed int64
	err := sc.Scan(&it.ID, &it.Status, &seed, &it.Prompt, &it.NegativePrompt, &traits, &it.GenHash, &it.PostHash,
		&it.Original.Path, &it.Original.SHA256, &it.Original.MediaType, &result,
		&it.Final.Path, &it.Final.SHA256, &it.ProvenancePath, &it.RecordSHA256,
		&it.Error, &it.Attempts, &created, &updated, &it.Custom)
	if err != nil {
		return it, err
	}
	it.Seed = uint32(seed)
	if err := json.Unmarshal([]byte(traits), &it.Traits); err != nil {
		return it, fmt.Errorf("item %d: traits: %w", it.ID, err)
	}
	if result != "" {
		it.Result = json.RawMessage(result)
	}
	if it.Final.Path != "" {
		it.Final.MediaType = mediatype.FromName(it.Final.Path)
	}
	it.CreatedAt, it.UpdatedAt = ParseTime(created), ParseTime(updated)
	return it, nil
}

// ErrNoItem is returned for an item id the collection does not have.
var ErrNoItem = errors.New("no such item")

// Item reads one item.
func (d *DB) Item(ctx context.Context, id int) (Item, error) {
	row := d.db.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM items WHERE id = ?`, id)
	it, err := scanItem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("item %d: %w", id, ErrNoItem)
	}
	return it, err
}

// Query selects items. The zero Query selects every item.
type Query struct {
	Statuses []Status // any of these; empty means all
	IDs      []int    // only these; empty means all
}

// Items reads items in id order.
func (d *DB) Items(ctx context.Context, q Query) ([]Item, error) {
	var where []string
	var args []any
	if len(q.Statuses) > 0 {
		where = append(where, "status IN ("+placeholders(len(q.Statuses))+")")
		for _, s := range q.Statuses {
			args = append(args, string(s))
		}
	}
	if len(q.IDs) > 0 {
		where = append(where, "id IN (SELECT value FROM json_each(?))")
		ids, _ := json.Marshal(q.IDs)
		args = append(args, string(ids))
	}
	query := `SELECT ` + itemColumns + ` FROM items`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := d.db.QueryContext(ctx, query+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("read items: %w", err)
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// Counts returns how many items are in each status.
func (d *DB) Counts(ctx context.Context) (map[Status]int, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT status, count(*) FROM items GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count items: %w", err)
	}
	defer rows.Close()
	counts := map[Status]int{}
	for rows.Next() {
		var s Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		counts[s] = n
	}
	return counts, rows.Err()
}

// Planned is an item as the spec plans it.
type Planned struct {
	ID             int
	Seed           uint32
	Prompt         string
	NegativePrompt string
	Traits         []trait.Trait
	GenHash        string
}

// Plan records the spec's plan. New items are inserted as pending. Items
// without an image yet (pending, failed, refused) take the new plan, losing
// their error only when their inputs changed. Items with an image, and
// custom items, are never touched here: the caller compares GenHash to
// report them as stale.
func (d *DB) Plan(ctx context.Context, items []Planned) error {
	now := FormatTime(d.Now())
	return d.Tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO items(id, status, seed, prompt, negative_prompt, traits, gen_hash, created_at, updated_at)
			VALUES(?, 'pending', ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET
				seed = excluded.seed, prompt = excluded.prompt, negative_prompt = excluded.negative_prompt,
				traits = excluded.traits, gen_hash = excluded.gen_hash, updated_at = excluded.updated_at,
				status = CASE WHEN items.status = 'refused' THEN 'pending' ELSE items.status END,
				error = '', attempts = 0,
				original_path = '', original_sha256 = '', original_type = '', result = ''
			WHERE items.status IN ('pending', 'failed', 'refused') AND items.gen_hash <> excluded.gen_hash AND items.custom = 0`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, p := range items {
			traits, err := json.Marshal(p.Traits)
			if err != nil {
				return err
			}
			if _, err := stmt.ExecContext(ctx, p.ID, int64(p.Seed), p.Prompt, p.NegativePrompt, string(traits), p.GenHash, now, now); err != nil {
				return fmt.Errorf("plan item %d: %w", p.ID, err)
			}
		}
		return nil
	})
}

// Answer is the journal entry of the request that produced an original.
type Answer struct {
	Request   int64 // the journal row, from StartRequest
	ServiceID string
	CostUSD   float64
	// Resumed, when set, is the service job the answer took up from an
	// earlier run (generate.Request.Resume): that run's "started" rows for
	// it become "resumed" in the same transaction.
	Resumed string
}

// SaveOriginal records the provider's output, already durable on disk at
// original.Path, and what the provider said about it. From now on a re-run
// post-processes this file instead of asking the provider again. When
// answer is given, its journal row is marked succeeded in the same
// transaction, so the journal never says "succeeded" for an answer that a
// crash lost: such a request stays "started" (in doubt, and counted).
func (d *DB) SaveOriginal(ctx context.Context, id int, genHash string, original File, result json.RawMessage, answer *Answer) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		now := FormatTime(d.Now())
		res, err := tx.ExecContext(ctx, `UPDATE items SET original_path = ?, original_sha256 = ?, original_type = ?,
				result = ?, error = '', updated_at = ?
			WHERE id = ? AND gen_hash = ?`,
			original.Path, original.SHA256, original.MediaType, string(result), now, id, genHash)
		if err != nil {
			return fmt.Errorf("record original of item %d: %w", id, err)
		}
		if err := mustChange(res, id); err != nil {
			return err
		}
		if answer == nil {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE requests SET outcome = ?, service_id = ?, error = '', cost_usd = ?, finished_at = ?
			WHERE id = ?`, RequestSucceeded, answer.ServiceID, answer.CostUSD, now, answer.Request)
		if err != nil || answer.Resumed == "" {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE requests SET outcome = ?, finished_at = ?
			WHERE item_id = ? AND service_id = ? AND outcome = ? AND id <> ?`,
			RequestResumed, now, id, answer.Resumed, RequestStarted, answer.Request)
		return err
	})
}

// Finished is what SaveFinal records.
type Finished struct {
	Final          File
	ProvenancePath string
	RecordSHA256   string
	PostHash       string
}

// SaveFinal records the post-processed image and provenance record, already
// durable on disk, and marks a pending or failed item generated. A generated
// item keeps its status (it was re-post-processed).
func (d *DB) SaveFinal(ctx context.Context, id int, f Finished) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET final_path = ?, final_sha256 = ?, provenance_path = ?,
				record_sha256 = ?, post_hash = ?, error = '', updated_at = ?,
				status = CASE WHEN status IN ('pending', 'failed') THEN 'generated' ELSE status END
			WHERE id = ? AND original_sha256 <> ''`,
			f.Final.Path, f.Final.SHA256, f.ProvenancePath, f.RecordSHA256, f.PostHash, FormatTime(d.Now()), id)
		if err != nil {
			return fmt.Errorf("record final image of item %d: %w", id, err)
		}
		return mustChange(res, id)
	})
}

// ForgetOriginal drops a stored original that is missing or damaged on disk,
// so the next run asks the provider again.
func (d *DB) ForgetOriginal(ctx context.Context, id int) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE items SET original_path = '', original_sha256 = '', original_type = '',
			result = '', updated_at = ? WHERE id = ? AND status IN ('pending', 'failed')`, FormatTime(d.Now()), id)
		return err
	})
}

// Reset returns an item with an image (or a refusal) to pending, to
// regenerate it from p, the inputs it is to be made from now (Plan leaves
// an item with an image on the inputs it was made from, so a stale item
// takes the spec's new ones here). Kept, pinned and minted items are never
// reset.
func (d *DB) Reset(ctx context.Context, p Planned) error {
	traits, err := json.Marshal(p.Traits)
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET status = 'pending', error = '', attempts = 0,
				seed = ?, prompt = ?, negative_prompt = ?, traits = ?, gen_hash = ?,
				original_path = '', original_sha256 = '', original_type = '', result = '',
				final_path = '', final_sha256 = '', provenance_path = '', record_sha256 = '', post_hash = '',
				updated_at = ?
			WHERE id = ? AND status IN ('pending', 'failed', 'refused', 'generated', 'rejected')`,
			int64(p.Seed), p.Prompt, p.NegativePrompt, string(traits), p.GenHash, FormatTime(d.Now()), p.ID)
		if err != nil {
			return fmt.Errorf("reset item %d: %w", p.ID, err)
		}
		return mustChange(res, p.ID)
	})
}

// ForgetFiles returns an item whose files are gone from its folder to
// pending, to generate it again: generated, kept and rejected items (the
// decision was about an image that no longer exists). Pinned and minted
// items are never forgotten: their files are restored from the pin.
// With keepOriginal, the provider's original, still intact, stays
// recorded, so the item is only post-processed again.
func (d *DB) ForgetFiles(ctx context.Context, id int, keepOriginal bool) error {
	original := `original_path = '', original_sha256 = '', original_type = '', result = '',`
	if keepOriginal {
		original = ``
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET status = 'pending', error = '', attempts = 0, `+original+`
				final_path = '', final_sha256 = '', provenance_path = '', record_sha256 = '', post_hash = '',
				updated_at = ?
			WHERE id = ? AND status IN ('generated', 'kept', 'rejected')`, FormatTime(d.Now()), id)
		if err != nil {
			return fmt.Errorf("forget the files of item %d: %w", id, err)
		}
		return mustChange(res, id)
	})
}

// Override gives an item its own seed and prompt (a curation
// regenerate) and returns it to pending without an image, marked custom so
// later plans leave it alone. The caller archives the old candidate first.
// Kept, pinned and minted items are never overridden.
func (d *DB) Override(ctx context.Context, id int, seed uint32, prompt, genHash string) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET status = 'pending', seed = ?, prompt = ?, gen_hash = ?, custom = 1,
				error = '', attempts = 0,
				original_path = '', original_sha256 = '', original_type = '', result = '',
				final_path = '', final_sha256 = '', provenance_path = '', record_sha256 = '', post_hash = '',
				updated_at = ?
			WHERE id = ? AND status IN ('pending', 'failed', 'refused', 'generated', 'rejected')`,
			int64(seed), prompt, genHash, FormatTime(d.Now()), id)
		if err != nil {
			return fmt.Errorf("override item %d: %w", id, err)
		}
		return mustChange(res, id)
	})
}

// Restore puts an item back exactly as it was before an Override whose
// regeneration did not finish (refused, failed, cancelled, stopped by the
// spend cap), so its earlier candidate stands again. before is the item as
// read by Item before the Override; the caller has already put its files
// back on disk. It writes only while the item is pending, failed or refused
// — what an unfinished regeneration leaves — and otherwise changes nothing
// and returns an error. The request journal is never touched: what the
// attempt cost stays recorded.
func (d *DB) Restore(ctx context.Context, before Item) error {
	traits, err := json.Marshal(before.Traits)
	if err != nil {
		return fmt.Errorf("restore item %d: %w", before.ID, err)
	}
	if before.Traits == nil {
		traits = []byte("[]")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, seed = ?, prompt = ?, negative_prompt = ?, traits = ?,
				gen_hash = ?, post_hash = ?, original_path = ?, original_sha256 = ?, original_type = ?, result = ?,
				final_path = ?, final_sha256 = ?, provenance_path = ?, record_sha256 = ?, custom = ?,
				error = ?, attempts = ?, updated_at = ?
			WHERE id = ? AND status IN ('pending', 'failed', 'refused')`,
			string(before.Status), int64(before.Seed), before.Prompt, before.NegativePrompt, string(traits),
			before.GenHash, before.PostHash, before.Original.Path, before.Original.SHA256, before.Original.MediaType, string(before.Result),
			before.Final.Path, before.Final.SHA256, before.ProvenancePath, before.RecordSHA256, before.Custom,
			before.Error, before.Attempts, FormatTime(d.Now()), before.ID)
		if err != nil {
			return fmt.Errorf("restore item %d: %w", before.ID, err)
		}
		return mustChange(res, before.ID)
	})
}

// Fail records a failed attempt (status failed) or a refusal (status refused)
// with a one-line reason.
func (d *DB) Fail(ctx context.Context, id int, status Status, reason string) error {
	if status != Failed && status != Refused {
		return fmt.Errorf("fail item %d: status %s is not a failure", id, status)
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, error = ?, attempts = attempts + 1, updated_at = ?
			WHERE id = ? AND status IN ('pending', 'failed', 'refused')`, string(status), reason, FormatTime(d.Now()), id)
		if err != nil {
			return fmt.Errorf("record failure of item %d: %w", id, err)
		}
		return mustChange(res, id)
	})
}

// SetStatus moves the given items to status to, but only those currently in
// one of from; it returns how many moved.
func (d *DB) SetStatus(ctx context.Context, ids []int, to Status, from ...Status) (int, error) {
	if len(from) == 0 {
		return 0, fmt.Errorf("set status: no source statuses given")
	}
	idsJSON, _ := json.Marshal(ids)
	args := []any{string(to), FormatTime(d.Now()), string(idsJSON)}
	for _, s := range from {
		args = append(args, string(s))
	}
	var n int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, updated_at = ?
			WHERE id IN (SELECT value FROM json_each(?)) AND status IN (`+placeholders(len(from))+`)`, args...)
		if err != nil {
			return fmt.Errorf("set status %s: %w", to, err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

func mustChange(res sql.Result, id int) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("item %d changed under us (another genmint, or a spec edit): re-run", id)
	}
	return nil
}
