package mint

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"

	"github.com/genmint/genmint/state"
)

// TestRunStopsOnForgottenDeployment: the simulated chain is rolled back
// to its genesis after the deployment (what a reset devnet looks like); the
// next run sends nothing and says the chain has no record of it.
func TestRunStopsOnForgottenDeployment(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 4)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	genesis, err := ch.HeaderByNumber(ctx, big.NewInt(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Sim().Fork(genesis.Hash()); err != nil {
		t.Fatal(err)
	}
	ch.commit()
	ch.commit() // a new block 1, not the deployment's
	c.add(2, "ipfs://bafybeisecondrun/")
	o.Pin = c.pin
	before := len(ch.sends())
	_, err = Run(ctx, o)
	var reset *ChainResetError
	if !errors.Is(err, ErrChainReset) || !errors.As(err, &reset) || !strings.HasPrefix(reset.Detail, "block 1 is 0x") {
		t.Fatalf("run on the rolled-back chain: %v", err)
	}
	if !strings.HasSuffix(err.Error(), "the chain was reset or this is another network; nothing was sent") {
		t.Fatalf("message: %v", err)
	}
	if n := len(ch.sends()); n != before {
		t.Fatalf("%d transactions sent", n-before)
	}
}

// TestReplacementsBounded: a transaction no node ever mines is replaced at
// most MaxReplacements times, then the run stops with ErrStuck.
func TestReplacementsBounded(t *testing.T) {
	c := newCollection(t, 2)
	ch := newTestChain(t, nil)
	ch.policy = func(*types.Transaction, int) action { return hold }
	o := options(c, ch)
	o.StuckAfter, o.MaxReplacements = time.Millisecond, 2
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrStuck) || !strings.Contains(err.Error(), "was replaced 2 times") {
		t.Fatalf("run: %v", err)
	}
	if n := len(ch.sends()); n != 3 {
		t.Fatalf("%d sends, want the transaction and 2 replacements", n)
	}
}

// TestRunAcceptsReorganisedReceipt: the block of the last journalled
// transaction is replaced by a reorganisation that includes the same
// transaction in a new block: that is not a reset; the run goes on and the
// journal takes the new block.
func TestRunAcceptsReorganisedReceipt(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 3)
	otherKey, _ := crypto.GenerateKey()
	other := crypto.PubkeyToAddress(otherKey.PublicKey)
	ch := newTestChain(t, nil, other)
	o := options(c, ch)
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	c.add(2, "ipfs://bafybeisecondrun/")
	o.Pin = c.pin
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	st, _ := ReadStatus(ctx, c.db)
	last := st.Txs[len(st.Txs)-1]
	parent, err := ch.HeaderByNumber(ctx, new(big.Int).SetUint64(last.Block-1))
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Sim().Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	// Another account's transfer lands in the new block beside it, so the
	// block differs from the one the journal recorded.
	id, _ := ch.ChainID(ctx)
	tip := big.NewInt(params.GWei)
	feeCap := new(big.Int).Add(new(big.Int).Mul(parent.BaseFee, big.NewInt(2)), tip)
	transfer, err := types.SignNewTx(otherKey, types.LatestSignerForChainID(id),
		&types.DynamicFeeTx{ChainID: id, Nonce: 0, GasTipCap: tip, GasFeeCap: feeCap, Gas: 21_000, To: &other, Value: big.NewInt(1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Client.SendTransaction(ctx, transfer); err != nil {
		t.Fatal(err)
	}
	ch.commit() // the fork put the transaction back in the pool: a new block with it
	ch.commit()
	rc, err := ch.TransactionReceipt(ctx, last.Hash)
	if err != nil {
		t.Fatal(err)
	}
	var recorded string
	if err := c.db.SQL().QueryRowContext(ctx, `SELECT block_hash FROM mint_txs WHERE hash = ?`, last.Hash.Hex()).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if rc.BlockHash.Hex() == recorded {
		t.Fatalf("the reorganisation kept block %s", recorded)
	}
	before := len(ch.sends())
	if _, err := Run(ctx, o); err != nil {
		t.Fatalf("run after the reorganisation: %v", err)
	}
	if err := c.db.SQL().QueryRowContext(ctx, `SELECT block_hash FROM mint_txs WHERE hash = ?`, last.Hash.Hex()).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != rc.BlockHash.Hex() || len(ch.sends()) != before {
		t.Fatalf("journal block %s (want %s), %d sends", recorded, rc.BlockHash.Hex(), len(ch.sends())-before)
	}
}

// TestResetWhileWaitingStops is issue 10's point 2 within one run: the
// chain forgets the mined deployment while a mint batch waits for its
// receipt; the run stops with the chain-reset error instead of replacing
// the batch with ever higher fees.
func TestResetWhileWaitingStops(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 4)
	ch := newTestChain(t, nil)
	ch.policy = func(_ *types.Transaction, n int) action {
		if n == 0 {
			return mine
		}
		return drop // lost on the way: the pool stays clean, so the chain can be rolled back
	}
	o := options(c, ch)
	o.NoERC2309, o.StuckAfter = true, time.Millisecond
	genesis, err := ch.HeaderByNumber(ctx, big.NewInt(0))
	if err != nil {
		t.Fatal(err)
	}
	waits := 0
	o.Hook = func(p Point) {
		if p == PointWaitingReceipt {
			if waits++; waits == 2 { // the mint batch, after the deployment
				if err := ch.Sim().Fork(genesis.Hash()); err != nil {
					t.Error(err)
				}
			}
		}
	}
	_, err = Run(ctx, o)
	if !errors.Is(err, ErrChainReset) || !strings.Contains(err.Error(), "but the journal holds nonce 0 as mined") {
		t.Fatalf("run: %v", err)
	}
	for _, tx := range ch.sends()[1:] {
		if tx.Nonce() != 1 {
			t.Fatalf("a transaction with nonce %d was sent after the reset", tx.Nonce())
		}
	}
	if n := len(ch.sends()); n > 2 {
		t.Fatalf("%d sends: the batch was replaced on the forgotten chain", n)
	}
}

// TestStuckUsesOneClock: the state database's clock may be fixed in the
// past (SOURCE_DATE_EPOCH, for reproducible records); a transaction that
// waits less than StuckAfter by the wall clock is still not replaced.
// (Timing sent_at with the database's clock made every pending transaction
// look days old, and replaced it at once, ten times.)
func TestStuckUsesOneClock(t *testing.T) {
	c := newCollection(t, 2)
	c.db.Close()
	past := time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)
	db, err := state.Open(context.Background(), c.dir, state.Options{Now: func() time.Time { return past }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db
	ch := newTestChain(t, nil)
	ch.policy = func(*types.Transaction, int) action { return hold }
	o := options(c, ch)
	o.StuckAfter, o.MaxReplacements = time.Hour, 1
	// Stop the run after a few receipt polls: with the wrong clock the
	// first poll already replaces the transaction.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch.onReceipt = func(n int) {
		if n >= 5 {
			cancel()
		}
	}
	_, err = Run(ctx, o)
	if err == nil || errors.Is(err, ErrStuck) {
		t.Fatalf("run: %v", err)
	}
	if n := len(ch.sends()); n != 1 {
		t.Fatalf("%d sends, want the one transaction, not replaced", n)
	}
}
