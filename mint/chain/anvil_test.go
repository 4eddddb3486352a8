package chain

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/testenv"
)

// TestAnvilCollection300 deploys a 300-item collection on a real node (anvil)
// over JSON-RPC and reads everything a marketplace or `genmint verify` reads
// back from the chain.
func TestAnvilCollection300(t *testing.T) {
	an := testenv.StartAnvil(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl, err := ethclient.DialContext(ctx, an.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deployer, buyer, payee := an.Accounts[0], an.Accounts[1], an.Accounts[2]
	opts := bind.NewKeyedTransactor(deployer.Key, new(big.Int).SetUint64(an.ChainID))

	const base = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/"
	addr, tx, err := Deploy(ctx, cl, opts, Config{
		Name: "Anvil Dreams", Symbol: "ADRM", BaseURI: base, ContractURI: base + "collection.json",
		Owner: deployer.Address, InitialSupply: 300, MaxSupply: 500,
		Royalty: Royalty{Receiver: payee.Address, Bps: 750}, AIGC: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := WaitMined(ctx, cl, tx, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deployed 300 items at %s for %d gas", addr, r.GasUsed)
	c := Open(cl, addr)

	if n, err := c.TotalSupply(ctx); err != nil || n != 300 {
		t.Fatalf("totalSupply = %d, %v", n, err)
	}
	for id := uint64(1); id <= 300; id++ {
		uri, err := c.TokenURI(ctx, id)
		if err != nil || uri != fmt.Sprintf("%s%d", base, id) {
			t.Fatalf("tokenURI(%d) = %q, %v", id, uri, err)
		}
		o, err := c.OwnerOf(ctx, id)
		if err != nil || o != deployer.Address {
			t.Fatalf("ownerOf(%d) = %s, %v", id, o, err)
		}
	}
	if _, err := c.TokenURI(ctx, 301); err == nil {
		t.Fatal("tokenURI(301) answered")
	}
	for _, id := range []uint64{1, 150, 300} {
		recv, amt, err := c.RoyaltyInfo(ctx, id, big.NewInt(1e18))
		if err != nil || recv != payee.Address || amt.Cmp(big.NewInt(75e15)) != 0 {
			t.Fatalf("royaltyInfo(%d, 1 ETH) = %s %s %v", id, recv, amt, err)
		}
	}
	for _, tc := range []struct {
		id   InterfaceID
		want bool
	}{
		{InterfaceERC165, true}, {InterfaceERC721, true}, {InterfaceERC721Metadata, true},
		{InterfaceERC2981, true}, {InterfaceERC4906, true}, {InterfaceERC7007, true},
		{InterfaceID{0xff, 0xff, 0xff, 0xff}, false},
	} {
		if got, err := c.SupportsInterface(ctx, tc.id); err != nil || got != tc.want {
			t.Fatalf("supportsInterface(%x) = %v, %v", tc.id, got, err)
		}
	}

	// An indexer learns about the 300 tokens from one ERC-2309 event.
	logs, err := cl.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{addr},
		Topics: [][]common.Hash{{gc.GetABI().Events["ConsecutiveTransfer"].ID}}})
	if err != nil || len(logs) != 1 {
		t.Fatalf("ConsecutiveTransfer logs: %d, %v", len(logs), err)
	}
	ev, err := gc.UnpackConsecutiveTransferEvent(&logs[0])
	if err != nil || ev.FromTokenId.Uint64() != 1 || ev.ToTokenId.Uint64() != 300 || ev.ToAddress != deployer.Address {
		t.Fatalf("%+v %v", ev, err)
	}

	// Items added later, then a sale-like transfer.
	tx, err = c.MintBatch(ctx, opts, buyer.Address, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WaitMined(ctx, cl, tx, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	tx, err = bind.Transact(c.contract, opts, gc.PackTransferFrom(deployer.Address, buyer.Address, big.NewInt(42)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WaitMined(ctx, cl, tx, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.TotalSupply != 305 || info.Owner != deployer.Address || !info.AIGC ||
		info.Royalty != (Royalty{Receiver: payee.Address, Bps: 750}) || info.BaseURI != base {
		t.Fatalf("%+v %v", info, err)
	}
	for id, want := range map[uint64]common.Address{41: deployer.Address, 42: buyer.Address, 43: deployer.Address, 301: buyer.Address, 305: buyer.Address} {
		if o, err := c.OwnerOf(ctx, id); err != nil || o != want {
			t.Fatalf("ownerOf(%d) = %s, %v; want %s", id, o, err, want)
		}
	}
	if b, _ := c.BalanceOf(ctx, buyer.Address); b != 6 {
		t.Fatalf("buyer balance %d", b)
	}
}
