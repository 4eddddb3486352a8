package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/generate/providers/procedural"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// newAnimatedFixture generates n items with a derived animation and keeps
// them, as newFixture does.
func newAnimatedFixture(t *testing.T, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	text := fmt.Sprintf(fixtureSpec, n, false, 32, 32) + "postprocess:\n  - animation: {effect: pan, frames: 6, size: 24}\n"
	if err := os.WriteFile(filepath.Join(dir, spec.FileName), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, problems, err := spec.Load(dir, spec.Options{})
	if err != nil {
		t.Fatalf("spec: %v %v", err, problems)
	}
	db, err := state.Open(ctx, dir, state.Options{Create: true, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	prov, err := procedural.New(generate.ProviderConfig{Params: s.Provider.Params, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if sum, err := pipeline.Run(ctx, pipeline.Options{Spec: s, DB: db, Provider: prov, Info: procedural.Info, Concurrency: 2,
		Now: func() time.Time { return fixedNow }}); err != nil || sum.Generated != n {
		t.Fatalf("generate: %+v %v", sum, err)
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	if _, err := db.SetStatus(ctx, ids, state.Kept, state.Generated); err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: dir, db: db, spec: s, n: n, coll: pin.MetadataFacts{Name: s.Name, Symbol: s.Symbol, Description: s.Description,
		ExternalURL: s.ExternalURL, Creator: s.Creator}}
}

// generate → pin → verify with animations: every token's animation
// re-derives; one whose bytes are changed fails the animation link.
func TestVerifyAnimation(t *testing.T) {
	f := newAnimatedFixture(t, 3)
	carPath, rec := f.pinCAR(t)
	for _, it := range rec.Items {
		if it.AnimationName != fmt.Sprintf("%d.gif", it.ID) || it.AnimationCID == "" {
			t.Fatalf("pinned %+v", it)
		}
	}
	mem := memFromCAR(t, carPath)
	ctx := context.Background()
	r, err := Run(ctx, Options{Content: mem, Pin: rec, Chain: newFakeChain(cid.MustParse(rec.Roots.Metadata), 3)})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Verified != 3 {
		t.Fatalf("report: %+v %v", r, r.Failures())
	}
	for _, tr := range r.Results {
		if tr.AnimationCID != rec.Items[tr.ID-1].AnimationCID {
			t.Errorf("token %d: animation %s, pinned %s", tr.ID, tr.AnimationCID, rec.Items[tr.ID-1].AnimationCID)
		}
	}

	// The source serves other bytes for token 2's animation.
	mem.catHook = func(root cid.Cid, path string, b []byte) []byte {
		if path == "2.gif" {
			return bytes.Replace(b, []byte("GIF89a"), []byte("GIF87a"), 1)
		}
		return b
	}
	r, err = Run(ctx, Options{Content: mem, Pin: rec})
	if err != nil {
		t.Fatal(err)
	}
	fs := r.Failures()
	if r.OK || len(fs) != 1 || fs[0].Token != 2 || fs[0].Link != LinkAnimation || fs[0].Check != "cid" {
		t.Fatalf("tampered animation: %+v", fs)
	}
}
