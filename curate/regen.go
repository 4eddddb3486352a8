package curate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/state"
)

// Regenerator makes a new candidate for one item while the user curates: the
// generate pipeline (pipeline.Regenerate) with curation's variants around
// it. It implements the curation view's tui.Regenerator.
//
// For one item it keeps the current candidate as a variant
// (ArchiveCandidate), then remakes the item with its new seed or prompt
// through the collection's provider — the same stack, journal and
// post-processing `genmint generate` uses. The item becomes custom, so later
// `genmint generate` runs keep its seed and prompt and never call it stale.
//
// When the new candidate does not arrive (refused, failed, cancelled by
// quitting), the old one is put back (RestoreCandidate): the item is as it
// was, never half-way. A paid answer already stored when the user quit is
// post-processed rather than thrown away.
//
// The provider is opened on the first regeneration only, so a collection
// whose provider needs an API key can be curated without one; asking to
// regenerate then fails with the message naming the variable to set.
//
// Curation sits above generation: curate imports generate/pipeline, never
// the other way, so `genmint generate` needs nothing of curation.
type Regenerator struct {
	db   *state.DB
	dir  string
	open func() (pipeline.Options, error)

	mu    sync.Mutex
	run   *pipeline.Options // set by the first successful open
	store *Store
	slots chan struct{} // regenerations at once: the provider's concurrency
}

// NewRegenerator regenerates items of the collection in dir, whose state is
// db. open returns the options of a real pipeline run over the collection —
// its provider, cost settling and concurrency, as `genmint generate` would
// make them; Regenerator sets the database and the scope. open is called on
// the first regeneration, and again after it failed (no API key, a broken
// spec): a failure changes nothing.
func NewRegenerator(db *state.DB, dir string, open func() (pipeline.Options, error)) *Regenerator {
	return &Regenerator{db: db, dir: dir, open: open}
}

// opened builds the pipeline options once.
func (r *Regenerator) opened(ctx context.Context) (pipeline.Options, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.run != nil {
		return *r.run, nil
	}
	run, err := r.open()
	if err != nil {
		return pipeline.Options{}, err
	}
	run.DB = r.db
	run.Only, run.Count, run.Force = nil, 0, false
	store, err := NewStore(ctx, r.db, r.dir, SourceTUI)
	if err != nil {
		return pipeline.Options{}, err
	}
	r.run, r.store = &run, store
	r.slots = make(chan struct{}, max(run.Concurrency, 1))
	return run, nil
}

// Regenerate remakes item id with newSeed or newPrompt (nil keeps the
// item's), keeping its current candidate as a variant; see tui.Regenerator
// for the contract.
func (r *Regenerator) Regenerate(ctx context.Context, id int, newSeed *uint32, newPrompt *string) (Regenerated, error) {
	run, err := r.opened(ctx)
	if err != nil {
		return Regenerated{}, err
	}
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		return Regenerated{}, ctx.Err()
	}

	before, err := r.db.Item(ctx, id)
	if err != nil {
		return Regenerated{}, err
	}
	switch before.Status {
	case state.Generated, state.Rejected, state.Refused, state.Failed:
	default:
		return Regenerated{}, fmt.Errorf("item %d is %s: only undecided, rejected, refused or failed items are regenerated", id, before.Status)
	}
	prev, err := ArchiveCandidate(ctx, r.db, r.dir, id)
	if err != nil {
		return Regenerated{}, err
	}

	sum, runErr := pipeline.Regenerate(ctx, run, id, pipeline.Override{Seed: newSeed, Prompt: newPrompt})
	keep := context.WithoutCancel(ctx) // what follows must finish even when the user quits
	after, err := r.db.Item(keep, id)
	if err != nil {
		return Regenerated{}, err
	}
	if after.Status == state.Pending && after.HasOriginal() && runErr == nil {
		// Cancelled after the provider's answer was stored: post-process
		// it (no new request) rather than lose what may have been paid for.
		fin := run
		fin.Only = []int{id}
		if _, err := pipeline.Run(keep, fin); err == nil {
			if after, err = r.db.Item(keep, id); err != nil {
				return Regenerated{}, err
			}
		}
	}
	if after.Status == state.Generated {
		e, err := r.store.Entry(keep, id)
		if err != nil {
			return Regenerated{}, err
		}
		return Regenerated{Entry: e, Previous: prev}, nil
	}

	why := regenFailure(ctx, sum, runErr, prev != nil)
	if err := RestoreCandidate(keep, r.db, r.dir, before, prev); err != nil {
		return Regenerated{}, fmt.Errorf("%v; and putting the old candidate back failed: %w ('genmint generate' finishes the item; the old candidate is kept as a variant)", why, err)
	}
	return Regenerated{}, why
}

// regenFailure says, in one line, why a regeneration brought no new
// candidate.
func regenFailure(ctx context.Context, sum *pipeline.Summary, runErr error, hadCandidate bool) error {
	stays := "the item is as it was"
	if hadCandidate {
		stays = "the old candidate stays"
	}
	switch {
	case ctx.Err() != nil || (sum != nil && sum.Interrupted) || errors.Is(runErr, context.Canceled):
		return fmt.Errorf("cancelled, %s: %w", stays, context.Canceled)
	case runErr != nil:
		return fmt.Errorf("%w; %s", runErr, stays)
	case sum != nil && len(sum.Problems) > 0:
		p := sum.Problems[0]
		if p.Status == state.Refused {
			return fmt.Errorf("refused: %s; %s", p.Error, stays)
		}
		return fmt.Errorf("%s; %s", p.Error, stays)
	case sum != nil && sum.SpendCapHit:
		return fmt.Errorf("stopped by the spend cap; %s", stays)
	}
	return fmt.Errorf("no new image came back; %s", stays)
}
