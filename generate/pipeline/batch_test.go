package pipeline_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/generatetest"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/spec"
)

// recording remembers every request it was sent.
type recording struct {
	inner *generatetest.Fake
	mu    sync.Mutex
	reqs  map[int]generate.Request
}

func (p *recording) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	p.mu.Lock()
	p.reqs[req.Item] = req
	p.mu.Unlock()
	return p.inner.Generate(ctx, req)
}

// TestRunInBatchesFollowsThePlan runs a 12-item collection (batches of 3,
// see TestMain) in pieces that start and end inside batches: every item is
// recorded and asked for with exactly the inputs Plan gives, once; a
// curation override that failed is asked for again with its own inputs.
func TestRunInBatchesFollowsThePlan(t *testing.T) {
	c := newCollection(t, strings.Replace(testSpec, "count: 8", "count: 12", 1))
	plan, err := c.s.Plan(12)
	if err != nil {
		t.Fatal(err)
	}
	p := &recording{inner: generatetest.New(), reqs: map[int]generate.Request{}}
	if sum := c.run(t, p, func(o *pipeline.Options) { o.Only = []int{2, 5, 11} }); sum.Generated != 3 || sum.Scope != 3 {
		t.Fatalf("--only 2,5,11: %+v", sum)
	}
	if sum := c.run(t, p, func(o *pipeline.Options) { o.Count = 7 }); sum.Generated != 5 || sum.AlreadyDone != 2 || sum.Scope != 7 {
		t.Fatalf("--count 7: %+v", sum)
	}
	// A curation override of item 4 that fails: the run after asks again,
	// with the override's inputs, read from the state.
	seed, prompt := uint32(4242), "a custom prompt"
	p.inner.Set(func(f *generatetest.Fake) { f.Fail[4] = true })
	if _, err := pipeline.Regenerate(context.Background(), pipeline.Options{Spec: c.s, DB: c.db, Provider: p, Info: generate.ProviderInfo{Name: "fake"}},
		4, pipeline.Override{Seed: &seed, Prompt: &prompt}); err != nil {
		t.Fatal(err)
	}
	p.inner.Set(func(f *generatetest.Fake) { f.Fail[4] = false })
	// The rest; the done items are post-processed again from their stored
	// originals (a new border).
	c.writeSpec(t, strings.Replace(testSpec, "count: 8", "count: 12\npostprocess:\n  - border: {width: 1, color: \"#000000\"}", 1))
	sum := c.run(t, p, nil)
	if sum.Generated != 5 || sum.Reprocessed != 7 || sum.Scope != 12 || sum.Pending != 0 {
		t.Fatalf("whole run: %+v", sum)
	}
	items := c.items(t)
	if len(items) != 12 {
		t.Fatalf("%d items recorded", len(items))
	}
	for i, it := range items {
		want := plan[i]
		if it.ID == 4 {
			want.Seed, want.Prompt = seed, prompt
		}
		got := spec.Item{ID: it.ID, Seed: it.Seed, Traits: it.Traits, Prompt: it.Prompt, NegativePrompt: it.NegativePrompt}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("item %d recorded as %+v, want %+v", it.ID, got, want)
		}
		req := p.reqs[it.ID]
		if req.Prompt != want.Prompt || req.Seed != want.Seed || !reflect.DeepEqual(req.Traits, want.Traits) || req.NegativePrompt != want.NegativePrompt {
			t.Errorf("item %d asked for %q seed %d traits %v, want %q seed %d traits %v", it.ID, req.Prompt, req.Seed, req.Traits, want.Prompt, want.Seed, want.Traits)
		}
		if n := p.inner.Calls(it.ID); n != 1+2*boolInt(it.ID == 4) {
			t.Errorf("item %d asked %d times", it.ID, n)
		}
		if it.PostHash != pipeline.PostHash(c.s) {
			t.Errorf("item %d was not post-processed with the new steps", it.ID)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
