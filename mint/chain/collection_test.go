package chain

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/mint/bindings"
)

func TestDeployAndInfo(t *testing.T) {
	e := newEnv(t)
	c, r := e.deploy(e.baseConfig())
	info, err := c.Info(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Info{
		Name: "Prompted Dreams", Symbol: "DREAM", Owner: e.owner.addr, TotalSupply: 300, MaxSupply: 1000,
		BaseURI: "ipfs://bafybeibase/", ContractURI: "ipfs://bafybeicontract/collection.json",
		AIGC: true, Royalty: Royalty{Receiver: e.carol.addr, Bps: 500},
	}
	if info != want {
		t.Fatalf("info\n got %+v\nwant %+v", info, want)
	}
	// The constructor mints with one ERC-2309 event and no Transfer events.
	if n := len(events(t, r, gc.UnpackTransferEvent)); n != 0 {
		t.Fatalf("%d Transfer events at deployment", n)
	}
	ct := events(t, r, gc.UnpackConsecutiveTransferEvent)
	if len(ct) != 1 || ct[0].FromTokenId.Uint64() != 1 || ct[0].ToTokenId.Uint64() != 300 ||
		ct[0].FromAddress != (common.Address{}) || ct[0].ToAddress != e.owner.addr {
		t.Fatalf("ConsecutiveTransfer events: %+v", ct)
	}
	own := events(t, r, gc.UnpackOwnershipTransferredEvent)
	if len(own) != 1 || own[0].NewOwner != e.owner.addr {
		t.Fatalf("OwnershipTransferred: %+v", own)
	}
	if bal, _ := c.BalanceOf(e.ctx, e.owner.addr); bal != 300 {
		t.Fatalf("balance %d", bal)
	}
}

func TestConstructorChunksERC2309AndHolder(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig()
	cfg.InitialSupply, cfg.MaxSupply, cfg.InitialHolder = 12_001, 12_001, e.alice.addr
	c, r := e.deploy(cfg)
	ct := events(t, r, gc.UnpackConsecutiveTransferEvent)
	want := [][2]uint64{{1, 5000}, {5001, 10_000}, {10_001, 12_001}}
	if len(ct) != len(want) {
		t.Fatalf("%d ConsecutiveTransfer events, want %d", len(ct), len(want))
	}
	for i, w := range want {
		if ct[i].FromTokenId.Uint64() != w[0] || ct[i].ToTokenId.Uint64() != w[1] || ct[i].ToAddress != e.alice.addr {
			t.Fatalf("event %d: %d..%d to %s", i, ct[i].FromTokenId, ct[i].ToTokenId, ct[i].ToAddress)
		}
	}
	for _, id := range []uint64{1, 5000, 5001, 10_000, 10_001, 12_001} {
		if o, err := c.OwnerOf(e.ctx, id); err != nil || o != e.alice.addr {
			t.Fatalf("ownerOf(%d) = %s, %v", id, o, err)
		}
	}
	if _, err := c.OwnerOf(e.ctx, 12_002); !errors.Is(err, ErrNonexistentToken) {
		t.Fatalf("ownerOf past the end: %v", err)
	}
	if bal, _ := c.BalanceOf(e.ctx, e.alice.addr); bal != 12_001 {
		t.Fatalf("holder balance %d", bal)
	}
	if bal, _ := c.BalanceOf(e.ctx, e.owner.addr); bal != 0 {
		t.Fatalf("owner balance %d", bal)
	}
	// The supply is full: nothing more can be minted.
	_, err := c.MintBatch(e.ctx, e.owner.opts, e.owner.addr, 1)
	args := reverts[bindings.GenmintCollectionMaxSupplyExceeded](t, errors.Unwrap(err), "MaxSupplyExceeded")
	if args.MaxSupply.Uint64() != 12_001 || args.RequestedLastId.Uint64() != 12_002 {
		t.Fatalf("args %+v", args)
	}
}

func TestConstructorReverts(t *testing.T) {
	e := newEnv(t)
	// Validate catches these before any gas is spent...
	bad := []func(*Config){
		func(c *Config) { c.MaxSupply, c.InitialSupply = 0, 0 },
		func(c *Config) { c.InitialSupply = 1001 },
		func(c *Config) { c.MaxSupply = MaxSupplyLimit + 1 },
		func(c *Config) { c.Owner = common.Address{} },
		func(c *Config) { c.Royalty.Bps = 10_001 },
		func(c *Config) { c.Royalty.Receiver = common.Address{} },
		func(c *Config) { c.Name = " " },
		func(c *Config) { c.License = License{Name: strings.Repeat("n", 256), URI: "https://example.org/l"} },
	}
	for i, mod := range bad {
		cfg := e.baseConfig()
		mod(&cfg)
		if _, _, err := Deploy(e.ctx, e.cl, e.owner.opts, cfg); !errors.Is(err, ErrInvalidParameters) || strings.Contains(err.Error(), "\n") {
			t.Errorf("case %d: %v", i, err)
		}
	}
	// ...and the contract enforces them anyway, with its own errors.
	deployRaw := func(args bindings.GenmintCollectionConfig) error {
		_, _, err := bind.DeployContract(e.owner.opts, common.FromHex(bindings.GenmintCollectionMetaData.Bin), e.cl, gc.PackConstructor(args))
		return DecodeRevert(err)
	}
	args := e.baseConfig().ConstructorArgs()
	args.MaxSupply = big.NewInt(0)
	reverts[bindings.GenmintCollectionInvalidSupply](t, deployRaw(args), "InvalidSupply")
	args = e.baseConfig().ConstructorArgs()
	args.InitialSupply = big.NewInt(1001)
	reverts[bindings.GenmintCollectionInvalidSupply](t, deployRaw(args), "InvalidSupply")
	args = e.baseConfig().ConstructorArgs()
	args.MaxSupply = big64(MaxSupplyLimit + 1)
	reverts[bindings.GenmintCollectionInvalidSupply](t, deployRaw(args), "InvalidSupply")
	args = e.baseConfig().ConstructorArgs()
	args.InitialHolder = common.Address{}
	got := reverts[bindings.GenmintCollectionERC721InvalidReceiver](t, deployRaw(args), "ERC721InvalidReceiver")
	if got.Receiver != (common.Address{}) {
		t.Fatal(got.Receiver)
	}
	args = e.baseConfig().ConstructorArgs()
	args.Owner = common.Address{}
	reverts[bindings.GenmintCollectionOwnableInvalidOwner](t, deployRaw(args), "OwnableInvalidOwner")
	args = e.baseConfig().ConstructorArgs()
	args.RoyaltyBps, args.RoyaltyCapBps = big.NewInt(10_001), big.NewInt(10_001)
	reverts[bindings.GenmintCollectionERC2981InvalidDefaultRoyalty](t, deployRaw(args), "ERC2981InvalidDefaultRoyalty")
	args = e.baseConfig().ConstructorArgs()
	args.RoyaltyReceiver = common.Address{}
	reverts[bindings.GenmintCollectionERC2981InvalidDefaultRoyaltyReceiver](t, deployRaw(args), "ERC2981InvalidDefaultRoyaltyReceiver")
	args = e.baseConfig().ConstructorArgs()
	args.LicenseName, args.LicenseURI = strings.Repeat("n", 256), "https://example.org/l"
	if got := reverts[bindings.GenmintCollectionLicenseNameTooLong](t, deployRaw(args), "LicenseNameTooLong"); got.Length.Uint64() != 256 {
		t.Fatal(got.Length)
	}
	// The largest cap is accepted.
	cfg := e.baseConfig()
	cfg.MaxSupply = MaxSupplyLimit
	c, _ := e.deploy(cfg)
	if info, _ := c.Info(e.ctx); info.MaxSupply != MaxSupplyLimit {
		t.Fatalf("max supply %d", info.MaxSupply)
	}
}

func TestNamesLongerThanAWord(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig()
	cfg.Name = "A collection whose name is well over thirty-one bytes long ✓"
	cfg.Symbol = "SYMBOLSYMBOLSYMBOLSYMBOLSYMBOLSYMBOL"
	c, _ := e.deploy(cfg)
	info, err := c.Info(e.ctx)
	if err != nil || info.Name != cfg.Name || info.Symbol != cfg.Symbol {
		t.Fatalf("%q %q %v", info.Name, info.Symbol, err)
	}
}

func TestSupportsInterface(t *testing.T) {
	// The ERC-7007 id is the XOR of its two function selectors.
	sel := func(sig string) []byte { return crypto.Keccak256([]byte(sig))[:4] }
	a, b := sel("addAigcData(uint256,bytes,bytes,bytes)"), sel("verify(bytes,bytes,bytes)")
	if id := (InterfaceID{a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3]}); id != InterfaceERC7007 {
		t.Fatalf("ERC-7007 id %x", id)
	}
	e := newEnv(t)
	on, _ := e.deploy(e.baseConfig())
	cfg := e.baseConfig()
	cfg.AIGC = false
	off, _ := e.deploy(cfg)
	for _, tc := range []struct {
		id      InterfaceID
		on, off bool
	}{
		{InterfaceERC165, true, true},
		{InterfaceERC721, true, true},
		{InterfaceERC721Metadata, true, true},
		{InterfaceERC2981, true, true},
		{InterfaceERC4906, true, true},
		{InterfaceERC7007, true, false},
		{InterfaceID{0xff, 0xff, 0xff, 0xff}, false, false}, // ERC-165 requires false
		{InterfaceID{0x78, 0x0e, 0x9d, 0x63}, false, false}, // ERC721Enumerable: not offered
		{InterfaceID{}, false, false},
	} {
		for _, x := range []struct {
			c    *Contract
			want bool
		}{{on, tc.on}, {off, tc.off}} {
			if got, err := x.c.SupportsInterface(e.ctx, tc.id); err != nil || got != x.want {
				t.Errorf("supportsInterface(%x) = %v, %v; want %v", tc.id, got, err, x.want)
			}
		}
	}
}

func TestTokenURI(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	for _, id := range []uint64{1, 9, 10, 299, 300} {
		if u, err := c.TokenURI(e.ctx, id); err != nil || u != "ipfs://bafybeibase/"+big64(id).String() {
			t.Fatalf("tokenURI(%d) = %q, %v", id, u, err)
		}
	}
	for _, id := range []uint64{0, 301, 1 << 40} {
		_, err := c.TokenURI(e.ctx, id)
		args := reverts[bindings.GenmintCollectionERC721NonexistentToken](t, errors.Unwrap(err), "ERC721NonexistentToken")
		if args.TokenId.Uint64() != id || !errors.Is(err, ErrNonexistentToken) {
			t.Fatalf("tokenURI(%d): %v", id, err)
		}
	}
	// A token minted later gets a URI too; an empty base gives "".
	e.mine(c.MintBatch(e.ctx, e.owner.opts, e.alice.addr, 1))
	if u, _ := c.TokenURI(e.ctx, 301); u != "ipfs://bafybeibase/301" {
		t.Fatalf("tokenURI(301) = %q", u)
	}
	e.mine(c.SetBaseURI(e.ctx, e.owner.opts, ""))
	if u, err := c.TokenURI(e.ctx, 1); err != nil || u != "" {
		t.Fatalf("empty base: %q, %v", u, err)
	}
}

func TestSetBaseURIAndFreeze(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	r := e.mine(c.SetBaseURI(e.ctx, e.owner.opts, "ipfs://bafybeirevealed/"))
	bmu := events(t, r, gc.UnpackBatchMetadataUpdateEvent)
	maxU := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	if len(bmu) != 1 || bmu[0].FromTokenId.Uint64() != 1 || bmu[0].ToTokenId.Cmp(maxU) != 0 {
		t.Fatalf("BatchMetadataUpdate: %+v", bmu)
	}
	if u, _ := c.TokenURI(e.ctx, 7); u != "ipfs://bafybeirevealed/7" {
		t.Fatalf("after reveal %q", u)
	}
	// Non-owners can neither change nor freeze.
	_, err := c.SetBaseURI(e.ctx, e.alice.opts, "ipfs://evil/")
	if args := reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount"); args.Account != e.alice.addr || !errors.Is(err, ErrNotOwner) {
		t.Fatalf("%v", err)
	}
	_, err = c.FreezeMetadata(e.ctx, e.alice.opts)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")

	r = e.mine(c.FreezeMetadata(e.ctx, e.owner.opts))
	fr := events(t, r, gc.UnpackMetadataFrozenEvent)
	if len(fr) != 1 || fr[0].BaseURI != "ipfs://bafybeirevealed/" {
		t.Fatalf("MetadataFrozen: %+v", fr)
	}
	// The freeze refreshes exactly the minted range (ERC-4906).
	bmu = events(t, r, gc.UnpackBatchMetadataUpdateEvent)
	if len(bmu) != 1 || bmu[0].FromTokenId.Uint64() != 1 || bmu[0].ToTokenId.Uint64() != 300 {
		t.Fatalf("BatchMetadataUpdate at freeze: %+v", bmu)
	}
	// One-way: no change, no second freeze.
	_, err = c.SetBaseURI(e.ctx, e.owner.opts, "ipfs://other/")
	if reverts[bindings.GenmintCollectionMetadataIsFrozen](t, errors.Unwrap(err), "MetadataIsFrozen"); !errors.Is(err, ErrMetadataFrozen) {
		t.Fatal(err)
	}
	_, err = c.FreezeMetadata(e.ctx, e.owner.opts)
	reverts[bindings.GenmintCollectionMetadataIsFrozen](t, errors.Unwrap(err), "MetadataIsFrozen")
	info, _ := c.Info(e.ctx)
	if !info.Frozen || info.BaseURI != "ipfs://bafybeirevealed/" {
		t.Fatalf("%+v", info)
	}
	// Frozen means final: no setter and no mint works any more, each with
	// MetadataIsFrozen, and nothing changed.
	for name, try := range map[string]func() error{
		"setBaseURI":     func() error { _, err := c.SetBaseURI(e.ctx, e.owner.opts, "ipfs://x/"); return err },
		"setContractURI": func() error { _, err := c.SetContractURI(e.ctx, e.owner.opts, "ipfs://x/c.json"); return err },
		"addAigcData":    func() error { _, err := c.AddAigcData(e.ctx, e.owner.opts, 1, []byte("p"), []byte("h")); return err },
		"mintBatch":      func() error { _, err := c.MintBatch(e.ctx, e.owner.opts, e.owner.addr, 1); return err },
	} {
		err := try()
		if reverts[bindings.GenmintCollectionMetadataIsFrozen](t, errors.Unwrap(err), "MetadataIsFrozen"); !errors.Is(err, ErrMetadataFrozen) {
			t.Fatalf("%s after freeze: %v", name, err)
		}
	}
	// Still the owner's to check first: a stranger gets OwnableUnauthorizedAccount.
	_, err = c.MintBatch(e.ctx, e.alice.opts, e.alice.addr, 1)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	info, _ = c.Info(e.ctx)
	if info.TotalSupply != 300 || info.ContractURI != "ipfs://bafybeicontract/collection.json" || !info.Frozen {
		t.Fatalf("after refused writes: %+v", info)
	}
	if _, err := c.OwnerOf(e.ctx, 301); !errors.Is(err, ErrNonexistentToken) {
		t.Fatalf("token 301 after freeze: %v", err)
	}
	if p, h, _ := c.AigcData(e.ctx, 1); len(p) != 0 || len(h) != 0 {
		t.Fatalf("aigc data written after freeze: %q %q", p, h)
	}
	// Transfers are not metadata: they still work.
	e.ok(e.owner, c, gc.PackTransferFrom(e.owner.addr, e.bob.addr, big64(300)))
	if o, _ := c.OwnerOf(e.ctx, 300); o != e.bob.addr {
		t.Fatal(o)
	}
}

func TestPermanentURIs(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	_, err := c.EmitPermanentURIs(e.ctx, e.owner.opts, 1, 10)
	if reverts[bindings.GenmintCollectionMetadataNotFrozen](t, errors.Unwrap(err), "MetadataNotFrozen"); !errors.Is(err, ErrNotFrozen) {
		t.Fatal(err)
	}
	e.mine(c.FreezeMetadata(e.ctx, e.owner.opts))
	r := e.mine(c.EmitPermanentURIs(e.ctx, e.owner.opts, 299, 300))
	pu := events(t, r, gc.UnpackPermanentURIEvent)
	if len(pu) != 2 || pu[0].Value != "ipfs://bafybeibase/299" || pu[0].Id.Uint64() != 299 || pu[1].Value != "ipfs://bafybeibase/300" || pu[1].Id.Uint64() != 300 {
		t.Fatalf("PermanentURI: %+v", pu)
	}
	for _, rg := range [][2]uint64{{0, 3}, {5, 4}, {300, 301}} {
		_, err := c.EmitPermanentURIs(e.ctx, e.owner.opts, rg[0], rg[1])
		reverts[bindings.GenmintCollectionERC721NonexistentToken](t, errors.Unwrap(err), "ERC721NonexistentToken")
	}
	_, err = c.EmitPermanentURIs(e.ctx, e.alice.opts, 1, 1)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
}

func TestContractURI(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	r := e.mine(c.SetContractURI(e.ctx, e.owner.opts, "ipfs://bafybeinew/c.json"))
	if n := len(events(t, r, gc.UnpackContractURIUpdatedEvent)); n != 1 {
		t.Fatalf("%d ContractURIUpdated events", n)
	}
	if info, _ := c.Info(e.ctx); info.ContractURI != "ipfs://bafybeinew/c.json" {
		t.Fatal(info.ContractURI)
	}
	_, err := c.SetContractURI(e.ctx, e.bob.opts, "x")
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	// Frozen covers the contract-level URI too.
	e.mine(c.FreezeMetadata(e.ctx, e.owner.opts))
	_, err = c.SetContractURI(e.ctx, e.owner.opts, "ipfs://bafybeilater/c.json")
	reverts[bindings.GenmintCollectionMetadataIsFrozen](t, errors.Unwrap(err), "MetadataIsFrozen")
}

func TestRoyaltyInfo(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig()) // 500 bps to carol
	for _, tc := range []struct {
		price, want string
	}{
		{"1000000000000000000", "50000000000000000"}, // 1 ETH -> 0.05 ETH
		{"999", "49"}, // rounds down
		{"19", "0"},
		{"0", "0"},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639", "5789604461865809771178549250434395392663499233282028201972879200395656481"},
	} {
		price, _ := new(big.Int).SetString(tc.price, 10)
		recv, amt, err := c.RoyaltyInfo(e.ctx, 1, price)
		if err != nil || recv != e.carol.addr || amt.String() != tc.want {
			t.Errorf("royaltyInfo(%s) = %s %s %v, want %s", tc.price, recv, amt, err, tc.want)
		}
	}
	// The same royalty for every token, minted or not (ERC-2981 does not require existence).
	if recv, amt, _ := c.RoyaltyInfo(e.ctx, 5000, big.NewInt(10_000)); recv != e.carol.addr || amt.Int64() != 500 {
		t.Fatal(recv, amt)
	}
	// No royalty configured: (0, 0).
	cfg := e.baseConfig()
	cfg.Royalty = Royalty{}
	none, _ := e.deploy(cfg)
	if recv, amt, _ := none.RoyaltyInfo(e.ctx, 1, big.NewInt(1e18)); recv != (common.Address{}) || amt.Sign() != 0 {
		t.Fatal(recv, amt)
	}
	// 100% is allowed.
	cfg.Royalty = Royalty{Receiver: e.dave.addr, Bps: 10_000}
	all, _ := e.deploy(cfg)
	if recv, amt, _ := all.RoyaltyInfo(e.ctx, 1, big.NewInt(777)); recv != e.dave.addr || amt.Int64() != 777 {
		t.Fatal(recv, amt)
	}
}

func TestMintBatch(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig()
	cfg.MaxSupply = 310
	c, _ := e.deploy(cfg)
	r := e.mine(c.MintBatch(e.ctx, e.owner.opts, e.bob.addr, 7)) // 301..307
	tr := events(t, r, gc.UnpackTransferEvent)
	if len(tr) != 7 {
		t.Fatalf("%d Transfer events", len(tr))
	}
	for i, ev := range tr {
		if ev.From != (common.Address{}) || ev.To != e.bob.addr || ev.TokenId.Uint64() != uint64(301+i) {
			t.Fatalf("Transfer %d: %+v", i, ev)
		}
	}
	if n, _ := c.TotalSupply(e.ctx); n != 307 {
		t.Fatalf("totalSupply %d", n)
	}
	if b, _ := c.BalanceOf(e.ctx, e.bob.addr); b != 7 {
		t.Fatalf("balance %d", b)
	}
	// Errors: zero quantity, zero address, past the cap, not the owner.
	_, err := c.MintBatch(e.ctx, e.owner.opts, e.bob.addr, 0)
	reverts[bindings.GenmintCollectionMintZeroQuantity](t, errors.Unwrap(err), "MintZeroQuantity")
	_, err = c.MintBatch(e.ctx, e.owner.opts, common.Address{}, 1)
	reverts[bindings.GenmintCollectionERC721InvalidReceiver](t, errors.Unwrap(err), "ERC721InvalidReceiver")
	_, err = c.MintBatch(e.ctx, e.owner.opts, e.bob.addr, 4)
	args := reverts[bindings.GenmintCollectionMaxSupplyExceeded](t, errors.Unwrap(err), "MaxSupplyExceeded")
	if args.MaxSupply.Uint64() != 310 || args.RequestedLastId.Uint64() != 311 || !errors.Is(err, ErrSupplyExceeded) {
		t.Fatalf("%+v %v", args, err)
	}
	_, err = c.MintBatch(e.ctx, e.alice.opts, e.alice.addr, 1)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	// A quantity that would overflow 256 bits reverts (checked arithmetic).
	huge := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	if _, err := e.send(e.owner, c, gc.PackMintBatch(e.bob.addr, huge)); err == nil {
		t.Fatal("overflowing quantity minted")
	}
	// Up to the cap exactly.
	e.mine(c.MintBatch(e.ctx, e.owner.opts, e.carol.addr, 3))
	if n, _ := c.TotalSupply(e.ctx); n != 310 {
		t.Fatalf("totalSupply %d", n)
	}
	for id, want := range map[uint64]common.Address{300: e.owner.addr, 301: e.bob.addr, 307: e.bob.addr, 308: e.carol.addr, 310: e.carol.addr} {
		if o, err := c.OwnerOf(e.ctx, id); err != nil || o != want {
			t.Errorf("ownerOf(%d) = %s, %v; want %s", id, o, err, want)
		}
	}
}

func TestOwnershipTransferAndRenounce(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	owner := func() common.Address { i, _ := c.Info(e.ctx); return i.Owner }
	// Two steps: naming alice changes nothing until alice accepts.
	r := e.mine(c.TransferOwnership(e.ctx, e.owner.opts, e.alice.addr))
	if ev := events(t, r, gc.UnpackOwnershipTransferStartedEvent); len(ev) != 1 || ev[0].PreviousOwner != e.owner.addr || ev[0].NewOwner != e.alice.addr {
		t.Fatalf("OwnershipTransferStarted: %+v", ev)
	}
	if n := len(events(t, r, gc.UnpackOwnershipTransferredEvent)); n != 0 || owner() != e.owner.addr {
		t.Fatalf("ownership moved before acceptance (%d events, owner %s)", n, owner())
	}
	if p, _ := c.PendingOwner(e.ctx); p != e.alice.addr {
		t.Fatal(p)
	}
	// A typo'd or stranger account cannot accept; only the named one can.
	_, err := c.AcceptOwnership(e.ctx, e.bob.opts)
	if args := reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount"); args.Account != e.bob.addr {
		t.Fatal(args.Account)
	}
	// The owner can still correct the name: the last one wins.
	e.mine(c.TransferOwnership(e.ctx, e.owner.opts, e.bob.addr))
	_, err = c.AcceptOwnership(e.ctx, e.alice.opts)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	e.mine(c.TransferOwnership(e.ctx, e.owner.opts, e.alice.addr))
	// Only the owner names a successor.
	_, err = c.TransferOwnership(e.ctx, e.bob.opts, e.bob.addr)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	r = e.mine(c.AcceptOwnership(e.ctx, e.alice.opts))
	if ev := events(t, r, gc.UnpackOwnershipTransferredEvent); len(ev) != 1 || ev[0].PreviousOwner != e.owner.addr || ev[0].NewOwner != e.alice.addr {
		t.Fatalf("%+v", ev)
	}
	if p, _ := c.PendingOwner(e.ctx); p != (common.Address{}) || owner() != e.alice.addr {
		t.Fatalf("pending %s, owner %s", p, owner())
	}
	// The old owner lost every right; accepting twice does nothing.
	_, err = c.MintBatch(e.ctx, e.owner.opts, e.owner.addr, 1)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	_, err = c.AcceptOwnership(e.ctx, e.alice.opts)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	e.mine(c.MintBatch(e.ctx, e.alice.opts, e.alice.addr, 1))
	// The packed cursor survives the owner change (same storage slot).
	if n, _ := c.TotalSupply(e.ctx); n != 301 {
		t.Fatalf("totalSupply %d", n)
	}
	if o, _ := c.OwnerOf(e.ctx, 301); o != e.alice.addr {
		t.Fatal(o)
	}
	// Naming the zero address cancels a pending transfer.
	e.mine(c.TransferOwnership(e.ctx, e.alice.opts, e.dave.addr))
	e.mine(c.TransferOwnership(e.ctx, e.alice.opts, common.Address{}))
	_, err = c.AcceptOwnership(e.ctx, e.dave.opts)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")

	// Renouncing is refused until the collection is frozen.
	_, err = c.RenounceOwnership(e.ctx, e.bob.opts)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	_, err = c.RenounceOwnership(e.ctx, e.alice.opts)
	if reverts[bindings.GenmintCollectionRenounceBeforeFreeze](t, errors.Unwrap(err), "RenounceBeforeFreeze"); !errors.Is(err, ErrNotFrozen) {
		t.Fatal(err)
	}
	if owner() != e.alice.addr {
		t.Fatal(owner())
	}
	e.mine(c.FreezeMetadata(e.ctx, e.alice.opts))
	// A transfer pending at renounce time dies with it.
	e.mine(c.TransferOwnership(e.ctx, e.alice.opts, e.dave.addr))
	e.mine(c.RenounceOwnership(e.ctx, e.alice.opts))
	if p, _ := c.PendingOwner(e.ctx); p != (common.Address{}) || owner() != (common.Address{}) {
		t.Fatalf("after renounce: pending %s owner %s", p, owner())
	}
	_, err = c.AcceptOwnership(e.ctx, e.dave.opts)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	if info, _ := c.Info(e.ctx); info.Owner != (common.Address{}) || info.TotalSupply != 301 {
		t.Fatalf("%+v", info)
	}
}

func TestSetDefaultRoyalty(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig() // 500 bps to carol; cap defaults to 10%
	c, _ := e.deploy(cfg)
	if cp, err := c.RoyaltyCap(e.ctx); err != nil || cp != DefaultRoyaltyCapBps {
		t.Fatal(cp, err)
	}
	r := e.mine(c.SetDefaultRoyalty(e.ctx, e.owner.opts, Royalty{Receiver: e.dave.addr, Bps: 1000}))
	if ev := events(t, r, gc.UnpackDefaultRoyaltySetEvent); len(ev) != 1 || ev[0].Receiver != e.dave.addr || ev[0].RoyaltyBps != 1000 {
		t.Fatalf("DefaultRoyaltySet: %+v", ev)
	}
	if recv, amt, _ := c.RoyaltyInfo(e.ctx, 7, big.NewInt(10_000)); recv != e.dave.addr || amt.Int64() != 1000 {
		t.Fatal(recv, amt)
	}
	// Above the cap, by the owner or not: refused, unchanged.
	_, err := c.SetDefaultRoyalty(e.ctx, e.owner.opts, Royalty{Receiver: e.dave.addr, Bps: 1001})
	args := reverts[bindings.GenmintCollectionRoyaltyAboveCap](t, errors.Unwrap(err), "RoyaltyAboveCap")
	if args.RoyaltyBps.Uint64() != 1001 || args.CapBps.Uint64() != 1000 || !errors.Is(err, ErrRoyaltyAboveCap) {
		t.Fatalf("%+v %v", args, err)
	}
	_, err = c.SetDefaultRoyalty(e.ctx, e.alice.opts, Royalty{Receiver: e.alice.addr, Bps: 1})
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	_, err = c.SetDefaultRoyalty(e.ctx, e.owner.opts, Royalty{Bps: 100})
	reverts[bindings.GenmintCollectionERC2981InvalidDefaultRoyaltyReceiver](t, errors.Unwrap(err), "ERC2981InvalidDefaultRoyaltyReceiver")
	// Zero receiver and zero bps removes the royalty; it works after a freeze too.
	e.mine(c.FreezeMetadata(e.ctx, e.owner.opts))
	e.mine(c.SetDefaultRoyalty(e.ctx, e.owner.opts, Royalty{}))
	if recv, amt, _ := c.RoyaltyInfo(e.ctx, 7, big.NewInt(10_000)); recv != (common.Address{}) || amt.Sign() != 0 {
		t.Fatal(recv, amt)
	}
	// The cap comes from the config; the deploy royalty must fit under it.
	cfg.RoyaltyCapBps = 250
	if _, _, err := Deploy(e.ctx, e.cl, e.owner.opts, cfg); !errors.Is(err, ErrInvalidParameters) {
		t.Fatal(err)
	}
	args2 := cfg.ConstructorArgs()
	_, _, err = bind.DeployContract(e.owner.opts, common.FromHex(bindings.GenmintCollectionMetaData.Bin), e.cl, gc.PackConstructor(args2))
	reverts[bindings.GenmintCollectionRoyaltyAboveCap](t, DecodeRevert(err), "RoyaltyAboveCap")
	cfg.Royalty.Bps = 250
	low, _ := e.deploy(cfg)
	if cp, _ := low.RoyaltyCap(e.ctx); cp != 250 {
		t.Fatal(cp)
	}
}

func TestProvenanceHashAndLicense(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig()
	cfg.ProvenanceHash = common.HexToHash("0x5e1f8b0f0c1d6c1e2a4f3b9d8e7a6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a190807")
	cfg.License = License{Name: "CBE_NECR_HS", URI: "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/3"}
	c, _ := e.deploy(cfg)
	if h, err := c.ProvenanceHash(e.ctx); err != nil || h != cfg.ProvenanceHash {
		t.Fatal(h, err)
	}
	if l, err := c.License(e.ctx); err != nil || l != cfg.License {
		t.Fatal(l, err)
	}
	if ok, _ := c.SupportsInterface(e.ctx, InterfaceCantBeEvil); !ok {
		t.Fatal("ICantBeEvil not reported")
	}
	// The ICantBeEvil id is the XOR of its two selectors.
	sel := func(sig string) []byte { return crypto.Keccak256([]byte(sig))[:4] }
	a, b := sel("getLicenseURI()"), sel("getLicenseName()")
	if id := (InterfaceID{a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3]}); id != InterfaceCantBeEvil {
		t.Fatalf("ICantBeEvil id %x", id)
	}
	// Nothing changes them; a collection without a licence does not claim the interface.
	e.mine(c.SetBaseURI(e.ctx, e.owner.opts, "ipfs://bafybeirevealed/"))
	e.mine(c.FreezeMetadata(e.ctx, e.owner.opts))
	if h, _ := c.ProvenanceHash(e.ctx); h != cfg.ProvenanceHash {
		t.Fatal(h)
	}
	plain, _ := e.deploy(e.baseConfig())
	if ok, _ := plain.SupportsInterface(e.ctx, InterfaceCantBeEvil); ok {
		t.Fatal("ICantBeEvil claimed without a licence")
	}
	if l, _ := plain.License(e.ctx); l != (License{}) {
		t.Fatal(l)
	}
	// Names and URIs of every length read back whole: the contract keeps them
	// as one value (a length byte, the name, the URI).
	for _, l := range []License{
		{Name: "CC0-1.0", URI: "https://creativecommons.org/publicdomain/zero/1.0/"},
		{Name: "x", URI: "y"},
		{Name: strings.Repeat("N", 31), URI: strings.Repeat("u", 1)},
		{Name: strings.Repeat("N", 255), URI: strings.Repeat("u", 300)},
	} {
		lc := e.baseConfig()
		lc.License = l
		c, _ := e.deploy(lc)
		if got, err := c.License(e.ctx); err != nil || got != l {
			t.Errorf("licence %d/%d bytes read back as %d/%d bytes (%v)", len(l.Name), len(l.URI), len(got.Name), len(got.URI), err)
		}
	}
	bad := e.baseConfig()
	bad.License = License{Name: "CC0-1.0"}
	if _, _, err := Deploy(e.ctx, e.cl, e.owner.opts, bad); !errors.Is(err, ErrInvalidParameters) {
		t.Fatal(err)
	}
}

func TestTransfersAndApprovals(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig()) // owner holds 1..300
	e.mine(c.MintBatch(e.ctx, e.owner.opts, e.alice.addr, 5))
	own, al, bob, carol := e.owner, e.alice, e.bob, e.carol
	ownerOf := func(id uint64) common.Address {
		t.Helper()
		o, err := c.OwnerOf(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	bal := func(a account) uint64 {
		t.Helper()
		b, err := c.BalanceOf(e.ctx, a.addr)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// The holder moves an initial token: Transfer event, balances, owner.
	r := e.ok(own, c, gc.PackTransferFrom(own.addr, bob.addr, big64(10)))
	if tr := events(t, r, gc.UnpackTransferEvent); len(tr) != 1 || tr[0].From != own.addr || tr[0].To != bob.addr || tr[0].TokenId.Uint64() != 10 {
		t.Fatalf("%+v", tr)
	}
	if ownerOf(10) != bob.addr || bal(own) != 299 || bal(bob) != 1 {
		t.Fatal("after transfer")
	}
	// Neighbours keep their implied owner.
	if ownerOf(9) != own.addr || ownerOf(11) != own.addr {
		t.Fatal("neighbours")
	}
	// A later-batch token moves too.
	e.ok(al, c, gc.PackTransferFrom(al.addr, bob.addr, big64(303)))
	if ownerOf(303) != bob.addr || ownerOf(302) != al.addr || ownerOf(304) != al.addr || bal(al) != 4 || bal(bob) != 2 {
		t.Fatal("later token transfer")
	}

	// Errors, each decoded.
	_, err := e.send(carol, c, gc.PackTransferFrom(own.addr, carol.addr, big64(11)))
	if a := reverts[bindings.GenmintCollectionERC721InsufficientApproval](t, err, "ERC721InsufficientApproval"); a.Operator != carol.addr || a.TokenId.Uint64() != 11 {
		t.Fatalf("%+v", a)
	}
	_, err = e.send(own, c, gc.PackTransferFrom(bob.addr, carol.addr, big64(11)))
	if a := reverts[bindings.GenmintCollectionERC721IncorrectOwner](t, err, "ERC721IncorrectOwner"); a.Sender != bob.addr || a.Owner != own.addr || a.TokenId.Uint64() != 11 {
		t.Fatalf("%+v", a)
	}
	_, err = e.send(own, c, gc.PackTransferFrom(own.addr, common.Address{}, big64(11)))
	reverts[bindings.GenmintCollectionERC721InvalidReceiver](t, err, "ERC721InvalidReceiver")
	for _, id := range []uint64{0, 306, 1000} {
		_, err = e.send(own, c, gc.PackTransferFrom(own.addr, bob.addr, big64(id)))
		reverts[bindings.GenmintCollectionERC721NonexistentToken](t, err, "ERC721NonexistentToken")
	}
	_, err = e.send(own, c, gc.PackTransferFrom(own.addr, bob.addr, big64(10))) // no longer the owner's
	reverts[bindings.GenmintCollectionERC721InsufficientApproval](t, err, "ERC721InsufficientApproval")

	// approve: an implied token, approved spender moves it, approval is cleared.
	r = e.ok(own, c, gc.PackApprove(carol.addr, big64(20)))
	if ev := events(t, r, gc.UnpackApprovalEvent); len(ev) != 1 || ev[0].Owner != own.addr || ev[0].Approved != carol.addr || ev[0].TokenId.Uint64() != 20 {
		t.Fatalf("%+v", ev)
	}
	if a := view(t, c, gc.PackGetApproved(big64(20)), gc.UnpackGetApproved); a != carol.addr {
		t.Fatal(a)
	}
	if ownerOf(20) != own.addr {
		t.Fatal("approve changed the owner")
	}
	e.ok(carol, c, gc.PackTransferFrom(own.addr, al.addr, big64(20)))
	if ownerOf(20) != al.addr || view(t, c, gc.PackGetApproved(big64(20)), gc.UnpackGetApproved) != (common.Address{}) {
		t.Fatal("approval not cleared by the transfer")
	}
	_, err = e.send(carol, c, gc.PackTransferFrom(al.addr, carol.addr, big64(20)))
	reverts[bindings.GenmintCollectionERC721InsufficientApproval](t, err, "ERC721InsufficientApproval")

	// approve(0) revokes; it never leaves a stale approval.
	e.ok(own, c, gc.PackApprove(carol.addr, big64(21)))
	e.ok(own, c, gc.PackApprove(common.Address{}, big64(21)))
	if view(t, c, gc.PackGetApproved(big64(21)), gc.UnpackGetApproved) != (common.Address{}) {
		t.Fatal("approve(0) did not revoke")
	}
	_, err = e.send(carol, c, gc.PackTransferFrom(own.addr, carol.addr, big64(21)))
	reverts[bindings.GenmintCollectionERC721InsufficientApproval](t, err, "ERC721InsufficientApproval")
	e.ok(own, c, gc.PackApprove(common.Address{}, big64(22))) // revoking nothing on an implied token
	if ownerOf(22) != own.addr {
		t.Fatal("22")
	}
	// Only the owner or an operator may approve.
	_, err = e.send(bob, c, gc.PackApprove(bob.addr, big64(23)))
	if a := reverts[bindings.GenmintCollectionERC721InvalidApprover](t, err, "ERC721InvalidApprover"); a.Approver != bob.addr {
		t.Fatal(a.Approver)
	}
	_, err = e.send(own, c, gc.PackApprove(bob.addr, big64(999)))
	reverts[bindings.GenmintCollectionERC721NonexistentToken](t, err, "ERC721NonexistentToken")
	if err := viewErr(c, gc.PackGetApproved(big64(999)), gc.UnpackGetApproved); !errors.Is(err, ErrNonexistentToken) {
		t.Fatal(err)
	}

	// Operators: set, use (transfer and approve), revoke.
	r = e.ok(own, c, gc.PackSetApprovalForAll(bob.addr, true))
	if ev := events(t, r, gc.UnpackApprovalForAllEvent); len(ev) != 1 || ev[0].Owner != own.addr || ev[0].Operator != bob.addr || !ev[0].Approved {
		t.Fatalf("%+v", ev)
	}
	if !view(t, c, gc.PackIsApprovedForAll(own.addr, bob.addr), gc.UnpackIsApprovedForAll) {
		t.Fatal("isApprovedForAll")
	}
	e.ok(bob, c, gc.PackTransferFrom(own.addr, carol.addr, big64(30)))
	e.ok(bob, c, gc.PackApprove(e.dave.addr, big64(31)))
	e.ok(e.dave, c, gc.PackTransferFrom(own.addr, e.dave.addr, big64(31)))
	if ownerOf(30) != carol.addr || ownerOf(31) != e.dave.addr {
		t.Fatal("operator transfers")
	}
	e.ok(own, c, gc.PackSetApprovalForAll(bob.addr, false))
	_, err = e.send(bob, c, gc.PackTransferFrom(own.addr, bob.addr, big64(32)))
	reverts[bindings.GenmintCollectionERC721InsufficientApproval](t, err, "ERC721InsufficientApproval")
	_, err = e.send(own, c, gc.PackSetApprovalForAll(common.Address{}, true))
	reverts[bindings.GenmintCollectionERC721InvalidOperator](t, err, "ERC721InvalidOperator")

	// balanceOf(0) reverts; unknown accounts hold 0.
	if err := viewErr(c, gc.PackBalanceOf(common.Address{}), gc.UnpackBalanceOf); err == nil {
		t.Fatal("balanceOf(0)")
	} else {
		reverts[bindings.GenmintCollectionERC721InvalidOwner](t, err, "ERC721InvalidOwner")
	}
	if b, _ := c.BalanceOf(e.ctx, common.HexToAddress("0x1234")); b != 0 {
		t.Fatal(b)
	}
	// Sending to yourself keeps the balance.
	before := bal(own)
	e.ok(own, c, gc.PackTransferFrom(own.addr, own.addr, big64(40)))
	if bal(own) != before || ownerOf(40) != own.addr {
		t.Fatal("self transfer")
	}
	// A token moves again after its first transfer.
	e.ok(bob, c, gc.PackTransferFrom(bob.addr, carol.addr, big64(10)))
	if ownerOf(10) != carol.addr || bal(bob) != 1 {
		t.Fatal("second transfer")
	}
}

func TestSafeTransferFrom(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	probe := bindings.NewReceiverProbe()
	deployProbe := func(mode uint8) common.Address {
		addr, tx, err := bind.DeployContract(e.owner.opts, common.FromHex(bindings.ReceiverProbeMetaData.Bin), e.cl, probe.PackConstructor(mode))
		e.mine(tx, err)
		return addr
	}
	accept, wrong, rejecting, empty := deployProbe(0), deployProbe(1), deployProbe(2), deployProbe(3)

	// Both overloads call onERC721Received with operator, from, id and data.
	r := e.ok(e.owner, c, gc.PackSafeTransferFrom0(e.owner.addr, accept, big64(1), []byte("hello")))
	r2 := e.ok(e.owner, c, gc.PackSafeTransferFrom(e.owner.addr, accept, big64(2)))
	for i, x := range []struct {
		rr   *types.Receipt
		id   uint64
		data []byte
	}{{r, 1, []byte("hello")}, {r2, 2, nil}} {
		got := events(t, x.rr, probe.UnpackReceivedEvent)
		if len(got) != 1 || got[0].Operator != e.owner.addr || got[0].From != e.owner.addr || got[0].TokenId.Uint64() != x.id || !bytes.Equal(got[0].Data, x.data) {
			t.Fatalf("case %d: %+v", i, got)
		}
	}
	if o, _ := c.OwnerOf(e.ctx, 1); o != accept {
		t.Fatal(o)
	}
	// An operator's safe transfer reports the operator.
	e.ok(e.owner, c, gc.PackSetApprovalForAll(e.bob.addr, true))
	r = e.ok(e.bob, c, gc.PackSafeTransferFrom(e.owner.addr, accept, big64(3)))
	if got := events(t, r, probe.UnpackReceivedEvent); len(got) != 1 || got[0].Operator != e.bob.addr {
		t.Fatalf("%+v", got)
	}

	// Refusals revert the whole transfer.
	for _, to := range []common.Address{wrong, empty, c.Address()} { // c has no onERC721Received
		_, err := e.send(e.owner, c, gc.PackSafeTransferFrom(e.owner.addr, to, big64(4)))
		if a := reverts[bindings.GenmintCollectionERC721InvalidReceiver](t, err, "ERC721InvalidReceiver"); a.Receiver != to {
			t.Fatalf("receiver %s, want %s", a.Receiver, to)
		}
	}
	// A receiver's own error bubbles up unchanged.
	_, err := bind.Transact(c.contract, e.owner.opts, gc.PackSafeTransferFrom(e.owner.addr, rejecting, big64(4)))
	data, ok := RevertData(err)
	if !ok {
		t.Fatalf("no revert data: %v", err)
	}
	if v, err := probe.UnpackError(data); err != nil {
		t.Fatalf("not the probe's error: %x", data)
	} else if _, ok := v.(*bindings.ReceiverProbeRejected); !ok {
		t.Fatalf("%T", v)
	}
	if o, _ := c.OwnerOf(e.ctx, 4); o != e.owner.addr {
		t.Fatal("refused transfer moved the token")
	}
	// To an account without code, safeTransferFrom is a transfer.
	e.ok(e.owner, c, gc.PackSafeTransferFrom(e.owner.addr, e.dave.addr, big64(4)))
	if o, _ := c.OwnerOf(e.ctx, 4); o != e.dave.addr {
		t.Fatal(o)
	}
}

func TestAIGC(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	prompt := []byte("a lighthouse in a storm, oil painting, seed 42")
	hash := crypto.Keccak256([]byte("final.png bytes")) // genmint passes the content hash
	r := e.mine(c.AddAigcData(e.ctx, e.owner.opts, 7, prompt, hash))
	ev := events(t, r, gc.UnpackAigcDataEvent)
	if len(ev) != 1 || ev[0].TokenId.Uint64() != 7 || ev[0].Prompt != common.BytesToHash(crypto.Keccak256(prompt)) ||
		!bytes.Equal(ev[0].AigcData, hash) || !bytes.Equal(ev[0].Proof, AigcProof(7)) {
		t.Fatalf("AigcData event: %+v", ev)
	}
	p, d, err := c.AigcData(e.ctx, 7)
	if err != nil || !bytes.Equal(p, prompt) || !bytes.Equal(d, hash) {
		t.Fatalf("aigcDataOf: %q %x %v", p, d, err)
	}
	if p, d, _ := c.AigcData(e.ctx, 8); len(p) != 0 || len(d) != 0 {
		t.Fatal("token 8 has data")
	}
	for _, tc := range []struct {
		name         string
		prompt, data []byte
		proof        []byte
		want         bool
	}{
		{"match", prompt, hash, AigcProof(7), true},
		{"other prompt", []byte("a lighthouse"), hash, AigcProof(7), false},
		{"other hash", prompt, crypto.Keccak256([]byte("x")), AigcProof(7), false},
		{"other token", prompt, hash, AigcProof(8), false},
		{"short proof", prompt, hash, AigcProof(7)[1:], false},
		{"empty proof", prompt, hash, nil, false},
	} {
		if got := view(t, c, gc.PackVerify(tc.prompt, tc.data, tc.proof), gc.UnpackVerify); got != tc.want {
			t.Errorf("verify %s = %v", tc.name, got)
		}
	}
	if ok, err := c.VerifyAigc(e.ctx, 7, prompt, hash); err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Once per token; not empty; existing tokens only; owner only.
	_, err = c.AddAigcData(e.ctx, e.owner.opts, 7, prompt, hash)
	if a := reverts[bindings.GenmintCollectionAigcDataAlreadySet](t, errors.Unwrap(err), "AigcDataAlreadySet"); a.TokenId.Uint64() != 7 || !errors.Is(err, ErrAigcAlreadySet) {
		t.Fatal(err)
	}
	_, err = c.AddAigcData(e.ctx, e.owner.opts, 8, nil, hash)
	reverts[bindings.GenmintCollectionAigcDataEmpty](t, errors.Unwrap(err), "AigcDataEmpty")
	_, err = c.AddAigcData(e.ctx, e.owner.opts, 8, prompt, nil)
	reverts[bindings.GenmintCollectionAigcDataEmpty](t, errors.Unwrap(err), "AigcDataEmpty")
	_, err = c.AddAigcData(e.ctx, e.owner.opts, 301, prompt, hash)
	reverts[bindings.GenmintCollectionERC721NonexistentToken](t, errors.Unwrap(err), "ERC721NonexistentToken")
	_, err = c.AddAigcData(e.ctx, e.alice.opts, 8, prompt, hash)
	reverts[bindings.GenmintCollectionOwnableUnauthorizedAccount](t, errors.Unwrap(err), "OwnableUnauthorizedAccount")
	if _, _, err := c.AigcData(e.ctx, 301); !errors.Is(err, ErrNonexistentToken) {
		t.Fatal(err)
	}
	// Once frozen, the collection is final: no more AIGC data either.
	e.mine(c.FreezeMetadata(e.ctx, e.owner.opts))
	_, err = c.AddAigcData(e.ctx, e.owner.opts, 8, []byte("p8"), []byte{0x12, 0x20})
	reverts[bindings.GenmintCollectionMetadataIsFrozen](t, errors.Unwrap(err), "MetadataIsFrozen")

	// Disabled at deploy: addAigcData reverts, verify is false.
	cfg := e.baseConfig()
	cfg.AIGC = false
	off, _ := e.deploy(cfg)
	_, err = off.AddAigcData(e.ctx, e.owner.opts, 1, prompt, hash)
	if reverts[bindings.GenmintCollectionAigcDisabled](t, errors.Unwrap(err), "AigcDisabled"); !errors.Is(err, ErrAigcDisabled) {
		t.Fatal(err)
	}
	if ok, _ := off.VerifyAigc(e.ctx, 1, prompt, hash); ok {
		t.Fatal("verify true on a disabled collection")
	}
}

func TestRevertErrorMessage(t *testing.T) {
	e := newEnv(t)
	cfg := e.baseConfig()
	cfg.MaxSupply = 300
	c, _ := e.deploy(cfg)
	_, err := c.MintBatch(e.ctx, e.owner.opts, e.owner.addr, 2)
	want := "contract reverted with MaxSupplyExceeded(MaxSupply=300, RequestedLastId=302): the supply cap is fixed at deployment, mint fewer items"
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q\nwant it to contain %q", err, want)
	}
	// A transaction that is mined and fails reports the decoded reason too.
	opts := *e.owner.opts
	opts.GasLimit = 200_000 // skip estimation, which would catch the revert before sending
	tx, err := c.MintBatch(e.ctx, &opts, e.owner.addr, 2)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Commit()
	_, err = WaitMined(e.ctx, e.cl, tx, time.Millisecond)
	if !errors.Is(err, ErrReverted) || !strings.Contains(err.Error(), want) {
		t.Fatalf("WaitMined: %v", err)
	}
	// Errors that carry no revert data pass through unchanged.
	plain := errors.New("connection refused")
	if DecodeRevert(plain) != plain {
		t.Fatal("DecodeRevert changed a plain error")
	}
}

// TestAIGCLengths round-trips ERC-7007 records across word boundaries: the
// contract packs prompt and aigcData into one run of slots after a header.
func TestAIGCLengths(t *testing.T) {
	e := newEnv(t)
	c, _ := e.deploy(e.baseConfig())
	fill := func(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }
	id := uint64(1)
	for _, pl := range []int{1, 31, 32, 33, 200} {
		for _, dl := range []int{1, 32, 63} {
			prompt, data := fill(pl, byte('a'+pl%26)), fill(dl, byte(dl))
			e.mine(c.AddAigcData(e.ctx, e.owner.opts, id, prompt, data))
			p, d, err := c.AigcData(e.ctx, id)
			if err != nil || !bytes.Equal(p, prompt) || !bytes.Equal(d, data) {
				t.Fatalf("%d/%d bytes: read back %d/%d bytes (%v)", pl, dl, len(p), len(d), err)
			}
			if ok, _ := c.VerifyAigc(e.ctx, id, prompt, data); !ok {
				t.Errorf("%d/%d bytes: verify false", pl, dl)
			}
			// Same lengths, one byte changed at the end of either part; and the
			// same bytes split differently between prompt and aigcData.
			p2 := append(append([]byte{}, prompt[:pl-1]...), 'Z')
			d2 := append(append([]byte{}, data[:dl-1]...), 0xEE)
			both := append(append([]byte{}, prompt...), data...)
			for _, alt := range [][2][]byte{{p2, data}, {prompt, d2}, {both[:pl+1], both[pl+1:]}} {
				if len(alt[1]) == 0 {
					continue
				}
				if ok, _ := c.VerifyAigc(e.ctx, id, alt[0], alt[1]); ok {
					t.Errorf("%d/%d bytes: verify true for %q/%x", pl, dl, alt[0], alt[1])
				}
			}
			id++
		}
	}
}
