package mint

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
)

// step is one action of a mint plan (see planned): one transaction, or for a
// mint step the batches of one token range.
type step struct {
	kind        Kind
	first, last uint64        // tokens (a deploy's constructor range; a mint's whole remaining range)
	uri         string        // the URI a set-base-uri or set-contract-uri step sets
	royalty     chain.Royalty // what a set-royalty step sets
}

// planned is mint's plan: the steps left to send and the facts, read from
// the journal and the chain, they were planned from. (Not spec.Plan, which
// plans the items to generate; its cost is an Estimate.)
type planned struct {
	steps   []step
	dep     *Deployment
	info    *chain.Info  // the deployed contract, read now
	cfg     chain.Config // the deploy's constructor arguments (when deploying)
	pending []int        // item ids to mint
	minted  int          // items recorded minted
	baseURI string       // the pinned baseURI
	// contractURI is the pinned contractURI.
	contractURI string
	contract    common.Address
	rec         *pin.Record // the pin run minted with
}

// plan reads the state, the journal and the chain and lists what is left to
// send.
func (r *runner) plan(ctx context.Context) (*planned, error) {
	items, err := r.o.DB.Items(ctx, state.Query{Statuses: []state.Status{state.Pinned}})
	if err != nil {
		return nil, err
	}
	toks, err := r.j.tokens(ctx)
	if err != nil {
		return nil, err
	}
	dep, err := r.j.deployment(ctx)
	if err != nil {
		return nil, err
	}
	p := &planned{dep: dep, minted: len(toks)}
	for _, it := range items {
		p.pending = append(p.pending, it.ID)
	}
	if len(p.pending) == 0 && dep == nil {
		if len(toks) > 0 {
			return nil, fmt.Errorf("%w: %d items are recorded minted but the journal has no deployment: the state is damaged; run 'genmint status'", ErrSupplyMismatch, len(toks))
		}
		return nil, ErrNothingPinned
	}
	rec := r.o.Pin
	if rec == nil {
		if rec, err = pin.Latest(ctx, r.o.DB); err != nil {
			return nil, err
		}
		// Never mint a baseURI no destination confirmed holding. (A
		// record the caller passes in is the caller's to check.)
		if _, _, err := rec.Publication(); err != nil {
			return nil, err
		}
	}
	inPin := map[int]bool{}
	for _, id := range rec.ItemIDs {
		inPin[id] = true
	}
	for _, id := range p.pending {
		if !inPin[id] {
			return nil, fmt.Errorf("item %d is pinned but not in the latest pin run (%s): run 'genmint pin' again", id, rec.BaseURI)
		}
	}
	p.baseURI, p.contractURI, p.rec = rec.BaseURI, rec.ContractURI, rec
	r.contractURI = rec.ContractURI
	recipient := r.recipient()

	if dep == nil {
		if err := r.checkNoRecord(); err != nil {
			return nil, err
		}
		// A fresh collection: the pinned items must be exactly 1..N.
		if len(toks) > 0 {
			return nil, fmt.Errorf("%w: %d items are recorded minted but the journal has no deployment: the state is damaged; run 'genmint status'", ErrSupplyMismatch, len(toks))
		}
		if err := contiguous(p.pending, 1); err != nil {
			return nil, err
		}
		n := uint64(len(p.pending))
		// With a placeholder (spec reveal:) every token shows it until
		// 'genmint reveal'; the provenance hash below binds the real
		// collection all the same.
		base := rec.BaseURI
		if rec.PlaceholderURI != "" {
			base = rec.PlaceholderURI
		}
		p.cfg = chain.Config{
			Name: r.o.Collection.Name, Symbol: r.o.Collection.Symbol,
			BaseURI: base, ContractURI: rec.ContractURI,
			Owner: r.from, InitialHolder: recipient, InitialSupply: n,
			MaxSupply: max(r.o.Collection.MaxSupply, n),
			Royalty:   r.o.Collection.Royalty, AIGC: r.o.Collection.AIGC,
			RoyaltyCapBps: r.o.Collection.RoyaltyCapBps, License: r.o.Collection.License,
		}
		if p.cfg.ProvenanceHash, err = provenanceHash(rec, items); err != nil {
			return nil, err
		}
		deploy := step{kind: KindDeploy, first: 1, last: n}
		if r.o.NoERC2309 {
			p.cfg.InitialSupply = 0
			deploy.first, deploy.last = 0, 0
		}
		if err := p.cfg.Validate(); err != nil {
			return nil, err
		}
		p.steps = append(p.steps, deploy)
		if r.o.NoERC2309 {
			p.steps = append(p.steps, step{kind: KindMint, first: 1, last: n})
		}
		return p, nil
	}

	// A deployed collection: mint what was pinned since.
	p.contract = dep.Contract
	c := chain.Open(r.b, dep.Contract)
	info, err := c.Info(ctx)
	if errors.Is(err, bind.ErrNoCode) {
		// The identity check passed, then the chain lost the contract.
		return nil, &ChainResetError{Node: r.o.Node, Detail: "no code at " + dep.Contract.Hex()}
	}
	if err != nil {
		return nil, err
	}
	p.info = &info
	if info.Owner != r.from {
		return nil, fmt.Errorf("%w: collection %s is owned by %s, not %s: re-run with --account %s", ErrNotOwner, dep.Contract.Hex(), info.Owner.Hex(), r.from.Hex(), info.Owner.Hex())
	}
	if info.TotalSupply != uint64(len(toks)) {
		return nil, fmt.Errorf("%w: collection %s has %d tokens on chain, but genmint recorded %d minted: another program minted from this account, or the state is from another copy of the collection; nothing was sent",
			ErrSupplyMismatch, dep.Contract.Hex(), info.TotalSupply, len(toks))
	}
	if err := contiguous(p.pending, info.TotalSupply+1); err != nil {
		return nil, err
	}
	last := info.TotalSupply + uint64(len(p.pending))
	if last > info.MaxSupply {
		return nil, fmt.Errorf("%w: minting items %d–%d would exceed collection %s's supply cap of %d, fixed at deployment: mint fewer items",
			chain.ErrSupplyExceeded, info.TotalSupply+1, last, dep.Contract.Hex(), info.MaxSupply)
	}
	// Items added since (or an edit of the collection's facts) give a new
	// pin run: move the contract to its URIs first. setBaseURI emits
	// ERC-4906's BatchMetadataUpdate, so marketplaces refresh every token;
	// pin has already checked that no minted token's bytes changed.
	// Before the reveal the contract follows the placeholder folder, which
	// grows with the items; only 'genmint reveal' moves it to the real one.
	want := rec.BaseURI
	if !r.rec.IsRevealed(info.BaseURI) {
		if rec.PlaceholderURI == "" {
			return nil, fmt.Errorf("%w: collection %s shows its placeholder, but genmint.yaml has no reveal: section now: run 'genmint reveal' first, or put the reveal: section back",
				ErrNotRevealed, dep.Contract.Hex())
		}
		want = rec.PlaceholderURI
	}
	if info.BaseURI != want {
		if info.Frozen {
			return nil, fmt.Errorf("%w: the pinned baseURI is now %s but collection %s's metadata is frozen at %s: the new pin cannot be applied; pin the collection as it was frozen",
				chain.ErrMetadataFrozen, want, dep.Contract.Hex(), info.BaseURI)
		}
		p.steps = append(p.steps, step{kind: KindSetBaseURI, uri: want})
	}
	if info.ContractURI != rec.ContractURI {
		p.steps = append(p.steps, step{kind: KindSetContractURI, uri: rec.ContractURI})
	}
	if len(p.pending) > 0 {
		p.steps = append(p.steps, step{kind: KindMint, first: info.TotalSupply + 1, last: last})
	}
	return p, nil
}

// contiguous checks ids are first, first+1, … (token id = item id).
func contiguous(ids []int, first uint64) error {
	for i, id := range ids {
		if uint64(id) != first+uint64(i) {
			want := first + uint64(i)
			return fmt.Errorf("%w: token ids equal item ids, so the next item to mint must be %d, but it is %d: keep and pin items in order (run 'genmint status' to see which are pinned)",
				ErrNotContiguous, want, id)
		}
	}
	return nil
}
