package curatecmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/genmint/genmint/cmd/generatecmd"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui"
)

// regenerator is the view's tui.Regenerator: the generate pipeline
// (pipeline.Regenerate) with curation's variants around it.
//
// For one item it keeps the current candidate as a variant
// (curate.ArchiveCandidate), then remakes the item with its new seed or
// prompt through the collection's provider — the same stack, journal and
// post-processing `genmint generate` uses (generatecmd's Pipeline). The item
// becomes custom, so later `genmint generate` runs keep its seed and prompt
// and never call it stale.
//
// When the new candidate does not arrive (refused, failed, cancelled by
// quitting), the old one is put back (curate.RestoreCandidate): the item is
// as it was, never half-way. A paid answer already stored when the user
// quit is post-processed rather than thrown away.
//
// The provider is opened on the first regeneration only, so a collection
// whose provider needs an API key can be curated without one; asking to
// regenerate then fails with the message naming the variable to set.
type regenerator struct {
	db   *state.DB
	dir  string
	spec func() (*spec.Spec, error)
	gen  func() *generatecmd.GenerateOptions

	mu    sync.Mutex
	run   *pipeline.Options // set by the first successful open
	store *curate.Store
	slots chan struct{} // regenerations at once: the provider's concurrency
}

var _ tui.Regenerator = (*regenerator)(nil)

func newRegenerator(db *state.DB, dir string, spec func() (*spec.Spec, error), gen func() *generatecmd.GenerateOptions) *regenerator {
	return &regenerator{db: db, dir: dir, spec: spec, gen: gen}
}

// open builds the pipeline options once. A failure (no API key, a broken
// spec) changes nothing and is tried again on the next regeneration.
func (r *regenerator) open(ctx context.Context) (pipeline.Options, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.run != nil {
		return *r.run, nil
	}
	s, err := r.spec()
	if err != nil {
		return pipeline.Options{}, err
	}
	// Retry notes would draw over the view: the journal records attempts.
	run, err := r.gen().Pipeline(s, slog.New(slog.DiscardHandler))
	if err != nil {
		return pipeline.Options{}, err
	}
	run.DB = r.db
	run.Only, run.Count, run.Force = nil, 0, false
	store, err := curate.NewStore(ctx, r.db, r.dir, curate.SourceTUI)
	if err != nil {
		return pipeline.Options{}, err
	}
	r.run, r.store = &run, store
	r.slots = make(chan struct{}, max(run.Concurrency, 1))
	return run, nil
}

// Regenerate implements tui.Regenerator.
func (r *regenerator) Regenerate(ctx context.Context, id int, newSeed *uint32, newPrompt *string) (curate.Regenerated, error) {
	run, err := r.open(ctx)
	if err != nil {
		return curate.Regenerated{}, err
	}
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		return curate.Regenerated{}, ctx.Err()
	}

	before, err := r.db.Item(ctx, id)
	if err != nil {
		return curate.Regenerated{}, err
	}
	switch before.Status {
	case state.Generated, state.Rejected, state.Refused, state.Failed:
	default:
		return curate.Regenerated{}, fmt.Errorf("item %d is %s: only undecided, rejected, refused or failed items are regenerated", id, before.Status)
	}
	prev, err := curate.ArchiveCandidate(ctx, r.db, r.dir, id)
	if err != nil {
		return curate.Regenerated{}, err
	}

	sum, runErr := pipeline.Regenerate(ctx, run, id, pipeline.Override{Seed: newSeed, Prompt: newPrompt})
	keep := context.WithoutCancel(ctx) // what follows must finish even when the user quits
	after, err := r.db.Item(keep, id)
	if err != nil {
		return curate.Regenerated{}, err
	}
	if after.Status == state.Pending && after.HasOriginal() && runErr == nil {
		// Cancelled after the provider's answer was stored: post-process
		// it (no new request) rather than lose what may have been paid for.
		fin := run
		fin.Only = []int{id}
		if _, err := pipeline.Run(keep, fin); err == nil {
			if after, err = r.db.Item(keep, id); err != nil {
				return curate.Regenerated{}, err
			}
		}
	}
	if after.Status == state.Generated {
		e, err := r.store.Entry(keep, id)
		if err != nil {
			return curate.Regenerated{}, err
		}
		return curate.Regenerated{Entry: e, Previous: prev}, nil
	}

	why := failure(ctx, sum, runErr, prev != nil)
	if err := curate.RestoreCandidate(keep, r.db, r.dir, before, prev); err != nil {
		return curate.Regenerated{}, fmt.Errorf("%v; and putting the old candidate back failed: %w ('genmint generate' finishes the item; the old candidate is kept as a variant)", why, err)
	}
	return curate.Regenerated{}, why
}

// failure says, in one line, why a regeneration brought no new candidate.
func failure(ctx context.Context, sum *pipeline.Summary, runErr error, hadCandidate bool) error {
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
