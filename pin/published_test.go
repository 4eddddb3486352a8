package pin

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPublication(t *testing.T) {
	roots := Roots{Images: "bafyimg", Originals: "bafyorig", Provenance: "bafyprov", Metadata: "bafymeta", Contract: "bafycon"}
	all := func(dest string) []PinnedAt {
		var out []PinnedAt
		for name, c := range map[string]string{RootImages: roots.Images, RootOriginals: roots.Originals, RootProvenance: roots.Provenance, RootMetadata: roots.Metadata, RootContract: roots.Contract} {
			out = append(out, PinnedAt{Destination: dest, Root: name, CID: c})
		}
		return out
	}
	rec := &Record{Roots: roots, BaseURI: "ipfs://bafymeta/", Pinned: all("car /x.car")}
	dests, carOnly, err := rec.Publication()
	if err != nil || !carOnly || !slices.Equal(dests, []string{"car /x.car"}) {
		t.Fatalf("CAR only: %v %v %v", dests, carOnly, err)
	}
	rec.Pinned = append(rec.Pinned, all("s3 https://s3.example/b")...)
	if dests, carOnly, err = rec.Publication(); err != nil || carOnly || len(dests) != 2 {
		t.Fatalf("CAR and S3: %v %v %v", dests, carOnly, err)
	}
	// The metadata root confirmed under another CID, nowhere else: refused.
	rec.Pinned = all("kubo http://n")
	for i := range rec.Pinned {
		if rec.Pinned[i].Root == RootMetadata {
			rec.Pinned[i].CID = "bafyother"
		}
	}
	if _, _, err := rec.Publication(); !errors.Is(err, ErrNotPublished) || !strings.Contains(err.Error(), "bafymeta") {
		t.Fatalf("unconfirmed metadata root: %v", err)
	}
	rec.Pinned = nil
	if _, _, err := rec.Publication(); !errors.Is(err, ErrNotPublished) {
		t.Fatalf("nothing confirmed: %v", err)
	}
}
