package pin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/state"
)

// Component is the state component name pin's tables are migrated under.
const Component = "pin"

var migrations = []state.Migration{
	// 1: runs (one per distinct set of roots), per-item CIDs, and which
	// root is pinned where.
	`CREATE TABLE pin_runs(
		id             INTEGER PRIMARY KEY AUTOINCREMENT,
		profile        TEXT NOT NULL,
		profile_json   TEXT NOT NULL,
		item_ids       TEXT NOT NULL,
		images_cid     TEXT NOT NULL,
		originals_cid  TEXT NOT NULL,
		provenance_cid TEXT NOT NULL,
		metadata_cid   TEXT NOT NULL,
		contract_cid   TEXT NOT NULL,
		base_uri       TEXT NOT NULL,
		contract_uri   TEXT NOT NULL,
		created_at     TEXT NOT NULL,
		completed_at   TEXT NOT NULL DEFAULT ''
	) STRICT;
	CREATE UNIQUE INDEX pin_runs_roots ON pin_runs(metadata_cid, contract_cid, profile_json);
	CREATE TABLE pin_items(
		run_id          INTEGER NOT NULL REFERENCES pin_runs(id),
		item_id         INTEGER NOT NULL,
		image_name      TEXT NOT NULL,
		image_cid       TEXT NOT NULL,
		original_name   TEXT NOT NULL,
		original_cid    TEXT NOT NULL,
		provenance_name TEXT NOT NULL,
		provenance_cid  TEXT NOT NULL,
		metadata_cid    TEXT NOT NULL,
		token_uri       TEXT NOT NULL,
		PRIMARY KEY(run_id, item_id)
	) STRICT;
	CREATE TABLE pin_roots(
		run_id      INTEGER NOT NULL REFERENCES pin_runs(id),
		destination TEXT NOT NULL,
		root        TEXT NOT NULL,
		cid         TEXT NOT NULL,
		pinned_at   TEXT NOT NULL,
		PRIMARY KEY(run_id, destination, root)
	) STRICT;`,
	// 2: confirmed CAR uploads to remote services (uploads.go), the
	// database's copy of uploads/<service>.json.
	uploadsMigration,
	// 3: the placeholder roots and baseURI (spec reveal:); a run's roots
	// now include them.
	`ALTER TABLE pin_runs ADD COLUMN placeholder_image_cid TEXT NOT NULL DEFAULT '';
	ALTER TABLE pin_runs ADD COLUMN placeholder_cid TEXT NOT NULL DEFAULT '';
	ALTER TABLE pin_runs ADD COLUMN placeholder_uri TEXT NOT NULL DEFAULT '';
	DROP INDEX pin_runs_roots;
	CREATE UNIQUE INDEX pin_runs_roots ON pin_runs(metadata_cid, contract_cid, placeholder_cid, placeholder_image_cid, profile_json);`,
	// 4: an item's animation, pinned in the images directory beside its
	// image (spec postprocess animation:); '' for items without one.
	`ALTER TABLE pin_items ADD COLUMN animation_name TEXT NOT NULL DEFAULT '';
	ALTER TABLE pin_items ADD COLUMN animation_cid TEXT NOT NULL DEFAULT '';`,
}

// Migrate brings pin's tables up to date. Run calls it; readers (mint,
// verify, show) call it too before reading.
func Migrate(ctx context.Context, db *state.DB) error {
	return db.Migrate(ctx, Component, migrations)
}

// Roots are a run's root CIDs, as strings (they are read back from state).
type Roots struct {
	Images     string `json:"images"`
	Originals  string `json:"originals"`
	Provenance string `json:"provenance"`
	Metadata   string `json:"metadata"`
	Contract   string `json:"contract"`
	// With a placeholder only (see RootPlaceholder).
	PlaceholderImage string `json:"placeholder_image,omitempty"`
	Placeholder      string `json:"placeholder,omitempty"`
}

// ItemCIDs are one item's CIDs in a run.
type ItemCIDs struct {
	ID             int    `json:"id"`
	ImageName      string `json:"image_name"`
	ImageCID       string `json:"image_cid"`
	OriginalName   string `json:"original_name"`
	OriginalCID    string `json:"original_cid"`
	ProvenanceName string `json:"provenance_name"`
	ProvenanceCID  string `json:"provenance_cid"`
	MetadataCID    string `json:"metadata_cid"`
	TokenURI       string `json:"token_uri"`
	// The animation pinned beside the image, when the item has one.
	AnimationName string `json:"animation_name,omitempty"`
	AnimationCID  string `json:"animation_cid,omitempty"`
}

// PinnedAt is one root held by one destination.
type PinnedAt struct {
	Destination string    `json:"destination"`
	Root        string    `json:"root"`
	CID         string    `json:"cid"`
	At          time.Time `json:"at"`
}

// Record is a pin run as stored: everything mint and verify need.
type Record struct {
	ID          int64          `json:"id"`
	Profile     unixfs.Profile `json:"profile"`
	ItemIDs     []int          `json:"item_ids"`
	Roots       Roots          `json:"roots"`
	BaseURI     string         `json:"base_uri"`
	ContractURI string         `json:"contract_uri"`
	// PlaceholderURI is the placeholder folder's baseURI ("" without a
	// placeholder): the contract's baseURI until the reveal.
	PlaceholderURI string     `json:"placeholder_uri,omitempty"`
	Items          []ItemCIDs `json:"items"`
	Pinned         []PinnedAt `json:"pinned"`
	CreatedAt      time.Time  `json:"created_at"`
	CompletedAt    time.Time  `json:"completed_at"` // zero until every root is pinned everywhere asked
}

// ErrNoPinRun is returned by Latest when the collection was never pinned.
var ErrNoPinRun = errors.New("the collection has not been pinned: run 'genmint pin'")

// Latest reads the most recent completed run, the one whose baseURI and
// contractURI minting uses.
func Latest(ctx context.Context, db *state.DB) (*Record, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	id, err := latestRunID(ctx, db)
	if err != nil {
		return nil, err
	}
	return readRun(ctx, db.SQL(), id)
}

// newestRun reads the most recently recorded run, complete or not (a run
// records its CIDs before any upload), or returns ErrNoPinRun.
func newestRun(ctx context.Context, db *state.DB) (*Record, error) {
	id, err := newestRunID(ctx, db)
	if err != nil {
		return nil, err
	}
	return readRun(ctx, db.SQL(), id)
}

// latestRunID is the id of the last completed run, or ErrNoPinRun.
func latestRunID(ctx context.Context, db *state.DB) (int64, error) {
	return runID(ctx, db, `SELECT id FROM pin_runs WHERE completed_at <> '' ORDER BY completed_at DESC, id DESC LIMIT 1`)
}

// newestRunID is the id of the run recorded last, or ErrNoPinRun.
func newestRunID(ctx context.Context, db *state.DB) (int64, error) {
	return runID(ctx, db, `SELECT id FROM pin_runs ORDER BY id DESC LIMIT 1`)
}

func runID(ctx context.Context, db *state.DB, query string) (int64, error) {
	var id int64
	err := db.SQL().QueryRowContext(ctx, query).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoPinRun
	}
	if err != nil {
		return 0, fmt.Errorf("read pin runs: %w", err)
	}
	return id, nil
}

// runRoots reads the root CIDs of run id, not its items.
func runRoots(ctx context.Context, db *state.DB, id int64) (Roots, error) {
	var r Roots
	err := db.SQL().QueryRowContext(ctx, `SELECT images_cid, originals_cid, provenance_cid, metadata_cid, contract_cid,
			placeholder_image_cid, placeholder_cid
		FROM pin_runs WHERE id = ?`, id).Scan(&r.Images, &r.Originals, &r.Provenance, &r.Metadata, &r.Contract,
		&r.PlaceholderImage, &r.Placeholder)
	if err != nil {
		return r, fmt.Errorf("read pin run %d: %w", id, err)
	}
	return r, nil
}

// ReadRun reads one run by id.
func ReadRun(ctx context.Context, db *state.DB, id int64) (*Record, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	return readRun(ctx, db.SQL(), id)
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func readRun(ctx context.Context, q querier, id int64) (*Record, error) {
	r := &Record{ID: id}
	var profileJSON, itemIDs, created, completed, profileName string
	err := q.QueryRowContext(ctx, `SELECT profile, profile_json, item_ids, images_cid, originals_cid, provenance_cid,
			metadata_cid, contract_cid, base_uri, contract_uri, created_at, completed_at,
			placeholder_image_cid, placeholder_cid, placeholder_uri
		FROM pin_runs WHERE id = ?`, id).Scan(&profileName, &profileJSON, &itemIDs,
		&r.Roots.Images, &r.Roots.Originals, &r.Roots.Provenance, &r.Roots.Metadata, &r.Roots.Contract,
		&r.BaseURI, &r.ContractURI, &created, &completed,
		&r.Roots.PlaceholderImage, &r.Roots.Placeholder, &r.PlaceholderURI)
	if err != nil {
		return nil, fmt.Errorf("read pin run %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(profileJSON), &r.Profile); err != nil {
		return nil, fmt.Errorf("read pin run %d: profile: %w", id, err)
	}
	if err := json.Unmarshal([]byte(itemIDs), &r.ItemIDs); err != nil {
		return nil, fmt.Errorf("read pin run %d: items: %w", id, err)
	}
	r.CreatedAt = state.ParseTime(created)
	r.CompletedAt = state.ParseTime(completed)

	rows, err := q.QueryContext(ctx, `SELECT item_id, image_name, image_cid, original_name, original_cid,
			provenance_name, provenance_cid, metadata_cid, token_uri, animation_name, animation_cid
		FROM pin_items WHERE run_id = ? ORDER BY item_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var it ItemCIDs
		if err := rows.Scan(&it.ID, &it.ImageName, &it.ImageCID, &it.OriginalName, &it.OriginalCID,
			&it.ProvenanceName, &it.ProvenanceCID, &it.MetadataCID, &it.TokenURI, &it.AnimationName, &it.AnimationCID); err != nil {
			return nil, err
		}
		r.Items = append(r.Items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prow, err := q.QueryContext(ctx, `SELECT destination, root, cid, pinned_at FROM pin_roots WHERE run_id = ? ORDER BY destination, rowid`, id)
	if err != nil {
		return nil, err
	}
	defer prow.Close()
	for prow.Next() {
		var p PinnedAt
		var at string
		if err := prow.Scan(&p.Destination, &p.Root, &p.CID, &at); err != nil {
			return nil, err
		}
		p.At = state.ParseTime(at)
		r.Pinned = append(r.Pinned, p)
	}
	return r, prow.Err()
}

// itemRowsPerInsert is how many pin_items rows one INSERT writes (12
// parameters each, well under SQLite's limit of 32,766).
const itemRowsPerInsert = 100

// insertItemsSQL writes n rows of pin_items, or updates those the run has.
func insertItemsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO pin_items(run_id, item_id, image_name, image_cid, original_name,
			original_cid, provenance_name, provenance_cid, metadata_cid, token_uri, animation_name, animation_cid) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT(run_id, item_id) DO UPDATE SET image_name = excluded.image_name, image_cid = excluded.image_cid,
			original_name = excluded.original_name, original_cid = excluded.original_cid,
			provenance_name = excluded.provenance_name, provenance_cid = excluded.provenance_cid,
			metadata_cid = excluded.metadata_cid, token_uri = excluded.token_uri,
			animation_name = excluded.animation_name, animation_cid = excluded.animation_cid`)
	return b.String()
}

// saveRun records a run's CIDs before anything is uploaded, in one
// transaction, and returns its id. The same roots under the same profile
// are the same run: a re-run finds it instead of adding another.
func saveRun(ctx context.Context, db *state.DB, r *Record) (int64, error) {
	ids, _ := json.Marshal(r.ItemIDs)
	now := state.FormatTime(db.Now())
	var id int64
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM pin_runs WHERE metadata_cid = ? AND contract_cid = ? AND placeholder_cid = ?
				AND placeholder_image_cid = ? AND profile_json = ?`,
			r.Roots.Metadata, r.Roots.Contract, r.Roots.Placeholder, r.Roots.PlaceholderImage, r.Profile.JSON()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			res, err := tx.ExecContext(ctx, `INSERT INTO pin_runs(profile, profile_json, item_ids, images_cid, originals_cid,
					provenance_cid, metadata_cid, contract_cid, base_uri, contract_uri, created_at,
					placeholder_image_cid, placeholder_cid, placeholder_uri)
				VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				r.Profile.Name, r.Profile.JSON(), string(ids), r.Roots.Images, r.Roots.Originals, r.Roots.Provenance,
				r.Roots.Metadata, r.Roots.Contract, r.BaseURI, r.ContractURI, now,
				r.Roots.PlaceholderImage, r.Roots.Placeholder, r.PlaceholderURI)
			if err != nil {
				return fmt.Errorf("record pin run: %w", err)
			}
			if id, err = res.LastInsertId(); err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("record pin run: %w", err)
		}
		// Many rows per statement: one statement per item was most of
		// the time between a run's last block and its upload.
		for start := 0; start < len(r.Items); start += itemRowsPerInsert {
			batch := r.Items[start:min(start+itemRowsPerInsert, len(r.Items))]
			args := make([]any, 0, 12*len(batch))
			for _, it := range batch {
				args = append(args, id, it.ID, it.ImageName, it.ImageCID, it.OriginalName, it.OriginalCID,
					it.ProvenanceName, it.ProvenanceCID, it.MetadataCID, it.TokenURI, it.AnimationName, it.AnimationCID)
			}
			if _, err := tx.ExecContext(ctx, insertItemsSQL(len(batch)), args...); err != nil {
				return fmt.Errorf("record CIDs of items %d to %d: %w", batch[0].ID, batch[len(batch)-1].ID, err)
			}
		}
		return nil
	})
	return id, err
}

// savePinned records that destination holds root.
func savePinned(ctx context.Context, db *state.DB, runID int64, destination, root, c string) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO pin_roots(run_id, destination, root, cid, pinned_at) VALUES(?, ?, ?, ?, ?)
			ON CONFLICT(run_id, destination, root) DO UPDATE SET cid = excluded.cid`,
			runID, destination, root, c, state.FormatTime(db.Now()))
		if err != nil {
			return fmt.Errorf("record %s pinned at %s: %w", root, destination, err)
		}
		return nil
	})
}

// pinRecorded reports whether the state records destination holding c.
func pinRecorded(ctx context.Context, db *state.DB, destination, c string) (bool, error) {
	var n int
	err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM pin_roots WHERE destination = ? AND cid = ?`, destination, c).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read the pins of %s at %s: %w", c, destination, err)
	}
	return n > 0, nil
}

// forgetPinned deletes every record (of any run) that destination holds c:
// asked, it said it does not. It returns when the last of them was
// recorded (the zero time: there was none).
func forgetPinned(ctx context.Context, db *state.DB, destination, c string) (time.Time, error) {
	var last string
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT coalesce(max(pinned_at), '') FROM pin_roots WHERE destination = ? AND cid = ?`, destination, c).Scan(&last)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM pin_roots WHERE destination = ? AND cid = ?`, destination, c)
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("forget %s at %s: %w", c, destination, err)
	}
	if last == "" {
		return time.Time{}, nil
	}
	return state.ParseTime(last), nil
}

// completeRun marks the run complete (every root pinned everywhere asked).
func completeRun(ctx context.Context, db *state.DB, runID int64) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE pin_runs SET completed_at = ? WHERE id = ?`, state.FormatTime(db.Now()), runID)
		return err
	})
}
