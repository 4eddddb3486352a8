// Package chain deploys genmint's collection contract (GenmintCollection,
// mint/contracts/src) and reads and writes it through go-ethereum's own
// bind.ContractBackend, so the same code runs against a real node (ethclient),
// anvil, or the in-process simulated backend used by fast tests and --dry-run.
//
// Typical use by the mint step:
//
//	cfg := chain.Config{Name: …, Symbol: …, BaseURI: "ipfs://<metadata CID>/", ContractURI: …,
//		Owner: signer, InitialSupply: uint64(len(items)), MaxSupply: spec.MaxSupply,
//		Royalty: chain.Royalty{Receiver: payee, Bps: 500}, AIGC: spec.ERC7007}
//	addr, tx, err := chain.Deploy(ctx, backend, opts, cfg) // sends; does not wait
//	receipt, err := chain.WaitMined(ctx, backend, tx, 0)     // one-line error on revert
//	c := chain.Open(backend, addr)
//	uri, err := c.TokenURI(ctx, 1)                           // baseURI + "1"
//
// The whole collection known at deploy time is minted by the constructor to
// InitialHolder (tokens 1..InitialSupply, ERC-2309). Items added later go
// through Contract.MintBatch (ids continue from TotalSupply()+1, up to
// MaxSupply). Writes take a *bind.TransactOpts: sign with
// bind.NewKeyStoreTransactor for real keys.
//
// Nothing here retries, waits for confirmations beyond the first receipt, or
// remembers what was sent: idempotency (never deploying or minting twice) is
// the caller's journal's job. Every method takes ctx first and returns when it
// is cancelled.
package chain

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/genmint/genmint/mint/bindings"
)

// InterfaceID is an ERC-165 interface identifier.
type InterfaceID [4]byte

// The interfaces GenmintCollection reports through supportsInterface.
var (
	InterfaceERC165         = InterfaceID{0x01, 0xff, 0xc9, 0xa7}
	InterfaceERC721         = InterfaceID{0x80, 0xac, 0x58, 0xcd}
	InterfaceERC721Metadata = InterfaceID{0x5b, 0x5e, 0x13, 0x9f}
	InterfaceERC2981        = InterfaceID{0x2a, 0x55, 0x20, 0x5a} // royalties
	InterfaceERC4906        = InterfaceID{0x49, 0x06, 0x49, 0x06} // metadata update events
	InterfaceERC7007        = InterfaceID{0x70, 0x2c, 0x55, 0xa6} // AI-generated content; only when Config.AIGC
	// InterfaceCantBeEvil is a16z's ICantBeEvil (getLicenseURI ^ getLicenseName); only when Config.License is set.
	InterfaceCantBeEvil = InterfaceID{0x64, 0x9a, 0x51, 0xa8}
)

// MaxSupplyLimit is the largest supply cap the contract accepts: ids are 31
// bits of the mint cursor, whose top bit is the freeze flag.
const MaxSupplyLimit uint64 = math.MaxInt32 - 1

// DefaultRoyaltyCapBps is the royalty cap when Config.RoyaltyCapBps is 0: 10%.
const DefaultRoyaltyCapBps = 1000

// MaxMintPerTx is a safe quantity for one MintBatch transaction: each token
// costs about 2,000 gas (one Transfer event), and since Osaka (EIP-7825) a
// transaction may use at most 2^24 = 16,777,216 gas. Split larger later mints.
const MaxMintPerTx = 5000

// Royalty is the collection-wide ERC-2981 royalty.
type Royalty struct {
	Receiver common.Address // who is paid; zero with Bps 0 means no royalty
	Bps      uint16         // basis points of the sale price: 500 = 5%, at most 10,000
}

// Config holds the constructor arguments, taken from the collection's facts.
type Config struct {
	Name        string
	Symbol      string
	BaseURI     string         // tokenURI(id) = BaseURI + decimal id; usually "ipfs://<CID>/"
	ContractURI string         // ERC-7572 collection metadata URI (may be empty)
	Owner       common.Address // may mint and change metadata; usually the deploying account
	// InitialHolder receives tokens 1..InitialSupply at deployment; zero means Owner.
	InitialHolder common.Address
	InitialSupply uint64 // items minted by the constructor (0 = mint everything later)
	MaxSupply     uint64 // supply cap, fixed forever; 0 means InitialSupply
	Royalty       Royalty
	// RoyaltyCapBps is the most SetDefaultRoyalty may ever set, fixed at
	// deployment; 0 means DefaultRoyaltyCapBps, or Royalty.Bps when higher.
	RoyaltyCapBps uint16
	AIGC          bool // enable ERC-7007: the owner may record each token's prompt and content hash
	// ProvenanceHash is the Merkle root over the collection (docs/provenance.md),
	// fixed at deployment.
	ProvenanceHash common.Hash
	License        License // a16z ICantBeEvil; zero for none
}

// License is the collection's licence as the contract reports it (a16z's
// ICantBeEvil getLicenseName and getLicenseURI).
type License struct {
	Name string
	URI  string
}

// withDefaults fills InitialHolder and MaxSupply.
func (c Config) withDefaults() Config {
	if c.InitialHolder == (common.Address{}) {
		c.InitialHolder = c.Owner
	}
	if c.MaxSupply == 0 {
		c.MaxSupply = c.InitialSupply
	}
	if c.RoyaltyCapBps == 0 {
		c.RoyaltyCapBps = max(DefaultRoyaltyCapBps, c.Royalty.Bps)
	}
	return c
}

// Validate reports, before any gas is spent, the problems the constructor
// would revert on, as one-line errors that say what to change.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case strings.TrimSpace(c.Name) == "" || strings.TrimSpace(c.Symbol) == "":
		return invalid("collection name and symbol must not be empty: set them in genmint.yaml")
	case !utf8.ValidString(c.Name) || !utf8.ValidString(c.Symbol) || !utf8.ValidString(c.BaseURI) || !utf8.ValidString(c.ContractURI):
		return invalid("collection name, symbol and URIs must be valid UTF-8")
	case c.Owner == (common.Address{}):
		return invalid("the collection owner is the zero address: sign with a keystore account or set the owner")
	case c.MaxSupply == 0:
		return invalid("the supply cap is 0: set a max supply, or mint at least one item")
	case c.MaxSupply > MaxSupplyLimit:
		return invalid("the supply cap %d is above the contract's limit of %d", c.MaxSupply, MaxSupplyLimit)
	case c.InitialSupply > c.MaxSupply:
		return invalid("%d items to mint exceed the supply cap of %d: raise the max supply", c.InitialSupply, c.MaxSupply)
	case c.Royalty.Bps > 10_000:
		return invalid("royalty of %d basis points is above 100%% (10,000)", c.Royalty.Bps)
	case c.Royalty.Bps != 0 && c.Royalty.Receiver == (common.Address{}):
		return invalid("a royalty is set but its receiver is the zero address: set the royalty receiver")
	case c.RoyaltyCapBps > 10_000:
		return invalid("royalty cap of %d basis points is above 100%% (10,000)", c.RoyaltyCapBps)
	case c.Royalty.Bps > c.RoyaltyCapBps:
		return invalid("royalty of %d basis points is above the cap of %d: raise royalty.cap_bps", c.Royalty.Bps, c.RoyaltyCapBps)
	case (c.License.Name == "") != (c.License.URI == ""):
		return invalid("a licence needs both a name and a URL: set license in genmint.yaml")
	case !utf8.ValidString(c.License.Name) || !utf8.ValidString(c.License.URI):
		return invalid("the licence name and URL must be valid UTF-8")
	case len(c.License.Name) > 255:
		return invalid("the licence name is %d bytes, the contract keeps at most 255: shorten license.name", len(c.License.Name))
	}
	return nil
}

// invalidError is a Validate error: its text says what to change, and it
// matches ErrInvalidParameters.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }
func (e *invalidError) Unwrap() error { return ErrInvalidParameters }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// ConstructorArgs returns the contract's constructor argument after defaults.
func (c Config) ConstructorArgs() bindings.GenmintCollectionConfig {
	c = c.withDefaults()
	return bindings.GenmintCollectionConfig{
		Name:            c.Name,
		Symbol:          c.Symbol,
		BaseURI:         c.BaseURI,
		ContractURI:     c.ContractURI,
		Owner:           c.Owner,
		InitialHolder:   c.InitialHolder,
		InitialSupply:   new(big.Int).SetUint64(c.InitialSupply),
		MaxSupply:       new(big.Int).SetUint64(c.MaxSupply),
		RoyaltyReceiver: c.Royalty.Receiver,
		RoyaltyBps:      big.NewInt(int64(c.Royalty.Bps)),
		RoyaltyCapBps:   big.NewInt(int64(c.RoyaltyCapBps)),
		Aigc:            c.AIGC,
		ProvenanceHash:  c.ProvenanceHash,
		LicenseName:     c.License.Name,
		LicenseURI:      c.License.URI,
	}
}

var abiGC = bindings.NewGenmintCollection()

// Deploy validates cfg and sends the deployment transaction. It returns the
// address the contract will have and the transaction, without waiting for it
// to be mined (see WaitMined). When opts.GasLimit is 0 the node estimates gas,
// which also turns a would-be revert into an error here, decoded (see Revert).
func Deploy(ctx context.Context, backend bind.ContractBackend, opts *bind.TransactOpts, cfg Config) (common.Address, *types.Transaction, error) {
	if err := cfg.Validate(); err != nil {
		return common.Address{}, nil, err
	}
	o := withContext(ctx, opts)
	addr, tx, err := bind.DeployContract(o, common.FromHex(bindings.GenmintCollectionMetaData.Bin), backend, abiGC.PackConstructor(cfg.ConstructorArgs()))
	if err != nil {
		return common.Address{}, nil, fmt.Errorf("deploy collection: %w", DecodeRevert(err))
	}
	return addr, tx, nil
}

// ErrReverted is returned (wrapped) by WaitMined for a mined, failed transaction.
var ErrReverted = errors.New("transaction reverted")

// WaitMined polls for tx's receipt every interval (0 means one second) until
// it is mined or ctx ends. A failed transaction returns its receipt and an
// error wrapping ErrReverted; for a deployment it also checks that code exists.
func WaitMined(ctx context.Context, backend bind.DeployBackend, tx *types.Transaction, interval time.Duration) (*types.Receipt, error) {
	if interval <= 0 {
		interval = time.Second
	}
	for {
		r, err := backend.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				return r, fmt.Errorf("%w: %s in block %d (gas used %d of %d)%s", ErrReverted, tx.Hash(), r.BlockNumber, r.GasUsed, tx.Gas(), replayReason(ctx, backend, tx, r))
			}
			if tx.To() == nil {
				code, err := backend.CodeAt(ctx, r.ContractAddress, r.BlockNumber)
				if err != nil {
					return r, fmt.Errorf("check deployed code: %w", err)
				}
				if len(code) == 0 {
					return r, fmt.Errorf("%w: no code at %s after deployment %s", ErrReverted, r.ContractAddress, tx.Hash())
				}
			}
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			return nil, fmt.Errorf("receipt of %s: %w", tx.Hash(), err)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// replayReason re-runs a failed transaction as a call on the state before its
// block, when the backend can make calls, to recover the revert reason. It is
// best effort: transactions earlier in the same block are not replayed.
func replayReason(ctx context.Context, backend bind.DeployBackend, tx *types.Transaction, r *types.Receipt) string {
	caller, ok := backend.(ethereum.ContractCaller)
	if !ok || r.BlockNumber == nil || r.BlockNumber.Sign() == 0 {
		return ""
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil {
		return ""
	}
	msg := ethereum.CallMsg{From: from, To: tx.To(), Gas: tx.Gas(), Value: tx.Value(), Data: tx.Data()}
	_, err = caller.CallContract(ctx, msg, new(big.Int).Sub(r.BlockNumber, big.NewInt(1)))
	if err == nil {
		return ""
	}
	var re *RevertError
	if errors.As(DecodeRevert(err), &re) {
		return ": " + re.Error()
	}
	return ": " + err.Error()
}

// Contract is a deployed GenmintCollection contract, bound to a backend.
type Contract struct {
	addr     common.Address
	backend  bind.ContractBackend
	contract *bind.BoundContract
}

// Open binds a deployed collection. It makes no call.
func Open(backend bind.ContractBackend, addr common.Address) *Contract {
	return &Contract{addr: addr, backend: backend, contract: abiGC.Instance(backend, addr)}
}

// Address is the contract's address.
func (c *Contract) Address() common.Address { return c.addr }

// Info is the collection-wide state.
type Info struct {
	Name, Symbol         string
	Owner                common.Address
	TotalSupply          uint64 // tokens 1..TotalSupply exist
	MaxSupply            uint64
	BaseURI, ContractURI string
	Frozen               bool // freezeMetadata was called: BaseURI is permanent
	AIGC                 bool // ERC-7007 enabled
	Royalty              Royalty
}

// Info reads the collection-wide state (several calls, at one block).
func (c *Contract) Info(ctx context.Context) (Info, error) {
	head, err := c.blockNumber(ctx)
	if err != nil {
		return Info{}, err
	}
	o := &bind.CallOpts{Context: ctx, BlockNumber: head}
	var info Info
	var e error
	get := func(what string, f func() error) {
		if e == nil {
			if err := f(); err != nil {
				e = fmt.Errorf("read %s of collection %s: %w", what, c.addr, DecodeRevert(err))
			}
		}
	}
	get("name", func() (err error) {
		info.Name, err = bind.Call(c.contract, o, abiGC.PackName(), abiGC.UnpackName)
		return
	})
	get("symbol", func() (err error) {
		info.Symbol, err = bind.Call(c.contract, o, abiGC.PackSymbol(), abiGC.UnpackSymbol)
		return
	})
	get("owner", func() (err error) {
		info.Owner, err = bind.Call(c.contract, o, abiGC.PackOwner(), abiGC.UnpackOwner)
		return
	})
	get("totalSupply", func() error {
		v, err := bind.Call(c.contract, o, abiGC.PackTotalSupply(), abiGC.UnpackTotalSupply)
		info.TotalSupply = v.Uint64()
		return err
	})
	get("maxSupply", func() error {
		v, err := bind.Call(c.contract, o, abiGC.PackMaxSupply(), abiGC.UnpackMaxSupply)
		info.MaxSupply = v.Uint64()
		return err
	})
	get("baseURI", func() (err error) {
		info.BaseURI, err = bind.Call(c.contract, o, abiGC.PackBaseURI(), abiGC.UnpackBaseURI)
		return
	})
	get("contractURI", func() (err error) {
		info.ContractURI, err = bind.Call(c.contract, o, abiGC.PackContractURI(), abiGC.UnpackContractURI)
		return
	})
	get("metadataFrozen", func() (err error) {
		info.Frozen, err = bind.Call(c.contract, o, abiGC.PackMetadataFrozen(), abiGC.UnpackMetadataFrozen)
		return
	})
	get("supportsInterface", func() (err error) {
		info.AIGC, err = bind.Call(c.contract, o, abiGC.PackSupportsInterface(InterfaceERC7007), abiGC.UnpackSupportsInterface)
		return
	})
	get("royaltyInfo", func() error {
		// The royalty on a price of 10,000 wei is the rate in basis points.
		r, err := bind.Call(c.contract, o, abiGC.PackRoyaltyInfo(big.NewInt(1), big.NewInt(10_000)), abiGC.UnpackRoyaltyInfo)
		if err == nil {
			info.Royalty = Royalty{Receiver: r.Receiver, Bps: uint16(r.Amount.Uint64())}
		}
		return err
	})
	return info, e
}

func (c *Contract) blockNumber(ctx context.Context) (*big.Int, error) {
	// Pin reads to one block when the backend can say which is the latest.
	type headReader interface {
		BlockNumber(ctx context.Context) (uint64, error)
	}
	if hr, ok := c.backend.(headReader); ok {
		n, err := hr.BlockNumber(ctx)
		if err != nil {
			return nil, fmt.Errorf("read block number: %w", err)
		}
		return new(big.Int).SetUint64(n), nil
	}
	return nil, nil
}

// OwnerOf returns the owner of token id; ErrNonexistentToken (wrapped) if it
// was never minted.
func (c *Contract) OwnerOf(ctx context.Context, id uint64) (common.Address, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackOwnerOf(u(id)), abiGC.UnpackOwnerOf)
	return v, c.readErr("ownerOf", id, err)
}

// BalanceOf returns how many tokens owner holds.
func (c *Contract) BalanceOf(ctx context.Context, owner common.Address) (uint64, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackBalanceOf(owner), abiGC.UnpackBalanceOf)
	if err != nil {
		return 0, fmt.Errorf("read balanceOf %s: %w", owner, DecodeRevert(err))
	}
	return v.Uint64(), nil
}

// TokenURI returns baseURI + id for a minted token.
func (c *Contract) TokenURI(ctx context.Context, id uint64) (string, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackTokenURI(u(id)), abiGC.UnpackTokenURI)
	return v, c.readErr("tokenURI", id, err)
}

// TotalSupply returns the number of minted tokens (ids 1..TotalSupply).
func (c *Contract) TotalSupply(ctx context.Context) (uint64, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackTotalSupply(), abiGC.UnpackTotalSupply)
	if err != nil {
		return 0, fmt.Errorf("read totalSupply: %w", DecodeRevert(err))
	}
	return v.Uint64(), nil
}

// RoyaltyInfo returns the ERC-2981 receiver and amount for a sale of token id
// at salePrice (salePrice × bps / 10,000, rounded down).
func (c *Contract) RoyaltyInfo(ctx context.Context, id uint64, salePrice *big.Int) (common.Address, *big.Int, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackRoyaltyInfo(u(id), salePrice), abiGC.UnpackRoyaltyInfo)
	if err != nil {
		return common.Address{}, nil, c.readErr("royaltyInfo", id, err)
	}
	return v.Receiver, v.Amount, nil
}

// SupportsInterface asks the contract (ERC-165).
func (c *Contract) SupportsInterface(ctx context.Context, id InterfaceID) (bool, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackSupportsInterface(id), abiGC.UnpackSupportsInterface)
	if err != nil {
		return false, fmt.Errorf("read supportsInterface %x: %w", id, DecodeRevert(err))
	}
	return v, nil
}

// AigcData returns the ERC-7007 prompt and content hash recorded for token id
// (both empty when none was recorded).
func (c *Contract) AigcData(ctx context.Context, id uint64) (prompt, aigcData []byte, err error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackAigcDataOf(u(id)), abiGC.UnpackAigcDataOf)
	if err != nil {
		return nil, nil, c.readErr("aigcDataOf", id, err)
	}
	return v.Prompt, v.AigcData, nil
}

// VerifyAigc calls ERC-7007 verify with the proof genmint uses: the token id,
// ABI-encoded. True when token id's recorded prompt and content hash are these.
func (c *Contract) VerifyAigc(ctx context.Context, id uint64, prompt, aigcData []byte) (bool, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackVerify(prompt, aigcData, AigcProof(id)), abiGC.UnpackVerify)
	if err != nil {
		return false, c.readErr("verify", id, err)
	}
	return v, nil
}

// AigcProof is the ERC-7007 proof argument genmint passes: abi.encode(uint256 id).
func AigcProof(id uint64) []byte {
	return common.LeftPadBytes(new(big.Int).SetUint64(id).Bytes(), 32)
}

// ProvenanceHash returns the Merkle root the collection committed to at deployment.
func (c *Contract) ProvenanceHash(ctx context.Context) (common.Hash, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackProvenanceHash(), abiGC.UnpackProvenanceHash)
	if err != nil {
		return common.Hash{}, fmt.Errorf("read provenanceHash of collection %s: %w", c.addr, DecodeRevert(err))
	}
	return v, nil
}

// License returns the licence the contract reports (a16z ICantBeEvil); zero when none.
func (c *Contract) License(ctx context.Context) (License, error) {
	var l License
	var err error
	if l.Name, err = bind.Call(c.contract, c.call(ctx), abiGC.PackGetLicenseName(), abiGC.UnpackGetLicenseName); err != nil {
		return License{}, fmt.Errorf("read getLicenseName of collection %s: %w", c.addr, DecodeRevert(err))
	}
	if l.URI, err = bind.Call(c.contract, c.call(ctx), abiGC.PackGetLicenseURI(), abiGC.UnpackGetLicenseURI); err != nil {
		return License{}, fmt.Errorf("read getLicenseURI of collection %s: %w", c.addr, DecodeRevert(err))
	}
	return l, nil
}

// RoyaltyCap returns the most SetDefaultRoyalty accepts, in basis points.
func (c *Contract) RoyaltyCap(ctx context.Context) (uint16, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackDefaultRoyaltyCapBps(), abiGC.UnpackDefaultRoyaltyCapBps)
	if err != nil {
		return 0, fmt.Errorf("read defaultRoyaltyCapBps of collection %s: %w", c.addr, DecodeRevert(err))
	}
	return uint16(v.Uint64()), nil
}

// PendingOwner returns the account TransferOwnership named, until it accepts.
func (c *Contract) PendingOwner(ctx context.Context) (common.Address, error) {
	v, err := bind.Call(c.contract, c.call(ctx), abiGC.PackPendingOwner(), abiGC.UnpackPendingOwner)
	if err != nil {
		return common.Address{}, fmt.Errorf("read pendingOwner of collection %s: %w", c.addr, DecodeRevert(err))
	}
	return v, nil
}

// SetDefaultRoyalty sets every token's ERC-2981 royalty (receiver zero with 0
// bps removes it). Owner only; ErrRoyaltyAboveCap above RoyaltyCap.
func (c *Contract) SetDefaultRoyalty(ctx context.Context, opts *bind.TransactOpts, r Royalty) (*types.Transaction, error) {
	return c.transact(ctx, opts, "setDefaultRoyalty", abiGC.PackSetDefaultRoyalty(r.Receiver, big.NewInt(int64(r.Bps))))
}

// TransferOwnership names the pending owner (two-step: it must AcceptOwnership).
// Owner only; the zero address cancels a pending transfer.
func (c *Contract) TransferOwnership(ctx context.Context, opts *bind.TransactOpts, to common.Address) (*types.Transaction, error) {
	return c.transact(ctx, opts, "transferOwnership", abiGC.PackTransferOwnership(to))
}

// AcceptOwnership makes the pending owner (opts.From) the owner.
func (c *Contract) AcceptOwnership(ctx context.Context, opts *bind.TransactOpts) (*types.Transaction, error) {
	return c.transact(ctx, opts, "acceptOwnership", abiGC.PackAcceptOwnership())
}

// RenounceOwnership leaves the collection ownerless for good; ErrNotFrozen
// before FreezeMetadata.
func (c *Contract) RenounceOwnership(ctx context.Context, opts *bind.TransactOpts) (*types.Transaction, error) {
	return c.transact(ctx, opts, "renounceOwnership", abiGC.PackRenounceOwnership())
}

// EmitPermanentURIs emits OpenSea's PermanentURI event for tokens first..last
// of a frozen collection. Owner only; ErrNotFrozen before FreezeMetadata.
func (c *Contract) EmitPermanentURIs(ctx context.Context, opts *bind.TransactOpts, first, last uint64) (*types.Transaction, error) {
	return c.transact(ctx, opts, "emitPermanentURIs", abiGC.PackEmitPermanentURIs(u(first), u(last)))
}

// MintBatch mints quantity new tokens to `to` (ids TotalSupply()+1 onwards).
// Owner only; reverts beyond MaxSupply. Keep quantity at or below
// MaxMintPerTx. Like ERC721A's _mint it does not call onERC721Received.
func (c *Contract) MintBatch(ctx context.Context, opts *bind.TransactOpts, to common.Address, quantity uint64) (*types.Transaction, error) {
	return c.transact(ctx, opts, "mintBatch", abiGC.PackMintBatch(to, u(quantity)))
}

// SetBaseURI changes every token's URI prefix (a reveal); emits ERC-4906
// BatchMetadataUpdate. Owner only; fails with ErrMetadataFrozen once frozen.
func (c *Contract) SetBaseURI(ctx context.Context, opts *bind.TransactOpts, baseURI string) (*types.Transaction, error) {
	return c.transact(ctx, opts, "setBaseURI", abiGC.PackSetBaseURI(baseURI))
}

// FreezeMetadata makes the collection final: no baseURI, contract URI or
// ERC-7007 change and no mint after it. One-way. Owner only.
func (c *Contract) FreezeMetadata(ctx context.Context, opts *bind.TransactOpts) (*types.Transaction, error) {
	return c.transact(ctx, opts, "freezeMetadata", abiGC.PackFreezeMetadata())
}

// SetContractURI changes the ERC-7572 contract metadata URI. Owner only.
func (c *Contract) SetContractURI(ctx context.Context, opts *bind.TransactOpts, uri string) (*types.Transaction, error) {
	return c.transact(ctx, opts, "setContractURI", abiGC.PackSetContractURI(uri))
}

// AddAigcData records token id's prompt and content hash (ERC-7007), once,
// with AigcProof(id) as the proof. Owner only; needs Config.AIGC.
func (c *Contract) AddAigcData(ctx context.Context, opts *bind.TransactOpts, id uint64, prompt, contentHash []byte) (*types.Transaction, error) {
	return c.transact(ctx, opts, "addAigcData", abiGC.PackAddAigcData(u(id), prompt, contentHash, AigcProof(id)))
}

func (c *Contract) transact(ctx context.Context, opts *bind.TransactOpts, what string, data []byte) (*types.Transaction, error) {
	tx, err := bind.Transact(c.contract, withContext(ctx, opts), data)
	if err != nil {
		return nil, fmt.Errorf("%s on collection %s: %w", what, c.addr, DecodeRevert(err))
	}
	return tx, nil
}

func (c *Contract) call(ctx context.Context) *bind.CallOpts { return &bind.CallOpts{Context: ctx} }

func (c *Contract) readErr(what string, id uint64, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("read %s(%d) of collection %s: %w", what, id, c.addr, DecodeRevert(err))
}

func withContext(ctx context.Context, opts *bind.TransactOpts) *bind.TransactOpts {
	o := *opts
	o.Context = ctx
	return &o
}

func u(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
