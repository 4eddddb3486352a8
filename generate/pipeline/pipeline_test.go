package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/generatetest"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

const testSpec = `name: Test Collection
symbol: TEST
count: 8
seed: 99
provider:
  name: fake
prompt:
  template: "{{.color}} {{.shape}}"
  negative: "blurry"
traits:
  color: [red, green, blue, gold]
  shape: [circle, square, star]
`

type collection struct {
	dir string
	db  *state.DB
	s   *spec.Spec
}

func newCollection(t *testing.T, specText string) *collection {
	t.Helper()
	dir := t.TempDir()
	c := &collection{dir: dir}
	c.writeSpec(t, specText)
	db, err := state.Open(context.Background(), dir, state.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db
	return c
}

func (c *collection) writeSpec(t *testing.T, specText string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, spec.FileName), []byte(specText), 0o644); err != nil {
		t.Fatal(err)
	}
	s, problems, err := spec.Load(c.dir, spec.Options{})
	if err != nil {
		t.Fatalf("spec: %v %v", err, problems)
	}
	c.s = s
}

func (c *collection) run(t *testing.T, p generate.Provider, mod func(*pipeline.Options)) *pipeline.Summary {
	t.Helper()
	o := pipeline.Options{
		Spec: c.s, DB: c.db, Provider: p, Concurrency: 3,
		Info: generate.ProviderInfo{Name: "fake"},
		Now:  func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) },
	}
	if mod != nil {
		mod(&o)
	}
	sum, err := pipeline.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return sum
}

func (c *collection) items(t *testing.T) []state.Item {
	t.Helper()
	items, err := c.db.Items(context.Background(), state.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestRunGeneratesEveryItemOnce(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	sum := c.run(t, fake, nil)
	if sum.Generated != 8 || sum.Scope != 8 || sum.Failed != 0 || sum.Pending != 0 {
		t.Fatalf("summary: %+v", sum)
	}
	items := c.items(t)
	if len(items) != 8 {
		t.Fatalf("%d items", len(items))
	}
	for _, it := range items {
		if it.Status != state.Generated {
			t.Errorf("item %d is %s", it.ID, it.Status)
		}
		want := fmt.Sprintf("items/%04d/final.png", it.ID)
		if it.Final.Path != want || it.Original.Path != fmt.Sprintf("items/%04d/original.png", it.ID) {
			t.Errorf("item %d paths %q %q", it.ID, it.Final.Path, it.Original.Path)
		}
		for _, p := range []string{it.Final.Path, it.Original.Path, it.ProvenancePath} {
			if _, err := os.Stat(filepath.Join(c.dir, p)); err != nil {
				t.Errorf("item %d: %v", it.ID, err)
			}
		}
		b, _ := os.ReadFile(filepath.Join(c.dir, it.ProvenancePath))
		rec, err := provenance.ParseRecord(b)
		if err != nil {
			t.Fatalf("item %d provenance: %v", it.ID, err)
		}
		final, _ := os.ReadFile(filepath.Join(c.dir, it.Final.Path))
		if err := provenance.Verify(rec, final); err != nil {
			t.Errorf("item %d: final image does not verify against its record: %v", it.ID, err)
		}
		if rec.Content.Prompt != it.Prompt || rec.Content.Seed.Requested != it.Seed || *rec.Content.Seed.Actual != uint64(it.Seed) ||
			rec.Content.RequestID != fmt.Sprintf("req-%d", it.ID) || rec.ContentSHA256 != it.RecordSHA256 || rec.Final.SHA256 != it.Final.SHA256 {
			t.Errorf("item %d provenance does not match state: %+v", it.ID, rec)
		}
		if fake.Calls(it.ID) != 1 {
			t.Errorf("item %d asked %d times", it.ID, fake.Calls(it.ID))
		}
		reqs, _ := c.db.Requests(context.Background(), it.ID)
		if len(reqs) != 1 || reqs[0].Outcome != state.RequestSucceeded || reqs[0].ServiceID != fmt.Sprintf("req-%d", it.ID) {
			t.Errorf("item %d journal: %+v", it.ID, reqs)
		}
	}

	// A second run finds nothing to do.
	sum = c.run(t, fake, nil)
	if sum.Generated != 0 || sum.AlreadyDone != 8 || fake.Total() != 8 {
		t.Fatalf("second run: %+v, %d calls", sum, fake.Total())
	}
}

func TestRunCountAndOnly(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	sum := c.run(t, fake, func(o *pipeline.Options) { o.Count = 3 })
	if sum.Generated != 3 || fake.Total() != 3 {
		t.Fatalf("--count 3: %+v", sum)
	}
	sum = c.run(t, fake, func(o *pipeline.Options) { o.Only = []int{7, 8} })
	if sum.Generated != 2 || fake.Calls(7) != 1 || fake.Calls(4) != 0 {
		t.Fatalf("--only 7,8: %+v", sum)
	}
	// --only of a done item without --force does nothing.
	sum = c.run(t, fake, func(o *pipeline.Options) { o.Only = []int{7} })
	if sum.Generated != 0 || fake.Calls(7) != 1 {
		t.Fatalf("re-run --only 7: %+v", sum)
	}
	// --force regenerates it.
	sum = c.run(t, fake, func(o *pipeline.Options) { o.Only = []int{7}; o.Force = true })
	if sum.Generated != 1 || fake.Calls(7) != 2 {
		t.Fatalf("--force --only 7: %+v", sum)
	}
	if _, err := pipeline.Run(context.Background(), pipeline.Options{Spec: c.s, DB: c.db, Provider: fake, Count: 9}); err == nil ||
		!strings.Contains(err.Error(), "raise count") {
		t.Errorf("--count 9 of 8: %v", err)
	}
}

func TestRunRefusalsAndFailures(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	fake.Refuse[2] = true
	fake.Fail[5] = true
	sum := c.run(t, fake, nil)
	if sum.Generated != 6 || sum.Refused != 1 || sum.Failed != 1 || !sum.Incomplete() {
		t.Fatalf("summary: %+v", sum)
	}
	it2, _ := c.db.Item(context.Background(), 2)
	it5, _ := c.db.Item(context.Background(), 5)
	if it2.Status != state.Refused || !strings.Contains(it2.Error, "content_policy_violation") {
		t.Errorf("item 2: %s %q", it2.Status, it2.Error)
	}
	if it5.Status != state.Failed || !strings.Contains(it5.Error, "burned down") || it5.Attempts != 1 {
		t.Errorf("item 5: %s %q", it5.Status, it5.Error)
	}
	// Re-run: the failure is retried, the unchanged refusal is not.
	delete(fake.Fail, 5)
	sum = c.run(t, fake, nil)
	if sum.Generated != 1 || sum.Refused != 1 || fake.Calls(5) != 2 || fake.Calls(2) != 1 {
		t.Fatalf("re-run: %+v calls(5)=%d calls(2)=%d", sum, fake.Calls(5), fake.Calls(2))
	}
}

func TestRunResumesAfterInterruptWithoutAskingTwice(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	// Cancel while item 4's answer is on its way back: its original must be
	// stored and never asked for again.
	fake.Hook = func(_ context.Context, req generate.Request) error {
		if req.Item == 4 {
			once.Do(cancel)
		}
		return nil
	}
	o := pipeline.Options{Spec: c.s, DB: c.db, Provider: fake, Concurrency: 1, Info: generate.ProviderInfo{Name: "fake"}}
	sum, err := pipeline.Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || sum.Generated != 3 {
		t.Fatalf("interrupted run: %+v", sum)
	}
	it4, _ := c.db.Item(context.Background(), 4)
	if !it4.HasOriginal() || it4.Status != state.Pending {
		t.Fatalf("item 4 after interrupt: %+v", it4)
	}
	fake.Hook = nil
	sum = c.run(t, fake, nil)
	if sum.Generated != 4 || sum.Reprocessed != 1 || sum.Pending != 0 {
		t.Fatalf("resumed run: %+v", sum)
	}
	for id := 1; id <= 8; id++ {
		if fake.Calls(id) != 1 {
			t.Errorf("item %d asked %d times", id, fake.Calls(id))
		}
	}
}

func TestRunSpendCap(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	paid := func(o *pipeline.Options) {
		o.Info = generate.ProviderInfo{Name: "fake", Paid: true,
			EstimateUSD: func(string, generate.Params) (float64, bool) { return 0.04, true }}
		o.MaxSpendUSD = 0.10
		o.Concurrency = 1
	}
	sum := c.run(t, fake, paid)
	if sum.Generated != 2 || !sum.SpendCapHit || sum.Pending != 6 {
		t.Fatalf("capped run: %+v", sum)
	}
	spent, _ := c.db.Spent(context.Background())
	if spent < 0.079 || spent > 0.081 {
		t.Errorf("spent %v, want 0.08", spent)
	}
	// The cap counts what earlier runs spent.
	sum = c.run(t, fake, paid)
	if sum.Generated != 0 || !sum.SpendCapHit {
		t.Fatalf("second capped run: %+v", sum)
	}
	sum = c.run(t, fake, func(o *pipeline.Options) { paid(o); o.MaxSpendUSD = 1 })
	if sum.Generated != 6 || fake.Total() != 8 {
		t.Fatalf("raised cap: %+v", sum)
	}
}

func TestRunDryRunWritesNothing(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	sum := c.run(t, fake, func(o *pipeline.Options) {
		o.DryRun = true
		o.Info = generate.ProviderInfo{Name: "fake", Paid: true,
			EstimateUSD: func(string, generate.Params) (float64, bool) { return 0.25, true }}
	})
	if sum.Requests != 8 || sum.CostUSD != 2 || fake.Total() != 0 || len(c.items(t)) != 0 {
		t.Fatalf("dry run: %+v, %d calls, %d items", sum, fake.Total(), len(c.items(t)))
	}
}

func TestRunReportsStaleItems(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	c.run(t, fake, func(o *pipeline.Options) { o.Count = 4 })
	c.writeSpec(t, strings.Replace(testSpec, `"{{.color}} {{.shape}}"`, `"a {{.color}} {{.shape}}"`, 1))
	sum := c.run(t, fake, nil)
	if len(sum.Stale) != 4 || sum.Generated != 4 || fake.Total() != 8 {
		t.Fatalf("after a prompt edit: %+v", sum)
	}
	it, _ := c.db.Item(context.Background(), 1)
	if strings.HasPrefix(it.Prompt, "a ") {
		t.Errorf("a generated item's prompt was rewritten: %q", it.Prompt)
	}
	it, _ = c.db.Item(context.Background(), 5)
	if !strings.HasPrefix(it.Prompt, "a ") {
		t.Errorf("a new item kept the old prompt: %q", it.Prompt)
	}
}

// TestForceRemakesStaleItems follows the stale hint: after a prompt edit,
// `--force --only` remakes the stale items with the new prompt, and a later
// run finds nothing stale; kept and pinned ones are listed apart (--force
// refuses them) and stay as they were.
func TestForceRemakesStaleItems(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	c.run(t, fake, func(o *pipeline.Options) { o.Count = 6 })
	ctx := context.Background()
	c.db.SetStatus(ctx, []int{5}, state.Kept, state.Generated)
	c.db.SetStatus(ctx, []int{6}, state.Pinned, state.Generated)
	c.writeSpec(t, strings.Replace(testSpec, `"{{.color}} {{.shape}}"`, `"a {{.color}} {{.shape}}"`, 1))
	sum := c.run(t, fake, func(o *pipeline.Options) { o.Count = 6 })
	if !slices.Equal(sum.Stale, []int{1, 2, 3, 4, 5, 6}) || !slices.Equal(sum.StaleKept, []int{5}) || !slices.Equal(sum.StalePublished, []int{6}) {
		t.Fatalf("after a prompt edit: stale %v, kept %v, published %v", sum.Stale, sum.StaleKept, sum.StalePublished)
	}
	sum = c.run(t, fake, func(o *pipeline.Options) { o.Only, o.Force = []int{1, 2, 3, 4}, true })
	if sum.Generated != 4 || sum.Failed != 0 || len(sum.Problems) != 0 {
		t.Fatalf("--force --only 1-4: %+v", sum)
	}
	for _, id := range []int{1, 2, 3, 4} {
		if it, _ := c.db.Item(ctx, id); it.Status != state.Generated || !strings.HasPrefix(it.Prompt, "a ") {
			t.Errorf("item %d after --force: %s %q", id, it.Status, it.Prompt)
		}
	}
	sum = c.run(t, fake, func(o *pipeline.Options) { o.Count = 6 })
	if !slices.Equal(sum.Stale, []int{5, 6}) || sum.Generated != 0 {
		t.Fatalf("a later run: stale %v, %d generated", sum.Stale, sum.Generated)
	}
}

func TestRegenerateKeepsItsOverride(t *testing.T) {
	c := newCollection(t, testSpec)
	fake := generatetest.New()
	c.run(t, fake, nil)
	before, _ := c.db.Item(context.Background(), 3)
	seed := uint32(777)
	prompt := "a hand-written prompt"
	o := pipeline.Options{Spec: c.s, DB: c.db, Provider: fake, Info: generatetest.Info()}
	sum, err := pipeline.Regenerate(context.Background(), o, 3, pipeline.Override{Seed: &seed, Prompt: &prompt})
	if err != nil || sum.Generated != 1 {
		t.Fatalf("regenerate: %+v %v", sum, err)
	}
	after, _ := c.db.Item(context.Background(), 3)
	if after.Seed != 777 || after.Prompt != prompt || !after.Custom || after.Status != state.Generated || after.Final.SHA256 == before.Final.SHA256 {
		t.Fatalf("after regenerate: %+v", after)
	}
	// A later run neither reports it stale nor redoes it.
	sum = c.run(t, fake, nil)
	if len(sum.Stale) != 0 || sum.Generated != 0 || fake.Calls(3) != 2 {
		t.Fatalf("later run: %+v, calls(3)=%d", sum, fake.Calls(3))
	}
	// A kept item is never regenerated.
	c.db.SetStatus(context.Background(), []int{4}, state.Kept, state.Generated)
	if _, err := pipeline.Regenerate(context.Background(), o, 4, pipeline.Override{Seed: &seed}); err == nil {
		t.Fatal("regenerated a kept item")
	}
}

func TestRepairRebuildsStateFromFiles(t *testing.T) {
	c := newCollection(t, testSpec+"postprocess:\n  - sharpen: 0.6\n  - border: {width: 2, color: \"#101010\"}\n  - format: {type: jpeg, quality: 85}\n")
	fake := generatetest.New()
	c.run(t, fake, nil)
	seed := uint32(4242)
	o := pipeline.Options{Spec: c.s, DB: c.db, Provider: fake, Info: generatetest.Info()}
	if _, err := pipeline.Regenerate(context.Background(), o, 5, pipeline.Override{Seed: &seed}); err != nil {
		t.Fatal(err)
	}
	// Damage item 2's final image; lose the database.
	final2 := filepath.Join(c.dir, "items/0002/final.jpg")
	b, _ := os.ReadFile(final2)
	b[len(b)/2] ^= 0xff
	os.WriteFile(final2, b, 0o644)
	c.db.Close()
	os.Remove(state.Path(c.dir))

	db, err := state.Open(context.Background(), c.dir, state.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	c.db = db
	rep, err := pipeline.Repair(context.Background(), c.s, db)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Planned != 8 || rep.Adopted != 7 || rep.Custom != 1 || len(rep.Skipped) != 1 || rep.Skipped[0].ID != 2 {
		t.Fatalf("report: %+v", rep)
	}
	it5, _ := db.Item(context.Background(), 5)
	if !it5.Custom || it5.Seed != 4242 || it5.Status != state.Generated {
		t.Errorf("item 5 after repair: %+v", it5)
	}
	// The next run remakes only the damaged item: nothing stale, nothing reprocessed.
	calls := fake.Total()
	sum := c.run(t, fake, nil)
	if sum.Generated != 1 || sum.Reprocessed != 0 || len(sum.Stale) != 0 || fake.Total() != calls+1 || fake.Calls(2) != 2 {
		t.Fatalf("run after repair: %+v", sum)
	}
}

// resuming stands for a provider whose service keeps jobs (Replicate): it
// reports each job through generate.Accepted and, given Request.Resume,
// answers with that job's image instead of a new job.
type resuming struct {
	*generatetest.Fake
	mu      sync.Mutex
	resumes map[int]string
	failed  map[int]bool
}

func (p *resuming) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	p.mu.Lock()
	p.resumes[req.Item] = req.Resume
	failOnce := req.Item == 5 && !p.failed[5]
	p.failed[req.Item] = p.failed[req.Item] || failOnce
	p.mu.Unlock()
	if req.Resume != "" {
		res, err := p.Fake.Generate(ctx, req)
		if err == nil {
			res.Resumed, res.RequestID = true, req.Resume
		}
		return res, err
	}
	generate.Accepted(ctx, fmt.Sprintf("job-%d", req.Item))
	if failOnce {
		return nil, fmt.Errorf("the job failed")
	}
	return p.Fake.Generate(ctx, req)
}

// A run killed while the service worked on item 3's job leaves its journal
// row "started" with the job's id. The next run hands that id to the
// provider (Request.Resume), stores the job's image, and marks the old row
// "resumed": the item is paid for once.
func TestRunResumesAJobADeadRunStarted(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, testSpec)
	p := &resuming{Fake: generatetest.New(), resumes: map[int]string{}, failed: map[int]bool{}}
	paid := func(only ...int) func(*pipeline.Options) {
		return func(o *pipeline.Options) {
			o.Info = generate.ProviderInfo{Name: "fake", Paid: true,
				EstimateUSD: func(string, generate.Params) (float64, bool) { return 0.04, true }}
			o.Only = only
		}
	}
	c.run(t, p, paid(1, 2))
	// What a kill -9 during item 3's job leaves behind.
	row, err := c.db.StartRequest(ctx, 3, "fake", "", true, 0.04)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.db.SetServiceID(ctx, row, "job-3"); err != nil {
		t.Fatal(err)
	}
	if job, _ := c.db.InDoubtJob(ctx, 3, "fake"); job != "job-3" {
		t.Fatalf("in-doubt job of item 3: %q", job)
	}
	if job, _ := c.db.InDoubtJob(ctx, 3, "other-provider"); job != "" {
		t.Fatalf("another provider's run would resume %q", job)
	}

	sum := c.run(t, p, paid())
	if sum.Generated != 5 || sum.Failed != 1 {
		t.Fatalf("run: %+v", sum)
	}
	for id := 3; id <= 8; id++ {
		want := ""
		if id == 3 {
			want = "job-3"
		}
		if p.resumes[id] != want {
			t.Errorf("item %d: Resume %q, want %q", id, p.resumes[id], want)
		}
	}
	reqs, err := c.db.Requests(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 2 ||
		reqs[0].Outcome != state.RequestResumed || reqs[0].CostUSD != 0.04 || reqs[0].ServiceID != "job-3" ||
		reqs[1].Outcome != state.RequestSucceeded || reqs[1].CostUSD != 0 || reqs[1].ServiceID != "job-3" {
		t.Errorf("item 3's journal: %+v", reqs)
	}
	if it, _ := c.db.Item(ctx, 3); it.Status != state.Generated || !it.HasOriginal() {
		t.Errorf("item 3: %+v", it)
	}
	// A failed job keeps the id the service gave it, and is not resumed.
	reqs, _ = c.db.Requests(ctx, 5)
	if len(reqs) != 1 || reqs[0].Outcome != state.RequestFailed || reqs[0].ServiceID != "job-5" {
		t.Errorf("item 5's journal: %+v", reqs)
	}
	if job, _ := c.db.InDoubtJob(ctx, 5, "fake"); job != "" {
		t.Errorf("a failed request is resumed as %q", job)
	}
	// Eight requests at 0.04 each: items 1–8 once (item 3 by the dead run's
	// request) and item 5's failed job. Paying for item 3 twice would make 0.36.
	spent, _ := c.db.Spent(ctx)
	if spent < 0.319 || spent > 0.321 {
		t.Errorf("spent %v, want 0.32", spent)
	}
}
