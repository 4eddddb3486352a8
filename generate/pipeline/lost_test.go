package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/generatetest"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// loseState closes and deletes the collection's database and opens a new,
// empty one, as `generate` does when state.db is gone.
func (c *collection) loseState(t *testing.T) {
	t.Helper()
	c.db.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(state.Path(c.dir) + suffix)
	}
	db, err := state.Open(context.Background(), c.dir, state.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	c.db = db
}

func TestLostStateIsRecordedFromTheFolders(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	c.run(t, fake, nil)
	calls := fake.Total()
	before := readItems(t, c.dir)
	c.db.Close()
	os.Remove(state.Path(c.dir))

	// A dry run without any database already knows nothing is to be paid for.
	dry, err := pipeline.Run(context.Background(), pipeline.Options{Spec: c.s, DryRun: true, Info: generate.ProviderInfo{Name: "fake", Paid: true}})
	if err != nil || dry.Requests != 0 || dry.Adopted != 8 || dry.AlreadyDone != 8 {
		t.Fatalf("dry run without a database: %+v %v", dry, err)
	}
	c.loseState(t)
	sum := c.run(t, fake, nil)
	if sum.Generated != 0 || sum.Adopted != 8 || sum.AlreadyDone != 8 || fake.Total() != calls || len(sum.Archived) != 0 {
		t.Fatalf("run on an empty database: %+v, %d provider calls", sum, fake.Total()-calls)
	}
	for _, it := range c.items(t) {
		if it.Status != state.Generated {
			t.Errorf("item %d is %s", it.ID, it.Status)
		}
	}
	if after := readItems(t, c.dir); !reflect.DeepEqual(before, after) {
		t.Error("files under items/ changed")
	}
}

func TestUnrecordedFilesAreKeptNotOverwritten(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	c.run(t, fake, nil)
	c.loseState(t)
	// Item 2's record no longer verifies and its original is some other
	// paid answer; item 3 lost its final image and record (a crash right
	// after the provider answered), its original the provider's.
	item := func(id int, name string) string {
		return filepath.Join(c.dir, "items", "000"+string(rune('0'+id)), name)
	}
	paid := []byte("another paid answer")
	os.WriteFile(item(2, "original.png"), paid, 0o644)
	os.WriteFile(item(2, "provenance.json"), []byte("{}"), 0o644)
	os.Remove(item(3, "final.png"))
	os.Remove(item(3, "provenance.json"))
	calls := fake.Total()

	sum := c.run(t, fake, nil)
	if sum.Generated != 2 || sum.Adopted != 6 || fake.Total() != calls+2 {
		t.Fatalf("run: %+v, %d provider calls", sum, fake.Total()-calls)
	}
	if !reflect.DeepEqual(sum.Archived, []string{"items/0002/variants/unrecorded-1"}) {
		t.Errorf("archived %v, want item 2's files only (item 3's original came back byte-identical)", sum.Archived)
	}
	kept := filepath.Join(c.dir, "items/0002/variants/unrecorded-1")
	if b, err := os.ReadFile(filepath.Join(kept, "original.png")); err != nil || string(b) != string(paid) {
		t.Errorf("item 2's unrecorded original was not kept: %q %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(kept, "provenance.json")); err != nil || string(b) != "{}" {
		t.Errorf("item 2's record was not kept with it: %q %v", b, err)
	}
	// Its final image came back byte-identical (same original from the
	// fake provider, same clock): no copy of it is kept.
	if _, err := os.Stat(filepath.Join(kept, "final.png")); !os.IsNotExist(err) {
		t.Errorf("a byte-identical final image was kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "items/0003/variants")); !os.IsNotExist(err) {
		t.Errorf("item 3 kept a copy of identical bytes: %v", err)
	}
	// A second run finds nothing to do and archives nothing.
	again := c.run(t, fake, nil)
	if again.Generated != 0 || len(again.Archived) != 0 {
		t.Errorf("second run: %+v", again)
	}
}

// readItems reads every file under items/.
func readItems(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.Walk(filepath.Join(dir, "items"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A curation regenerate that died after archiving the candidate and
// recording its new inputs, before the provider answered: the next run
// completes it with the new inputs (it does not adopt the old files back),
// and the old files, already a variant, are not copied again.
func TestUnfinishedRegenerateIsCompletedNotAdopted(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	c.run(t, fake, nil)
	ctx := context.Background()
	old, _ := c.db.Item(ctx, 4)
	vdir := filepath.Join(c.dir, "items/0004/variants/1")
	os.MkdirAll(vdir, 0o755)
	for _, rel := range []string{old.Original.Path, old.Final.Path, old.ProvenancePath} {
		b, _ := os.ReadFile(filepath.Join(c.dir, rel))
		os.WriteFile(filepath.Join(vdir, filepath.Base(rel)), b, 0o644)
	}
	it := spec.Item{ID: 4, Seed: 4242, Traits: old.Traits, Prompt: old.Prompt, NegativePrompt: old.NegativePrompt}
	if err := c.db.Override(ctx, 4, it.Seed, it.Prompt, pipeline.GenHash(c.s, it)); err != nil {
		t.Fatal(err)
	}
	sum := c.run(t, fake, nil)
	if sum.Generated != 1 || sum.Adopted != 0 || len(sum.Archived) != 0 || fake.Calls(4) != 2 {
		t.Fatalf("run: %+v, calls(4)=%d", sum, fake.Calls(4))
	}
	now, _ := c.db.Item(ctx, 4)
	if now.Seed != 4242 || now.Status != state.Generated || now.Final.SHA256 == old.Final.SHA256 {
		t.Errorf("item 4 after the run: seed %d, %s", now.Seed, now.Status)
	}
	if entries, _ := os.ReadDir(filepath.Join(c.dir, "items/0004/variants")); len(entries) != 1 {
		t.Errorf("variants of item 4: %d folders, want only the curation variant", len(entries))
	}
}
