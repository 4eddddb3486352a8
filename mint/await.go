package mint

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/genmint/genmint/internal/retry"
)

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
		if m := r.mined; m.hasMined && nonce <= m.minedMax {
			// The chain forgot transactions the journal saw mined: never
			// replace or re-send into it.
			return &ChainResetError{Node: r.o.Node, Detail: fmt.Sprintf("the nonce of %s is %d, but the journal holds nonce %d as mined", r.from.Hex(), nonce, m.minedMax)}
		}
		if nonce > group[0].Nonce {
			// The nonce is used. By one of ours, mined just now? Look again,
			// for a few polls: a node can move the account's nonce a moment
			// before it serves the block's receipts (seen on anvil under
			// load), and calling a mined transaction dropped would stop the
			// run for nothing.
			if found, err := r.receiptAppears(ctx, group); err != nil {
				return err
			} else if found {
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
			if n := len(group) - 1; n >= r.o.MaxReplacements {
				return fmt.Errorf("%w: %s (nonce %d) was replaced %d times with higher fees and is still not mined: the node is not mining it; check the node, then re-run (the journal keeps it)",
					ErrStuck, describe(*newest), newest.Nonce, n)
			}
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

// receiptAppears looks for a receipt of group's transactions a few times,
// a poll apart, before the caller concludes that another transaction took
// the nonce.
func (r *runner) receiptAppears(ctx context.Context, group []txRow) (bool, error) {
	const looks = 5
	for i := 0; i < looks; i++ {
		if i > 0 {
			if err := retry.Sleep(ctx, r.o.Poll); err != nil {
				return false, err
			}
		}
		if _, rc, err := r.findReceipt(ctx, group); err != nil || rc != nil {
			return rc != nil, err
		}
	}
	return false, nil
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
