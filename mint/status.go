package mint

import (
	"context"

	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/state"
)

// Status is the collection's minting as the journal records it (no chain is
// read): the deployment, each minted item's token and transaction, and
// every transaction genmint signed.
type Status struct {
	Deployment *Deployment   `json:"deployment,omitempty"`
	Tokens     map[int]Token `json:"-"`
	Txs        []TxRecord    `json:"transactions"`
	// Open counts transactions whose outcome is not known yet (a run was
	// interrupted): the next `genmint mint` settles them first.
	Open int `json:"open"`
	// Record is the deployment's chain identity (nil for a journal older
	// than chain identity, or when nothing is deployed).
	Record *DeploymentRecord `json:"record,omitempty"`
}

// ReadStatus reads the journal. A collection never minted has an empty one.
func ReadStatus(ctx context.Context, db *state.DB) (*Status, error) {
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	j := &journal{db: db}
	s := &Status{}
	var err error
	if s.Deployment, err = j.deployment(ctx); err != nil {
		return nil, err
	}
	if s.Deployment != nil {
		if s.Record, err = j.record(ctx, s.Deployment.ChainID); err != nil {
			return nil, err
		}
	}
	if s.Tokens, err = j.tokens(ctx); err != nil {
		return nil, err
	}
	if s.Txs, err = j.all(ctx); err != nil {
		return nil, err
	}
	for _, t := range s.Txs {
		if t.Status.open() {
			s.Open++
		}
	}
	return s, nil
}

// Deployment is the collection's contract as the journal knows it.
type Deployment struct {
	ChainID  uint64         `json:"chain_id"`
	Contract common.Address `json:"contract"`
	Owner    common.Address `json:"owner"` // the account that deployed it
	TxHash   common.Hash    `json:"tx_hash"`
	Block    uint64         `json:"block"`
	// InitialSupply is how many tokens its constructor minted (ids 1..InitialSupply).
	InitialSupply uint64 `json:"initial_supply"`
}

// Token is one minted item, as recorded.
type Token struct {
	ItemID   int            `json:"item_id"`
	TokenID  uint64         `json:"token_id"`
	ChainID  uint64         `json:"chain_id"`
	Contract common.Address `json:"contract"`
	Owner    common.Address `json:"owner"`
	TxHash   common.Hash    `json:"tx_hash"`
	Block    uint64         `json:"block"`
}
