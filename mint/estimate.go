package mint

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/genmint/genmint/spec"
)

// Estimate is the cost of what a run is about to send (its plan, see
// planned), estimated before anything is signed, for Options.Confirm.
type Estimate struct {
	Network  spec.Network   `json:"network"`
	From     common.Address `json:"from"`
	Contract common.Address `json:"contract"` // the collection (to be deployed at this address when Deploy)
	Deploy   bool           `json:"deploy"`
	// SetBaseURI is the new baseURI, when the pinned one changed.
	SetBaseURI string `json:"set_base_uri,omitempty"`
	// SetContractURI is the new contractURI, when the pinned one changed.
	SetContractURI string `json:"set_contract_uri,omitempty"`
	Tokens         int    `json:"tokens"` // tokens this run mints
	Txs            int    `json:"transactions"`
	Gas            uint64 `json:"gas"` // estimated on the simulated chain at mainnet's rules
	// Fees per gas (wei) now: the base fee, the tip, and the most any
	// transaction will pay (2 × base + tip, capped by MaxFeePerGas).
	BaseFee      *big.Int `json:"base_fee_wei"`
	Tip          *big.Int `json:"tip_wei"`
	MaxFeePerGas *big.Int `json:"max_fee_per_gas_wei"`
	// ExpectedCost is Gas × (base fee + tip); MaxCost Gas × MaxFeePerGas.
	ExpectedCost *big.Int `json:"expected_cost_wei"`
	MaxCost      *big.Int `json:"max_cost_wei"`
}

// estimate prices a plan for Options.Confirm: gas from a simulation, fees
// from the node.
func (r *runner) estimate(ctx context.Context, p *planned) (*Estimate, error) {
	txs, err := simulate(ctx, p, r.recipient(), r.o.BatchSize)
	if err != nil {
		return nil, err
	}
	est := &Estimate{Network: r.o.Network, From: r.from, Contract: p.contract}
	for _, t := range txs {
		est.Gas += t.Gas
		est.Txs++
		switch t.Kind {
		case KindDeploy:
			est.Deploy = true
		case KindSetBaseURI:
			est.SetBaseURI = p.baseURI
			for _, st := range p.steps {
				if st.kind == KindSetBaseURI {
					est.SetBaseURI = st.uri // before a reveal, the placeholder folder
				}
			}
		case KindSetContractURI:
			est.SetContractURI = p.contractURI
		}
		if t.Last > 0 {
			est.Tokens += int(t.Last - t.First + 1)
		}
	}
	if est.Deploy {
		n, err := r.nextNonce(ctx)
		if err != nil {
			return nil, err
		}
		est.Contract = crypto.CreateAddress(r.from, n)
	}
	tip, maxFee, err := fees(ctx, r.b, r.o.MaxFeePerGas)
	if err != nil {
		return nil, err
	}
	head, err := r.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read the latest block: %w", err)
	}
	gas := new(big.Int).SetUint64(est.Gas)
	est.BaseFee, est.Tip, est.MaxFeePerGas = head.BaseFee, tip, maxFee
	est.ExpectedCost = new(big.Int).Mul(gas, new(big.Int).Add(head.BaseFee, tip))
	if est.ExpectedCost.Cmp(new(big.Int).Mul(gas, maxFee)) > 0 {
		est.ExpectedCost = new(big.Int).Mul(gas, maxFee)
	}
	est.MaxCost = new(big.Int).Mul(gas, maxFee)
	return est, nil
}
