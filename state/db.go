// Package state is a collection's memory: an embedded SQLite database in
// <collection>/.genmint/state.db (modernc.org/sqlite, no cgo).
//
// Every change is a transaction, committed with synchronous=FULL after the
// files it describes are already durable on disk, so a crash at any moment
// leaves either the old or the new state, never a mix, and never forgets
// finished (or paid) work.
//
// Each pipeline stage owns its tables and migrates them itself through
// Migrate, under its own component name ("items", "pin", "mint", …), so a
// collection written by an older genmint is upgraded the first time a newer
// one opens it.
package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dir is the folder, inside a collection, that holds genmint's own files.
const Dir = ".genmint"

// FileName is the database's file name inside Dir.
const FileName = "state.db"

// ErrNoCollection is returned by Open when the folder holds no state yet and
// creation was not asked for.
var ErrNoCollection = errors.New("no genmint state here")

// ErrCorrupt is returned when the database file is damaged.
var ErrCorrupt = errors.New("state database is damaged")

// ErrNewerSchema is returned when the database was written by a newer genmint.
var ErrNewerSchema = errors.New("state database was written by a newer genmint")

// DB is an open state database.
type DB struct {
	db   *sql.DB
	path string
	now  func() time.Time
}

// Options tune Open.
type Options struct {
	// Create makes .genmint/state.db when it does not exist yet.
	Create bool
	// Now overrides the clock used for timestamps (tests).
	Now func() time.Time
}

// Path returns the database path for a collection folder.
func Path(collectionDir string) string {
	return filepath.Join(collectionDir, Dir, FileName)
}

// Open opens the state database of the collection in dir, checks that it is
// intact, and brings the items component up to date.
func Open(ctx context.Context, dir string, opts Options) (*DB, error) {
	path := Path(dir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if !opts.Create {
			return nil, fmt.Errorf("%w in %s", ErrNoCollection, dir)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("open state: %w", err)
	} else if fi, _ := os.Stat(path); fi != nil && fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is a folder, not a database file: run 'genmint repair' to move it aside and rebuild the database from items/", ErrCorrupt, path)
	}
	// _txlock=immediate takes the write lock at BEGIN, so two writers queue on
	// busy_timeout instead of failing on a lock upgrade. Each connection's
	// page cache is bounded at 256 KiB (SQLite's default is 2 MiB): a run
	// holds a connection per worker, each of which would otherwise cache up
	// to 2 MiB of a database that grows with the collection (about 2 KiB an
	// item), so memory grew with the item count; items are read by id and in
	// order, from the OS's file cache (bench/layers.sh memory).
	dsn := "file:" + uriPath(path) + "?_txlock=immediate" +
		"&_pragma=busy_timeout(15000)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(ON)" +
		"&_pragma=cache_size(-256)"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	d := &DB{db: sdb, path: path, now: opts.Now}
	if d.now == nil {
		d.now = time.Now
	}
	if err := d.check(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	if err := d.Migrate(ctx, "items", itemsMigrations); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// uriPath escapes the characters a SQLite URI filename gives a meaning to,
// so a collection folder named "drop #2" or "what?" opens its own database
// and not one at the path cut short.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// check proves the file is a SQLite database in good order.
func (d *DB) check(ctx context.Context) error {
	var res string
	err := d.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res)
	if err == nil && res != "ok" {
		err = errors.New(res)
	}
	if err != nil {
		if isCorrupt(err) || res != "" {
			return fmt.Errorf("%w: %s (%v): run 'genmint repair' to rebuild it from items/, or restore it from a backup", ErrCorrupt, d.path, cleanSQLiteErr(err))
		}
		if isUnwritable(err) {
			return fmt.Errorf("open state %s: the collection folder is read-only or not accessible: make it writable (or copy the collection somewhere writable) and re-run", d.path)
		}
		return fmt.Errorf("open state %s: %w", d.path, err)
	}
	return nil
}

func isCorrupt(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// isUnwritable reports SQLite failing to open or write its files (a
// read-only folder: WAL mode needs to create the -wal and -shm files).
func isUnwritable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			return true
		}
	}
	return false
}

// cleanSQLiteErr drops the driver's numeric decoration from a message.
func cleanSQLiteErr(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, " ("); i > 0 && strings.HasSuffix(msg, ")") {
		msg = msg[:i]
	}
	return msg
}

// Path returns the database file's path.
func (d *DB) Path() string { return d.path }

// Now returns the database clock's time, in UTC.
func (d *DB) Now() time.Time { return d.now().UTC() }

// SQL gives other pipeline stages access to their own tables. Writes must go
// through Tx.
func (d *DB) SQL() *sql.DB { return d.db }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Tx runs fn in one write transaction and commits it, or rolls it back when
// fn returns an error. A cancelled ctx aborts the transaction, so callers
// recording work that is already done (paid for, written to disk) pass a
// context that outlives the cancellation (context.WithoutCancel).
func (d *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.wrapWriteErr(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return d.wrapWriteErr(err)
	}
	return nil
}

// wrapWriteErr turns the disk-level failures users can fix into sentences
// naming the fix.
func (d *DB) wrapWriteErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("write state %s: disk full: free some space and re-run; nothing finished is lost", d.path)
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return fmt.Errorf("write state %s: the collection folder is read-only: make it writable and re-run", d.path)
		case sqlite3.SQLITE_BUSY:
			return fmt.Errorf("write state %s: another genmint holds the database: wait for it to finish", d.path)
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %s: run 'genmint repair' to rebuild it from items/, or restore it from a backup", ErrCorrupt, d.path)
		}
	}
	return fmt.Errorf("write state %s: %w", d.path, err)
}

// Migration is one schema step: SQL statements run in one transaction.
type Migration string

// Migrate brings a component's tables up to date by running the steps it has
// not run yet, each in its own transaction. Steps are append-only: never edit
// or reorder a released step, add a new one.
func (d *DB) Migrate(ctx context.Context, component string, steps []Migration) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_versions(
		component TEXT PRIMARY KEY,
		version   INTEGER NOT NULL
	) STRICT`); err != nil {
		return d.wrapWriteErr(err)
	}
	var have int
	err := d.db.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE component = ?`, component).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read schema version of %s: %w", component, err)
	}
	if have > len(steps) {
		return fmt.Errorf("%w (%s schema %d, this genmint knows %d): upgrade genmint", ErrNewerSchema, component, have, len(steps))
	}
	for v := have; v < len(steps); v++ {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(steps[v])); err != nil {
				return fmt.Errorf("migrate %s to schema %d: %w", component, v+1, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_versions(component, version) VALUES(?, ?)
				ON CONFLICT(component) DO UPDATE SET version = excluded.version`, component, v+1)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion reports a component's schema version (0 when absent).
func (d *DB) SchemaVersion(ctx context.Context, component string) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE component = ?`, component).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// GetMeta reads a collection-level fact; ok is false when it is unset.
func (d *DB) GetMeta(ctx context.Context, key string) (value string, ok bool, err error) {
	err = d.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetMeta records a collection-level fact.
func (d *DB) SetMeta(ctx context.Context, key, value string) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// FormatTime is how the state database stores a time (in genmint's tables
// and in the pin and mint components'): RFC 3339 in UTC, to the nanosecond.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ParseTime reads a time FormatTime wrote; the zero time for "" (a column
// not set yet) or anything else it cannot read.
func ParseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
