package curate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dustin/go-humanize/english"

	"github.com/genmint/genmint/state"
)

// ErrNoDecision is returned by ApplyFlags when no flag asks for anything.
var ErrNoDecision = errors.New("no decision given: pass --keep, --reject, --keep-all, --reject-refused or --keep-starred (or run 'genmint curate' in a terminal)")

// ErrConflict is wrapped when one item is named by both --keep and --reject.
var ErrConflict = errors.New("conflicting decisions")

// Flags are the decisions `genmint curate` takes without a terminal.
//
// They are applied in this order, all in one transaction (all or nothing):
//
//  1. Keep and Reject: the items named (ids from ParseIDs). Strict: every
//     named item must be in the collection and able to take the decision, or
//     nothing changes and the error (wrapping ErrCannotDecide) lists the
//     items and why. Keeping an item already kept, pinned or minted, or
//     rejecting one already rejected, is fine and changes nothing. Naming an
//     item in both is an error (ErrConflict).
//  2. RejectRefused: every refused item is rejected (taken out of the
//     collection; 'genmint generate' does not retry it unless its prompt
//     changes).
//  3. KeepStarred: every undecided (generated) starred item is kept; starred
//     items without an image (refused, failed, pending) are listed in
//     Summary.Skipped.
//  4. KeepAll: every undecided (generated) item is kept.
//
// Bulk flags never override a decision already made (kept, rejected —
// including by steps 1 and 2): name such items in Keep or Reject instead.
// No flag ever un-pins or un-mints an item.
type Flags struct {
	Keep          []int
	Reject        []int
	KeepAll       bool
	RejectRefused bool
	KeepStarred   bool
}

// Empty reports whether the flags ask for nothing.
func (f Flags) Empty() bool {
	return len(f.Keep) == 0 && len(f.Reject) == 0 && !f.KeepAll && !f.RejectRefused && !f.KeepStarred
}

// ApplyFlags applies f to the collection in one transaction and one
// decision-log batch (so one Undo in the TUI reverses it all), and returns
// the collection's summary afterwards with Changed counting the items this
// run changed.
func ApplyFlags(ctx context.Context, db *state.DB, f Flags) (Summary, error) {
	if f.Empty() {
		return Summary{}, ErrNoDecision
	}
	if both := intersect(f.Keep, f.Reject); len(both) > 0 {
		return Summary{}, fmt.Errorf("%w: %s %s named by both --keep and --reject: name each item once",
			ErrConflict, english.PluralWord(len(both), "item", "items"), FormatIDs(both))
	}
	if err := Migrate(ctx, db); err != nil {
		return Summary{}, err
	}
	changed := map[int]bool{}
	var skipped []Skip
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		b := &batcher{tx: tx, now: stamp(db.Now()), op: opFlags, source: SourceFlags}
		defer b.close()
		run := func(op Op, ids []int, strict bool, flag string) error {
			if len(ids) == 0 {
				return nil
			}
			ch, err := b.apply(ctx, op, ids)
			if err != nil {
				return err
			}
			if strict && len(ch.Skipped) > 0 {
				return cannotDecide(fmt.Sprintf("%s (from %s)", describeSkips(string(op), ch.Skipped), flag))
			}
			for _, u := range ch.Updated {
				changed[u.ID] = true
			}
			skipped = append(skipped, ch.Skipped...)
			return nil
		}
		if err := run(OpKeep, f.Keep, true, "--keep"); err != nil {
			return err
		}
		if err := run(OpReject, f.Reject, true, "--reject"); err != nil {
			return err
		}
		if f.RejectRefused {
			ids, err := selectIDs(ctx, tx, `SELECT id FROM items WHERE status = 'refused' ORDER BY id`)
			if err != nil {
				return err
			}
			if err := run(OpReject, ids, false, "--reject-refused"); err != nil {
				return err
			}
		}
		if f.KeepStarred {
			ids, err := selectIDs(ctx, tx, `SELECT i.id FROM items i JOIN curate_stars s ON s.item_id = i.id
				WHERE i.status IN ('generated', 'refused', 'failed', 'pending') ORDER BY i.id`)
			if err != nil {
				return err
			}
			if err := run(OpKeep, ids, false, "--keep-starred"); err != nil {
				return err
			}
		}
		if f.KeepAll {
			ids, err := selectIDs(ctx, tx, `SELECT id FROM items WHERE status = 'generated' ORDER BY id`)
			if err != nil {
				return err
			}
			if err := run(OpKeep, ids, false, "--keep-all"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	sum, err := summarize(ctx, db)
	if err != nil {
		return sum, err
	}
	sum.Changed = len(changed)
	if skipped != nil {
		sum.Skipped = skipped
	}
	return sum, nil
}

// cannotDecide is ErrCannotDecide with its message alone ("cannot keep item
// 9: not in this collection (from --keep)"), not prefixed by the sentinel's.
type cannotDecide string

func (e cannotDecide) Error() string { return string(e) }
func (e cannotDecide) Unwrap() error { return ErrCannotDecide }

func selectIDs(ctx context.Context, tx *sql.Tx, q string) ([]int, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("select items: %w", err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func intersect(a, b []int) []int {
	in := make(map[int]bool, len(a))
	for _, x := range a {
		in[x] = true
	}
	var out []int
	for _, x := range b {
		if in[x] {
			out = append(out, x)
			in[x] = false
		}
	}
	return out
}

// FlagsUsage is the sentence `genmint curate` prints (exit 2) when it has no
// terminal and no decision flag.
func FlagsUsage() string {
	return strings.Join([]string{
		"genmint curate needs a terminal for the interactive view; without one, pass decisions as flags:",
		"--keep 1-20,25, --reject 21-24, --keep-all, --reject-refused, --keep-starred",
	}, " ")
}
