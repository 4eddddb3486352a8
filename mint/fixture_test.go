package mint

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/node"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/state"
)

var fixedTime = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// collection is a state database with pinned items and the pin record a
// pin run would have left, without images (mint reads neither).
type collection struct {
	t   testing.TB
	dir string
	db  *state.DB
	pin *pin.Record
}

func newCollection(t testing.TB, n int) *collection {
	t.Helper()
	dir := t.TempDir()
	db, err := state.Open(context.Background(), dir, state.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &collection{t: t, dir: dir, db: db}
	c.add(n, "ipfs://bafybeifirstrun/")
	return c
}

// add plans and pins n more items, as a later pin run with a new baseURI.
func (c *collection) add(n int, baseURI string) {
	c.t.Helper()
	ctx := context.Background()
	have, err := c.db.Items(ctx, state.Query{})
	if err != nil {
		c.t.Fatal(err)
	}
	var planned []state.Planned
	var ids, all []int
	for _, it := range have {
		all = append(all, it.ID)
	}
	for i := 1; i <= n; i++ {
		id := len(have) + i
		planned = append(planned, state.Planned{ID: id, Seed: uint32(id), Prompt: fmt.Sprintf("item %d", id), GenHash: fmt.Sprintf("g%d", id)})
		ids = append(ids, id)
		all = append(all, id)
	}
	if err := c.db.Plan(ctx, planned); err != nil {
		c.t.Fatal(err)
	}
	for _, p := range planned {
		// A final image and its hash, as generate leaves them (the provenance commitment needs them).
		orig := state.File{Path: fmt.Sprintf("originals/%d.png", p.ID), SHA256: fmt.Sprintf("%064x", p.ID), MediaType: "image/png"}
		if err := c.db.SaveOriginal(ctx, p.ID, p.GenHash, orig, nil, nil); err != nil {
			c.t.Fatal(err)
		}
		final := state.File{Path: fmt.Sprintf("images/%d.png", p.ID), SHA256: fmt.Sprintf("%064x", 1000+p.ID), MediaType: "image/png"}
		if err := c.db.SaveFinal(ctx, p.ID, state.Finished{Final: final, ProvenancePath: fmt.Sprintf("provenance/%d.json", p.ID), RecordSHA256: "r"}); err != nil {
			c.t.Fatal(err)
		}
	}
	if moved, err := c.db.SetStatus(ctx, ids, state.Pinned, state.Generated); err != nil || moved != n {
		c.t.Fatalf("pin %d items: %d, %v", n, moved, err)
	}
	var cids []pin.ItemCIDs
	if c.pin != nil {
		cids = c.pin.Items
	}
	for _, id := range ids {
		cids = append(cids, pin.ItemCIDs{ID: id, ImageCID: fmt.Sprintf("bafkreiimage%d", id), ProvenanceCID: fmt.Sprintf("bafkreiprov%d", id)})
	}
	c.pin = &pin.Record{ItemIDs: all, BaseURI: baseURI, ContractURI: "ipfs://bafybeicontract", Items: cids}
}

func (c *collection) statuses() map[state.Status]int {
	c.t.Helper()
	counts, err := c.db.Counts(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	return counts
}

// testChain is the simulated chain with a say in what happens to each
// transaction sent: mined at once (the default), held in the pool (stuck),
// or dropped (lost on the way). It checks every transaction against the fee
// cap and remembers them all.
type testChain struct {
	*Simulated
	t      *testing.T
	mu     sync.Mutex
	cap    *big.Int
	sent   []*types.Transaction
	policy func(tx *types.Transaction, n int) action // n: how many sends before this one
	// onReceipt, if set, is called after each receipt lookup with how many
	// lookups were made so far.
	onReceipt func(n int)
	lookups   int
}

func (c *testChain) TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	rc, err := c.Simulated.TransactionReceipt(ctx, h)
	c.mu.Lock()
	c.lookups++
	n, f := c.lookups, c.onReceipt
	c.mu.Unlock()
	if f != nil {
		f(n)
	}
	return rc, err
}

type action int

const (
	mine action = iota
	hold
	drop
)

func newTestChain(t *testing.T, opts []func(*node.Config, *ethconfig.Config), funded ...common.Address) *testChain {
	s := NewSimulatedWith(opts, funded...)
	t.Cleanup(func() { s.Close() })
	return &testChain{Simulated: s, t: t}
}

func (c *testChain) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cap != nil && tx.GasFeeCap().Cmp(c.cap) > 0 {
		c.t.Errorf("transaction %s pays up to %s wei per gas, above the cap %s", tx.Hash(), tx.GasFeeCap(), c.cap)
	}
	n := len(c.sent)
	c.sent = append(c.sent, tx)
	a := mine
	if c.policy != nil {
		a = c.policy(tx, n)
	}
	switch a {
	case drop:
		return nil
	case hold:
		return c.Client.SendTransaction(ctx, tx)
	}
	if err := c.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	c.sim.Commit()
	return nil
}

// commit mines whatever the pool holds.
func (c *testChain) commit() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sim.Commit()
}

func (c *testChain) sends() []*types.Transaction {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*types.Transaction(nil), c.sent...)
}

// options are Run's options for a collection on a test chain, signed by the
// simulated chain's funded account, polling fast.
func options(c *collection, ch Backend) Options {
	return Options{
		DB: c.db, Backend: ch, Signer: SimulatedSigner(), Network: SimulatedNetwork,
		Collection: ContractFacts{Name: "Tidal Glyphs", Symbol: "TIDE", MaxSupply: 100,
			Royalty: chain.Royalty{Receiver: common.HexToAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), Bps: 500}, AIGC: true},
		Pin: c.pin, Poll: time.Millisecond, StuckAfter: time.Hour,
	}
}

// checkExactlyOnce proves the chain holds tokens 1..n, each created exactly
// once (by Transfer or ERC-2309 ConsecutiveTransfer events from the zero
// address), all owned by owner, and that the state says each is minted by a
// recorded transaction.
func checkExactlyOnce(t *testing.T, b Backend, c *collection, n int, owner common.Address) common.Address {
	t.Helper()
	ctx := context.Background()
	st, err := ReadStatus(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	if st.Deployment == nil {
		t.Fatal("no deployment recorded")
	}
	addr := st.Deployment.Contract
	col := chain.Open(b, addr)
	if total, err := col.TotalSupply(ctx); err != nil || total != uint64(n) {
		t.Fatalf("totalSupply = %d, %v; want %d", total, err, n)
	}
	logs, err := b.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{addr}})
	if err != nil {
		t.Fatal(err)
	}
	consecutive := crypto.Keccak256Hash([]byte("ConsecutiveTransfer(uint256,uint256,address,address)"))
	created := map[uint64]int{}
	for _, l := range logs {
		switch {
		case l.Topics[0] == transferTopic && l.Topics[1] == (common.Hash{}):
			created[new(big.Int).SetBytes(l.Topics[3].Bytes()).Uint64()]++
		case l.Topics[0] == consecutive && l.Topics[2] == (common.Hash{}):
			from := new(big.Int).SetBytes(l.Topics[1].Bytes()).Uint64()
			to := new(big.Int).SetBytes(l.Data).Uint64()
			for id := from; id <= to; id++ {
				created[id]++
			}
		}
	}
	if len(created) != n {
		t.Fatalf("%d token ids created, want %d", len(created), n)
	}
	for id := uint64(1); id <= uint64(n); id++ {
		if created[id] != 1 {
			t.Fatalf("token %d created %d times", id, created[id])
		}
		if o, err := col.OwnerOf(ctx, id); err != nil || o != owner {
			t.Fatalf("ownerOf(%d) = %s, %v", id, o, err)
		}
		tok, ok := st.Tokens[int(id)]
		if !ok || tok.TokenID != id || tok.TxHash == (common.Hash{}) || tok.Contract != addr {
			t.Fatalf("token %d recorded as %+v", id, tok)
		}
		if rc, err := b.TransactionReceipt(ctx, tok.TxHash); err != nil || rc.Status != 1 {
			t.Fatalf("token %d's transaction %s: %v", id, tok.TxHash, err)
		}
	}
	if got := c.statuses()[state.Minted]; got != n {
		t.Fatalf("%d items minted in state, want %d", got, n)
	}
	if st.Open != 0 {
		t.Fatalf("%d transactions still open", st.Open)
	}
	return addr
}

// keyed is a signer for a key, on the simulated chain.
func keyed(k *ecdsa.PrivateKey) *bind.TransactOpts {
	return bind.NewKeyedTransactor(k, new(big.Int).SetUint64(SimulatedNetwork.ChainID))
}

// crash is what the test hook panics with, standing in for a SIGKILL.
type crash struct{ at Point }

// runUntilCrash runs Run, crashing at the k-th time it reaches point.
// It reports whether the crash happened.
func runUntilCrash(t *testing.T, o Options, point Point, k int) (crashed bool, err error) {
	t.Helper()
	hits := 0
	o.Hook = func(p Point) {
		if p == point {
			hits++
			if hits == k {
				panic(crash{p})
			}
		}
	}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(crash); !ok {
				panic(v)
			}
			crashed = true
		}
	}()
	_, err = Run(context.Background(), o)
	return false, err
}
