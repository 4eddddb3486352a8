package mint

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
)

// This file is the placeholder launch (spec reveal:): mint deploys with the
// pin run's placeholder baseURI while the provenance hash already commits
// to the real content, and the KindReveal action moves the baseURI to the
// real metadata once the folder re-derives it and it matches that
// commitment.

var (
	// ErrNotRevealed: the collection still shows its placeholder.
	ErrNotRevealed = errors.New("the collection is not revealed")
	// ErrCommitment: the content a reveal would publish is not what the
	// contract committed to at deployment; nothing is sent.
	ErrCommitment = errors.New("the content does not match the provenance commitment")
)

// IsRevealed says whether the collection recorded by rec shows its real
// metadata, given the contract's baseURI as read now ("" when not read):
// a collection deployed without a placeholder always does; one deployed
// with a placeholder does once a reveal was recorded, or once the chain's
// baseURI is no longer the placeholder (a reveal recorded elsewhere: the
// state database is only a cache of the chain and deployments/).
func (rec *DeploymentRecord) IsRevealed(chainBaseURI string) bool {
	if rec == nil || rec.PlaceholderURI == "" || rec.Revealed {
		return true
	}
	return chainBaseURI != "" && chainBaseURI != rec.PlaceholderURI
}

// pinRecord is the pin run Run publishes: Options.Pin, else the latest
// completed one, which a destination must confirm holding.
func (r *runner) pinRecord(ctx context.Context) (*pin.Record, error) {
	if r.o.Pin != nil {
		return r.o.Pin, nil
	}
	rec, err := pin.Latest(ctx, r.o.DB)
	if err != nil {
		return nil, err
	}
	if _, _, err := rec.Publication(); err != nil {
		return nil, err
	}
	return rec, nil
}

// planReveal plans KindReveal: nothing when the chain already shows the
// pinned real baseURI, else one setBaseURI to it, after the checks that
// must hold before anything is signed.
func (r *runner) planReveal(ctx context.Context, p *planned) (*planned, error) {
	if (r.o.Dir == "" || r.o.Metadata == nil) && !r.o.folderless {
		return nil, errors.New("mint: a reveal needs Options.Dir and Options.Metadata to re-derive what it publishes")
	}
	rec, err := r.pinRecord(ctx)
	if err != nil {
		return nil, err
	}
	p.rec, p.baseURI, p.contractURI = rec, rec.BaseURI, rec.ContractURI
	if p.info.BaseURI == rec.BaseURI {
		return p, r.markRevealed(ctx, rec.BaseURI)
	}
	if r.rec != nil && r.rec.PlaceholderURI == "" && !r.rec.Revealed {
		return nil, fmt.Errorf("%w: collection %s was deployed without a placeholder (no reveal: in genmint.yaml then), so there is nothing to reveal; 'genmint mint' moves it to a new pin",
			ErrNotDeployed, p.contract.Hex())
	}
	if p.info.Frozen {
		return nil, fmt.Errorf("%w: collection %s is frozen at %s: it can no longer be revealed", chain.ErrMetadataFrozen, p.contract.Hex(), p.info.BaseURI)
	}
	if p.info.Owner != r.from {
		return r.ownerStep(p, step{}) // the owner error
	}
	if err := r.checkCommitment(ctx, p.contract, rec); err != nil {
		return nil, err
	}
	// The folder must re-derive every CID of the pin record, the real
	// metadata root included (pin's own dry run, as verify --local does).
	if !r.o.folderless {
		if err := r.recheck(ctx, rec); err != nil {
			return nil, err
		}
	}
	r.rechecked = true
	return r.ownerStep(p, step{kind: KindReveal, uri: rec.BaseURI})
}

// checkCommitment recomputes the provenance commitment's leaves from the
// pin record and the state (docs/provenance.md) and checks that the
// contract's provenanceHash() is their root (over the first k tokens, k the
// tokens deployed with it).
func (r *runner) checkCommitment(ctx context.Context, contract common.Address, rec *pin.Record) error {
	onChain, err := chain.Open(r.b, contract).ProvenanceHash(ctx)
	if err != nil {
		return fmt.Errorf("read provenanceHash: %w", err)
	}
	if onChain == (common.Hash{}) {
		return fmt.Errorf("%w: collection %s stored no provenance hash at deployment, so a reveal cannot be checked against it; nothing was sent", ErrCommitment, contract.Hex())
	}
	items, err := r.o.DB.Items(ctx, state.Query{IDs: rec.ItemIDs})
	if err != nil {
		return err
	}
	leaves, err := Leaves(rec, items)
	if err != nil {
		return err
	}
	if _, ok := merkle.MatchPrefix(leaves, merkle.Hash(onChain)); !ok {
		root, _ := merkle.Root(leaves)
		return fmt.Errorf("%w: the pinned collection's root is %s but collection %s committed to %s at deployment: restore the committed images and records (genmint verify --local shows what changed); nothing was sent",
			ErrCommitment, root.Hex(), contract.Hex(), onChain.Hex())
	}
	return nil
}

// markRevealed records a reveal the chain shows but the deployment record
// does not (a reveal settled by an earlier run after a crash, or made from
// another copy of the collection).
func (r *runner) markRevealed(ctx context.Context, baseURI string) error {
	if r.rec == nil || r.rec.Revealed || r.rec.PlaceholderURI == "" {
		return nil
	}
	rec := *r.rec
	rec.Revealed, rec.BaseURI = true, baseURI
	if err := r.j.putRecord(context.WithoutCancel(ctx), &rec); err != nil {
		return err
	}
	r.rec = &rec
	return r.writeRecord(&rec)
}

// placeholderURI is the placeholder baseURI of the pin run Run publishes
// ("" without one): a deployment with it as baseURI is not revealed.
func (r *runner) placeholderURI(ctx context.Context) (string, error) {
	if r.o.Pin != nil {
		return r.o.Pin.PlaceholderURI, nil
	}
	rec, err := pin.Latest(ctx, r.o.DB)
	if errors.Is(err, pin.ErrNoPinRun) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return rec.PlaceholderURI, nil
}

// RevealedAt says whether the collection recorded by rec is revealed,
// asking the node at rawURL for the contract's baseURI when the record
// alone cannot tell (shown names the node in messages, any key redacted).
func RevealedAt(ctx context.Context, rawURL, shown string, rec *DeploymentRecord) (bool, error) {
	if rec.IsRevealed("") {
		return true, nil
	}
	cl, err := ethclient.DialContext(ctx, rawURL)
	if err != nil {
		return false, fmt.Errorf("--rpc %s: %w", shown, err)
	}
	defer cl.Close()
	info, err := chain.Open(cl, rec.Address).Info(ctx)
	if err != nil {
		if ce, ok := neterr.CertURL(neterr.RPCNode, rawURL, err); ok {
			return false, ce
		}
		return false, fmt.Errorf("read collection %s at %s: %w", rec.Address.Hex(), shown, err)
	}
	return rec.IsRevealed(info.BaseURI), nil
}
