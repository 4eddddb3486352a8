package mint

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/dustin/go-humanize"
	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/chain"
)

// Sentinels callers branch on (match with errors.Is). Every error Run returns
// is one line that says what to do next.
var (
	// ErrWrongChain: the node serves another chain than the spec's network.
	ErrWrongChain = errors.New("wrong chain")
	// ErrOtherChain: the collection was deployed on another chain.
	ErrOtherChain = errors.New("the collection is deployed on another chain")
	// ErrNothingPinned: no item is pinned or minted.
	ErrNothingPinned = errors.New("nothing to mint: no item is pinned yet: run 'genmint pin'")
	// ErrNotContiguous: the items to mint are not the next token ids.
	ErrNotContiguous = errors.New("the items to mint are not the next token ids")
	// ErrSupplyMismatch: the chain and the state disagree on what is minted.
	ErrSupplyMismatch = errors.New("the chain and the state disagree on what is minted")
	// ErrInsufficientFunds: the account cannot pay for the next transaction.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrFeeCap: the network's base fee is above MaxFeePerGas.
	ErrFeeCap = errors.New("the network's fees are above the cap")
	// ErrDeclined: Options.Confirm said no.
	ErrDeclined = errors.New("declined")
	// ErrNotOwner: the signer does not own the deployed collection, found
	// before sending or from the contract's revert (chain's sentinel, so one
	// errors.Is matches both).
	ErrNotOwner = chain.ErrNotOwner
	// ErrStuck: a transaction was replaced MaxReplacements times and is
	// still not mined.
	ErrStuck = errors.New("transaction stuck")
	// ErrChanged: a file or the pin record changed since pinning; nothing
	// is published until they agree.
	ErrChanged = errors.New("the collection changed since it was pinned")
	// ErrNoEIP1559: the chain has no base fee.
	ErrNoEIP1559 = errors.New("the chain does not support EIP-1559 fees")
)

// InsufficientFundsError says how much the next transaction needs.
type InsufficientFundsError struct {
	Account common.Address
	Network string
	What    string   // e.g. "deploying the collection"
	Have    *big.Int // balance, wei
	Need    *big.Int // gas × max fee per gas, wei
	Gas     uint64
	MaxFee  *big.Int // wei per gas
}

func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("insufficient funds: %s has %s ETH on %s; %s needs up to %s ETH (%s gas at up to %s gwei): send at least %s ETH to it and re-run",
		e.Account.Hex(), FormatETH(e.Have), e.Network, e.What, FormatETH(e.Need), humanize.Comma(int64(e.Gas)), FormatGwei(e.MaxFee),
		FormatETH(new(big.Int).Sub(e.Need, e.Have)))
}

func (e *InsufficientFundsError) Unwrap() error { return ErrInsufficientFunds }
