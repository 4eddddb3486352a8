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
	for i := 1; i <= n; i++ {
		rec.ItemIDs = append(rec.ItemIDs, i)
		rec.Items = append(rec.Items, ItemCIDs{ID: i, ImageName: fmt.Sprintf("%d.png", i), ImageCID: fmt.Sprintf("bafyimage%d", i), TokenURI: fmt.Sprintf("ipfs://bafymeta/%d", i)})
	}
	id, err := saveRun(ctx, db, rec)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rec.Items {
		rec.Items[i].ImageCID += "-again"
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
