package verify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

func localRun(t *testing.T, f *fixture, ids ...int) *Report {
	t.Helper()
	o := LocalOptions{Dir: f.dir, DB: f.db, Collection: f.coll, Concurrency: 2}
	if len(ids) > 0 {
		o.IDs = ids
	}
	r, err := Local(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) path(id int, name string) string {
	return filepath.Join(f.dir, "items", "000"+string(rune('0'+id)), name)
}

func edit(t *testing.T, path string, fn func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fn(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLocalNotPinned(t *testing.T) {
	f := newFixture(t, 3, false)
	r := localRun(t, f)
	if !r.OK || r.Verified != 3 || r.Mode != ModeLocal || r.BaseURI != "" || len(r.Links) != 3 {
		t.Fatalf("%+v", r)
	}
	if want := "verified 3 of 3 items: image → provenance → original (offline; not pinned yet, so no CIDs to check)"; r.Summary() != want {
		t.Fatalf("summary %q", r.Summary())
	}
	// Rejected items are not part of the collection, unless named.
	if _, err := f.db.SetStatus(context.Background(), []int{3}, state.Rejected, state.Kept); err != nil {
		t.Fatal(err)
	}
	os.Remove(f.path(3, "final.png"))
	if r := localRun(t, f); !r.OK || r.Tokens != 2 {
		t.Fatalf("rejected item checked: %+v", r)
	}
	if r := localRun(t, f, 3); r.OK || only(t, r).Check != "missing" {
		t.Fatalf("named rejected item: %+v", r)
	}
}

func TestLocalPinned(t *testing.T) {
	f := newFixture(t, 3, true)
	_, rec := f.pinCAR(t)
	r := localRun(t, f)
	if !r.OK || r.Verified != 3 || r.BaseURI != rec.BaseURI || len(r.Collection) != 0 {
		t.Fatalf("%+v", r)
	}
	if want := "verified 3 of 3 items: image → provenance → original → pin → metadata (offline)"; r.Summary() != want {
		t.Fatalf("summary %q", r.Summary())
	}
	for _, tr := range r.Results {
		it := rec.Items[tr.ID-1]
		if tr.ImageCID != it.ImageCID || tr.MetadataCID != it.MetadataCID || tr.OriginalCID != it.OriginalCID || tr.ProvenanceCID != it.ProvenanceCID || tr.TokenURI != it.TokenURI {
			t.Fatalf("item %d: %+v, pinned %+v", tr.ID, tr, it)
		}
	}
	if r := localRun(t, f, 2, 9); r.Tokens != 2 || r.Verified != 1 || only(t, r).Check != "missing" || only(t, r).Token != 9 {
		t.Fatalf("--only 2,9: %+v", r)
	}
	if _, err := f.db.SetStatus(context.Background(), []int{3}, state.Rejected, state.Pinned); err != nil {
		t.Fatal(err)
	}
	if r := localRun(t, f); r.Tokens != 3 || r.OK || only(t, r).Check != "items" {
		t.Fatalf("a rejected item is checked, or the changed set is not reported: %+v", r)
	}
}

func TestLocalTampered(t *testing.T) {
	cases := []struct {
		name   string
		pinned bool
		apply  func(t *testing.T, f *fixture)
		want   []string // "token/link/check", token 0 for the collection
	}{
		{name: "final image changed", apply: func(t *testing.T, f *fixture) {
			edit(t, f.path(2, "final.png"), func(b []byte) []byte { return append(b, 0) })
		}, want: []string{"2/provenance/mismatch"}},
		{name: "XMP stripped, record patched to match", apply: func(t *testing.T, f *fixture) {
			var stripped []byte
			edit(t, f.path(2, "final.png"), func(b []byte) []byte { stripped = stripXMP(t, b); return stripped })
			edit(t, f.path(2, "provenance.json"), func(b []byte) []byte {
				rec, err := provenance.ParseRecord(b)
				if err != nil {
					t.Fatal(err)
				}
				rec.Final.SHA256, rec.Final.Bytes = sha256Hex(stripped), int64(len(stripped))
				out, _ := provenance.MarshalRecord(rec)
				return out
			})
		}, want: []string{"2/provenance/mismatch"}},
		{name: "provenance record edited", apply: func(t *testing.T, f *fixture) {
			edit(t, f.path(1, "provenance.json"), func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"negative_prompt": "blurry"`), []byte(`"negative_prompt": "crisp"`), 1)
			})
		}, want: []string{"1/provenance/mismatch"}},
		{name: "original replaced", apply: func(t *testing.T, f *fixture) {
			b, _ := os.ReadFile(f.path(3, "original.png"))
			if err := os.WriteFile(f.path(1, "original.png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"1/original/sha256"}},
		{name: "record missing", apply: func(t *testing.T, f *fixture) {
			os.Remove(f.path(3, "provenance.json"))
		}, want: []string{"3/provenance/missing"}},
		{name: "final image changed after pinning", pinned: true, apply: func(t *testing.T, f *fixture) {
			edit(t, f.path(2, "final.png"), func(b []byte) []byte { return append(b, 0) })
		}, want: []string{"0/pin/recompute", "2/provenance/mismatch"}},
		{name: "genmint.yaml's description changed after pinning", pinned: true, apply: func(t *testing.T, f *fixture) {
			f.coll.Description = "a new description"
		}, want: []string{"0/pin/root", "0/pin/root"}},
		{name: "pin record names another image CID", pinned: true, apply: func(t *testing.T, f *fixture) {
			if _, err := f.db.SQL().Exec(`UPDATE pin_items SET image_cid = (SELECT image_cid FROM pin_items WHERE item_id = 1) WHERE item_id = 2`); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"2/pin/cid"}},
		{name: "pin record names another metadata root", pinned: true, apply: func(t *testing.T, f *fixture) {
			if _, err := f.db.SQL().Exec(`UPDATE pin_runs SET metadata_cid = images_cid`); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"0/pin/root"}},
		{name: "pin record names another tokenURI", pinned: true, apply: func(t *testing.T, f *fixture) {
			if _, err := f.db.SQL().Exec(`UPDATE pin_items SET token_uri = token_uri || '0' WHERE item_id = 1`); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"1/tokenURI/uri"}},
		{name: "an item curated out after pinning", pinned: true, apply: func(t *testing.T, f *fixture) {
			if _, err := f.db.SQL().Exec(`UPDATE items SET status = 'rejected' WHERE id = 3`); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"0/pin/items"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 3, true)
			if tc.pinned {
				f.pinCAR(t)
			}
			tc.apply(t, f)
			r := localRun(t, f)
			var got []string
			for _, fl := range r.Failures() {
				got = append(got, strings.Join([]string{strconv.Itoa(fl.Token), string(fl.Link), fl.Check}, "/"))
				if fl.Fix == "" || strings.Contains(fl.String(), "\n") {
					t.Errorf("failure line %q", fl)
				}
				t.Log(fl)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") || r.OK {
				t.Fatalf("failures %v, want %v", got, tc.want)
			}
		})
	}
}

// verify --local re-derives each item's animation: from the files alone,
// and once pinned as the token's animation_url through the pin record.
func TestLocalAnimation(t *testing.T) {
	for _, pinned := range []bool{false, true} {
		f := newAnimatedFixture(t, 3)
		var rec *pin.Record
		if pinned {
			_, rec = f.pinCAR(t)
		}
		r := localRun(t, f)
		if !r.OK || r.Verified != 3 || !slices.Contains(r.Links, LinkAnimation) {
			t.Fatalf("pinned %t: %+v %v", pinned, r, r.Failures())
		}
		if pinned {
			for _, tr := range r.Results {
				if tr.AnimationCID == "" || tr.AnimationCID != rec.Items[tr.ID-1].AnimationCID {
					t.Fatalf("item %d: animation %q, pinned %q", tr.ID, tr.AnimationCID, rec.Items[tr.ID-1].AnimationCID)
				}
			}
		}
	}
}

// A changed animation file fails its item naming the record's field, and,
// once pinned, the recomputed images root too; a pin record naming
// another animation CID fails the item's pin link.
func TestLocalAnimationTampered(t *testing.T) {
	flip := func(t *testing.T, f *fixture) { // same size, other bytes
		edit(t, f.path(2, "animation.gif"), func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b })
	}
	cases := []struct {
		name   string
		pinned bool
		apply  func(t *testing.T, f *fixture)
		want   string
	}{
		{name: "bytes changed", apply: flip, want: "2/animation/sha256"},
		{name: "bytes added", apply: func(t *testing.T, f *fixture) {
			edit(t, f.path(3, "animation.gif"), func(b []byte) []byte { return append(b, 0) })
		}, want: "3/animation/sha256"},
		{name: "removed", apply: func(t *testing.T, f *fixture) {
			os.Remove(f.path(1, "animation.gif"))
		}, want: "1/animation/missing"},
		{name: "bytes changed after pinning", pinned: true, apply: flip, want: "0/pin/recompute 2/animation/sha256"},
		{name: "pin record names another animation CID", pinned: true, apply: func(t *testing.T, f *fixture) {
			if _, err := f.db.SQL().Exec(`UPDATE pin_items SET animation_cid = (SELECT animation_cid FROM pin_items WHERE item_id = 1) WHERE item_id = 3`); err != nil {
				t.Fatal(err)
			}
		}, want: "3/pin/cid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newAnimatedFixture(t, 3)
			if tc.pinned {
				f.pinCAR(t)
			}
			tc.apply(t, f)
			r := localRun(t, f)
			var got []string
			for _, fl := range r.Failures() {
				got = append(got, strings.Join([]string{strconv.Itoa(fl.Token), string(fl.Link), fl.Check}, "/"))
				if fl.Fix == "" || strings.Contains(fl.String(), "\n") {
					t.Errorf("failure line %q", fl)
				}
				if fl.Link == LinkAnimation && fl.Check == "sha256" && !strings.Contains(fl.Message, "content.animation.sha256") {
					t.Errorf("the failure does not name the field: %q", fl)
				}
				t.Log(fl)
			}
			if strings.Join(got, " ") != tc.want || r.OK || r.Verified != 2 {
				t.Fatalf("failures %v, want %v (%d verified)", got, tc.want, r.Verified)
			}
		})
	}
}
