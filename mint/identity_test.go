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

// TestRunChecksEveryJournalledReceipt: a reorganisation between two
// settled transactions of one run replaces the block of the earlier one
// (setBaseURI), whose nonce another transaction of the same key takes on
// the new branch; the later one (the mint batch) is mined on that branch.
// The journal's latest receipt matches the chain, the earlier one does not:
// the next run stops with the chain-reset line and sends nothing, where a
// check of the latest receipt alone let it through.
func TestRunChecksEveryJournalledReceipt(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 4)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	c.add(2, "ipfs://bafybeisecondrun/")
	o.Pin = c.pin
	var setBase *types.Transaction
	var setBlock uint64
	signs := 0
	o.Hook = func(p Point) {
		if p != PointBeforeSign {
			return
		}
		if signs++; signs != 2 { // the mint batch, after setBaseURI settled
			return
		}
		sent := ch.sends()
		setBase = sent[len(sent)-1]
		rc, err := ch.TransactionReceipt(ctx, setBase.Hash())
		if err != nil {
			t.Error(err)
			return
		}
		setBlock = rc.BlockNumber.Uint64()
		parent, err := ch.HeaderByNumber(ctx, new(big.Int).SetUint64(setBlock-1))
		if err != nil {
			t.Error(err)
			return
		}
		if err := ch.Sim().Fork(parent.Hash()); err != nil {
			t.Error(err)
			return
		}
		// The same key spends setBaseURI's nonce on the new branch (the
		// pool takes it in place of setBaseURI: a higher fee).
		to := SimulatedAccount()
		tip := new(big.Int).Mul(setBase.GasTipCap(), big.NewInt(10))
		feeCap := new(big.Int).Add(new(big.Int).Mul(setBase.GasFeeCap(), big.NewInt(10)), tip)
		id, _ := ch.ChainID(ctx)
		other, err := types.SignNewTx(simulatedKey, types.LatestSignerForChainID(id),
			&types.DynamicFeeTx{ChainID: id, Nonce: setBase.Nonce(), GasTipCap: tip, GasFeeCap: feeCap, Gas: 21_000, To: &to, Value: big.NewInt(1)})
		if err != nil {
			t.Error(err)
			return
		}
		// The pool moves to the new head in the background: until it has,
		// it calls the nonce used.
		for tries := 0; ; tries++ {
			err = ch.Client.SendTransaction(ctx, other)
			if err == nil {
				break
			}
			if !strings.Contains(err.Error(), "nonce too low") || tries == 500 {
				t.Error(err)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		ch.commit()
	}
	if _, err := Run(ctx, o); err != nil {
		t.Fatalf("run with the reorganisation: %v", err)
	}
	if setBase == nil || t.Failed() {
		t.Fatal("the reorganisation did not happen")
	}
	// The situation: setBaseURI is journalled mined but off the chain; the
	// journal's latest receipt (the mint batch) is on it.
	if _, err := ch.TransactionReceipt(ctx, setBase.Hash()); err == nil {
		t.Fatalf("setBaseURI %s is still on the chain", setBase.Hash().Hex())
	}
	x, err := (&journal{db: c.db}).lastMined(ctx, SimulatedNetwork.ChainID, SimulatedAccount())
	if err != nil {
		t.Fatal(err)
	}
	latest := x.receipts[len(x.receipts)-1]
	if latest.tx == setBase.Hash() {
		t.Fatal("setBaseURI is the journal's latest receipt")
	}
	if h, err := ch.HeaderByNumber(ctx, new(big.Int).SetUint64(latest.block)); err != nil || h.Hash() != latest.hash {
		t.Fatalf("the latest journalled receipt's block is not on the chain: %v", err)
	}

	o.Hook = nil
	before := len(ch.sends())
	_, err = Run(ctx, o)
	var reset *ChainResetError
	if !errors.Is(err, ErrChainReset) || !errors.As(err, &reset) {
		t.Fatalf("run after the reorganisation: %v", err)
	}
	want := "block " + big.NewInt(int64(setBlock)).String() + " is 0x"
	if !strings.HasPrefix(reset.Detail, want) || !strings.Contains(reset.Detail, setBase.Hash().Hex()+" was recorded mined") ||
		!strings.Contains(reset.Detail, "transaction "+setBase.Hash().Hex()+" is not on the chain") {
		t.Fatalf("detail %q", reset.Detail)
	}
	if n := len(ch.sends()); n != before {
		t.Fatalf("%d transactions sent", n-before)
	}
}

// TestRunAcceptsEveryReorganisedReceipt: a reorganisation puts the last
// two journalled transactions (of two blocks) into one new block: both
// receipts moved, neither is lost, so the run goes on and the journal takes
// the new block for each.
func TestRunAcceptsEveryReorganisedReceipt(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 3)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	c.add(2, "ipfs://bafybeisecondrun/")
	o.Pin = c.pin
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	sent := ch.sends()
	if len(sent) < 3 {
		t.Fatalf("%d sends: want the deployment, setBaseURI and a mint batch", len(sent))
	}
	a, b := sent[len(sent)-2], sent[len(sent)-1]
	ra, err := ch.TransactionReceipt(ctx, a.Hash())
	if err != nil {
		t.Fatal(err)
	}
	parent, err := ch.HeaderByNumber(ctx, new(big.Int).Sub(ra.BlockNumber, big.NewInt(1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Sim().Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	// Both go back to the pool (in the background) and into a new block.
	for tries := 0; ; tries++ {
		ch.commit()
		_, errA := ch.TransactionReceipt(ctx, a.Hash())
		_, errB := ch.TransactionReceipt(ctx, b.Hash())
		if errA == nil && errB == nil {
			break
		}
		if tries == 500 {
			t.Fatalf("after the reorganisation: %v, %v", errA, errB)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, tx := range []*types.Transaction{a, b} {
		rc, err := ch.TransactionReceipt(ctx, tx.Hash())
		if err != nil {
			t.Fatal(err)
		}
		var recorded string
		if err := c.db.SQL().QueryRowContext(ctx, `SELECT block_hash FROM mint_txs WHERE hash = ?`, tx.Hash().Hex()).Scan(&recorded); err != nil {
			t.Fatal(err)
		}
		if recorded == rc.BlockHash.Hex() {
			t.Fatalf("%s: the reorganisation kept block %s", tx.Hash().Hex(), recorded)
		}
	}
	before := len(ch.sends())
	if _, err := Run(ctx, o); err != nil {
		t.Fatalf("run after the reorganisation: %v", err)
	}
	for _, tx := range []*types.Transaction{a, b} {
		rc, _ := ch.TransactionReceipt(ctx, tx.Hash())
		var recorded string
		if err := c.db.SQL().QueryRowContext(ctx, `SELECT block_hash FROM mint_txs WHERE hash = ?`, tx.Hash().Hex()).Scan(&recorded); err != nil {
			t.Fatal(err)
		}
		if recorded != rc.BlockHash.Hex() {
			t.Fatalf("%s: journal block %s, want %s", tx.Hash().Hex(), recorded, rc.BlockHash.Hex())
		}
	}
	if n := len(ch.sends()); n != before {
		t.Fatalf("%d transactions sent", n-before)
	}
}
