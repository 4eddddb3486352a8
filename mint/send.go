package mint

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/mint/chain"
)

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
	case KindSetBaseURI, KindSetContractURI, KindReveal:
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
	case KindFreeze, KindPermanentURIs, KindSetRoyalty:
		what := "freezeMetadata"
		data = abiGC.PackFreezeMetadata()
		switch st.kind {
		case KindPermanentURIs:
			what, data = "emitPermanentURIs", abiGC.PackEmitPermanentURIs(new(big.Int).SetUint64(st.first), new(big.Int).SetUint64(st.last))
			row.First, row.Last = st.first, st.last
		case KindSetRoyalty:
			what, data = "setDefaultRoyalty", abiGC.PackSetDefaultRoyalty(st.royalty.Receiver, big.NewInt(int64(st.royalty.Bps)))
			row.Recipient, row.First = st.royalty.Receiver, uint64(st.royalty.Bps)
		}
		row.Contract = p.contract
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
	if m := r.mined; m.hasMined && n <= m.minedMax {
		return 0, &ChainResetError{Node: r.o.Node, Detail: fmt.Sprintf("the nonce of %s is %d, but the journal holds nonce %d as mined", r.from.Hex(), n, m.minedMax)}
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

// estimateGas asks the node what a transaction needs; what says which, for
// the error, and a would-be revert comes back decoded.
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
