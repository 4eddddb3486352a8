package pipeline_test

import (
	"bytes"
	"context"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genmint/genmint/generate/generatetest"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/state"
)

func readRecord(t *testing.T, dir string, it state.Item) *provenance.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, it.ProvenancePath))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := provenance.ParseRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// A derived animation is written beside the final image, recorded in the
// content the final image embeds, and is the same bytes on a re-run from
// the stored original; dropping the entry removes it.
func TestRunDerivesAnimation(t *testing.T) {
	anim := testSpec + "postprocess:\n  - animation: {effect: zoom, frames: 6, size: 32}\n"
	c := newCollection(t, anim)
	fake := generatetest.New()
	if sum := c.run(t, fake, nil); sum.Generated != 8 {
		t.Fatalf("summary %+v", sum)
	}
	first := map[int][]byte{}
	for _, it := range c.items(t) {
		rec := readRecord(t, c.dir, it)
		a := rec.Content.Animation
		if a == nil || a.Path != "animation.gif" || a.MediaType != "image/gif" {
			t.Fatalf("item %d: animation record %+v", it.ID, a)
		}
		b, err := os.ReadFile(filepath.Join(c.dir, pipeline.ItemDir(it.ID), a.Path))
		if err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(bytes.NewReader(b))
		if err != nil || len(g.Image) != 6 {
			t.Fatalf("item %d: %v, %d frames", it.ID, err, len(g.Image))
		}
		if int64(len(b)) != a.Bytes || a.Width != g.Config.Width || a.Height != g.Config.Height || max(a.Width, a.Height) > 32 {
			t.Errorf("item %d: record %+v does not describe the file (%d bytes, %dx%d)", it.ID, a, len(b), g.Config.Width, g.Config.Height)
		}
		final, _ := os.ReadFile(filepath.Join(c.dir, it.Final.Path))
		if err := provenance.Verify(rec, final); err != nil {
			t.Errorf("item %d: %v", it.ID, err)
		}
		emb, err := provenance.Extract(final)
		if err != nil || emb.RecordSHA256 != rec.ContentSHA256 {
			t.Errorf("item %d: the final image does not embed the record naming the animation: %v", it.ID, err)
		}
		first[it.ID] = b
	}
	// A changed animation entry reprocesses every item from its original,
	// without asking the provider again.
	c.writeSpec(t, testSpec+"postprocess:\n  - animation: {effect: zoom, frames: 6, size: 48}\n")
	if sum := c.run(t, fake, nil); sum.Reprocessed != 8 || fake.Total() != 8 {
		t.Fatalf("after a changed animation: %+v, %d calls", sum, fake.Total())
	}
	// And back: the same bytes as the first time.
	c.writeSpec(t, anim)
	c.run(t, fake, nil)
	for id, b := range first {
		got, _ := os.ReadFile(filepath.Join(c.dir, pipeline.ItemDir(id), "animation.gif"))
		if !bytes.Equal(got, b) {
			t.Errorf("item %d: the animation differs when made again", id)
		}
	}
	// Without the entry the animation goes, and the record names none.
	c.writeSpec(t, testSpec)
	c.run(t, fake, nil)
	for _, it := range c.items(t) {
		if _, err := os.Stat(filepath.Join(c.dir, pipeline.ItemDir(it.ID), "animation.gif")); !os.IsNotExist(err) {
			t.Errorf("item %d: animation.gif left behind (%v)", it.ID, err)
		}
		if a := readRecord(t, c.dir, it).Content.Animation; a != nil {
			t.Errorf("item %d: record still names %+v", it.ID, a)
		}
	}
}

// Provided files are copied as they are; an item without its file fails
// before the provider is asked, and succeeds once the file is there.
func TestRunProvidedAnimation(t *testing.T) {
	c := newCollection(t, testSpec)
	dir := filepath.Join(c.dir, "anim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mp4 := append([]byte{0, 0, 0, 0x18}, []byte("ftypisom\x00\x00\x02\x00isomiso2 and the rest")...)
	for id := 1; id <= 8; id++ {
		if id == 4 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, strings.TrimPrefix(pipeline.ItemDir(id), "items/")+".mp4"), mp4, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.writeSpec(t, testSpec+"postprocess:\n  - animation: {files: anim}\n")
	fake := generatetest.New()
	sum := c.run(t, fake, nil)
	if sum.Generated != 7 || sum.Failed != 1 || fake.Calls(4) != 0 {
		t.Fatalf("summary %+v; item 4 asked %d times", sum, fake.Calls(4))
	}
	it4, _ := c.db.Item(context.Background(), 4)
	if it4.Status != state.Failed || !strings.Contains(it4.Error, "add anim/4.gif") {
		t.Errorf("item 4: %s %q", it4.Status, it4.Error)
	}
	if err := os.WriteFile(filepath.Join(dir, "4.mp4"), mp4, 0o644); err != nil {
		t.Fatal(err)
	}
	if sum := c.run(t, fake, nil); sum.Generated != 1 {
		t.Fatalf("second run %+v", sum)
	}
	for _, it := range c.items(t) {
		a := readRecord(t, c.dir, it).Content.Animation
		got, err := os.ReadFile(filepath.Join(c.dir, pipeline.ItemDir(it.ID), "animation.mp4"))
		if err != nil || !bytes.Equal(got, mp4) || a == nil || a.MediaType != "video/mp4" || a.Path != "animation.mp4" || a.Bytes != int64(len(mp4)) {
			t.Errorf("item %d: %v, record %+v", it.ID, err, a)
		}
	}
}
