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
