package verify

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/mint/chain"
)

// Chain reads a deployed collection: the first link of the chain of trust.
// OpenChain adapts mint/chain's Contract, which runs over go-ethereum's
// bind.ContractBackend (ethclient for --rpc, the simulated backend in tests).
//
// Contract:
//   - Reads only; safe for concurrent use; ctx first, and a call returns
//     promptly when ctx ends.
//   - A token that was never minted fails TokenURI, OwnerOf and AIGC with
//     an error wrapping chain.ErrNonexistentToken: a failure of that token.
//     Every other error (the node is unreachable, answers garbage, the
//     address holds another contract) stops verification.
//   - No retries inside.
type Chain interface {
	// Source names the collection for messages and the report,
	// e.g. "contract 0x… via http://127.0.0.1:8545".
	Source() string
	// Address is the contract's address.
	Address() common.Address
	// TotalSupply is the number of tokens minted: ids 1..TotalSupply.
	TotalSupply(ctx context.Context) (uint64, error)
	TokenURI(ctx context.Context, id uint64) (string, error)
	OwnerOf(ctx context.Context, id uint64) (common.Address, error)
	// AIGC returns the ERC-7007 record of token id. Enabled is false when
	// the contract does not support ERC-7007 (then nothing else is read).
	AIGC(ctx context.Context, id uint64) (AIGC, error)
	// VerifyAIGC asks the contract's ERC-7007 verify whether prompt and
	// data are what token id recorded.
	VerifyAIGC(ctx context.Context, id uint64, prompt, data []byte) (bool, error)
}

// AIGC is a token's ERC-7007 record on chain.
type AIGC struct {
	Enabled bool   // the contract supports ERC-7007
	Prompt  []byte // empty when nothing was recorded for the token
	Data    []byte // the content hash recorded (aigcData)
}

// ContractChain is the Chain over a deployed GenmintCollection (a
// mint/chain Contract).
type ContractChain struct {
	c       *chain.Contract
	backend bind.ContractBackend
	source  string
	close   func()

	once    sync.Once
	enabled bool
	err     error
}

var _ Chain = (*ContractChain)(nil)

// OpenChain binds the collection at addr on backend. via names the endpoint
// for messages (e.g. the RPC URL); close, when set, is called by Close.
// It makes no call.
func OpenChain(backend bind.ContractBackend, addr common.Address, via string, close func()) *ContractChain {
	src := "contract " + addr.Hex()
	if via != "" {
		src += " via " + via
	}
	return &ContractChain{c: chain.Open(backend, addr), backend: backend, source: src, close: close}
}

// Source implements Chain.
func (c *ContractChain) Source() string { return c.source }

// Address implements Chain.
func (c *ContractChain) Address() common.Address { return c.c.Address() }

// TotalSupply implements Chain.
func (c *ContractChain) TotalSupply(ctx context.Context) (uint64, error) {
	return c.c.TotalSupply(ctx)
}

// TokenURI implements Chain.
func (c *ContractChain) TokenURI(ctx context.Context, id uint64) (string, error) {
	return c.c.TokenURI(ctx, id)
}

// OwnerOf implements Chain.
func (c *ContractChain) OwnerOf(ctx context.Context, id uint64) (common.Address, error) {
	return c.c.OwnerOf(ctx, id)
}

// AIGC implements Chain: supportsInterface(ERC-7007) once, then aigcDataOf.
func (c *ContractChain) AIGC(ctx context.Context, id uint64) (AIGC, error) {
	c.once.Do(func() { c.enabled, c.err = c.c.SupportsInterface(ctx, chain.InterfaceERC7007) })
	if c.err != nil {
		return AIGC{}, c.err
	}
	if !c.enabled {
		return AIGC{}, nil
	}
	p, d, err := c.c.AigcData(ctx, id)
	if err != nil {
		return AIGC{}, err
	}
	return AIGC{Enabled: true, Prompt: p, Data: d}, nil
}

// VerifyAIGC implements Chain.
func (c *ContractChain) VerifyAIGC(ctx context.Context, id uint64, prompt, data []byte) (bool, error) {
	return c.c.VerifyAigc(ctx, id, prompt, data)
}

// Close releases the connection, if OpenChain was given a close func.
func (c *ContractChain) Close() error {
	if c.close != nil {
		c.close()
	}
	return nil
}

// isNoToken reports whether err says the token was never minted.
func isNoToken(err error) bool { return errors.Is(err, chain.ErrNonexistentToken) }

// chainError is the one line for a chain read that stops verification.
func chainError(src string, err error) error {
	if reason, ok := neterr.Unreachable(err); ok {
		return unavailable(err, "cannot reach the chain (%s, %s): check --rpc", src, reason)
	}
	return fmt.Errorf("%s: %w", src, bareError(err))
}
