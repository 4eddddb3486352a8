package mint

import (
	"context"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/state"
)

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
		if !r.o.unchecked {
			rec, err := identify(ctx, r.b, r.o.Network.Name, w.ChainID, w, rc)
			if err != nil {
				return err
			}
			rec.ContractURI = r.contractURI
			if ph, err := r.placeholderURI(ctx); err != nil {
				return err
			} else if ph != "" && ph == w.BaseURI {
				rec.PlaceholderURI = ph
			}
			s.record = rec
		}
	case KindMint:
		ids := mintedIDs(rc, w.Contract, w.Recipient)
		if !slices.Equal(ids, span(w.First, w.Last)) {
			return fmt.Errorf("%w: %s minted tokens %s, not %d–%d as journalled: nothing more will be sent; run 'genmint status' and report it",
				ErrSupplyMismatch, w.Hash.Hex(), rangeText(ids), w.First, w.Last)
		}
		s.tokens = ids
	case KindSetBaseURI, KindReveal:
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.BaseURI != w.BaseURI {
			return fmt.Errorf("%w: after %s the baseURI is %s, not %s", ErrSupplyMismatch, w.Hash.Hex(), info.BaseURI, w.BaseURI)
		}
		if r.rec != nil {
			rec := *r.rec
			rec.BaseURI = w.BaseURI
			switch {
			case w.Kind == KindReveal:
				rec.Revealed = true
			case rec.PlaceholderURI != "" && !rec.Revealed:
				rec.PlaceholderURI = w.BaseURI // the placeholder folder grew with the items
			}
			s.record = &rec
		}
	case KindFreeze, KindSetRoyalty:
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if w.Kind == KindFreeze && !info.Frozen {
			return fmt.Errorf("%w: after %s the collection is not frozen", ErrSupplyMismatch, w.Hash.Hex())
		}
		if want := (chain.Royalty{Receiver: w.Recipient, Bps: uint16(w.First)}); w.Kind == KindSetRoyalty && info.Royalty != want {
			return fmt.Errorf("%w: after %s the royalty is %d bps to %s, not %d bps to %s", ErrSupplyMismatch, w.Hash.Hex(),
				info.Royalty.Bps, info.Royalty.Receiver.Hex(), want.Bps, want.Receiver.Hex())
		}
	case KindSetContractURI:
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.ContractURI != w.BaseURI {
			return fmt.Errorf("%w: after %s the contractURI is %s, not %s", ErrSupplyMismatch, w.Hash.Hex(), info.ContractURI, w.BaseURI)
		}
		if r.rec != nil {
			rec := *r.rec
			rec.ContractURI = w.BaseURI
			s.record = &rec
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
	if w.Nonce >= r.mined.minedMax || !r.mined.hasMined {
		r.mined.minedMax, r.mined.hasMined = w.Nonce, true
	}
	r.mined.noteReceipt(w.Hash, rc.BlockNumber.Uint64(), rc.BlockHash)
	if s.record != nil {
		r.rec = s.record
		if err := r.writeRecord(s.record); err != nil {
			return err
		}
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

// writeRecord writes deployments/<network>.json; a deployment replacing
// another network's record (NewDeployment) moves the old one aside first.
func (r *runner) writeRecord(rec *DeploymentRecord) error {
	if r.o.Dir == "" {
		return nil
	}
	old, err := ReadDeploymentFile(r.o.Dir, rec.Network)
	if err != nil {
		return err
	}
	if old != nil && (old.Address != rec.Address || old.BlockHash != rec.BlockHash || old.ChainID != rec.ChainID) {
		to, err := MoveDeploymentFile(r.o.Dir, old)
		if err != nil {
			return err
		}
		r.progress(Event{Kind: EventNewDeployment, Record: old, Path: to})
	}
	return WriteDeploymentFile(r.o.Dir, rec)
}

// verify reads back what a transaction minted: totalSupply covers it and the
// first and last token belong to the recipient (ownership is stored per
// range, so the ends stand for the range).
func (r *runner) verify(ctx context.Context, c *chain.Contract, ids []uint64, owner common.Address) error {
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
