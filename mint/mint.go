// Package mint puts a pinned collection on chain, exactly once.
//
// Run, in the order the chain needs it:
//
//  1. checks that the node's chain id is the spec's network;
//  2. reconciles every transaction an earlier run journalled but did not see
//     settle (mined, reverted, still pending, lost, or replaced by another
//     transaction with the same nonce) before it sends anything new;
//  3. plans what is left: deploy the collection when it has no contract yet
//     (its constructor mints pinned items 1..N in one ERC-2309 range), else
//     setBaseURI when the pinned baseURI changed, then mintBatch for items
//     pinned since, in batches sized from a gas estimate to stay well under
//     the block gas limit;
//  4. sends one transaction at a time: estimate gas, EIP-1559 fees from the
//     node capped by MaxFeePerGas, check the balance, sign, commit the signed
//     bytes to the journal, broadcast, wait for the receipt and the
//     confirmations, replace it with a higher fee when it is stuck;
//  5. after each receipt, checks totalSupply and ownerOf on chain, then
//     records each item's token and transaction and moves it pinned → minted.
//
// Crash safety rests on one rule: a signed transaction is in the state
// database before any node sees it, and a transaction's effect is recorded
// only from its receipt. A killed run therefore leaves at most one open
// action (one nonce, possibly several fee-bumped signatures of it, of which at
// most one can ever be mined), which the next run settles before planning.
// Token ids equal item ids, so the chain's totalSupply must always equal the
// number of items recorded minted; Run refuses to send when it does not.
//
// The chain is reached through Backend, go-ethereum's own bind interfaces, so
// a real node (ethclient), anvil and the in-process simulated backend are
// interchangeable. Signing goes through a *bind.TransactOpts signer (the
// keystore's, see mint/wallet).
package mint

import (
	"context"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// Backend is the chain Run writes to: go-ethereum's contract backend plus the
// account and block reads reconciliation needs. Calls must honour ctx; none is
// retried here (a failed read stops the run, and the journal makes re-running
// safe). SendTransaction of a transaction the node already has may fail with
// "already known", which Run treats as success.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
	ethereum.ChainIDReader
	ethereum.BlockNumberReader
	// NonceAt is the account's nonce at a block (nil: the latest).
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	// BalanceAt is the account's balance at a block (nil: the latest).
	BalanceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (*big.Int, error)
}

var (
	_ Backend = (*ethclient.Client)(nil)
	_ Backend = simulated.Client(nil)
)

// Point names a moment in Run at which a test may crash the process (see
// Options.Hook).
type Point string

// Crash points, in the order one transaction reaches them.
const (
	PointBeforeSign     Point = "before-sign"     // gas and fees known, nothing signed
	PointAfterJournal   Point = "after-journal"   // signed and committed, not broadcast
	PointAfterBroadcast Point = "after-broadcast" // broadcast, not yet recorded as sent
	PointWaitingReceipt Point = "waiting-receipt" // waiting for the receipt
	PointAfterReceipt   Point = "after-receipt"   // receipt seen, nothing recorded yet
)

// Points lists every crash point.
var Points = []Point{PointBeforeSign, PointAfterJournal, PointAfterBroadcast, PointWaitingReceipt, PointAfterReceipt}

// Options are Run's inputs.
type Options struct {
	// DB is the collection's state; the caller holds the collection lock.
	DB *state.DB
	// Backend is the chain.
	Backend Backend
	// Signer signs as the collection owner: only From and Signer are used
	// (bind.NewKeyStoreTransactor). Run sets nonces, gas and fees itself.
	Signer *bind.TransactOpts
	// Network is the chain the spec names; the Backend must answer its id.
	Network spec.Network
	// Collection is the collection's facts its contract is deployed with.
	Collection ContractFacts
	// Pin is the pin run whose baseURI and contractURI are minted with; nil
	// reads the latest completed one.
	Pin *pin.Record
	// Recipient receives the tokens; zero means the signer.
	Recipient common.Address
	// NoERC2309 deploys the contract empty and mints every token with
	// mintBatch (one Transfer event per token), for indexers that do not
	// read ERC-2309 ConsecutiveTransfer. It costs about 2,000 gas per token.
	NoERC2309 bool
	// MaxFeePerGas caps every transaction's fee per gas (wei); nil means no
	// cap. No signed transaction ever exceeds it.
	MaxFeePerGas *big.Int
	// Confirmations is how many blocks (the receipt's included) must exist
	// before a transaction counts as final; 0 means 1.
	Confirmations uint64
	// StuckAfter is how long a transaction may wait for its receipt before
	// it is replaced with a higher fee; 0 means DefaultStuckAfter.
	StuckAfter time.Duration
	// Poll is how often receipts are polled; 0 means DefaultPoll.
	Poll time.Duration
	// BatchSize caps the tokens per mintBatch; 0 sizes batches from a gas
	// estimate alone.
	BatchSize int
	// Confirm, when set, is called once with the cost estimate of the plan
	// before the first new transaction; an error stops the run before
	// anything is sent.
	Confirm func(ctx context.Context, e Estimate) error
	// Progress, when set, hears what Run does. It must not block.
	Progress func(Event)
	// Action, when set, sends that owner transaction instead of minting.
	Action *Action
	// Hook, when set, is called at each Point (tests crash the process here).
	Hook func(Point)
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	// Dir is the collection folder. With it, the deployment record
	// deployments/<network>.json is read and written there, and before a
	// deploy, setBaseURI or setContractURI the pinned files are re-hashed
	// and compared with the pin record (with Metadata). "" means the folder
	// DB lives in (<dir>/.genmint/state.db).
	Dir string
	// Metadata is genmint.yaml's collection facts the token metadata is
	// rebuilt with before anything is published (see Dir).
	Metadata *pin.MetadataFacts
	// Node names the node in messages (the --rpc URL, any key redacted).
	Node string
	// NewDeployment deploys a new contract although deployments/<network>.json
	// records one; the old record is kept as
	// deployments/<network>.<block hash>.json.
	NewDeployment bool
	// MaxReplacements bounds how often one transaction is replaced with a
	// higher fee; 0 means DefaultMaxReplacements.
	MaxReplacements int

	// unchecked runs as genmint did before chain identity (no identity
	// check, none recorded): the benchmark's reference, never set otherwise.
	unchecked bool
	// folderless skips a reveal's re-derivation from the folder: for the
	// unit tests' collections, which have no files; never set otherwise.
	folderless bool
}

// Defaults for Options.
const (
	DefaultStuckAfter = 3 * time.Minute
	DefaultPoll       = 2 * time.Second
	// DefaultMaxReplacements: after this many fee bumps of one transaction
	// the run stops with ErrStuck (the journal keeps it; re-run later).
	DefaultMaxReplacements = 10
)

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventPlanned       EventKind = "planned"        // Estimate: what this run will send, and its cost
	EventSigned        EventKind = "signed"         // Tx was signed and journalled
	EventSent          EventKind = "sent"           // Tx was broadcast
	EventRebroadcast   EventKind = "rebroadcast"    // a journalled Tx the node did not have was sent again, byte-identical
	EventPending       EventKind = "pending"        // a journalled Tx from an earlier run is still pending
	EventReplaced      EventKind = "replaced"       // Tx was stuck and replaced by a higher-fee one (New)
	EventFeeCapped     EventKind = "fee-capped"     // Tx is stuck, and a replacement would exceed MaxFeePerGas: waiting
	EventMined         EventKind = "mined"          // Tx was mined, confirmed and checked; its items are minted
	EventDropped       EventKind = "dropped"        // Tx's nonce was used by a transaction genmint did not send; it will be re-planned
	EventNewDeployment EventKind = "new-deployment" // NewDeployment: Record is the old deployment, moved to Path
)

// Event is one step of a run, for progress output.
type Event struct {
	Kind     EventKind
	Tx       TxRecord
	New      *TxRecord // the replacement, for EventReplaced
	Estimate *Estimate // for EventPlanned
	// Minted and Total count tokens minted so far and in all (EventMined).
	Minted, Total int
	// Record and Path: the deployment record moved aside (EventNewDeployment).
	Record *DeploymentRecord
	Path   string
}

// Result is what Run did.
type Result struct {
	Network  spec.Network   `json:"network"`
	Contract common.Address `json:"contract"`
	Owner    common.Address `json:"owner"`
	// Deployed is true when this run deployed the contract.
	Deployed bool `json:"deployed"`
	// Minted counts items this run moved to minted; Total all minted items.
	Minted int `json:"minted"`
	Total  int `json:"total_minted"`
	// Txs are the transactions settled during this run (including ones an
	// earlier run sent), in order.
	Txs []TxRecord `json:"transactions"`
	// GasUsed and FeesWei sum Txs that were mined.
	GasUsed uint64   `json:"gas_used"`
	FeesWei *big.Int `json:"fees_wei"`
}
