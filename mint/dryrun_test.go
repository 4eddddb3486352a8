package mint

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/params"

	"github.com/genmint/genmint/state"
)

// TestDryRunMatchesRun: the dry run's gas is what the real run uses on the
// same rules, and it sends nothing and records nothing.
func TestDryRunMatchesRun(t *testing.T) {
	ctx := context.Background()
	c := newCollection(t, 20)
	o := options(c, nil)
	dry, err := DryRun(ctx, DryRunOptions{DB: c.db, Collection: o.Collection, Pin: c.pin, Network: SimulatedNetwork,
		NoERC2309: true, BatchSize: 8, GasPrice: big.NewInt(2 * params.GWei)})
	if err != nil {
		t.Fatal(err)
	}
	if !dry.Deploy || dry.Tokens != 20 || len(dry.Txs) != 4 || dry.Cost.Cmp(new(big.Int).Mul(big.NewInt(2*params.GWei), new(big.Int).SetUint64(dry.Gas))) != 0 {
		t.Fatalf("dry run %+v", dry)
	}
	if st, _ := ReadStatus(ctx, c.db); len(st.Txs) != 0 || c.statuses()[state.Pinned] != 20 {
		t.Fatal("the dry run changed the state")
	}
	ch := newTestChain(t, nil)
	o.Backend = ch
	o.NoERC2309, o.BatchSize = true, 8
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.GasUsed != dry.Gas {
		t.Fatalf("run used %d gas, the dry run said %d", res.GasUsed, dry.Gas)
	}
	// A deployed collection's dry run needs the chain.
	c.add(3, "ipfs://bafybeimore/")
	if _, err := DryRun(ctx, DryRunOptions{DB: c.db, Collection: o.Collection, Pin: c.pin, Network: SimulatedNetwork}); !errors.Is(err, ErrDryRunNeedsRPC) {
		t.Fatalf("deployed, no live chain: %v", err)
	}
	dry, err = DryRun(ctx, DryRunOptions{DB: c.db, Collection: o.Collection, Pin: c.pin, Network: SimulatedNetwork, Live: ch})
	if err != nil {
		t.Fatal(err)
	}
	if dry.Deploy || dry.Tokens != 3 || len(dry.Txs) != 2 || dry.Txs[0].Kind != KindSetBaseURI || dry.FeeSource != "network" || dry.Cost.Sign() <= 0 {
		t.Fatalf("dry run of the rest: %+v", dry)
	}
}
