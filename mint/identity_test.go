package mint

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
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
