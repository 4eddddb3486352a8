package mint

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/internal/retry"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
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
	r := &runner{o: o, b: o.Backend, j: &journal{db: o.DB}, from: o.Signer.From,
		res: &Result{Network: o.Network, FeesWei: new(big.Int)}}
	err := r.run(ctx)
	return r.res, err
}

type runner struct {
	o       Options
	b       Backend
	j       *journal
	from    common.Address
	chainID *big.Int
	res     *Result
	asked   bool // Confirm was called
}

func (r *runner) hook(p Point) {
	if r.o.Hook != nil {
		r.o.Hook(p)
	}
}

func (r *runner) progress(e Event) {
	if r.o.Progress != nil {
		r.o.Progress(e)
	}
}

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
		p, err := r.plan(ctx)
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
			r.progress(Event{Kind: EventPlanned, Plan: est})
			if r.o.Confirm != nil {
				if err := r.o.Confirm(ctx, *est); err != nil {
					return err
				}
			}
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

// syncItems moves items whose token is recorded to minted (a crash can fall
// between the two writes).
func (r *runner) syncItems(ctx context.Context) error {
	toks, err := r.j.tokens(ctx)
	if err != nil || len(toks) == 0 {
		return err
	}
	ids := make([]int, 0, len(toks))
	for id := range toks {
		ids = append(ids, id)
	}
	_, err = r.o.DB.SetStatus(context.WithoutCancel(ctx), ids, state.Minted, state.Pinned)
	return err
}

// step is one action of a plan.
type step struct {
	kind        Kind
	first, last uint64 // tokens (a deploy's constructor range; a mint's whole remaining range)
	uri         string // the URI a set-base-uri or set-contract-uri step sets
}

// planned is what is left to do, and the facts it was planned from.
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
}

// plan reads the state and the chain and lists what is left to send.
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
	p.baseURI, p.contractURI = rec.BaseURI, rec.ContractURI
	recipient := r.recipient()

	if dep == nil {
		// A fresh collection: the pinned items must be exactly 1..N.
		if len(toks) > 0 {
			return nil, fmt.Errorf("%w: %d items are recorded minted but the journal has no deployment: the state is damaged; run 'genmint status'", ErrSupplyMismatch, len(toks))
		}
		if err := contiguous(p.pending, 1); err != nil {
			return nil, err
		}
		n := uint64(len(p.pending))
		p.cfg = chain.Config{
			Name: r.o.Collection.Name, Symbol: r.o.Collection.Symbol,
			BaseURI: rec.BaseURI, ContractURI: rec.ContractURI,
			Owner: r.from, InitialHolder: recipient, InitialSupply: n,
			MaxSupply: max(r.o.Collection.MaxSupply, n),
			Royalty:   r.o.Collection.Royalty, AIGC: r.o.Collection.AIGC,
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
	if info.BaseURI != rec.BaseURI {
		if info.Frozen {
			return nil, fmt.Errorf("%w: the pinned baseURI is now %s but collection %s's metadata is frozen at %s: the new pin cannot be applied; pin the collection as it was frozen",
				chain.ErrMetadataFrozen, rec.BaseURI, dep.Contract.Hex(), info.BaseURI)
		}
		p.steps = append(p.steps, step{kind: KindSetBaseURI, uri: rec.BaseURI})
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

func (r *runner) recipient() common.Address {
	if r.o.Recipient != (common.Address{}) {
		return r.o.Recipient
	}
	return r.from
}

// execute sends one transaction for st (for a mint step, its first batch)
// and waits until it settles.
func (r *runner) execute(ctx context.Context, p *planned, st step) error {
	nonce, err := r.nextNonce(ctx)
	if err != nil {
		return err
	}
	row := txRow{ChainID: r.chainID.Uint64(), Sender: r.from, Nonce: nonce, Kind: st.kind, Recipient: r.recipient()}
	var to *common.Address
	var data []byte
	var gas uint64
	switch st.kind {
	case KindDeploy:
		data = deployData(p.cfg)
		row.Contract = crypto.CreateAddress(r.from, nonce)
		row.First, row.Last, row.BaseURI = st.first, st.last, p.cfg.BaseURI
		if gas, err = r.estimateGas(ctx, nil, data, "deploy the collection"); err != nil {
			return err
		}
	case KindSetBaseURI, KindSetContractURI:
		what := "setBaseURI"
		data = abiGC.PackSetBaseURI(st.uri)
		if st.kind == KindSetContractURI {
			what, data = "setContractURI", abiGC.PackSetContractURI(st.uri)
		}
		row.Contract, row.BaseURI = p.contract, st.uri
		to = &p.contract
		if gas, err = r.estimateGas(ctx, to, data, what); err != nil {
			return err
		}
	case KindMint:
		q, est, err := batchSize(ctx, r.b, r.from, p.contract, row.Recipient, st.last-st.first+1, r.o.BatchSize)
		if err != nil {
			return err
		}
		data = abiGC.PackMintBatch(row.Recipient, new(big.Int).SetUint64(q))
		row.Contract, row.First, row.Last = p.contract, st.first, st.first+q-1
		to = &p.contract
		gas = est
	}
	gas = withMargin(gas)
	tip, maxFee, err := fees(ctx, r.b, r.o.MaxFeePerGas)
	if err != nil {
		return err
	}
	if err := r.checkFunds(ctx, gas, maxFee, describe(row)); err != nil {
		return err
	}
	r.hook(PointBeforeSign)
	signed, err := r.sign(&types.DynamicFeeTx{ChainID: r.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: maxFee, Gas: gas, To: to, Data: data})
	if err != nil {
		return err
	}
	row.Hash, row.GasLimit, row.MaxFee, row.Tip = signed.Hash(), gas, maxFee, tip
	if row.Raw, err = signed.MarshalBinary(); err != nil {
		return err
	}
	// The rule everything rests on: journalled before any node sees it.
	if err := r.j.insert(context.WithoutCancel(ctx), &row); err != nil {
		return err
	}
	r.progress(Event{Kind: EventSigned, Tx: row.record()})
	r.hook(PointAfterJournal)
	if ok, err := r.broadcast(ctx, &row, signed); err != nil {
		return err
	} else if ok {
		r.progress(Event{Kind: EventSent, Tx: row.record()})
	}
	return r.await(ctx, []txRow{row})
}

// sign signs tx with the keystore, checking the fee cap one last time.
func (r *runner) sign(inner *types.DynamicFeeTx) (*types.Transaction, error) {
	if r.o.MaxFeePerGas != nil && inner.GasFeeCap.Cmp(r.o.MaxFeePerGas) > 0 {
		return nil, fmt.Errorf("internal error: fee %s above the cap %s", inner.GasFeeCap, r.o.MaxFeePerGas)
	}
	signed, err := r.o.Signer.Signer(r.from, types.NewTx(inner))
	if err != nil {
		return nil, fmt.Errorf("sign with %s: %w", r.from.Hex(), err)
	}
	return signed, nil
}

// nextNonce is the account's next nonce: the node's pending nonce, or past
// the journal's last one if the node has not caught up.
func (r *runner) nextNonce(ctx context.Context) (uint64, error) {
	n, err := r.b.PendingNonceAt(ctx, r.from)
	if err != nil {
		return 0, fmt.Errorf("read the nonce of %s: %w", r.from.Hex(), err)
	}
	last, ok, err := r.j.maxNonce(ctx, r.chainID.Uint64(), r.from)
	if err != nil {
		return 0, err
	}
	if ok && last+1 > n {
		n = last + 1
	}
	return n, nil
}

func (r *runner) estimateGas(ctx context.Context, to *common.Address, data []byte, what string) (uint64, error) {
	gas, err := r.b.EstimateGas(ctx, ethereum.CallMsg{From: r.from, To: to, Data: data})
	if err != nil {
		return 0, fmt.Errorf("%s would fail (nothing was sent): %w", what, chain.DecodeRevert(err))
	}
	return gas, nil
}

// checkFunds refuses to sign what the account cannot pay for.
func (r *runner) checkFunds(ctx context.Context, gas uint64, maxFee *big.Int, what string) error {
	bal, err := r.b.BalanceAt(ctx, r.from, nil)
	if err != nil {
		return fmt.Errorf("read the balance of %s: %w", r.from.Hex(), err)
	}
	need := new(big.Int).Mul(new(big.Int).SetUint64(gas), maxFee)
	if bal.Cmp(need) < 0 {
		return &InsufficientFundsError{Account: r.from, Network: r.o.Network.Name, What: what, Have: bal, Need: need, Gas: gas, MaxFee: maxFee}
	}
	return nil
}

// broadcast sends a journalled transaction and records it as sent. A node
// that already has it is fine.
func (r *runner) broadcast(ctx context.Context, row *txRow, tx *types.Transaction) (accepted bool, err error) {
	err = r.b.SendTransaction(ctx, tx)
	r.hook(PointAfterBroadcast)
	switch {
	case err == nil, isKnown(err):
	case isInsufficientFunds(err):
		bal, _ := r.b.BalanceAt(ctx, r.from, nil)
		if bal == nil {
			bal = new(big.Int)
		}
		need := new(big.Int).Mul(new(big.Int).SetUint64(tx.Gas()), tx.GasFeeCap())
		return false, &InsufficientFundsError{Account: r.from, Network: r.o.Network.Name, What: describe(*row), Have: bal, Need: need, Gas: tx.Gas(), MaxFee: tx.GasFeeCap()}
	case isNonceTooLow(err), isUnderpriced(err):
		// Another transaction with this nonce is known (mined or pending):
		// await finds out which.
		return false, nil
	default:
		return false, fmt.Errorf("send %s (%s): %w: re-run to retry; the signed transaction is journalled", describe(*row), row.Hash.Hex(), chain.DecodeRevert(err))
	}
	return true, r.j.markSent(context.WithoutCancel(ctx), row)
}

// await waits until one transaction of an action (same nonce) is mined and
// confirmed, or the nonce is used by another transaction; it re-broadcasts a
// transaction the node lost and replaces one stuck past StuckAfter.
func (r *runner) await(ctx context.Context, group []txRow) error {
	r.hook(PointWaitingReceipt)
	capped := false
	for {
		w, rc, err := r.findReceipt(ctx, group)
		if err != nil {
			return err
		}
		if rc != nil {
			r.hook(PointAfterReceipt)
			ok, err := r.confirmed(ctx, w, rc)
			if err != nil {
				return err
			}
			if ok {
				return r.apply(ctx, group, w, rc)
			}
			continue // reorganised away: look again
		}
		nonce, err := r.b.NonceAt(ctx, r.from, nil)
		if err != nil {
			return fmt.Errorf("read the nonce of %s: %w", r.from.Hex(), err)
		}
		if nonce > group[0].Nonce {
			// The nonce is used. By one of ours, mined just now? Look again.
			if _, rc, err := r.findReceipt(ctx, group); err != nil {
				return err
			} else if rc != nil {
				continue
			}
			if err := r.j.settle(context.WithoutCancel(ctx), group, settled{status: TxDropped}); err != nil {
				return err
			}
			for i := range group {
				group[i].Status = TxDropped
			}
			r.progress(Event{Kind: EventDropped, Tx: group[len(group)-1].record()})
			return nil
		}
		newest := &group[len(group)-1]
		_, _, err = r.b.TransactionByHash(ctx, newest.Hash)
		switch {
		case notFound(err):
			// Never broadcast (a crash), or lost by the node: send the same bytes.
			tx, derr := newest.tx()
			if derr != nil {
				return derr
			}
			was := newest.Status
			ok, err := r.broadcast(ctx, newest, tx)
			switch {
			case err != nil:
				return err
			case ok && was == TxSent:
				r.progress(Event{Kind: EventRebroadcast, Tx: newest.record()})
			case ok:
				r.progress(Event{Kind: EventSent, Tx: newest.record()})
			}
		case err != nil:
			return fmt.Errorf("look up %s: %w", newest.Hash.Hex(), err)
		}
		if !newest.SentAt.IsZero() && r.o.Now().Sub(newest.SentAt) >= r.o.StuckAfter {
			repl, err := r.replace(ctx, group)
			if err != nil {
				return err
			}
			if repl != nil {
				group = append(group, *repl)
				capped = false
			} else if !capped {
				capped = true
				r.progress(Event{Kind: EventFeeCapped, Tx: newest.record()})
			}
		}
		if err := retry.Sleep(ctx, r.o.Poll); err != nil {
			return err
		}
	}
}

// findReceipt returns the receipt of whichever transaction of the group was
// mined, if any.
func (r *runner) findReceipt(ctx context.Context, group []txRow) (*txRow, *types.Receipt, error) {
	for i := range group {
		rc, err := r.b.TransactionReceipt(ctx, group[i].Hash)
		if err == nil {
			return &group[i], rc, nil
		}
		if !notFound(err) {
			return nil, nil, fmt.Errorf("receipt of %s: %w", group[i].Hash.Hex(), err)
		}
	}
	return nil, nil, nil
}

// confirmed waits for Confirmations blocks, then checks the receipt is still
// in the canonical chain (false when it was reorganised away).
func (r *runner) confirmed(ctx context.Context, w *txRow, rc *types.Receipt) (bool, error) {
	want := rc.BlockNumber.Uint64() + r.o.Confirmations - 1
	for {
		head, err := r.b.BlockNumber(ctx)
		if err != nil {
			return false, fmt.Errorf("read the block number: %w", err)
		}
		if head >= want {
			break
		}
		if err := retry.Sleep(ctx, r.o.Poll); err != nil {
			return false, err
		}
	}
	if r.o.Confirmations == 1 {
		return true, nil
	}
	again, err := r.b.TransactionReceipt(ctx, w.Hash)
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("receipt of %s: %w", w.Hash.Hex(), err)
	}
	if again.BlockHash != rc.BlockHash {
		*rc = *again
		return false, nil
	}
	return true, nil
}

// replace signs and sends the stuck action again with fees raised by at
// least 12.5% (what nodes require to replace a pending transaction), never
// above MaxFeePerGas. It returns nil when the cap leaves no room.
func (r *runner) replace(ctx context.Context, group []txRow) (*txRow, error) {
	old := group[len(group)-1]
	oldTx, err := old.tx()
	if err != nil {
		return nil, err
	}
	tip, maxFee, err := fees(ctx, r.b, nil)
	if err != nil {
		return nil, err
	}
	minTip, minFee := bump(old.Tip), bump(old.MaxFee)
	tip = bigMax(tip, minTip)
	maxFee = bigMax(maxFee, minFee)
	if c := r.o.MaxFeePerGas; c != nil && maxFee.Cmp(c) > 0 {
		maxFee = new(big.Int).Set(c)
	}
	if tip.Cmp(maxFee) > 0 {
		tip = new(big.Int).Set(maxFee)
	}
	if maxFee.Cmp(minFee) < 0 || tip.Cmp(minTip) < 0 {
		return nil, nil // the cap leaves no room for a replacement
	}
	if err := r.checkFunds(ctx, old.GasLimit, maxFee, "replacing "+describe(old)); err != nil {
		return nil, err
	}
	r.hook(PointBeforeSign)
	signed, err := r.sign(&types.DynamicFeeTx{ChainID: r.chainID, Nonce: old.Nonce, GasTipCap: tip, GasFeeCap: maxFee,
		Gas: old.GasLimit, To: oldTx.To(), Value: oldTx.Value(), Data: oldTx.Data()})
	if err != nil {
		return nil, err
	}
	row := old
	row.ID, row.Replaces, row.Status, row.SentAt = 0, old.ID, TxSigned, time.Time{}
	row.Hash, row.MaxFee, row.Tip = signed.Hash(), maxFee, tip
	if row.Raw, err = signed.MarshalBinary(); err != nil {
		return nil, err
	}
	if err := r.j.insert(context.WithoutCancel(ctx), &row); err != nil {
		return nil, err
	}
	r.hook(PointAfterJournal)
	if _, err := r.broadcast(ctx, &row, signed); err != nil {
		return nil, err
	}
	rec := row.record()
	r.progress(Event{Kind: EventReplaced, Tx: old.record(), New: &rec})
	return &row, nil
}

// apply records a mined transaction's outcome: for a failure its decoded
// reason, for a success the on-chain checks, the tokens and the items.
func (r *runner) apply(ctx context.Context, group []txRow, w *txRow, rc *types.Receipt) error {
	done := context.WithoutCancel(ctx)
	tx, err := w.tx()
	if err != nil {
		return err
	}
	if rc.Status != types.ReceiptStatusSuccessful {
		_, werr := chain.WaitMined(ctx, r.b, tx, r.o.Poll) // replays it for the revert reason
		if werr == nil {
			werr = chain.ErrReverted
		}
		if err := r.j.settle(done, group, settled{winner: w, receipt: rc, status: TxReverted, errText: werr.Error()}); err != nil {
			return err
		}
		w.Status, w.Block, w.GasUsed, w.GasPrice = TxReverted, rc.BlockNumber.Uint64(), rc.GasUsed, rc.EffectiveGasPrice
		r.account(w)
		return fmt.Errorf("%s (%s) failed on chain, nothing it meant to do happened: %w", describe(*w), w.Hash.Hex(), werr)
	}

	s := settled{winner: w, receipt: rc, status: TxMined, owner: w.Recipient}
	c := chain.Open(r.b, w.Contract)
	switch w.Kind {
	case KindDeploy:
		if _, err := chain.WaitMined(ctx, r.b, tx, r.o.Poll); err != nil { // checks the code is there
			return err
		}
		if rc.ContractAddress != w.Contract {
			return fmt.Errorf("deployment %s created %s, not the journalled %s", w.Hash.Hex(), rc.ContractAddress.Hex(), w.Contract.Hex())
		}
		s.contract = rc.ContractAddress
		if w.First > 0 {
			s.tokens = span(w.First, w.Last)
		}
	case KindMint:
		ids := mintedIDs(rc, w.Contract, w.Recipient)
		if !slices.Equal(ids, span(w.First, w.Last)) {
			return fmt.Errorf("%w: %s minted tokens %s, not %d–%d as journalled: nothing more will be sent; run 'genmint status' and report it",
				ErrSupplyMismatch, w.Hash.Hex(), rangeText(ids), w.First, w.Last)
		}
		s.tokens = ids
	case KindSetBaseURI:
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.BaseURI != w.BaseURI {
			return fmt.Errorf("%w: after %s the baseURI is %s, not %s", ErrSupplyMismatch, w.Hash.Hex(), info.BaseURI, w.BaseURI)
		}
	case KindSetContractURI:
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.ContractURI != w.BaseURI {
			return fmt.Errorf("%w: after %s the contractURI is %s, not %s", ErrSupplyMismatch, w.Hash.Hex(), info.ContractURI, w.BaseURI)
		}
	}
	if len(s.tokens) > 0 {
		if err := r.verify(ctx, c, s.tokens, w.Recipient); err != nil {
			return err
		}
	}
	if err := r.j.settle(done, group, s); err != nil {
		return err
	}
	w.Status, w.Block, w.GasUsed, w.GasPrice, w.Contract = TxMined, rc.BlockNumber.Uint64(), rc.GasUsed, rc.EffectiveGasPrice, c.Address()
	if len(s.tokens) > 0 {
		ids := make([]int, len(s.tokens))
		for i, id := range s.tokens {
			ids[i] = int(id)
		}
		n, err := r.o.DB.SetStatus(done, ids, state.Minted, state.Pinned)
		if err != nil {
			return err
		}
		r.res.Minted += n
	}
	if w.Kind == KindDeploy {
		r.res.Deployed = true
	}
	r.res.Contract, r.res.Owner = c.Address(), w.Sender
	r.account(w)
	toks, err := r.j.tokens(ctx)
	if err != nil {
		return err
	}
	r.progress(Event{Kind: EventMined, Tx: w.record(), Minted: len(toks)})
	return nil
}

// verify reads back what a transaction minted: totalSupply covers it and the
// first and last token belong to the recipient (ownership is stored per
// range, so the ends stand for the range).
func (r *runner) verify(ctx context.Context, c *chain.Collection, ids []uint64, owner common.Address) error {
	total, err := c.TotalSupply(ctx)
	if err != nil {
		return err
	}
	last := ids[len(ids)-1]
	if total < last {
		return fmt.Errorf("%w: collection %s reports totalSupply %d after minting up to token %d", ErrSupplyMismatch, c.Address().Hex(), total, last)
	}
	for _, id := range []uint64{ids[0], last} {
		got, err := c.OwnerOf(ctx, id)
		if err != nil {
			return err
		}
		if got != owner {
			return fmt.Errorf("%w: token %d of %s is owned by %s, not %s", ErrSupplyMismatch, id, c.Address().Hex(), got.Hex(), owner.Hex())
		}
	}
	return nil
}

// account adds a settled transaction to the result.
func (r *runner) account(w *txRow) {
	rec := w.record()
	r.res.Txs = append(r.res.Txs, rec)
	r.res.GasUsed += w.GasUsed
	if rec.FeeWei != nil {
		r.res.FeesWei.Add(r.res.FeesWei, rec.FeeWei)
	}
}

// transferTopic is keccak256("Transfer(address,address,uint256)").
var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// mintedIDs lists the token ids a receipt's Transfer events mint (from the
// zero address) from contract to owner, in log order.
func mintedIDs(rc *types.Receipt, contract, owner common.Address) []uint64 {
	var ids []uint64
	for _, l := range rc.Logs {
		if l.Address != contract || len(l.Topics) != 4 || l.Topics[0] != transferTopic {
			continue
		}
		if l.Topics[1] != (common.Hash{}) || common.BytesToAddress(l.Topics[2].Bytes()) != owner {
			continue
		}
		ids = append(ids, new(big.Int).SetBytes(l.Topics[3].Bytes()).Uint64())
	}
	return ids
}

func span(first, last uint64) []uint64 {
	if last < first {
		return nil
	}
	out := make([]uint64, 0, last-first+1)
	for id := first; id <= last; id++ {
		out = append(out, id)
	}
	return out
}

func rangeText(ids []uint64) string {
	if len(ids) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d–%d (%d tokens)", ids[0], ids[len(ids)-1], len(ids))
}

// notFound: the node does not know the transaction (yet). A geth node still
// indexing its transactions says so instead of "not found".
func notFound(err error) bool {
	return err != nil && (errors.Is(err, ethereum.NotFound) || strings.Contains(err.Error(), "transaction indexing is in progress"))
}

// Node error texts (geth, anvil/reth and most providers use these words).
func isKnown(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "already known") || strings.Contains(s, "known transaction") || strings.Contains(s, "already imported")
}

func isNonceTooLow(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "nonce too low") || strings.Contains(s, "nonce is too low")
}

func isUnderpriced(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "underpriced") || strings.Contains(s, "replacement transaction")
}

func isInsufficientFunds(err error) bool {
	return strings.Contains(strings.ToLower(err.Error()), "insufficient funds")
}
