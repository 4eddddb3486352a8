package curate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
)

var ctx = context.Background()

// everyStatus gives item i (1-based) the i-th status of state.Statuses.
func everyStatus(id int) state.Status { return state.Statuses[(id-1)%len(state.Statuses)] }

func newStore(t *testing.T, o curatetest.Options) (*curate.Store, string) {
	t.Helper()
	dir := t.TempDir()
	db := curatetest.New(t, dir, o)
	s, err := curate.NewStore(ctx, db, dir, curate.SourceTUI)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func statusOf(t *testing.T, db *state.DB, id int) state.Status {
	t.Helper()
	it, err := db.Item(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return it.Status
}

// TestRules checks the whole status policy: every status under keep and
// reject, one item at a time.
func TestRules(t *testing.T) {
	type want struct {
		status state.Status
		skip   string // part of the skip reason; "" means not skipped
	}
	cases := map[curate.Op]map[state.Status]want{
		curate.OpKeep: {
			state.Pending:   {state.Pending, "no image yet"},
			state.Generated: {state.Kept, ""},
			state.Refused:   {state.Refused, "content filter refused"},
			state.Failed:    {state.Failed, "generation failed"},
			state.Kept:      {state.Kept, ""},
			state.Rejected:  {state.Kept, ""},
			state.Pinned:    {state.Pinned, ""},
			state.Minted:    {state.Minted, ""},
		},
		curate.OpReject: {
			state.Pending:   {state.Pending, "no image yet"},
			state.Generated: {state.Rejected, ""},
			state.Refused:   {state.Rejected, ""},
			state.Failed:    {state.Rejected, ""},
			state.Kept:      {state.Rejected, ""},
			state.Rejected:  {state.Rejected, ""},
			state.Pinned:    {state.Pinned, "never un-pins"},
			state.Minted:    {state.Minted, "never un-mints"},
		},
	}
	for op, byStatus := range cases {
		s, _ := newStore(t, curatetest.Options{N: len(state.Statuses), Status: everyStatus})
		for id := 1; id <= len(state.Statuses); id++ {
			from := everyStatus(id)
			w := byStatus[from]
			ch, err := s.Apply(ctx, op, []int{id})
			if err != nil {
				t.Fatalf("%s item %d (%s): %v", op, id, from, err)
			}
			if got := statusOf(t, s.DB(), id); got != w.status {
				t.Errorf("%s on %s: status %s, want %s", op, from, got, w.status)
			}
			switch {
			case w.skip != "":
				if len(ch.Skipped) != 1 || !strings.Contains(ch.Skipped[0].Reason, w.skip) || ch.Skipped[0].Status != from {
					t.Errorf("%s on %s: skipped %+v, want reason with %q", op, from, ch.Skipped, w.skip)
				}
				if ch.Batch != 0 {
					t.Errorf("%s on %s: a skip wrote log batch %d", op, from, ch.Batch)
				}
			case w.status == from:
				if ch.Unchanged != 1 || ch.Batch != 0 || len(ch.Updated) != 0 {
					t.Errorf("%s on %s: change %+v, want one unchanged and no batch", op, from, ch)
				}
			default:
				if len(ch.Updated) != 1 || ch.Updated[0].Status != w.status || ch.Batch == 0 {
					t.Errorf("%s on %s: change %+v, want item moved to %s in a batch", op, from, ch, w.status)
				}
			}
		}
	}
}

func TestDecisionIsDurableAtOnce(t *testing.T) {
	s, dir := newStore(t, curatetest.Options{N: 3})
	if _, err := s.Keep(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Star(ctx, 3); err != nil {
		t.Fatal(err)
	}
	// A second connection (another process after a kill) sees both at once:
	// nothing waits in memory.
	other, err := state.Open(ctx, dir, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if got := statusOf(t, other, 2); got != state.Kept {
		t.Errorf("status seen by another connection: %s, want kept", got)
	}
	sum, err := (&curateSummary{other}).get(t)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Starred != 1 || sum.Kept != 1 || sum.Undecided != 2 || sum.Total != 3 {
		t.Errorf("summary from another connection: %+v", sum)
	}
}

type curateSummary struct{ db *state.DB }

func (c *curateSummary) get(t *testing.T) (curate.Summary, error) {
	s, err := curate.NewStore(ctx, c.db, "", curate.SourceTUI)
	if err != nil {
		return curate.Summary{}, err
	}
	return s.Summary(ctx)
}

func TestUndo(t *testing.T) {
	s, _ := newStore(t, curatetest.Options{N: 6})
	if _, err := s.Undo(ctx); !errors.Is(err, curate.ErrNothingToUndo) {
		t.Fatalf("undo on a fresh collection: %v, want ErrNothingToUndo", err)
	}
	steps := []struct {
		op  curate.Op
		ids []int
	}{
		{curate.OpKeep, []int{1}},
		{curate.OpReject, []int{2, 3}},
		{curate.OpStar, []int{1, 4}},
		{curate.OpKeep, []int{2}}, // rejected → kept
		{curate.OpUnstar, []int{4}},
	}
	type snap struct {
		status map[int]state.Status
		star   map[int]bool
	}
	take := func() snap {
		es, err := s.Entries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sn := snap{map[int]state.Status{}, map[int]bool{}}
		for _, e := range es {
			sn.status[e.ID], sn.star[e.ID] = e.Status, e.Starred
		}
		return sn
	}
	var history []snap
	for _, st := range steps {
		history = append(history, take())
		if _, err := s.Apply(ctx, st.op, st.ids); err != nil {
			t.Fatal(err)
		}
	}
	// A decision that changes nothing leaves no batch to undo.
	if ch, err := s.Keep(ctx, 1); err != nil || ch.Batch != 0 {
		t.Fatalf("no-op keep: %+v, %v", ch, err)
	}
	for i := len(steps) - 1; i >= 0; i-- {
		ch, err := s.Undo(ctx)
		if err != nil {
			t.Fatalf("undo %s: %v", steps[i].op, err)
		}
		var ids []int
		for _, u := range ch.Updated {
			ids = append(ids, u.ID)
		}
		if !reflect.DeepEqual(ids, steps[i].ids) {
			t.Errorf("undo %s touched %v, want %v", steps[i].op, ids, steps[i].ids)
		}
		if got := take(); !reflect.DeepEqual(got, history[i]) {
			t.Errorf("after undoing %s %v: %+v, want %+v", steps[i].op, steps[i].ids, got, history[i])
		}
	}
	if _, err := s.Undo(ctx); !errors.Is(err, curate.ErrNothingToUndo) {
		t.Fatalf("undo past the start: %v", err)
	}
}

func TestUndoRefusesWhenItemMovedOn(t *testing.T) {
	s, _ := newStore(t, curatetest.Options{N: 3})
	if _, err := s.Keep(ctx, 1, 2); err != nil {
		t.Fatal(err)
	}
	// Item 2 gets pinned afterwards by 'genmint pin'.
	if _, err := s.DB().SetStatus(ctx, []int{2}, state.Pinned, state.Kept); err != nil {
		t.Fatal(err)
	}
	_, err := s.Undo(ctx)
	if !errors.Is(err, curate.ErrUndoConflict) || !strings.Contains(err.Error(), "item 2 is pinned now") {
		t.Fatalf("undo after pin: %v, want a conflict naming item 2", err)
	}
	// All or nothing: item 1 stays kept, item 2 stays pinned.
	if got := statusOf(t, s.DB(), 1); got != state.Kept {
		t.Errorf("item 1 after a refused undo: %s, want kept", got)
	}
	if got := statusOf(t, s.DB(), 2); got != state.Pinned {
		t.Errorf("item 2 after a refused undo: %s, want pinned", got)
	}
}

func TestBulkIsOneBatch(t *testing.T) {
	s, _ := newStore(t, curatetest.Options{N: 50, Status: func(id int) state.Status {
		if id%10 == 0 {
			return state.Refused
		}
		return state.Generated
	}})
	var ids []int
	for i := 1; i <= 50; i++ {
		ids = append(ids, i)
	}
	ch, err := s.Keep(ctx, append(ids, 99)...)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Updated) != 45 || len(ch.Skipped) != 6 {
		t.Fatalf("bulk keep: %d updated, %d skipped, want 45 and 6 (5 refused, 1 unknown)", len(ch.Updated), len(ch.Skipped))
	}
	if last := ch.Skipped[len(ch.Skipped)-1]; last.ID != 99 || !strings.Contains(last.Reason, "not in this collection") {
		t.Errorf("unknown id skip: %+v", last)
	}
	var rows, batches int
	s.DB().SQL().QueryRow(`SELECT count(*), count(DISTINCT batch) FROM curate_log`).Scan(&rows, &batches)
	if rows != 45 || batches != 1 {
		t.Errorf("log has %d rows in %d batches, want 45 in 1", rows, batches)
	}
	var from, to string
	s.DB().SQL().QueryRow(`SELECT from_status, to_status FROM curate_log WHERE item_id = 7`).Scan(&from, &to)
	if from != "generated" || to != "kept" {
		t.Errorf("log row for item 7: %s → %s", from, to)
	}
	if ch, err := s.Undo(ctx); err != nil || len(ch.Updated) != 45 {
		t.Fatalf("undo bulk: %d updated, %v", len(ch.Updated), err)
	}
	sum, _ := s.Summary(ctx)
	if sum.Kept != 0 || sum.Undecided != 45 || sum.Refused != 5 {
		t.Errorf("after undoing the bulk keep: %+v", sum)
	}
}

func TestEntriesAndDetails(t *testing.T) {
	s, dir := newStore(t, curatetest.Options{N: 5, Sidecars: true, Status: func(id int) state.Status {
		if id == 5 {
			return state.Refused
		}
		return state.Generated
	}})
	if _, err := s.Star(ctx, 2); err != nil {
		t.Fatal(err)
	}
	es, err := s.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 5 || !es[1].Starred || es[0].Starred || es[4].Status != state.Refused || es[4].HasImage() || !es[0].HasImage() {
		t.Fatalf("entries: %+v", es)
	}
	if !reflect.DeepEqual(es[2].Traits, curatetest.Traits(3)) || es[4].Error == "" {
		t.Errorf("entry 3 traits %v, entry 5 error %q", es[2].Traits, es[4].Error)
	}
	d, err := s.Details(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if d.Record == nil || d.Record.Content.Item != 2 || d.Record.Content.Prompt != curatetest.Prompt(2) || !d.Starred {
		t.Fatalf("details of item 2: %+v (record error %q)", d, d.RecordErr)
	}
	// A missing sidecar is reported, not fatal.
	if err := os.Remove(filepath.Join(dir, "items", "0003", "provenance.json")); err != nil {
		t.Fatal(err)
	}
	d, err = s.Details(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d.Record != nil || !strings.Contains(d.RecordErr, "missing") {
		t.Errorf("details with a missing sidecar: record %v, error %q", d.Record, d.RecordErr)
	}
	os.WriteFile(filepath.Join(dir, "items", "0004", "provenance.json"), []byte("{not json"), 0o644)
	d, _ = s.Details(ctx, 4)
	if d.Record != nil || !strings.Contains(d.RecordErr, "not a provenance record") {
		t.Errorf("details with a broken sidecar: error %q", d.RecordErr)
	}
	if _, err := s.Details(ctx, 42); !errors.Is(err, state.ErrNoItem) {
		t.Errorf("details of a missing item: %v", err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	s, dir := newStore(t, curatetest.Options{N: 1})
	if _, err := s.Keep(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := curate.NewStore(ctx, s.DB(), dir, curate.SourceTUI); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.DB().SchemaVersion(ctx, curate.Component); v != 1 {
		t.Errorf("curate schema version %d, want 1", v)
	}
	if got := statusOf(t, s.DB(), 1); got != state.Kept {
		t.Errorf("a second migrate changed data: %s", got)
	}
}

func TestSummaryString(t *testing.T) {
	s := curate.Summary{Total: 10, Kept: 4, Rejected: 2, Undecided: 1, Starred: 3, Refused: 2, Pending: 1}
	want := "kept 4, rejected 2, undecided 1 of 10 items; 3 starred; 3 without an image (refused 2, failed 0, pending 1)"
	if got := s.String(); got != want {
		t.Errorf("Summary.String() = %q, want %q", got, want)
	}
}
