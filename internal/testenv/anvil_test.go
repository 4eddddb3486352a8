package testenv_test

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/genmint/genmint/internal/testenv"
)

func TestStartAnvil(t *testing.T) {
	a := testenv.StartAnvil(t)
	if a.ChainID != 31337 || len(a.Accounts) != 10 {
		t.Fatalf("chain %d, %d accounts", a.ChainID, len(a.Accounts))
	}
}

func TestAnvilRestartForgetsTheChain(t *testing.T) {
	a := testenv.StartAnvil(t)
	ctx := context.Background()
	cl, err := rpc.Dial(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.CallContext(ctx, nil, "evm_mine"); err != nil {
		t.Fatal(err)
	}
	var n hexutil.Uint64
	if err := cl.CallContext(ctx, &n, "eth_blockNumber"); err != nil || n != 1 {
		t.Fatalf("block number %d, %v; want 1", n, err)
	}
	url := a.URL
	a.Restart()
	if a.URL != url {
		t.Fatalf("restarted at %s, was %s", a.URL, url)
	}
	if err := cl.CallContext(ctx, &n, "eth_blockNumber"); err != nil || n != 0 {
		t.Fatalf("after restart: block number %d, %v; want 0", n, err)
	}
}
