// Package pipeline fills a collection with images: it plans every item from
// the spec, asks the provider for the missing ones, post-processes them,
// embeds their provenance, and records each step in the state database.
//
// Run is resumable at any point. Work is recorded in this order, each record
// written only once what it describes is durable on disk:
//
//  1. the request journal entry, before the provider is called;
//  2. the provider's original output (items/NNNN/original.*), then its
//     record — from here on the provider is never asked again for this item;
//  3. the final image and provenance.json, then the item's "generated" status.
//
// A crash between any two steps loses at most the step in flight, and the
// next Run redoes only that.
package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/provenance/c2pa"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// MaxPixels caps the size of any image genmint decodes (decompression bombs).
const MaxPixels = 64 << 20

// Options configure Run.
type Options struct {
	Spec *spec.Spec
	DB   *state.DB // nil only with DryRun on a collection never generated
	Info generate.ProviderInfo

	// Open builds the provider around the run's journal, which the provider
	// stack must call for every attempt it sends (providers.Limits.Observer).
	// When Open is nil, generate.Provider is used as is and journalled once per call.
	// Neither is used by DryRun.
	Open     func(journal generate.Observer) (generate.Provider, error)
	Provider generate.Provider
	// Settle returns what a finished attempt cost, given its estimate (the
	// provider stack's cost.Settle). Nil: the generate.Result's cost, nothing for a
	// refusal, else the estimate.
	Settle func(res *generate.Result, err error, estimate float64) float64

	Concurrency int   // parallel items; 0 means the provider's default, else 4
	Count       int   // only the first Count items of the collection; 0 means all
	Only        []int // only these items; nil means all
	// Force regenerates items in Only even when they are done (never kept,
	// pinned or minted ones).
	Force bool
	// DryRun plans and prices the run without calling the provider or
	// writing anything.
	DryRun bool
	// MaxSpendUSD stops before the estimated spend, including what earlier
	// runs spent, would exceed it. 0 means no cap.
	MaxSpendUSD float64

	// C2PA signs every final image with Content Credentials (nil: the
	// collection has no C2PA set-up, and finals carry none).
	C2PA *c2pa.Signer

	Progress Progress // nil means silent
	Now      func() time.Time
}

// Summary is what a Run did.
type Summary struct {
	Scope       int         `json:"scope"`        // items this run looked at
	AlreadyDone int         `json:"already_done"` // had a final image already
	Generated   int         `json:"generated"`    // new images from the provider
	Reprocessed int         `json:"reprocessed"`  // final images remade from stored originals
	Refused     int         `json:"refused"`      // refused now, or earlier and unchanged since
	Failed      int         `json:"failed"`
	Pending     int         `json:"pending"`  // still without an image (interrupted, spend cap)
	Requests    int         `json:"requests"` // provider calls made (or, dry run, to be made)
	Paid        bool        `json:"paid"`     // whether those calls cost money
	CostUSD     float64     `json:"cost_usd"` // estimated cost of those calls
	PriceKnown  bool        `json:"price_known"`
	SpentUSD    float64     `json:"spent_usd"` // everything journalled for this collection, all runs
	Stale       []int       `json:"stale,omitempty"`
	SpendCapHit bool        `json:"spend_cap_hit,omitempty"`
	Interrupted bool        `json:"interrupted,omitempty"`
	Problems    []ItemError `json:"problems,omitempty"`
	DryRun      bool        `json:"dry_run,omitempty"`

	// Adopted counts items the state did not know as done whose folder
	// verified (a lost or empty database): recorded from the files, never
	// asked for again. They are counted in AlreadyDone too.
	Adopted int `json:"adopted,omitempty"`

	// StaleKept and StalePublished are the stale items that --force
	// refuses: kept ones (reject them first) and pinned or minted ones
	// (they stay as published). Both are in Stale too.
	StaleKept      []int `json:"stale_kept,omitempty"`
	StalePublished []int `json:"stale_published,omitempty"`

	// Archived lists item files the state did not record, moved to
	// items/NNNN/variants/unrecorded-<n>/ before the item was generated
	// again, so no paid output is ever overwritten.
	Archived []string `json:"archived,omitempty"`
	// Missing lists items the state held as done whose final image is gone
	// from their folder: generated again (kept and rejected ones become
	// undecided), or, pinned and minted ones, reported as problems to
	// restore from the pin ('genmint repair').
	Missing []int `json:"missing,omitempty"`
}

// ItemError is one item that did not succeed.
type ItemError struct {
	ID     int          `json:"id"`
	Status state.Status `json:"status"`
	Error  string       `json:"error"`
}

// Incomplete reports whether some items in scope still lack an image
// because of failures or refusals (exit code 3: partial).
func (s *Summary) Incomplete() bool { return s.Failed > 0 || s.Refused > 0 || s.SpendCapHit }

// Progress receives events as Run works. Calls come from several goroutines
// but never at once (Run serialises them).
type Progress interface {
	// Start is called once with the number of items in scope that will be
	// worked on and the number already done.
	Start(todo, done int)
	// Item is called when an item finishes, fails or is refused.
	Item(e Event)
}

// Event is one item's outcome.
type Event struct {
	ID       int
	Outcome  Outcome
	Err      error
	Duration time.Duration
	CostUSD  float64
}

// Outcome is what happened to an item.
type Outcome string

const (
	OutcomeGenerated   Outcome = "generated"
	OutcomeReprocessed Outcome = "reprocessed"
	OutcomeRefused     Outcome = "refused"
	OutcomeFailed      Outcome = "failed"
)

type jobKind int

const (
	jobGenerate jobKind = iota // ask the provider, then post-process
	jobProcess                 // post-process the stored original
	jobAdopt                   // record the item's folder, which verifies
)

type job struct {
	kind    jobKind
	item    spec.Item
	genHash string
	force   bool // reset a done item first
	// replace: the caller archived the item's candidate (--force, a
	// curation regenerate), so its files may be overwritten.
	replace bool
	folder  *folder // jobAdopt: the verified folder
	// fromState: item and genHash are the state's recorded inputs, not
	// the plan's.
	fromState bool
}

// jobList hands out jobs one by one, as execute takes them.
func jobList(jobs []job) func() (job, bool, error) {
	return func() (job, bool, error) {
		if len(jobs) == 0 {
			return job{}, false, nil
		}
		j := jobs[0]
		jobs = jobs[1:]
		return j, true, nil
	}
}

// Run generates what is missing. Its error is for failures of the run itself
// (state, disk, a cancelled context); items that fail or are refused are
// counted in the Summary instead.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := o.Spec
	n := s.Count
	if o.Count > 0 {
		if o.Count > s.Count {
			return nil, fmt.Errorf("--count %d is more than the collection's count %d: raise count in %s", o.Count, s.Count, spec.FileName)
		}
		n = o.Count
	}
	for _, id := range o.Only {
		if id < 1 || id > s.Count {
			return nil, fmt.Errorf("item %d is not in the collection (1–%d)", id, s.Count)
		}
	}

	// 1–3. Plan every item from the spec (traits, prompt, seed), record the
	//    plan, and decide what each item in scope needs, one batch of items
	//    at a time: memory holds a batch, never the whole collection. Every
	//    batch is scanned before anything is asked of a provider.
	sc := &scan{o: o, sum: &Summary{DryRun: o.DryRun, Paid: o.Info.Paid}, n: n, postHash: PostHash(s)}
	planN := max(n, slices.Max(append([]int{0}, o.Only...)))
	planner := s.Planner()
	batch := make([]spec.Item, 0, min(planN, planBatch))
	for start := 1; start <= planN; start += planBatch {
		batch = batch[:0]
		for range min(planBatch, planN-start+1) {
			it, err := planner.Next()
			if err != nil {
				return nil, err
			}
			batch = append(batch, it)
		}
		if err := sc.batch(ctx, batch); err != nil {
			return nil, err
		}
	}
	planner, batch = nil, nil
	sum := sc.sum

	// 4. Price the provider calls, and hold them to the spend cap.
	price, known := Price(s, o.Info)
	sum.PriceKnown = known || !o.Info.Paid
	if o.DB != nil {
		var err error
		if sum.SpentUSD, err = o.DB.Spent(ctx); err != nil {
			return nil, err
		}
	}
	if o.DryRun {
		sum.Requests = sc.calls
		if o.Info.Paid {
			sum.CostUSD = float64(sc.calls) * price
		}
		sum.Pending = sc.calls
		return sum, nil
	}
	if o.MaxSpendUSD > 0 && o.Info.Paid && !known {
		return nil, fmt.Errorf("no price is known for %s model %q: set provider.price_usd in %s to use --max-spend", o.Info.Name, s.Provider.Model, spec.FileName)
	}

	// 5. Work through the items in parallel, every provider attempt
	//    journalled; each job's inputs are drawn from the plan again, or read
	//    from the state, as it is handed out.
	if err := execute(ctx, o, sum, sc.source(ctx), len(sc.refs), price, sc.postHash); err != nil {
		return sum, err
	}
	// 6. Count what is still missing.
	if err := countPending(context.WithoutCancel(ctx), o.DB, sum, o.Only, n); err != nil {
		return sum, err
	}
	return sum, nil
}

// planBatch is how many items Run and Repair plan, record and decide on at
// once (a variable so tests can cross batch boundaries with few items).
var planBatch = 500

// scan is Run's first pass over the plan, batch by batch: it records the
// plan, classifies each item in scope, records verified folders (a lost
// state), and keeps, per job, only a jobRef.
type scan struct {
	o        Options
	sum      *Summary
	n        int // items 1..n are in scope when Only is empty
	postHash string
	calls    int      // provider calls the jobs make
	refs     []jobRef // in id order
}

// jobRef is a job without its item's inputs, a few bytes an item: they are
// drawn from the plan again (or read from the state, fromState) when the
// job is handed out.
type jobRef struct {
	id        int32
	kind      uint8 // a jobKind
	fromState bool  // the state's recorded inputs (a custom item, or one remade as it was made), not the plan's
	force     bool
	replace   bool
}

// batch records and classifies a run of consecutive planned items.
func (sc *scan) batch(ctx context.Context, plan []spec.Item) error {
	o, s, sum := sc.o, sc.o.Spec, sc.sum
	planned := make([]state.Planned, len(plan))
	hashes := make(map[int]string, len(plan))
	ids := make([]int, len(plan))
	for i, it := range plan {
		h := GenHash(s, it)
		hashes[it.ID] = h
		ids[i] = it.ID
		planned[i] = state.Planned{ID: it.ID, Seed: it.Seed, Prompt: it.Prompt, NegativePrompt: it.NegativePrompt, Traits: it.Traits, GenHash: h}
	}

	// Record the plan (never touching items that have an image), unless
	// this is a dry run.
	if !o.DryRun {
		if err := o.DB.Plan(ctx, planned); err != nil {
			return err
		}
		if plan[0].ID == 1 {
			if err := o.DB.SetMeta(ctx, "plan_version", spec.PlanVersion); err != nil {
				return err
			}
		}
	}

	// Decide what each item in scope needs.
	existing := map[int]state.Item{}
	if o.DB != nil {
		items, err := o.DB.Items(ctx, state.Query{IDs: ids})
		if err != nil {
			return err
		}
		for _, it := range items {
			existing[it.ID] = it
		}
	}
	inOnly := func(id int) bool { return len(o.Only) == 0 || slices.Contains(o.Only, id) }
	var jobs []job
	for _, it := range plan {
		if !inOnly(it.ID) || (len(o.Only) == 0 && it.ID > sc.n) {
			continue
		}
		sum.Scope++
		if cur, ok := existing[it.ID]; ok && cur.Status.Done() && !o.Force && filesGone(s.Dir, cur) {
			sum.Missing = append(sum.Missing, it.ID)
			if cur.Status == state.Pinned || cur.Status == state.Minted {
				sum.Failed++
				sum.Problems = append(sum.Problems, ItemError{ID: it.ID, Status: cur.Status, Error: fmt.Sprintf(
					"%s is gone but the item is %s: restore it from the pin with 'genmint repair --car FILE' (or --ipfs-api ADDR)", filepath.Dir(cur.Final.Path), cur.Status)})
				continue
			}
			// Made again from the inputs the state records it was made from.
			j := job{kind: jobGenerate, genHash: cur.GenHash, fromState: true,
				item: spec.Item{ID: cur.ID, Seed: cur.Seed, Traits: cur.Traits, Prompt: cur.Prompt, NegativePrompt: cur.NegativePrompt}}
			keepOriginal := cur.HasOriginal() && originalIntact(s.Dir, cur)
			if keepOriginal {
				j.kind = jobProcess // the paid original is still there
			}
			if !o.DryRun {
				if err := o.DB.ForgetFiles(ctx, it.ID, keepOriginal); err != nil {
					return err
				}
			}
			jobs = append(jobs, j)
			continue
		}
		j, skip, err := classify(it, hashes[it.ID], sc.postHash, existing, o.Force && len(o.Only) > 0, sum, func(cur state.Item) (string, bool) {
			changed, what := animationChanged(s, cur)
			return what, changed && cur.HasOriginal() && originalIntact(s.Dir, cur)
		})
		if err != nil {
			return err
		}
		if !skip {
			jobs = append(jobs, j)
		}
	}
	// A job for an item whose folder already holds a verified record (the
	// state was lost, emptied or rebuilt) records that folder instead of
	// asking the provider again.
	for i, j := range jobs {
		if j.kind != jobGenerate || j.force {
			continue
		}
		f, err := checkFolder(s, j.item.ID)
		if err != nil {
			continue // no record, or one that does not verify: generated again (its files archived first)
		}
		if cur, ok := existing[j.item.ID]; ok && cur.Custom && f.genHash(s) != j.genHash {
			// The state asked for other inputs (a curation regenerate that
			// did not finish): its request stands; the old files are kept.
			continue
		}
		jobs[i].kind, jobs[i].folder = jobAdopt, f
		sum.Adopted++
		sum.AlreadyDone++
	}
	for _, j := range jobs {
		if j.kind == jobAdopt {
			if o.DryRun {
				continue
			}
			// Recorded before anything is asked of a provider.
			if _, err := j.folder.record(ctx, s, o.DB, j.genHash); err != nil {
				return fmt.Errorf("record items/%04d from its files: %w", j.item.ID, err)
			}
			continue
		}
		if j.kind == jobGenerate {
			sc.calls++
		}
		if !o.DryRun {
			sc.refs = append(sc.refs, jobRef{id: int32(j.item.ID), kind: uint8(j.kind), fromState: j.fromState, force: j.force, replace: j.replace})
		}
	}
	return nil
}

// source hands out the scanned jobs in id order with their inputs: drawn
// from the plan again (the plan is deterministic, so they are the ones the
// scan classified), or read from the state.
func (sc *scan) source(ctx context.Context) func() (job, bool, error) {
	s := sc.o.Spec
	var planner *spec.Planner
	var drawn spec.Item
	next := 0
	return func() (job, bool, error) {
		if next == len(sc.refs) {
			return job{}, false, nil
		}
		ref := sc.refs[next]
		next++
		id := int(ref.id)
		j := job{kind: jobKind(ref.kind), force: ref.force, replace: ref.replace, fromState: ref.fromState}
		if ref.fromState {
			cur, err := sc.o.DB.Item(ctx, id)
			if err != nil {
				return job{}, false, err
			}
			j.item = spec.Item{ID: cur.ID, Seed: cur.Seed, Traits: cur.Traits, Prompt: cur.Prompt, NegativePrompt: cur.NegativePrompt}
			j.genHash = cur.GenHash
			return j, true, nil
		}
		if planner == nil {
			planner = s.Planner()
		}
		for drawn.ID < id {
			var err error
			if drawn, err = planner.Next(); err != nil {
				return job{}, false, err
			}
		}
		j.item, j.genHash = drawn, GenHash(s, drawn)
		return j, true, nil
	}
}

// countPending counts the items in scope still without an image, reading
// the state a batch at a time.
func countPending(ctx context.Context, db *state.DB, sum *Summary, only []int, n int) error {
	ids := only
	if len(ids) == 0 {
		ids = make([]int, 0, min(n, planBatch))
	}
	for start := 0; ; start += planBatch {
		var chunk []int
		if len(only) > 0 {
			if start >= len(only) {
				return nil
			}
			chunk = only[start:min(start+planBatch, len(only))]
		} else {
			if start >= n {
				return nil
			}
			ids = ids[:0]
			for id := start + 1; id <= min(start+planBatch, n); id++ {
				ids = append(ids, id)
			}
			chunk = ids
		}
		items, err := db.Items(ctx, state.Query{IDs: chunk})
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Status == state.Pending || (it.Status == state.Failed && !hasProblem(sum, it.ID)) {
				sum.Pending++
			}
		}
	}
}

// execute works through the jobs next hands out (todo of them), every
// provider attempt journalled; a cancelled ctx ends it early with
// sum.Interrupted set.
func execute(ctx context.Context, o Options, sum *Summary, next func() (job, bool, error), todo int, price float64, postHash string) error {
	r := &runner{o: o, sum: sum, price: price, postHash: postHash}
	r.provider = o.Provider
	if o.Open != nil {
		p, err := o.Open(journal{r})
		if err != nil {
			return err
		}
		r.provider, r.observed = p, true
	}
	if o.Progress != nil {
		o.Progress.Start(todo, sum.AlreadyDone)
	}
	err := r.work(ctx, next)
	if err == nil {
		err = r.journalErr
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		sum.Interrupted = true
		return nil
	}
	return err
}

// Override is a curation regenerate's change to an item: a new seed, a new
// prompt, or both (nil keeps the current one).
type Override struct {
	Seed   *uint32
	Prompt *string
}

// Regenerate remakes one item with an override, through the same journal,
// spend cap and post-processing as Run. The item must be generated,
// rejected, refused or failed; the caller has already archived its current
// candidate (curate.ArchiveCandidate), since its files are overwritten.
// Afterwards the item is custom: later runs keep its seed and prompt.
func Regenerate(ctx context.Context, o Options, id int, ov Override) (*Summary, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	cur, err := o.DB.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	it := spec.Item{ID: id, Seed: cur.Seed, Traits: cur.Traits, Prompt: cur.Prompt, NegativePrompt: cur.NegativePrompt}
	if ov.Seed != nil {
		it.Seed = *ov.Seed
	}
	if ov.Prompt != nil {
		it.Prompt = *ov.Prompt
	}
	genHash := GenHash(o.Spec, it)
	if err := o.DB.Override(ctx, id, it.Seed, it.Prompt, genHash); err != nil {
		return nil, err
	}
	sum := &Summary{Scope: 1, Paid: o.Info.Paid}
	price, known := Price(o.Spec, o.Info)
	sum.PriceKnown = known || !o.Info.Paid
	if sum.SpentUSD, err = o.DB.Spent(ctx); err != nil {
		return nil, err
	}
	if err := execute(ctx, o, sum, jobList([]job{{kind: jobGenerate, item: it, genHash: genHash, replace: true}}), 1, price, PostHash(o.Spec)); err != nil {
		return sum, err
	}
	if after, err := o.DB.Item(context.WithoutCancel(ctx), id); err == nil && after.Status == state.Pending {
		sum.Pending = 1
	}
	return sum, nil
}

func hasProblem(s *Summary, id int) bool {
	for _, p := range s.Problems {
		if p.ID == id {
			return true
		}
	}
	return false
}

// filesGone reports whether a done item's final image is no longer where the
// state says it is (its folder deleted or emptied).
func filesGone(dir string, it state.Item) bool {
	if it.Final.Path == "" {
		return false
	}
	_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(it.Final.Path)))
	return errors.Is(err, os.ErrNotExist)
}

// originalIntact reports whether the recorded original is in place, unchanged.
func originalIntact(dir string, it state.Item) bool {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(it.Original.Path)))
	return err == nil && sha256hex(b) == it.Original.SHA256
}

// classify decides what one item needs.
//
// animChanged (animationChanged) names a done item's animation file, or
// the provided file it was read from, when it changed since the item was
// sealed, and whether the item's original is there to post-process it
// again for free; it is asked only of items the hashes call current.
func classify(it spec.Item, genHash, postHash string, existing map[int]state.Item, force bool, sum *Summary,
	animChanged func(state.Item) (what string, remake bool)) (j job, skip bool, err error) {
	j = job{kind: jobGenerate, item: it, genHash: genHash}
	cur, ok := existing[it.ID]
	if !ok {
		return j, false, nil
	}
	if cur.Custom {
		// Regenerated in curation with its own seed or prompt: its recorded
		// inputs are its plan.
		it = spec.Item{ID: cur.ID, Seed: cur.Seed, Traits: cur.Traits, Prompt: cur.Prompt, NegativePrompt: cur.NegativePrompt}
		genHash = cur.GenHash
		j = job{kind: jobGenerate, item: it, genHash: genHash, fromState: true}
	}
	switch cur.Status {
	case state.Pinned, state.Minted:
		if force {
			return j, true, fmt.Errorf("item %d is %s: regenerating it would change what is on IPFS or on chain", it.ID, cur.Status)
		}
		if cur.GenHash != genHash || cur.PostHash != postHash {
			sum.Stale = append(sum.Stale, it.ID)
			sum.StalePublished = append(sum.StalePublished, it.ID)
		} else if what, _ := animChanged(cur); what != "" {
			// What is pinned stays; the changed file is only reported.
			sum.Problems = append(sum.Problems, ItemError{ID: it.ID, Status: cur.Status, Error: fmt.Sprintf(
				"%s is not the animation the item was %s with: a %s item keeps its animation, put the file back ('genmint verify --local' checks it)", what, cur.Status, cur.Status)})
		}
		sum.AlreadyDone++
		return j, true, nil
	case state.Generated, state.Kept, state.Rejected:
		switch {
		case force && cur.Status == state.Kept:
			return j, true, fmt.Errorf("item %d is kept: reject it first ('genmint curate --reject %d') to regenerate it", it.ID, it.ID)
		case force:
			j.force, j.replace = true, true
			return j, false, nil
		case cur.GenHash != genHash:
			sum.staleDone(it.ID, cur.Status)
			return j, true, nil
		case cur.PostHash != postHash:
			j.kind = jobProcess
			return j, false, nil
		}
		if what, remake := animChanged(cur); what != "" {
			if remake {
				// Only the animation changed: made again from the stored
				// original, sealed anew, for free.
				j.kind = jobProcess
				return j, false, nil
			}
			// Remade only by asking the provider again.
			sum.staleDone(it.ID, cur.Status)
			return j, true, nil
		}
		sum.AlreadyDone++
		return j, true, nil
	case state.Refused:
		if cur.GenHash == genHash && !force {
			sum.Refused++
			sum.Problems = append(sum.Problems, ItemError{ID: it.ID, Status: state.Refused, Error: cur.Error})
			return j, true, nil
		}
		j.force, j.replace = force, force
		return j, false, nil
	}
	// pending or failed
	if cur.GenHash == genHash && cur.HasOriginal() {
		j.kind = jobProcess
	}
	return j, false, nil
}

// staleDone counts a generated, kept or rejected item made from an earlier
// spec as done, and as stale (a kept one as kept too: --force refuses it).
func (sum *Summary) staleDone(id int, status state.Status) {
	sum.Stale = append(sum.Stale, id)
	if status == state.Kept {
		sum.StaleKept = append(sum.StaleKept, id)
	}
	sum.AlreadyDone++
}

// GenHash identifies everything the provider request depends on.
func GenHash(s *spec.Spec, it spec.Item) string {
	return hashJSON(map[string]any{
		"plan":     spec.PlanVersion,
		"provider": s.Provider.Name,
		"model":    s.Provider.Model,
		"params":   s.Provider.Params,
		"prompt":   it.Prompt,
		"negative": it.NegativePrompt,
		"seed":     it.Seed,
	})
}

// PostHash identifies the post-process steps and output encoding.
func PostHash(s *spec.Spec) string {
	steps := make([]map[string]any, len(s.PostProcess))
	for i, st := range s.PostProcess {
		steps[i] = map[string]any{"op": st.Op(), "params": st.Params()}
	}
	h := map[string]any{"steps": steps, "format": s.Output.Format, "quality": s.Output.Quality}
	if s.Animation != nil {
		h["animation"] = s.Animation.Params() // absent without one: older items stay current
	}
	return hashJSON(h)
}

func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("hash: %v", err)) // values come from YAML and always marshal
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Price returns the estimated cost of one request: the spec's price_usd,
// else the provider's price table.
func Price(s *spec.Spec, info generate.ProviderInfo) (usd float64, known bool) {
	if s.Provider.PriceUSD != nil {
		return *s.Provider.PriceUSD, true
	}
	if !info.Paid {
		return 0, true
	}
	if info.EstimateUSD != nil {
		return info.EstimateUSD(s.Provider.Model, s.Provider.Params)
	}
	return 0, false
}

// ItemDir is an item's folder, relative to the collection.
func ItemDir(id int) string {
	return filepath.Join("items", fmt.Sprintf("%04d", id))
}

type runner struct {
	o        Options
	sum      *Summary
	price    float64 // estimated cost of one attempt
	postHash string
	provider generate.Provider
	observed bool // provider calls the journal itself, per attempt

	mu         sync.Mutex // guards sum, reserved, answers, inflight, journalErr, archived and Progress calls
	reserved   float64    // estimates of attempts in flight
	answers    map[int]*state.Answer
	inflight   map[int]int64 // item → journal row of its attempt in flight (one at a time per item)
	journalErr error
	archived   map[int]string // item → where archiveUnrecorded kept its files this run
}

func (r *runner) work(ctx context.Context, next func() (job, bool, error)) error {
	workers := r.o.Concurrency
	if workers <= 0 {
		workers = 4
	}
	ch := make(chan job)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				if err := r.do(ctx, j); err != nil {
					errc <- err
					cancel(err)
					return
				}
			}
		}()
	}
	var feedErr error
feed:
	for {
		j, ok, err := next()
		if err != nil {
			feedErr = err
			break
		}
		if !ok {
			break
		}
		if j.kind == jobGenerate && !r.canAfford() {
			continue
		}
		select {
		case ch <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	if feedErr != nil {
		return feedErr
	}
	return ctx.Err()
}

func (r *runner) event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e.Outcome {
	case OutcomeGenerated:
		r.sum.Generated++
	case OutcomeReprocessed:
		r.sum.Reprocessed++
	case OutcomeRefused:
		r.sum.Refused++
		r.sum.Problems = append(r.sum.Problems, ItemError{ID: e.ID, Status: state.Refused, Error: e.Err.Error()})
	case OutcomeFailed:
		r.sum.Failed++
		r.sum.Problems = append(r.sum.Problems, ItemError{ID: e.ID, Status: state.Failed, Error: e.Err.Error()})
	}
	if r.o.Progress != nil {
		r.o.Progress.Item(e)
	}
}
