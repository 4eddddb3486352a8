package pin

import (
	"context"
	"fmt"
	"testing"

	"github.com/genmint/genmint/state"
)

// A run's items are written many rows per statement: every item of a run
// larger than one statement reads back, and saving the same roots again
// updates the items (a re-run finds its run) instead of adding rows.
func TestSaveRunManyItems(t *testing.T) {
	ctx := context.Background()
	db, err := state.Open(ctx, t.TempDir(), state.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	n := 2*itemRowsPerInsert + 7
	rec := &Record{Roots: Roots{Images: "bafyimages", Metadata: "bafymeta", Contract: "bafycontract"}}
	// Every column its own value, so that a column written into another
	// shows.
	item := func(i int, v string) ItemCIDs {
		f := func(col string) string { return fmt.Sprintf("%s-%d-%s", col, i, v) }
		return ItemCIDs{ID: i, ImageName: f("image_name"), ImageCID: f("image_cid"), OriginalName: f("original_name"),
			OriginalCID: f("original_cid"), ProvenanceName: f("provenance_name"), ProvenanceCID: f("provenance_cid"),
			MetadataCID: f("metadata_cid"), TokenURI: f("token_uri"), AnimationName: f("animation_name"), AnimationCID: f("animation_cid")}
	}
	for i := 1; i <= n; i++ {
		rec.ItemIDs = append(rec.ItemIDs, i)
		rec.Items = append(rec.Items, item(i, "first"))
	}
	id, err := saveRun(ctx, db, rec)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rec.Items {
		rec.Items[i] = item(i+1, "again") // every column changed
	}
	again, err := saveRun(ctx, db, rec)
	if err != nil {
		t.Fatal(err)
	}
	if again != id {
		t.Fatalf("the same roots saved as run %d, then %d", id, again)
	}
	got, err := ReadRun(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != n {
		t.Fatalf("read %d items back, saved %d", len(got.Items), n)
	}
	for i, it := range got.Items {
		if it != rec.Items[i] {
			t.Fatalf("item %d read back as %+v, saved %+v", i, it, rec.Items[i])
		}
	}
}
