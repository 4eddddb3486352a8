package mint

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/merkle"
	"github.com/genmint/genmint/state"
)

func TestRunDeploysWholeCollectionOnce(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 12)
	ch := newTestChain(t, nil)
	var events []EventKind
	o := options(c, ch)
	o.Progress = func(e Event) { events = append(events, e.Kind) }
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Deployed || res.Minted != 12 || res.Total != 12 || len(res.Txs) != 1 || res.GasUsed == 0 || res.FeesWei.Sign() <= 0 {
		t.Fatalf("result %+v", res)
	}
	want := []EventKind{EventPlanned, EventSigned, EventSent, EventMined}
	if fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	addr := checkExactlyOnce(t, ch, c, 12, SimulatedAccount())
	col := chain.Open(ch, addr)
	info, err := col.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "Tidal Glyphs" || info.BaseURI != "ipfs://bafybeifirstrun/" || info.ContractURI != "ipfs://bafybeicontract" ||
		info.MaxSupply != 100 || !info.AIGC || info.Royalty.Bps != 500 || info.Owner != SimulatedAccount() {
		t.Fatalf("on chain: %+v", info)
	}
	if uri, _ := col.TokenURI(ctx, 7); uri != "ipfs://bafybeifirstrun/7" {
		t.Fatalf("tokenURI(7) = %s", uri)
	}
	// The contract commits to the pinned content (docs/provenance.md).
	items, err := c.db.Items(ctx, state.Query{})
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := Leaves(c.pin, items)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := merkle.Root(leaves)
	if got, err := col.ProvenanceHash(ctx); err != nil || got != common.Hash(root) || got == (common.Hash{}) || len(leaves) != 12 {
		t.Fatalf("provenanceHash %s, %v; recomputed %s over %d leaves", got, err, root, len(leaves))
	}

	// Re-running sends nothing.
	before := len(ch.sends())
	res, err = Run(ctx, o)
	if err != nil || res.Minted != 0 || res.Total != 12 || res.Contract != addr || len(ch.sends()) != before {
		t.Fatalf("re-run: %+v, %v, %d sends", res, err, len(ch.sends())-before)
	}
}

func TestRunNoERC2309MintsInBatches(t *testing.T) {
	c := newCollection(t, 25)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	o.NoERC2309, o.BatchSize = true, 7
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tx := range res.Txs {
		got = append(got, fmt.Sprintf("%s %d-%d", tx.Kind, tx.First, tx.Last))
	}
	if want := "[deploy 0-0 mint 1-7 mint 8-14 mint 15-21 mint 22-25]"; fmt.Sprint(got) != want {
		t.Fatalf("transactions %v, want %s", got, want)
	}
	checkExactlyOnce(t, ch, c, 25, SimulatedAccount())
}

// TestRunLaterItemsSetBaseURI: items pinned after deployment get the new
// baseURI set first (ERC-4906), then mintBatch; a frozen collection refuses.
func TestRunLaterItemsSetBaseURI(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 10)
	ch := newTestChain(t, nil)
	if _, err := Run(ctx, options(c, ch)); err != nil {
		t.Fatal(err)
	}
	c.add(5, "ipfs://bafybeisecondrun/")
	res, err := Run(ctx, options(c, ch))
	if err != nil {
		t.Fatal(err)
	}
	if res.Deployed || res.Minted != 5 || len(res.Txs) != 2 || res.Txs[0].Kind != KindSetBaseURI || res.Txs[1].Kind != KindMint {
		t.Fatalf("result %+v", res)
	}
	addr := checkExactlyOnce(t, ch, c, 15, SimulatedAccount())
	col := chain.Open(ch, addr)
	for _, id := range []uint64{1, 15} {
		if uri, _ := col.TokenURI(ctx, id); uri != fmt.Sprintf("ipfs://bafybeisecondrun/%d", id) {
			t.Fatalf("tokenURI(%d) = %s", id, uri)
		}
	}

	// Frozen: the next items cannot get a new baseURI.
	tx, err := col.FreezeMetadata(ctx, SimulatedSigner())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chain.WaitMined(ctx, ch, tx, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c.add(2, "ipfs://bafybeithirdrun/")
	before := len(ch.sends())
	_, err = Run(ctx, options(c, ch))
	if !errors.Is(err, chain.ErrMetadataFrozen) || !strings.Contains(err.Error(), "metadata is frozen at ipfs://bafybeisecondrun/") {
		t.Fatalf("frozen: %v", err)
	}
	if len(ch.sends()) != before {
		t.Fatal("sent a transaction to a frozen collection")
	}
}

// TestCrashAtEveryPointMintsExactlyOnce crashes Run at every crash point of
// every transaction (deploy and three batches), re-runs it each time, and
// proves each token exists exactly once.
func TestCrashAtEveryPointMintsExactlyOnce(t *testing.T) {
	for _, point := range Points {
		for k := 1; k <= 4; k++ {
			t.Run(fmt.Sprintf("%s#%d", point, k), func(t *testing.T) {
				c := newCollection(t, 10)
				ch := newTestChain(t, nil)
				o := options(c, ch)
				o.NoERC2309, o.BatchSize = true, 4
				crashed, err := runUntilCrash(t, o, point, k)
				if err != nil || !crashed {
					t.Fatalf("first run: crashed %v, %v", crashed, err)
				}
				if _, err := Run(context.Background(), o); err != nil {
					t.Fatalf("re-run: %v", err)
				}
				checkExactlyOnce(t, ch, c, 10, SimulatedAccount())
				// One deployment, three batches: the account used 4 nonces.
				if n, _ := ch.NonceAt(context.Background(), SimulatedAccount(), nil); n != 4 {
					t.Fatalf("account nonce %d, want 4 (a transaction was sent twice)", n)
				}
			})
		}
	}
}

// TestCrashWhileNodeLosesTransactions mixes crashes at random points with a
// node that drops some transactions, over many runs.
func TestCrashWhileNodeLosesTransactions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	c := newCollection(t, 30)
	ch := newTestChain(t, nil)
	ch.policy = func(tx *types.Transaction, n int) action {
		if rng.IntN(3) == 0 {
			return drop
		}
		return mine
	}
	o := options(c, ch)
	o.NoERC2309, o.BatchSize = true, 3
	kills := 0
	for range 40 {
		crashed, err := runUntilCrash(t, o, Points[rng.IntN(len(Points))], 1+rng.IntN(2))
		if err != nil {
			t.Fatal(err)
		}
		if !crashed {
			break
		}
		kills++
	}
	if kills < 10 {
		t.Fatalf("only %d crashes", kills)
	}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, ch, c, 30, SimulatedAccount())
	if n, _ := ch.NonceAt(context.Background(), SimulatedAccount(), nil); n != 11 {
		t.Fatalf("account nonce %d, want 11", n)
	}
}

// TestDroppedTransactionRebroadcastIdentical: a node that loses a
// transaction gets the same signed bytes again.
func TestDroppedTransactionRebroadcastIdentical(t *testing.T) {
	c := newCollection(t, 5)
	ch := newTestChain(t, nil)
	ch.policy = func(tx *types.Transaction, n int) action {
		if n == 0 {
			return drop
		}
		return mine
	}
	var kinds []EventKind
	o := options(c, ch)
	o.Progress = func(e Event) { kinds = append(kinds, e.Kind) }
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent := ch.sends()
	if len(sent) != 2 || sent[0].Hash() != sent[1].Hash() {
		t.Fatalf("sends: %d, want the same transaction twice", len(sent))
	}
	if !contains(kinds, EventRebroadcast) {
		t.Fatalf("events %v", kinds)
	}
	checkExactlyOnce(t, ch, c, 5, SimulatedAccount())
}

// TestStuckTransactionReplaced: a transaction nobody mines is replaced
// after StuckAfter by one with fees 12.5% higher, under the cap; the old one
// ends "replaced", the new one "mined".
func TestStuckTransactionReplaced(t *testing.T) {
	c := newCollection(t, 5)
	ch := newTestChain(t, nil)
	ch.cap = big.NewInt(100 * params.GWei)
	ch.policy = func(tx *types.Transaction, n int) action {
		if n == 0 {
			return hold
		}
		return mine
	}
	o := options(c, ch)
	o.StuckAfter, o.MaxFeePerGas = 20*time.Millisecond, ch.cap
	var replaced atomic.Bool
	o.Progress = func(e Event) {
		if e.Kind == EventReplaced {
			replaced.Store(true)
		}
	}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sent := ch.sends()
	if !replaced.Load() || len(sent) != 2 || sent[0].Nonce() != sent[1].Nonce() {
		t.Fatalf("replaced %v, %d sends", replaced.Load(), len(sent))
	}
	a, b := sent[0], sent[1]
	if b.GasFeeCap().Cmp(bump(a.GasFeeCap())) < 0 || b.GasTipCap().Cmp(bump(a.GasTipCap())) < 0 {
		t.Fatalf("replacement fees %s/%s after %s/%s: not 12.5%% higher", b.GasFeeCap(), b.GasTipCap(), a.GasFeeCap(), a.GasTipCap())
	}
	st, _ := ReadStatus(context.Background(), c.db)
	if len(st.Txs) != 2 || st.Txs[0].Status != TxReplaced || st.Txs[1].Status != TxMined || st.Tokens[1].TxHash != b.Hash() {
		t.Fatalf("journal %+v", st.Txs)
	}
	checkExactlyOnce(t, ch, c, 5, SimulatedAccount())
}

// TestFeeCapNeverExceeded: with a cap below what the node suggests, every
// transaction pays at most the cap; a stuck one that cannot be bumped under
// the cap waits (and says so) instead of paying more.
func TestFeeCapNeverExceeded(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 6)
	ch := newTestChain(t, nil)
	head, _ := ch.HeaderByNumber(ctx, nil)
	// Far below 2 × base + tip, with room for the miner's minimum tip (1 mwei).
	ch.cap = new(big.Int).Add(head.BaseFee, big.NewInt(2_000_000))
	ch.policy = func(tx *types.Transaction, n int) action {
		if n == 0 {
			return hold
		}
		return mine
	}
	o := options(c, ch)
	o.NoERC2309, o.BatchSize = true, 2
	o.StuckAfter, o.MaxFeePerGas = 5*time.Millisecond, ch.cap
	var capped atomic.Bool
	o.Progress = func(e Event) {
		if e.Kind == EventFeeCapped && capped.CompareAndSwap(false, true) {
			go ch.commit() // the network calms down: the held transaction is mined
		}
	}
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	if !capped.Load() {
		t.Fatal("no fee-capped event")
	}
	for _, tx := range ch.sends() {
		if tx.GasFeeCap().Cmp(ch.cap) > 0 {
			t.Fatalf("%s exceeds the cap", tx.Hash())
		}
	}
	checkExactlyOnce(t, ch, c, 6, SimulatedAccount())

	// A base fee above the cap: nothing is sent.
	c2 := newCollection(t, 3)
	o2 := options(c2, ch)
	o2.MaxFeePerGas = big.NewInt(1)
	before := len(ch.sends())
	_, err := Run(ctx, o2)
	if !errors.Is(err, ErrFeeCap) || !strings.Contains(err.Error(), "at or above --max-fee-gwei 0: raise the cap, or re-run when fees fall; nothing was sent") {
		t.Fatalf("base fee above cap: %v", err)
	}
	if len(ch.sends()) != before {
		t.Fatal("sent above the cap")
	}
}

func TestRunErrors(t *testing.T) {
	ctx := context.Background()

	t.Run("wrong chain", func(t *testing.T) {
		c := newCollection(t, 2)
		o := options(c, newTestChain(t, nil))
		o.Network.Name, o.Network.ChainID = "sepolia", 11155111
		_, err := Run(ctx, o)
		want := "wrong chain: the node is chain 1337, but genmint.yaml's network is sepolia (chain 11155111): point --rpc at a sepolia node, or change network: in genmint.yaml"
		if !errors.Is(err, ErrWrongChain) || err.Error() != want {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("insufficient funds", func(t *testing.T) {
		c := newCollection(t, 2)
		key, _ := crypto.GenerateKey()
		o := options(c, newTestChain(t, nil))
		o.Signer = keyed(key)
		_, err := Run(ctx, o)
		var fe *InsufficientFundsError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInsufficientFunds) || fe.Have.Sign() != 0 || fe.Need.Sign() <= 0 {
			t.Fatalf("err = %v", err)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "insufficient funds: "+fe.Account.Hex()+" has 0 ETH on simulated; deploying the collection with tokens 1–2 needs up to ") ||
			!strings.HasSuffix(msg, " ETH to it and re-run") || strings.Contains(msg, "\n") {
			t.Fatalf("message: %s", msg)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		c := newCollection(t, 2)
		cl, err := ethclient.Dial("http://127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		o := options(c, cl)
		_, err = Run(ctx, o)
		if err == nil || !strings.HasPrefix(err.Error(), "read the node's chain id: ") || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("not contiguous", func(t *testing.T) {
		c := newCollection(t, 4)
		if _, err := c.db.SetStatus(ctx, []int{3}, state.Kept, state.Pinned); err != nil {
			t.Fatal(err)
		}
		_, err := Run(ctx, options(c, newTestChain(t, nil)))
		if !errors.Is(err, ErrNotContiguous) || !strings.Contains(err.Error(), "the next item to mint must be 3, but it is 4") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("nothing pinned", func(t *testing.T) {
		c := newCollection(t, 2)
		c.db.SetStatus(ctx, []int{1, 2}, state.Kept, state.Pinned)
		if _, err := Run(ctx, options(c, newTestChain(t, nil))); !errors.Is(err, ErrNothingPinned) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("supply exceeded", func(t *testing.T) {
		c := newCollection(t, 3)
		ch := newTestChain(t, nil)
		o := options(c, ch)
		o.Collection.MaxSupply = 4
		if _, err := Run(ctx, o); err != nil {
			t.Fatal(err)
		}
		c.add(2, "ipfs://bafybeimore/")
		o.Pin = c.pin
		_, err := Run(ctx, o)
		if !errors.Is(err, chain.ErrSupplyExceeded) || !strings.Contains(err.Error(), "supply cap of 4") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("minted elsewhere", func(t *testing.T) {
		c := newCollection(t, 3)
		ch := newTestChain(t, nil)
		res, err := Run(ctx, options(c, ch))
		if err != nil {
			t.Fatal(err)
		}
		// Another program mints from the owner's account.
		tx, err := chain.Open(ch, res.Contract).MintBatch(ctx, SimulatedSigner(), SimulatedAccount(), 2)
		if err != nil {
			t.Fatal(err)
		}
		chain.WaitMined(ctx, ch, tx, time.Millisecond)
		c.add(1, "ipfs://bafybeimore/")
		before := len(ch.sends())
		_, err = Run(ctx, options(c, ch))
		if !errors.Is(err, ErrSupplyMismatch) || !strings.Contains(err.Error(), "has 5 tokens on chain, but genmint recorded 3 minted") || len(ch.sends()) != before {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("other account", func(t *testing.T) {
		c := newCollection(t, 2)
		ch := newTestChain(t, nil)
		if _, err := Run(ctx, options(c, ch)); err != nil {
			t.Fatal(err)
		}
		c.add(1, "ipfs://bafybeimore/")
		key, _ := crypto.GenerateKey()
		o := options(c, ch)
		o.Signer = keyed(key)
		if _, err := Run(ctx, o); !errors.Is(err, ErrNotOwner) || !strings.Contains(err.Error(), "re-run with --account "+SimulatedAccount().Hex()) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("declined", func(t *testing.T) {
		c := newCollection(t, 2)
		ch := newTestChain(t, nil)
		o := options(c, ch)
		var seen Estimate
		o.Confirm = func(_ context.Context, e Estimate) error { seen = e; return ErrDeclined }
		if _, err := Run(ctx, o); !errors.Is(err, ErrDeclined) || len(ch.sends()) != 0 {
			t.Fatalf("err = %v, %d sends", err, len(ch.sends()))
		}
		if !seen.Deploy || seen.Tokens != 2 || seen.Txs != 1 || seen.Gas == 0 || seen.MaxCost.Cmp(seen.ExpectedCost) < 0 ||
			seen.Contract != crypto.CreateAddress(SimulatedAccount(), 0) {
			t.Fatalf("estimate %+v", seen)
		}
	})
}

// TestRevertDecodedOnReconcile: a journalled transaction that fails when
// mined ends "reverted" with the contract's custom error decoded, and its
// items stay pinned.
func TestRevertDecodedOnReconcile(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 3)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	o.Collection.MaxSupply = 3
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	c.add(2, "ipfs://bafybeifirstrun/")
	o.Pin = c.pin
	// As if an earlier run had signed and journalled a mintBatch past the
	// cap with a fixed gas limit, then crashed before broadcasting it.
	signer := SimulatedSigner()
	nonce, _ := ch.PendingNonceAt(ctx, signer.From)
	head, _ := ch.HeaderByNumber(ctx, nil)
	fee := new(big.Int).Add(head.BaseFee, big.NewInt(2*params.GWei))
	tx, _ := signer.Signer(signer.From, types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Nonce: nonce, GasTipCap: big.NewInt(params.GWei),
		GasFeeCap: fee, Gas: 200_000, To: &res.Contract, Data: abiGC.PackMintBatch(signer.From, big.NewInt(2))}))
	raw, _ := tx.MarshalBinary()
	j := &journal{db: c.db}
	row := txRow{ChainID: 1337, Sender: signer.From, Nonce: nonce, Kind: KindMint, Contract: res.Contract, First: 4, Last: 5,
		Recipient: signer.From, Hash: tx.Hash(), Raw: raw, GasLimit: 200_000, MaxFee: fee, Tip: big.NewInt(params.GWei)}
	if err := j.insert(ctx, &row); err != nil {
		t.Fatal(err)
	}
	_, err = Run(ctx, o)
	if !errors.Is(err, chain.ErrReverted) || !strings.Contains(err.Error(), "minting tokens 4–5") ||
		!strings.Contains(err.Error(), "MaxSupplyExceeded(MaxSupply=3, RequestedLastId=5)") {
		t.Fatalf("err = %v", err)
	}
	st, _ := ReadStatus(ctx, c.db)
	last := st.Txs[len(st.Txs)-1]
	if last.Status != TxReverted || !strings.Contains(last.Error, "MaxSupplyExceeded") || c.statuses()[state.Pinned] != 2 {
		t.Fatalf("journal %+v, statuses %v", last, c.statuses())
	}
	// The re-run refuses before sending anything: the cap is known.
	before := len(ch.sends())
	if _, err := Run(ctx, o); !errors.Is(err, chain.ErrSupplyExceeded) || len(ch.sends()) != before {
		t.Fatalf("re-run: %v", err)
	}
}

// TestDroppedByAnotherTransaction: a journalled transaction whose nonce is
// used by a transaction genmint did not send is marked dropped and its work
// is planned again with a new nonce.
func TestDroppedByAnotherTransaction(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 4)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	crashed, err := runUntilCrash(t, o, PointAfterJournal, 1)
	if !crashed || err != nil {
		t.Fatalf("crash: %v %v", crashed, err)
	}
	// The user spends nonce 0 elsewhere (a plain transfer).
	signer := SimulatedSigner()
	head, _ := ch.HeaderByNumber(ctx, nil)
	tx, _ := signer.Signer(signer.From, types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Nonce: 0, GasTipCap: big.NewInt(params.GWei),
		GasFeeCap: new(big.Int).Add(head.BaseFee, big.NewInt(2*params.GWei)), Gas: 21000, To: &common.Address{1}, Value: big.NewInt(1)}))
	if err := ch.Simulated.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	var kinds []EventKind
	o.Progress = func(e Event) { kinds = append(kinds, e.Kind) }
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	if !contains(kinds, EventDropped) {
		t.Fatalf("events %v", kinds)
	}
	addr := checkExactlyOnce(t, ch, c, 4, SimulatedAccount())
	if addr != crypto.CreateAddress(SimulatedAccount(), 1) {
		t.Fatalf("deployed at %s, want nonce 1's address", addr)
	}
	st, _ := ReadStatus(ctx, c.db)
	if st.Txs[0].Status != TxDropped || st.Txs[1].Status != TxMined {
		t.Fatalf("journal %+v", st.Txs)
	}
}

// TestConfirmationsWait: a receipt counts only once enough blocks exist.
func TestConfirmationsWait(t *testing.T) {
	c := newCollection(t, 2)
	ch := newTestChain(t, nil)
	o := options(c, ch)
	o.Confirmations = 3
	var blocks atomic.Int32
	stop := make(chan struct{})
	defer close(stop)
	o.Hook = func(p Point) {
		if p == PointAfterReceipt {
			go func() {
				for range 2 {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
						blocks.Add(1)
						ch.commit()
					}
				}
			}()
		}
	}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if blocks.Load() != 2 {
		t.Fatalf("finished after %d more blocks, want 2", blocks.Load())
	}
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestRunMetadataUpdateWithoutNewItems: a later pin run with nothing new to
// mint (the collection's facts were edited) still moves the contract to the
// new baseURI and contractURI; a re-run then has nothing to send.
func TestRunMetadataUpdateWithoutNewItems(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 6)
	ch := newTestChain(t, nil)
	if _, err := Run(ctx, options(c, ch)); err != nil {
		t.Fatal(err)
	}
	c.pin = &pin.Record{ItemIDs: c.pin.ItemIDs, BaseURI: "ipfs://bafybeiedited/", ContractURI: "ipfs://bafkreieditedcontract"}
	res, err := Run(ctx, options(c, ch))
	if err != nil {
		t.Fatal(err)
	}
	if res.Minted != 0 || len(res.Txs) != 2 || res.Txs[0].Kind != KindSetBaseURI || res.Txs[1].Kind != KindSetContractURI {
		t.Fatalf("result %+v", res)
	}
	addr := checkExactlyOnce(t, ch, c, 6, SimulatedAccount())
	info, err := chain.Open(ch, addr).Info(ctx)
	if err != nil || info.BaseURI != "ipfs://bafybeiedited/" || info.ContractURI != "ipfs://bafkreieditedcontract" {
		t.Fatalf("on chain: %+v, %v", info, err)
	}
	before := len(ch.sends())
	if res, err := Run(ctx, options(c, ch)); err != nil || len(res.Txs) != 0 || len(ch.sends()) != before {
		t.Fatalf("re-run: %+v, %v", res, err)
	}
}
