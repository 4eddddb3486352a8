package mint

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// DryRunOptions are DryRun's inputs.
type DryRunOptions struct {
	DB         *state.DB
	Collection ContractFacts
	Pin        *pin.Record // nil: the latest completed pin run
	Network    spec.Network
	// From is the account that would deploy (zero: a throwaway one); for a
	// deployed collection, its owner is used.
	From      common.Address
	Recipient common.Address
	NoERC2309 bool
	BatchSize int
	// Live, when set, is the real network: a deployed collection is read
	// from it, and the cost uses its current fees. A dry run of a collection
	// already deployed needs it.
	Live Backend
	// GasPrice, when set, prices the gas instead of Live's fees (wei per gas).
	GasPrice *big.Int
}

// DryRunResult is what a real run would send and cost.
type DryRunResult struct {
	Network  spec.Network   `json:"network"`
	Contract common.Address `json:"contract,omitempty"` // the deployed collection, if any
	Deploy   bool           `json:"deploy"`
	Tokens   int            `json:"tokens"`
	Txs      []SimTx        `json:"transactions"`
	Gas      uint64         `json:"gas_used"`
	// FeePerGas prices the gas (wei): GasPrice, or the live base fee plus
	// tip; nil when neither was available. Cost is Gas × FeePerGas.
	FeePerGas *big.Int `json:"fee_per_gas_wei,omitempty"`
	FeeSource string   `json:"fee_source,omitempty"` // "gas-price", "network"
	Cost      *big.Int `json:"cost_wei,omitempty"`
}

// ErrDryRunNeedsRPC: a deployed collection's dry run reads the chain.
var ErrDryRunNeedsRPC = errors.New("the collection is deployed: a dry run of the rest reads it from the chain: pass --rpc URL")

// DryRun plans the next real run exactly as Run would, executes it on the
// in-process simulated chain at mainnet's rules with a throwaway key, and
// prices the gas it used. It sends nothing to any network and changes no
// state (beyond creating mint's empty tables).
func DryRun(ctx context.Context, o DryRunOptions) (*DryRunResult, error) {
	if err := Migrate(ctx, o.DB); err != nil {
		return nil, err
	}
	j := &journal{db: o.DB}
	dep, err := j.deployment(ctx)
	if err != nil {
		return nil, err
	}
	if dep != nil {
		pinned, err := o.DB.Items(ctx, state.Query{Statuses: []state.Status{state.Pinned}})
		if err != nil {
			return nil, err
		}
		if len(pinned) == 0 {
			return &DryRunResult{Network: o.Network, Contract: dep.Contract, Txs: []SimTx{}}, nil
		}
		if o.Live == nil {
			return nil, ErrDryRunNeedsRPC
		}
	}
	from := o.From
	if dep != nil {
		from = dep.Owner
	}
	if from == (common.Address{}) {
		from = SimulatedAccount()
	}
	if o.Live != nil {
		id, err := o.Live.ChainID(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the node's chain id: %w", err)
		}
		if err := CheckChain(id.Uint64(), o.Network, ""); err != nil {
			return nil, err
		}
	}
	r := &runner{o: Options{DB: o.DB, Backend: o.Live, Collection: o.Collection, Pin: o.Pin, Recipient: o.Recipient,
		NoERC2309: o.NoERC2309, BatchSize: o.BatchSize, Network: o.Network}, b: o.Live, j: j, from: from}
	p, err := r.plan(ctx)
	if err != nil {
		return nil, err
	}
	res := &DryRunResult{Network: o.Network, Contract: p.contract}
	if res.Txs, err = simulate(ctx, p, r.recipient(), o.BatchSize); err != nil {
		return nil, err
	}
	for _, t := range res.Txs {
		res.Gas += t.Gas
		if t.Kind == KindDeploy {
			res.Deploy = true
		}
		if t.Last > 0 {
			res.Tokens += int(t.Last - t.First + 1)
		}
	}
	switch {
	case o.GasPrice != nil:
		res.FeePerGas, res.FeeSource = o.GasPrice, "gas-price"
	case o.Live != nil:
		tip, _, err := fees(ctx, o.Live, nil)
		if err != nil {
			return nil, err
		}
		head, err := o.Live.HeaderByNumber(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("read the latest block: %w", err)
		}
		res.FeePerGas, res.FeeSource = new(big.Int).Add(head.BaseFee, tip), "network"
	}
	if res.FeePerGas != nil {
		res.Cost = new(big.Int).Mul(res.FeePerGas, new(big.Int).SetUint64(res.Gas))
	}
	return res, nil
}
