package mint

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Run mints the collection's pinned items (see the package comment for the
// steps). It returns what it did even with an error, when anything settled.
// Cancelling ctx stops waiting; the journal keeps any open transaction, and
// the next Run settles it.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.DB == nil || o.Backend == nil || o.Signer == nil || o.Signer.Signer == nil {
		return nil, errors.New("mint: DB, Backend and Signer are required")
	}
	if o.Network.ChainID == 0 {
		return nil, errors.New("mint: no network chain id")
	}
	if o.StuckAfter <= 0 {
		o.StuckAfter = DefaultStuckAfter
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Confirmations == 0 {
		o.Confirmations = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxReplacements <= 0 {
		o.MaxReplacements = DefaultMaxReplacements
	}
	if o.Dir == "" {
		o.Dir = collectionDir(o.DB.Path())
	}
	r := &runner{o: o, b: o.Backend, j: &journal{db: o.DB, clock: o.Now}, from: o.Signer.From,
		res: &Result{Network: o.Network, FeesWei: new(big.Int)}}
	err := r.run(ctx)
	return r.res, err
}

// runner is one Run: the phases are its methods, each in its own file —
// plan.go (what to send next), send.go (sign, journal, broadcast), await.go
// (receipts, confirmations, replacement) and apply.go (record the outcome).
type runner struct {
	o       Options
	b       Backend
	j       *journal
	from    common.Address
	chainID *big.Int
	res     *Result
	asked   bool // Confirm was called

	rec         *DeploymentRecord // the deployment's chain identity, once known
	mined       identityExtra     // the journal's highest mined nonce and every receipt
	contractURI string            // the pinned contractURI (recorded at deploy)
	rechecked   bool              // the folder was re-derived against the pin record
}

// hook calls Options.Hook at a crash point.
func (r *runner) hook(p Point) {
	if r.o.Hook != nil {
		r.o.Hook(p)
	}
}

// progress reports e to Options.Progress.
func (r *runner) progress(e Event) {
	if r.o.Progress != nil {
		r.o.Progress(e)
	}
}

// run is Run's steps, in the order of the package comment.
func (r *runner) run(ctx context.Context) error {
	// 1. The node must serve the spec's network.
	id, err := r.b.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("read the node's chain id: %w", err)
	}
	if err := CheckChain(id.Uint64(), r.o.Network, ""); err != nil {
		return err
	}
	r.chainID = id
	if err := Migrate(ctx, r.o.DB); err != nil {
		return err
	}
	if other, n, err := r.j.openElsewhere(ctx, id.Uint64()); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("%w: %d transaction(s) on chain %d%s are still open: finish them first by minting against that chain", ErrOtherChain, n, other, knownName(other))
	}
	dep, err := r.j.deployment(ctx)
	if err != nil {
		return err
	}
	if dep != nil && dep.ChainID != id.Uint64() {
		return fmt.Errorf("%w: it lives at %s on chain %d%s; a collection is deployed once: mint against that chain, or copy the collection folder without .genmint/ to start another",
			ErrOtherChain, dep.Contract.Hex(), dep.ChainID, knownName(dep.ChainID))
	}
	// The deployment and the journal must be on this chain, before
	// anything is settled or sent.
	if err := r.checkChain(ctx, dep); err != nil {
		return err
	}
	// A crash after recording tokens but before moving their items.
	if err := r.syncItems(ctx); err != nil {
		return err
	}

	// 2. Settle what earlier runs left open, before anything new.
	groups, err := r.j.open(ctx, id.Uint64())
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g[0].Sender != r.from {
			return fmt.Errorf("transaction %s (nonce %d) from %s is still open: re-run with --account %s to settle it first",
				g[0].Hash.Hex(), g[0].Nonce, g[0].Sender.Hex(), g[0].Sender.Hex())
		}
		r.progress(Event{Kind: EventPending, Tx: g[len(g)-1].record()})
		if err := r.await(ctx, g); err != nil {
			return err
		}
	}

	// 3–5. Plan, send one transaction, re-plan, until nothing is left.
	for {
		plan := r.plan
		if r.o.Action != nil {
			plan, r.asked = r.planAction, true // the command asked before
		}
		p, err := plan(ctx)
		if err != nil {
			return err
		}
		if len(p.steps) == 0 {
			return r.finish(ctx, p)
		}
		if !r.asked {
			r.asked = true
			est, err := r.estimate(ctx, p)
			if err != nil {
				return err
			}
			r.progress(Event{Kind: EventPlanned, Estimate: est})
			if r.o.Confirm != nil {
				if err := r.o.Confirm(ctx, *est); err != nil {
					return err
				}
			}
		}
		if k := p.steps[0].kind; k != KindMint && !r.rechecked {
			// Publishing a URI (deploy, setBaseURI, setContractURI): the
			// folder must still re-derive the pin record.
			if err := r.recheck(ctx, p.rec); err != nil {
				return err
			}
			r.rechecked = true
		}
		if err := r.execute(ctx, p, p.steps[0]); err != nil {
			return err
		}
	}
}

// finish fills the result's collection facts.
func (r *runner) finish(ctx context.Context, p *planned) error {
	if p.dep != nil {
		r.res.Contract, r.res.Owner = p.dep.Contract, p.dep.Owner
	}
	toks, err := r.j.tokens(ctx)
	if err != nil {
		return err
	}
	r.res.Total = len(toks)
	return nil
}

// recipient is who receives the tokens: Options.Recipient, else the signer.
func (r *runner) recipient() common.Address {
	if r.o.Recipient != (common.Address{}) {
		return r.o.Recipient
	}
	return r.from
}

// collectionDir is the collection folder of a state database at
// <dir>/.genmint/state.db ("" for a database kept anywhere else).
func collectionDir(dbPath string) string {
	if dbPath == "" || filepath.Base(filepath.Dir(dbPath)) != ".genmint" {
		return ""
	}
	return filepath.Dir(filepath.Dir(dbPath))
}
