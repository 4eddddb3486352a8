package mint

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/genmint/genmint/mint/chain"
)

func TestBatchSize(t *testing.T) {
	ctx := context.Background()
	// A chain with a 4M block gas limit: batches must stay under 1M gas.
	ch := newTestChain(t, []func(*node.Config, *ethconfig.Config){simulated.WithBlockGasLimit(4_000_000)})
	signer := SimulatedSigner()
	addr, _, err := simSend(ctx, ch.Simulated, signer, nil, deployData(chain.Config{Name: "B", Symbol: "B", Owner: signer.From, MaxSupply: 10_000}))
	if err != nil {
		t.Fatal(err)
	}
	q, est, err := batchSize(ctx, ch, signer.From, addr, signer.From, 2000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if q >= 2000 || q < 100 || withMargin(est) > 1_000_000 {
		t.Fatalf("batch %d tokens for %d gas under a 1M budget", q, est)
	}
	// The cap and the remaining count bound it too.
	if q, _, _ := batchSize(ctx, ch, signer.From, addr, signer.From, 2000, 50); q != 50 {
		t.Fatalf("limit 50: %d", q)
	}
	if q, _, _ := batchSize(ctx, ch, signer.From, addr, signer.From, 3, 0); q != 3 {
		t.Fatalf("remaining 3: %d", q)
	}
	// Past the supply cap: the revert comes back decoded.
	if _, _, err := batchSize(ctx, ch, signer.From, addr, signer.From, 20_000, 0); err == nil {
		t.Fatal("no error past the cap")
	}
}
