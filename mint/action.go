package mint

import (
	"context"
	"errors"
	"fmt"

	"github.com/genmint/genmint/mint/chain"
)

// Action is an owner transaction on the deployed collection other than
// minting: it runs through the same journal as Run (signed and journalled
// before broadcast, settled on re-run, never sent twice) and is idempotent:
// Run with an Action plans from what the chain already shows, so a re-run
// after a crash sends only what is still missing.
type Action struct {
	// Kind is KindFreeze (freezeMetadata, then OpenSea's PermanentURI
	// events for every token in ranges of PermanentURIChunk) or
	// KindSetRoyalty (setDefaultRoyalty to Royalty) or KindReveal
	// (setBaseURI from the placeholder to the pinned real metadata, once
	// it re-derives from the folder and matches the provenance commitment;
	// needs Options.Dir and Options.Metadata).
	Kind    Kind
	Royalty chain.Royalty
}

// PermanentURIChunk is how many PermanentURI events one transaction emits
// after a freeze (about 4,000 gas each).
const PermanentURIChunk = 1000

// ErrNotDeployed: an Action needs the collection's contract.
var ErrNotDeployed = errors.New("the collection is not deployed")

// planAction plans an Action from the journal and the chain.
func (r *runner) planAction(ctx context.Context) (*planned, error) {
	dep, err := r.j.deployment(ctx)
	if err != nil {
		return nil, err
	}
	if dep == nil {
		return nil, fmt.Errorf("%w: run 'genmint mint' first", ErrNotDeployed)
	}
	c := chain.Open(r.b, dep.Contract)
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	p := &planned{dep: dep, info: &info, contract: dep.Contract}
	a := r.o.Action
	switch a.Kind {
	case KindFreeze:
		if !info.Frozen && !r.rec.IsRevealed(info.BaseURI) {
			// Freezing the placeholder would make it final.
			return nil, fmt.Errorf("%w: collection %s still shows its placeholder (%s), which a freeze would make final: run 'genmint reveal' first",
				ErrNotRevealed, dep.Contract.Hex(), info.BaseURI)
		}
		if !info.Frozen {
			return r.ownerStep(p, step{kind: KindFreeze})
		}
		next, err := r.permanentNext(ctx, dep)
		if err != nil {
			return nil, err
		}
		if next <= info.TotalSupply {
			return r.ownerStep(p, step{kind: KindPermanentURIs, first: next, last: min(next+PermanentURIChunk-1, info.TotalSupply)})
		}
	case KindSetRoyalty:
		if info.Royalty != a.Royalty {
			return r.ownerStep(p, step{kind: KindSetRoyalty, royalty: a.Royalty})
		}
	case KindReveal:
		return r.planReveal(ctx, p)
	default:
		return nil, fmt.Errorf("mint: unknown action %q", a.Kind)
	}
	return p, nil
}

// ownerStep adds st to p once the signer is known to own the collection.
func (r *runner) ownerStep(p *planned, st step) (*planned, error) {
	if p.info.Owner != r.from {
		return nil, fmt.Errorf("%w: collection %s is owned by %s, not %s: re-run with --account %s", ErrNotOwner, p.contract.Hex(), p.info.Owner.Hex(), r.from.Hex(), p.info.Owner.Hex())
	}
	p.steps = append(p.steps, st)
	return p, nil
}

// permanentNext is the first token whose PermanentURI event no mined
// transaction of the journal emitted (ranges are sent in order from 1).
func (r *runner) permanentNext(ctx context.Context, dep *Deployment) (uint64, error) {
	txs, err := r.j.all(ctx)
	if err != nil {
		return 0, err
	}
	next := uint64(1)
	for _, t := range txs {
		if t.Kind == KindPermanentURIs && t.Status == TxMined && t.Contract == dep.Contract && t.First <= next && t.Last >= next {
			next = t.Last + 1
		}
	}
	return next, nil
}
