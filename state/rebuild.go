package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// MoveAside moves a damaged (or unwanted) database out of the way, with its
// -wal and -shm files, to state.db.damaged-<unix time> beside it; nothing
// is ever deleted. It returns the new path, "" when there was no database.
func MoveAside(collectionDir string, at time.Time) (string, error) {
	path := Path(collectionDir)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	moved := path + ".damaged-" + strconv.FormatInt(at.Unix(), 10)
	for n := 2; ; n++ {
		if _, err := os.Lstat(moved); errors.Is(err, os.ErrNotExist) {
			break
		}
		moved = path + ".damaged-" + strconv.FormatInt(at.Unix(), 10) + "-" + strconv.Itoa(n)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(path+suffix, moved+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("move the damaged database %s aside: %w", path, err)
		}
	}
	return moved, nil
}

// carriedTables says which tables of an old database hold what the files
// cannot prove, and so are carried into a rebuilt one: the request (spend)
// journal, curation's decisions and variants, and every mint table (the
// transaction journal, the minted tokens, deployments).
func carried(table string) bool {
	return table == "requests" || strings.HasPrefix(table, "curate_") || strings.HasPrefix(table, "mint_")
}

// carriedComponents are the schema_versions rows copied with those tables.
var carriedComponents = []string{"curate", "mint"}

// CarryReport says what CarryOver copied, per table, and what it could not.
type CarryReport struct {
	Rows   map[string]int `json:"rows"`             // table → rows carried over
	Failed []string       `json:"failed,omitempty"` // "table: why", one per table that could not be read
	// Statuses are the items whose decision was carried over, by status:
	// kept and rejected as they were, minted when the carried mint journal
	// holds the token, else (and pinned) kept.
	Statuses map[Status][]int `json:"statuses,omitempty"`
}

// CarryOver copies, from the old database at oldPath (typically one
// MoveAside set aside), everything a rebuild from the files cannot recover:
// the request journal, the curate_* tables and the mint_* tables, with
// their schema versions. Each table is copied whole in its own transaction;
// one that cannot be read (a damaged page) is reported in Failed and the
// others are still copied. It also carries the curation status of each
// item whose final image is the same file in both databases: kept and
// rejected as they were, minted when the carried mint_tokens holds its
// token, pinned (and minted without a token) as kept: pin records are
// rebuilt from the files and checked against the destinations separately. d must be the rebuilt
// database, its items already planned; tables d already has rows in are
// left alone.
func (d *DB) CarryOver(ctx context.Context, oldPath string) (*CarryReport, error) {
	rep := &CarryReport{Rows: map[string]int{}, Statuses: map[Status][]int{}}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, d.wrapWriteErr(err)
	}
	defer conn.Close()
	// Rows of the old journal may name items the spec no longer plans;
	// they are history, kept as they were.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS old`, "file:"+uriPath(oldPath)+"?mode=ro"); err != nil {
		rep.Failed = append(rep.Failed, "all tables: "+cleanSQLiteErr(err))
		return rep, nil
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE old`)

	tables, err := oldTables(ctx, conn)
	if err != nil {
		rep.Failed = append(rep.Failed, "all tables: "+cleanSQLiteErr(err))
		return rep, nil
	}
	for _, t := range tables {
		if !carried(t.name) {
			continue
		}
		n, err := carryTable(ctx, conn, t)
		if err != nil {
			rep.Failed = append(rep.Failed, t.name+": "+cleanSQLiteErr(err))
			continue
		}
		rep.Rows[t.name] = n
	}
	for _, c := range carriedComponents {
		_, err := conn.ExecContext(ctx, `INSERT INTO main.schema_versions(component, version)
			SELECT component, version FROM old.schema_versions WHERE component = ?
			ON CONFLICT(component) DO NOTHING`, c)
		if err != nil {
			rep.Failed = append(rep.Failed, "schema version of "+c+": "+cleanSQLiteErr(err))
		}
	}
	if err := carryStatuses(ctx, conn, rep); err != nil {
		rep.Failed = append(rep.Failed, "item decisions: "+cleanSQLiteErr(err))
	}
	return rep, nil
}

type oldTable struct {
	name, sql string
	indexes   []string
}

func oldTables(ctx context.Context, conn *sql.Conn) ([]oldTable, error) {
	rows, err := conn.QueryContext(ctx, `SELECT type, name, tbl_name, coalesce(sql, '') FROM old.sqlite_master
		WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []oldTable
	at := map[string]int{}
	for rows.Next() {
		var typ, name, tbl, text string
		if err := rows.Scan(&typ, &name, &tbl, &text); err != nil {
			return nil, err
		}
		if typ == "table" {
			at[name] = len(tables)
			tables = append(tables, oldTable{name: name, sql: text})
		} else if i, ok := at[tbl]; ok && text != "" {
			tables[i].indexes = append(tables[i].indexes, text)
		}
	}
	return tables, rows.Err()
}

// carryTable creates t in the rebuilt database when it is missing (as the
// old one defined it) and copies its rows, unless the rebuilt table already
// has rows of its own.
func carryTable(ctx context.Context, conn *sql.Conn, t oldTable) (int, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = ?`, t.name).Scan(&exists); err != nil {
		return 0, err
	}
	q := quoteIdent(t.name)
	if exists == 0 {
		for _, stmt := range append([]string{t.sql}, t.indexes...) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return 0, err
			}
		}
	} else {
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM main.`+q).Scan(&have); err != nil {
			return 0, err
		}
		if have > 0 {
			return 0, fmt.Errorf("the rebuilt database already has %d rows", have)
		}
	}
	cols, err := commonColumns(ctx, tx, t.name)
	if err != nil {
		return 0, err
	}
	list := strings.Join(cols, ", ")
	res, err := tx.ExecContext(ctx, `INSERT INTO main.`+q+`(`+list+`) SELECT `+list+` FROM old.`+q)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), tx.Commit()
}

// commonColumns lists the columns a table has in both databases (a newer
// genmint may have added some to the rebuilt one).
func commonColumns(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	names := func(schema string) (map[string]bool, []string, error) {
		rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?, ?)`, table, schema)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		set := map[string]bool{}
		var order []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, nil, err
			}
			set[n] = true
			order = append(order, n)
		}
		return set, order, rows.Err()
	}
	have, _, err := names("main")
	if err != nil {
		return nil, err
	}
	_, old, err := names("old")
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, c := range old {
		if have[c] {
			cols = append(cols, quoteIdent(c))
		}
	}
	if len(cols) == 0 {
		return nil, errors.New("no column in common")
	}
	return cols, nil
}

// mintedHere reports whether the carried mint journal holds item id's token.
func mintedHere(ctx context.Context, conn *sql.Conn, id int) bool {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT count(*) FROM main.mint_tokens WHERE item_id = ?`, id).Scan(&n)
	return err == nil && n > 0
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// carryStatuses brings back curation decisions for items whose final image
// did not change.
func carryStatuses(ctx context.Context, conn *sql.Conn, rep *CarryReport) error {
	rows, err := conn.QueryContext(ctx, `SELECT o.id, o.status FROM old.items o JOIN main.items n ON n.id = o.id
		WHERE o.final_sha256 <> '' AND o.final_sha256 = n.final_sha256 AND n.status = 'generated'
			AND o.status IN ('kept', 'rejected', 'pinned', 'minted')`)
	if err != nil {
		return err
	}
	type change struct {
		id int
		to Status
	}
	var changes []change
	for rows.Next() {
		var id int
		var st Status
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return err
		}
		changes = append(changes, change{id, st})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, c := range changes {
		if c.to == Pinned || (c.to == Minted && !mintedHere(ctx, conn, c.id)) {
			changes[i].to = Kept
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE main.items SET status = ? WHERE id = ? AND status = 'generated'`, string(c.to), c.id); err != nil {
			return err
		}
		rep.Statuses[c.to] = append(rep.Statuses[c.to], c.id)
	}
	return tx.Commit()
}
