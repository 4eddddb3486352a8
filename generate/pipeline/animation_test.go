package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image/gif"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// A provided file replaced after generation is noticed on the next run:
// only its item is post-processed again, from the stored original (the
// provider is not asked), and sealed with the new animation; a file
// touched with the same bytes, or an item folder's animation removed, is
// handled too; a pinned item keeps its animation and the change is
// reported.
func TestRunProvidedAnimationReplaced(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, testSpec)
	dir := filepath.Join(c.dir, "anim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	html := func(s string) []byte { return []byte("<!DOCTYPE html><html><body>" + s + "</body></html>\n") }
	provided := func(id int) string { return filepath.Join(dir, strconv.Itoa(id)+".html") }
	for id := 1; id <= 8; id++ {
		if err := os.WriteFile(provided(id), html("item "+strconv.Itoa(id)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.writeSpec(t, testSpec+"postprocess:\n  - animation: {files: anim}\n")
	fake := generatetest.New()
	if sum := c.run(t, fake, nil); sum.Generated != 8 {
		t.Fatalf("summary %+v", sum)
	}
	if _, err := c.db.SetStatus(ctx, []int{1, 2, 3, 4, 5, 6, 7}, state.Kept, state.Generated); err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.SetStatus(ctx, []int{8}, state.Pinned, state.Generated); err != nil {
		t.Fatal(err)
	}
	finals := map[int][]byte{}
	for _, it := range c.items(t) {
		finals[it.ID], _ = os.ReadFile(filepath.Join(c.dir, it.Final.Path))
	}
	if sum := c.run(t, fake, nil); sum.Reprocessed != 0 || sum.AlreadyDone != 8 || len(sum.Problems) != 0 {
		t.Fatalf("unchanged re-run: %+v", sum)
	}

	later := time.Now().Add(time.Minute)
	write := func(id int, b []byte) {
		if err := os.WriteFile(provided(id), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(provided(id), later, later); err != nil {
			t.Fatal(err)
		}
	}
	write(3, html("item 9")) // other bytes, the same size
	write(5, html("item 5, cut again"))
	write(6, html("item 6")) // touched, the same bytes
	write(8, html("item 8, after the pin"))
	if err := os.Remove(filepath.Join(c.dir, pipeline.ItemDir(7), "animation.html")); err != nil {
		t.Fatal(err)
	}
	sum := c.run(t, fake, nil)
	if sum.Reprocessed != 3 || sum.Generated != 0 || fake.Total() != 8 {
		t.Fatalf("after replacing: %+v, %d provider calls", sum, fake.Total())
	}
	if len(sum.Problems) != 1 || sum.Problems[0].ID != 8 || !strings.Contains(sum.Problems[0].Error, "anim/8.html is not the animation the item was pinned with") {
		t.Fatalf("the pinned item's change is not reported: %+v", sum.Problems)
	}
	for _, it := range c.items(t) {
		rec := readRecord(t, c.dir, it)
		got, _ := os.ReadFile(filepath.Join(c.dir, pipeline.ItemDir(it.ID), "animation.html"))
		want, _ := os.ReadFile(provided(it.ID))
		final, _ := os.ReadFile(filepath.Join(c.dir, it.Final.Path))
		// Item 7's animation was made again from the same file: with the
		// same processing time, its final image is the same bytes.
		remade := it.ID == 3 || it.ID == 5
		switch {
		case it.ID == 8:
			if bytes.Equal(got, want) || !bytes.Equal(final, finals[8]) || it.Status != state.Pinned {
				t.Errorf("the pinned item changed: %s", it.Status)
			}
			continue
		case !bytes.Equal(got, want) || rec.Content.Animation.SHA256 != sha256Hex(want):
			t.Errorf("item %d: the animation is not the provided file", it.ID)
		case bytes.Equal(final, finals[it.ID]) != !remade:
			t.Errorf("item %d: final image remade %t, want %t", it.ID, !bytes.Equal(final, finals[it.ID]), remade)
		case it.Status != state.Kept:
			t.Errorf("item %d is %s, was kept", it.ID, it.Status)
		}
		if err := provenance.Verify(rec, final); err != nil {
			t.Errorf("item %d: %v", it.ID, err)
		}
	}
	if sum := c.run(t, fake, nil); sum.Reprocessed != 0 || fake.Total() != 8 {
		t.Fatalf("a third run redid work: %+v", sum)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// After a lost state, the items recorded again from their folders keep
// their animation when it is what the spec makes (a derived GIF, or the
// provided file the record hashed): the next run reprocesses nothing but
// the item whose provided file was replaced, without asking the provider.
func TestRepairKeepsCurrentAnimations(t *testing.T) {
	for _, tc := range []struct{ name, entry string }{
		{"derived", "{effect: pan, frames: 4, size: 24}"},
		{"provided", "{files: anim}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollection(t, testSpec)
			dir := filepath.Join(c.dir, "anim")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for id := 1; id <= 8; id++ {
				if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(id)+".html"), []byte("<html>"+strconv.Itoa(id)+"</html>"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c.writeSpec(t, testSpec+"postprocess:\n  - animation: "+tc.entry+"\n")
			fake := generatetest.New()
			c.run(t, fake, nil)
			c.loseState(t)
			rep, err := pipeline.Repair(context.Background(), c.s, c.db)
			if err != nil || rep.Adopted != 8 {
				t.Fatalf("repair: %+v %v", rep, err)
			}
			if sum := c.run(t, fake, nil); sum.Reprocessed != 0 || fake.Total() != 8 {
				t.Fatalf("after repair: %+v, %d calls", sum, fake.Total())
			}
			if tc.name == "derived" {
				return
			}
			c.loseState(t)
			if err := os.WriteFile(filepath.Join(dir, "2.html"), []byte("<html>two, again</html>"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := pipeline.Repair(context.Background(), c.s, c.db); err != nil {
				t.Fatal(err)
			}
			if sum := c.run(t, fake, nil); sum.Reprocessed != 1 || fake.Total() != 8 {
				t.Fatalf("after repair with item 2's file replaced: %+v, %d calls", sum, fake.Total())
			}
			got, _ := os.ReadFile(filepath.Join(c.dir, pipeline.ItemDir(2), "animation.html"))
			if string(got) != "<html>two, again</html>" {
				t.Fatalf("item 2's animation: %q", got)
			}
		})
	}
}
