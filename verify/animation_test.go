package verify

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/ipfs/go-cid"
)

// newAnimatedFixture generates n items with a derived animation and keeps
// them, as newFixture does.
func newAnimatedFixture(t *testing.T, n int) *fixture {
	t.Helper()
	text := fmt.Sprintf(fixtureSpec, n, false, 32, 32) + "postprocess:\n  - animation: {effect: pan, frames: 6, size: 24}\n"
	return newFixtureText(t, n, text, nil)
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
