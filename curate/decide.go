package curate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/dustin/go-humanize/english"

	"github.com/genmint/genmint/state"
)

// Op is one curation decision.
type Op string

// Decisions.
const (
	OpKeep   Op = "keep"
	OpReject Op = "reject"
	OpStar   Op = "star"
	OpUnstar Op = "unstar"
	OpUndo   Op = "undo"  // only in Change.Op
	opFlags  Op = "flags" // a batch made by ApplyFlags
)

// ErrNothingToUndo is returned by Undo when every decision is already undone.
var ErrNothingToUndo = errors.New("nothing to undo")

// ErrUndoConflict is returned by Undo when an item of the newest batch has
// moved on since (pinned, regenerated, decided again by another genmint).
var ErrUndoConflict = errors.New("cannot undo")

// ErrCannotDecide is wrapped by ApplyFlags' error when an item named by
// --keep or --reject cannot take that decision (no image, already pinned).
var ErrCannotDecide = errors.New("cannot decide")

// ItemState is an item's curation state after a change.
type ItemState struct {
	ID      int
	Status  state.Status
	Starred bool
}

// Skip is an item a decision passed over, and why.
type Skip struct {
	ID     int          `json:"id"`
	Status state.Status `json:"status"`
	Reason string       `json:"reason"`
}

// Change is what one operation did.
type Change struct {
	Op        Op
	Batch     int64       // the decision-log batch; 0 when nothing changed
	Updated   []ItemState // items whose status or star changed, with their new state
	Unchanged int         // items already where the decision puts them
	Skipped   []Skip      // items the decision cannot apply to
}

// outcome of one decision on one item.
type outcome int

const (
	move      outcome = iota // status changes to the decision's target
	unchanged                // already there, or an accepted no-op
	skip                     // cannot apply; see reason
)

// rule says what a keep or reject does to an item in status from, and why
// not when it cannot. This table is the whole of curation's status policy.
func rule(op Op, from state.Status) (outcome, string) {
	switch op {
	case OpKeep:
		switch from {
		case state.Generated, state.Rejected:
			return move, ""
		case state.Kept:
			return unchanged, ""
		case state.Pinned, state.Minted:
			return unchanged, "" // already in the collection, for good
		case state.Pending:
			return skip, "no image yet: run 'genmint generate' first"
		case state.Failed:
			return skip, "no image (its generation failed): run 'genmint generate' to retry, or reject it"
		case state.Refused:
			return skip, "no image (the provider's content filter refused the prompt): regenerate it with an edited prompt in 'genmint curate', or reject it (--reject-refused)"
		}
	case OpReject:
		switch from {
		case state.Generated, state.Kept, state.Refused, state.Failed:
			return move, ""
		case state.Rejected:
			return unchanged, ""
		case state.Pending:
			return skip, "no image yet: run 'genmint generate' first, then decide"
		case state.Pinned:
			return skip, "already pinned to IPFS: curation never un-pins an item"
		case state.Minted:
			return skip, "already minted: curation never un-mints an item"
		}
	}
	return skip, fmt.Sprintf("unknown status %q", from)
}

func target(op Op) state.Status {
	if op == OpKeep {
		return state.Kept
	}
	return state.Rejected
}

// Apply makes one decision on the given items in one transaction and one
// log batch. Items the decision cannot apply to are skipped and listed in
// Change.Skipped with the reason; the others change. Unknown ids are skipped
// too. It is the TUI's path: a bulk keep of a filtered set keeps what can be
// kept.
func (s *Store) Apply(ctx context.Context, op Op, ids []int) (Change, error) {
	var ch Change
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		b := &batcher{tx: tx, now: stamp(s.db.Now()), op: op, source: s.source}
		defer b.close()
		ch, err = b.apply(ctx, op, ids)
		return err
	})
	if err != nil {
		return Change{}, fmt.Errorf("%s: %w", op, err)
	}
	return ch, nil
}

// Keep, Reject, Star and Unstar are Apply for one decision.
func (s *Store) Keep(ctx context.Context, ids ...int) (Change, error) {
	return s.Apply(ctx, OpKeep, ids)
}

// Reject rejects the given items; see Apply.
func (s *Store) Reject(ctx context.Context, ids ...int) (Change, error) {
	return s.Apply(ctx, OpReject, ids)
}

// Star stars the given items; see Apply.
func (s *Store) Star(ctx context.Context, ids ...int) (Change, error) {
	return s.Apply(ctx, OpStar, ids)
}

// Unstar removes the star from the given items; see Apply.
func (s *Store) Unstar(ctx context.Context, ids ...int) (Change, error) {
	return s.Apply(ctx, OpUnstar, ids)
}

// batcher writes the decisions of one batch inside one transaction. The
// batch row is created lazily, so an operation that changes nothing leaves
// nothing in the log (and Undo then reaches the previous real decision).
type batcher struct {
	tx     *sql.Tx
	now    string
	op     Op
	source Source
	batch  int64
	logIns *sql.Stmt
}

func (b *batcher) ensureBatch(ctx context.Context) error {
	if b.batch != 0 {
		return nil
	}
	res, err := b.tx.ExecContext(ctx, `INSERT INTO curate_batches(op, source, at) VALUES(?, ?, ?)`, string(b.op), string(b.source), b.now)
	if err != nil {
		return fmt.Errorf("log decision: %w", err)
	}
	if b.batch, err = res.LastInsertId(); err != nil {
		return err
	}
	b.logIns, err = b.tx.PrepareContext(ctx, `INSERT INTO curate_log(batch, item_id, from_status, to_status, star, at) VALUES(?, ?, ?, ?, ?, ?)`)
	return err
}

func (b *batcher) log(ctx context.Context, id int, from, to state.Status, star int) error {
	if err := b.ensureBatch(ctx); err != nil {
		return err
	}
	_, err := b.logIns.ExecContext(ctx, b.batch, id, string(from), string(to), star, b.now)
	if err != nil {
		return fmt.Errorf("log decision on item %d: %w", id, err)
	}
	return nil
}

func (b *batcher) close() {
	if b.logIns != nil {
		b.logIns.Close()
	}
}

// current reads the status and star of the given items (unknown ids absent).
func current(ctx context.Context, q queryer, ids []int) (map[int]ItemState, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.status, EXISTS(SELECT 1 FROM curate_stars s WHERE s.item_id = i.id)
		FROM items i WHERE i.id IN (SELECT value FROM json_each(?))`, idsJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("read items: %w", err)
	}
	defer rows.Close()
	out := make(map[int]ItemState, len(ids))
	for rows.Next() {
		var st ItemState
		if err := rows.Scan(&st.ID, &st.Status, &st.Starred); err != nil {
			return nil, err
		}
		out[st.ID] = st
	}
	return out, rows.Err()
}

// apply plans and writes one decision over ids.
func (b *batcher) apply(ctx context.Context, op Op, ids []int) (Change, error) {
	ids = dedupe(ids)
	ch := Change{Op: op}
	cur, err := current(ctx, b.tx, ids)
	if err != nil {
		return ch, err
	}
	switch op {
	case OpKeep, OpReject:
		to := target(op)
		byFrom := map[state.Status][]int{}
		for _, id := range ids {
			st, ok := cur[id]
			if !ok {
				ch.Skipped = append(ch.Skipped, Skip{ID: id, Reason: "not in this collection"})
				continue
			}
			switch out, why := rule(op, st.Status); out {
			case move:
				byFrom[st.Status] = append(byFrom[st.Status], id)
			case unchanged:
				ch.Unchanged++
			default:
				ch.Skipped = append(ch.Skipped, Skip{ID: id, Status: st.Status, Reason: why})
			}
		}
		froms := make([]string, 0, len(byFrom))
		for f := range byFrom {
			froms = append(froms, string(f))
		}
		sort.Strings(froms)
		for _, f := range froms {
			from := state.Status(f)
			moved := byFrom[from]
			res, err := b.tx.ExecContext(ctx, `UPDATE items SET status = ?, updated_at = ?
				WHERE id IN (SELECT value FROM json_each(?)) AND status = ?`, string(to), b.now, idsJSON(moved), string(from))
			if err != nil {
				return ch, fmt.Errorf("set status %s: %w", to, err)
			}
			if n, err := res.RowsAffected(); err != nil || int(n) != len(moved) {
				return ch, fmt.Errorf("items changed under us (another genmint?): re-run")
			}
			for _, id := range moved {
				if err := b.log(ctx, id, from, to, 0); err != nil {
					return ch, err
				}
				ch.Updated = append(ch.Updated, ItemState{ID: id, Status: to, Starred: cur[id].Starred})
			}
		}
	case OpStar, OpUnstar:
		want := op == OpStar
		for _, id := range ids {
			st, ok := cur[id]
			if !ok {
				ch.Skipped = append(ch.Skipped, Skip{ID: id, Reason: "not in this collection"})
				continue
			}
			if st.Starred == want {
				ch.Unchanged++
				continue
			}
			if err := setStar(ctx, b.tx, id, want, b.now); err != nil {
				return ch, err
			}
			delta := 1
			if !want {
				delta = -1
			}
			if err := b.log(ctx, id, st.Status, st.Status, delta); err != nil {
				return ch, err
			}
			ch.Updated = append(ch.Updated, ItemState{ID: id, Status: st.Status, Starred: want})
		}
	default:
		return ch, fmt.Errorf("unknown decision %q", op)
	}
	sort.Slice(ch.Updated, func(i, j int) bool { return ch.Updated[i].ID < ch.Updated[j].ID })
	ch.Batch = b.batch
	return ch, nil
}

func setStar(ctx context.Context, tx *sql.Tx, id int, on bool, now string) error {
	var err error
	if on {
		_, err = tx.ExecContext(ctx, `INSERT INTO curate_stars(item_id, starred_at) VALUES(?, ?) ON CONFLICT(item_id) DO NOTHING`, id, now)
	} else {
		_, err = tx.ExecContext(ctx, `DELETE FROM curate_stars WHERE item_id = ?`, id)
	}
	if err != nil {
		return fmt.Errorf("star item %d: %w", id, err)
	}
	return nil
}

// Undo reverses the newest decision batch not yet undone, whoever made it
// (this session, an earlier one, or a --keep/--reject run), in one
// transaction. When an item of that batch is no longer where the batch left
// it, nothing changes and the error wraps ErrUndoConflict.
func (s *Store) Undo(ctx context.Context) (Change, error) {
	ch := Change{Op: OpUndo}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var op string
		err := tx.QueryRowContext(ctx, `SELECT id, op FROM curate_batches WHERE undone_at = '' ORDER BY id DESC LIMIT 1`).Scan(&ch.Batch, &op)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNothingToUndo
		}
		if err != nil {
			return fmt.Errorf("read decision log: %w", err)
		}
		type row struct {
			id       int
			from, to state.Status
			star     int
		}
		rows, err := tx.QueryContext(ctx, `SELECT item_id, from_status, to_status, star FROM curate_log WHERE batch = ? ORDER BY id DESC`, ch.Batch)
		if err != nil {
			return fmt.Errorf("read decision log: %w", err)
		}
		var log []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.from, &r.to, &r.star); err != nil {
				rows.Close()
				return err
			}
			log = append(log, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := stamp(s.db.Now())
		final := map[int]ItemState{}
		var conflicts []int
		var conflictStatus state.Status
		for _, r := range log {
			if r.from != r.to {
				res, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, updated_at = ? WHERE id = ? AND status = ?`,
					string(r.from), now, r.id, string(r.to))
				if err != nil {
					return fmt.Errorf("undo item %d: %w", r.id, err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					conflicts = append(conflicts, r.id)
					if conflictStatus == "" {
						_ = tx.QueryRowContext(ctx, `SELECT status FROM items WHERE id = ?`, r.id).Scan(&conflictStatus)
					}
					continue
				}
			}
			if r.star != 0 {
				if err := setStar(ctx, tx, r.id, r.star < 0, now); err != nil {
					return err
				}
			}
			final[r.id] = ItemState{ID: r.id}
		}
		if len(conflicts) > 0 {
			return fmt.Errorf("%w the last %s: %s changed since (item %d is %s now)", ErrUndoConflict, op,
				english.PluralWord(len(conflicts), "item", "items")+" "+FormatIDs(conflicts), conflicts[0], conflictStatus)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE curate_batches SET undone_at = ? WHERE id = ?`, now, ch.Batch); err != nil {
			return fmt.Errorf("undo: %w", err)
		}
		ids := make([]int, 0, len(final))
		for id := range final {
			ids = append(ids, id)
		}
		cur, err := current(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			ch.Updated = append(ch.Updated, cur[id])
		}
		sort.Slice(ch.Updated, func(i, j int) bool { return ch.Updated[i].ID < ch.Updated[j].ID })
		return nil
	})
	if err != nil {
		return Change{Op: OpUndo}, err
	}
	return ch, nil
}

func dedupe(ids []int) []int {
	seen := make(map[int]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// describeSkips groups skipped items by reason into one line, e.g.
// "cannot keep items 3, 7-9: no image yet: run 'genmint generate' first".
func describeSkips(verb string, skips []Skip) string {
	byReason := map[string][]int{}
	var reasons []string
	for _, s := range skips {
		r := s.Reason
		if _, ok := byReason[r]; !ok {
			reasons = append(reasons, r)
		}
		byReason[r] = append(byReason[r], s.ID)
	}
	parts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		ids := byReason[r]
		parts = append(parts, fmt.Sprintf("%s %s: %s", english.PluralWord(len(ids), "item", "items"), FormatIDs(ids), r))
	}
	return "cannot " + verb + " " + strings.Join(parts, "; ")
}
