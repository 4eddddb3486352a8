package curate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/curate/curatetest"
	"github.com/genmint/genmint/state"
)

func TestArchiveCandidate(t *testing.T) {
	s, dir := newStore(t, curatetest.Options{N: 3, Sidecars: true, Status: func(id int) state.Status {
		if id == 3 {
			return state.Refused
		}
		return state.Kept
	}})
	it, err := s.DB().Item(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for no := 1; no <= 2; no++ {
		v, err := curate.ArchiveCandidate(ctx, s.DB(), dir, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v == nil || v.No != no || v.Seed != it.Seed || v.Prompt != it.Prompt || v.Status != state.Kept ||
			v.Final.SHA256 != it.Final.SHA256 || v.RecordSHA256 != it.RecordSHA256 {
			t.Fatalf("variant %d: %+v", no, v)
		}
		for _, pair := range [][2]string{{it.Final.Path, v.Final.Path}, {it.Original.Path, v.Original.Path}, {it.ProvenancePath, v.ProvenancePath}} {
			want, err := os.ReadFile(filepath.Join(dir, pair[0]))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, pair[1]))
			if err != nil {
				t.Fatalf("variant %d copy of %s: %v", no, pair[0], err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("variant %d copy %s differs from %s", no, pair[1], pair[0])
			}
		}
	}
	vs, err := curate.Variants(ctx, s.DB(), 1)
	if err != nil || len(vs) != 2 || vs[0].No != 1 || vs[1].No != 2 || vs[0].Final.Path == vs[1].Final.Path {
		t.Fatalf("variants: %+v, %v", vs, err)
	}
	if vs[1].Final.Path != "shared/variants/2/img-0.png" {
		// The shared fixture keeps finals in shared/; a real item keeps them
		// in items/NNNN/, and its variants land in items/NNNN/variants/N/.
		t.Errorf("variant path %q", vs[1].Final.Path)
	}
	// The item itself is untouched.
	if after, _ := s.DB().Item(ctx, 1); after.Status != state.Kept || after.Final != it.Final {
		t.Errorf("archiving changed the item: %+v", after)
	}
	es, _ := s.Entries(ctx)
	if es[0].Variants != 2 || es[1].Variants != 0 {
		t.Errorf("entry variant counts: %d, %d", es[0].Variants, es[1].Variants)
	}
	d, _ := s.Details(ctx, 1)
	if len(d.Variants) != 2 {
		t.Errorf("details list %d variants", len(d.Variants))
	}
	// A refused item has no candidate to keep.
	if v, err := curate.ArchiveCandidate(ctx, s.DB(), dir, 3); v != nil || err != nil {
		t.Errorf("archiving a refused item: %+v, %v", v, err)
	}
}

func TestArchiveCandidateMissingFile(t *testing.T) {
	s, dir := newStore(t, curatetest.Options{N: 1, Sidecars: true})
	if err := os.Remove(filepath.Join(dir, "items", "0001", "provenance.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := curate.ArchiveCandidate(ctx, s.DB(), dir, 1); err == nil {
		t.Fatal("archiving with a missing sidecar succeeded")
	}
	if vs, _ := curate.Variants(ctx, s.DB(), 1); len(vs) != 0 {
		t.Errorf("a failed archive recorded %d variants", len(vs))
	}
}

// A regeneration that did not finish puts the old candidate back: files,
// row and all, and forgets the variant.
func TestRestoreCandidate(t *testing.T) {
	s, dir := newStore(t, curatetest.Options{N: 3, Sidecars: true, Status: func(id int) state.Status {
		if id == 2 {
			return state.Rejected
		}
		return state.Generated
	}})
	db := s.DB()
	read := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Item 2: refused with a new prompt after the pipeline overwrote files.
	before, _ := db.Item(ctx, 2)
	final, prov := read(before.Final.Path), read(before.ProvenancePath)
	v, err := curate.ArchiveCandidate(ctx, db, dir, 2)
	if err != nil || v == nil {
		t.Fatal(v, err)
	}
	if err := db.Override(ctx, 2, 77, "a new prompt", "gen-new"); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{before.Final.Path, before.ProvenancePath} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), []byte("half-written"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Fail(ctx, 2, state.Refused, "content filter"); err != nil {
		t.Fatal(err)
	}
	if err := curate.RestoreCandidate(ctx, db, dir, before, v); err != nil {
		t.Fatal(err)
	}
	after, _ := db.Item(ctx, 2)
	if after.Status != state.Rejected || after.Seed != before.Seed || after.Prompt != before.Prompt || after.Custom ||
		after.Final != before.Final || after.Original != before.Original || after.RecordSHA256 != before.RecordSHA256 {
		t.Errorf("item not restored: %+v", after)
	}
	if !bytes.Equal(read(before.Final.Path), final) || !bytes.Equal(read(before.ProvenancePath), prov) {
		t.Error("files not put back")
	}
	if vs, _ := curate.Variants(ctx, db, 2); len(vs) != 0 {
		t.Errorf("%d variants left", len(vs))
	}
	if _, err := os.Stat(filepath.Join(dir, "shared", "variants", "1")); !os.IsNotExist(err) {
		t.Errorf("variant folder left behind: %v", err)
	}

	// Item 1: the regeneration never started (the item is untouched): only
	// the variant goes.
	before, _ = db.Item(ctx, 1)
	v, err = curate.ArchiveCandidate(ctx, db, dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := curate.RestoreCandidate(ctx, db, dir, before, v); err != nil {
		t.Fatal(err)
	}
	if after, _ := db.Item(ctx, 1); after.Status != state.Generated || after.Final != before.Final {
		t.Errorf("untouched item changed: %+v", after)
	}
	if vs, _ := curate.Variants(ctx, db, 1); len(vs) != 0 {
		t.Errorf("%d variants left", len(vs))
	}

	// Item 3: the regeneration finished after all: nothing is overwritten.
	before, _ = db.Item(ctx, 3)
	v, _ = curate.ArchiveCandidate(ctx, db, dir, 3)
	db.Override(ctx, 3, 5, "p", "gen-5")
	newFinal := state.File{Path: "items/0003/final.png", SHA256: "new", MediaType: "image/png"}
	db.SaveOriginal(ctx, 3, "gen-5", newFinal, nil, nil)
	db.SaveFinal(ctx, 3, state.Finished{Final: newFinal})
	if err := curate.RestoreCandidate(ctx, db, dir, before, v); err == nil {
		t.Error("restored over a finished regeneration")
	}
	if after, _ := db.Item(ctx, 3); after.Final != newFinal || after.Status != state.Generated {
		t.Errorf("finished regeneration changed: %+v", after)
	}
	if vs, _ := curate.Variants(ctx, db, 3); len(vs) != 1 {
		t.Errorf("the old candidate of a finished regeneration is gone: %d variants", len(vs))
	}

	// Item 2 again: the regeneration stored an original of another type
	// (a JPEG beside the candidate's PNG), then failed. Putting the
	// candidate back removes that file; the candidate's own files stay.
	before, _ = db.Item(ctx, 2)
	v, err = curate.ArchiveCandidate(ctx, db, dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	db.Override(ctx, 2, 78, "another prompt", "gen-78")
	jpeg := state.File{Path: "items/0002/original.jpg", SHA256: "jpeg", MediaType: "image/jpeg"}
	if err := os.MkdirAll(filepath.Join(dir, "items", "0002"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(jpeg.Path)), []byte("jpeg bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveOriginal(ctx, 2, "gen-78", jpeg, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(ctx, 2, state.Failed, "post-process failed"); err != nil {
		t.Fatal(err)
	}
	if err := curate.RestoreCandidate(ctx, db, dir, before, v); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(jpeg.Path))); !os.IsNotExist(err) {
		t.Errorf("the failed regeneration's original was left behind: %v", err)
	}
	if after, _ := db.Item(ctx, 2); after.Original != before.Original || after.Final != before.Final {
		t.Errorf("item 2 not restored: %+v", after)
	}
	for _, rel := range []string{before.Original.Path, before.Final.Path, before.ProvenancePath} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			t.Errorf("the candidate's file %s: %v", rel, err)
		}
	}
}
