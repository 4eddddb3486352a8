package curate_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
)

// flagCollection: 30 items; 21-24 refused, 25 failed, 26 pending, 27 pinned,
// 28 minted, 29 kept, 30 rejected; the rest generated. Items 3 and 29 and 22
// are starred.
func flagCollection(t *testing.T) *curate.Store {
	t.Helper()
	s, _ := newStore(t, curatetest.Options{N: 30, Status: func(id int) state.Status {
		switch {
		case id >= 21 && id <= 24:
			return state.Refused
		case id == 25:
			return state.Failed
		case id == 26:
			return state.Pending
		case id == 27:
			return state.Pinned
		case id == 28:
			return state.Minted
		case id == 29:
			return state.Kept
		case id == 30:
			return state.Rejected
		}
		return state.Generated
	}})
	if _, err := s.Star(ctx, 3, 22, 29, 30); err != nil {
		t.Fatal(err)
	}
	return s
}

func statuses(t *testing.T, s *curate.Store) map[int]state.Status {
	t.Helper()
	es, err := s.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := map[int]state.Status{}
	for _, e := range es {
		m[e.ID] = e.Status
	}
	return m
}

func ids(s string) []int {
	v, err := curate.ParseIDs(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestApplyFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   curate.Flags
		want    map[int]state.Status // statuses that differ from the start
		changed int
		skipped []int
	}{
		{
			name:    "keep and reject ranges",
			flags:   curate.Flags{Keep: ids("1-10,12"), Reject: ids("11,13-14,21-24")},
			want:    map[int]state.Status{1: "kept", 5: "kept", 10: "kept", 12: "kept", 11: "rejected", 13: "rejected", 14: "rejected", 21: "rejected", 24: "rejected"},
			changed: 11 + 3 + 4,
		},
		{
			name:  "keeping what is kept, pinned or minted changes nothing",
			flags: curate.Flags{Keep: ids("27-29"), Reject: ids("30")},
		},
		{
			name:    "keep-all keeps undecided items only",
			flags:   curate.Flags{KeepAll: true, Reject: ids("2")},
			want:    map[int]state.Status{1: "kept", 2: "rejected", 20: "kept"},
			changed: 20,
		},
		{
			name:    "reject-refused",
			flags:   curate.Flags{RejectRefused: true},
			want:    map[int]state.Status{21: "rejected", 22: "rejected", 23: "rejected", 24: "rejected"},
			changed: 4,
		},
		{
			name:    "keep-starred keeps undecided starred items; earlier rejections stand",
			flags:   curate.Flags{KeepStarred: true},
			want:    map[int]state.Status{3: "kept"},
			changed: 1,
			skipped: []int{22},
		},
		{
			name:    "everything at once",
			flags:   curate.Flags{KeepAll: true, RejectRefused: true, KeepStarred: true, Keep: ids("30")},
			want:    map[int]state.Status{1: "kept", 20: "kept", 30: "kept", 21: "rejected", 22: "rejected"},
			changed: 20 + 1 + 4,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := flagCollection(t)
			before := statuses(t, s)
			sum, err := curate.ApplyFlags(ctx, s.DB(), tc.flags)
			if err != nil {
				t.Fatal(err)
			}
			after := statuses(t, s)
			for id, st := range after {
				want := before[id]
				if w, ok := tc.want[id]; ok {
					want = w
				}
				// Ranges in want are spot checks; derive the rest from the flags.
				if _, ok := tc.want[id]; !ok && st != before[id] {
					continue
				}
				if st != want {
					t.Errorf("item %d: %s, want %s", id, st, want)
				}
			}
			if sum.Changed != tc.changed {
				t.Errorf("changed %d, want %d", sum.Changed, tc.changed)
			}
			var skipped []int
			for _, sk := range sum.Skipped {
				skipped = append(skipped, sk.ID)
			}
			if curate.FormatIDs(skipped) != curate.FormatIDs(tc.skipped) {
				t.Errorf("skipped %v, want %v", sum.Skipped, tc.skipped)
			}
			// Pinned and minted items never move.
			if after[27] != state.Pinned || after[28] != state.Minted {
				t.Errorf("pinned/minted moved: %s, %s", after[27], after[28])
			}
			total := 0
			for _, n := range []int{sum.Kept, sum.Rejected, sum.Undecided, sum.Refused, sum.Failed, sum.Pending, sum.Pinned, sum.Minted} {
				total += n
			}
			if total != 30 || sum.Total != 30 || sum.Starred != 4 {
				t.Errorf("summary does not add up: %+v", sum)
			}
		})
	}
}

func TestApplyFlagsKeepAllCounts(t *testing.T) {
	s := flagCollection(t)
	sum, err := curate.ApplyFlags(ctx, s.DB(), curate.Flags{KeepAll: true})
	if err != nil {
		t.Fatal(err)
	}
	st := statuses(t, s)
	for id := 1; id <= 20; id++ {
		if st[id] != state.Kept {
			t.Errorf("item %d after --keep-all: %s", id, st[id])
		}
	}
	if st[30] != state.Rejected {
		t.Errorf("--keep-all overrode an earlier rejection: %s", st[30])
	}
	if sum.Kept != 21 || sum.Rejected != 1 || sum.Undecided != 0 {
		t.Errorf("summary %+v", sum)
	}
	b, _ := json.Marshal(sum)
	for _, key := range []string{`"kept":21`, `"rejected":1`, `"undecided":0`, `"changed":20`, `"skipped":[]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("summary JSON %s lacks %s", b, key)
		}
	}
}

// Strict flags change nothing when any named item cannot take the decision.
func TestApplyFlagsErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags curate.Flags
		is    error
		msg   []string
	}{
		{"no flags", curate.Flags{}, curate.ErrNoDecision, []string{"--keep", "--keep-all", "--reject-refused", "--keep-starred"}},
		{"both", curate.Flags{Keep: ids("1-5"), Reject: ids("4-6")}, curate.ErrConflict, []string{"items 4-5 named by both --keep and --reject"}},
		{"keep refused", curate.Flags{Keep: ids("1-3,21-22,25-26")}, curate.ErrCannotDecide,
			[]string{"cannot keep", "items 21-22: no image (the provider's content filter refused", "item 25: no image (its generation failed)", "item 26: no image yet", "(from --keep)"}},
		{"reject pinned", curate.Flags{KeepAll: true, Reject: ids("27-28")}, curate.ErrCannotDecide,
			[]string{"item 27: already pinned to IPFS: curation never un-pins", "item 28: already minted", "(from --reject)"}},
		{"unknown item", curate.Flags{Keep: ids("1,31-40")}, curate.ErrCannotDecide, []string{"items 31-40: not in this collection"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := flagCollection(t)
			before := statuses(t, s)
			_, err := curate.ApplyFlags(ctx, s.DB(), tc.flags)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			after := statuses(t, s)
			for id := range before {
				if before[id] != after[id] {
					t.Errorf("item %d changed from %s to %s although the flags failed", id, before[id], after[id])
				}
			}
			var n int
			s.DB().SQL().QueryRow(`SELECT count(*) FROM curate_batches WHERE op = 'flags'`).Scan(&n)
			if n != 0 {
				t.Errorf("a failed flags run left %d batches", n)
			}
		})
	}
}

func TestApplyFlagsUndoneAsOne(t *testing.T) {
	s := flagCollection(t)
	before := statuses(t, s)
	if _, err := curate.ApplyFlags(ctx, s.DB(), curate.Flags{KeepAll: true, RejectRefused: true, Reject: ids("1")}); err != nil {
		t.Fatal(err)
	}
	ch, err := s.Undo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Updated) != 1+19+4 {
		t.Errorf("undo of a flags run touched %d items, want 24", len(ch.Updated))
	}
	after := statuses(t, s)
	for id := range before {
		if before[id] != after[id] {
			t.Errorf("item %d: %s after undo, want %s", id, after[id], before[id])
		}
	}
}

func TestFlagsUsageNamesEveryFlag(t *testing.T) {
	u := curate.FlagsUsage()
	for _, f := range []string{"--keep ", "--reject ", "--keep-all", "--reject-refused", "--keep-starred"} {
		if !strings.Contains(u, f) {
			t.Errorf("usage %q lacks %s", u, f)
		}
	}
}
