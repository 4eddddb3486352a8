package mint

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"

	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/spec"
)

// SimulatedNetwork is the in-process chain `genmint mint --dry-run` and
// `genmint demo` use.
var SimulatedNetwork = spec.Network{Name: "simulated", ChainID: 1337, Test: true}

// simulatedKey is the throwaway account funded on every simulated chain. It
// is public knowledge (derived from a fixed phrase) and worthless: never use
// it on a real network.
var simulatedKey = func() *ecdsa.PrivateKey {
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte("genmint simulated chain: a throwaway key, worthless anywhere else")))
	if err != nil {
		panic(err)
	}
	return k
}()

// SimulatedSigner signs as the simulated chain's funded throwaway account.
func SimulatedSigner() *bind.TransactOpts {
	return bind.NewKeyedTransactor(simulatedKey, new(big.Int).SetUint64(SimulatedNetwork.ChainID))
}

// SimulatedAccount is the simulated chain's funded throwaway account.
func SimulatedAccount() common.Address { return crypto.PubkeyToAddress(simulatedKey.PublicKey) }

// Simulated is an in-process go-ethereum chain (the simulated backend) with
// mainnet's current fork rules (Osaka: the gas schedule and EIP-7825's
// per-transaction gas cap) and its 60M block gas limit, which mines a block
// after every transaction it accepts, like anvil. Gas used on it is what
// mainnet would charge. It implements Backend.
type Simulated struct {
	simulated.Client
	sim *simulated.Backend
	mu  sync.Mutex
}

// NewSimulated starts a simulated chain. SimulatedAccount and the funded
// addresses hold 10^9 ETH each. Close it when done.
func NewSimulated(funded ...common.Address) *Simulated {
	return NewSimulatedWith(nil, funded...)
}

// NewSimulatedWith is NewSimulated with extra go-ethereum options (tests:
// simulated.WithMinerMinTip, a smaller block gas limit).
func NewSimulatedWith(options []func(*node.Config, *ethconfig.Config), funded ...common.Address) *Simulated {
	rich := new(big.Int).Mul(big.NewInt(1_000_000_000), big.NewInt(params.Ether))
	alloc := types.GenesisAlloc{SimulatedAccount(): {Balance: rich}}
	for _, a := range funded {
		alloc[a] = types.Account{Balance: rich}
	}
	opts := append([]func(*node.Config, *ethconfig.Config){func(_ *node.Config, ec *ethconfig.Config) {
		// The dev config enables forks mainnet does not run yet (Bogota),
		// with other gas costs: stop at Osaka, mainnet's current rules.
		cfg := *ec.Genesis.Config
		cfg.BogotaTime, cfg.AmsterdamTime, cfg.UBTTime = nil, nil, nil
		ec.Genesis.Config = &cfg
	}, simulated.WithBlockGasLimit(60_000_000)}, options...)
	sim := simulated.NewBackend(alloc, opts...)
	return &Simulated{Client: sim.Client(), sim: sim}
}

// SendTransaction sends tx and mines a block with it.
func (s *Simulated) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	s.sim.Commit()
	return nil
}

// Sim is the underlying simulated backend (tests commit, fork and roll back).
func (s *Simulated) Sim() *simulated.Backend { return s.sim }

// Close stops the chain.
func (s *Simulated) Close() error { return s.sim.Close() }

var _ Backend = (*Simulated)(nil)

// SimTx is one transaction of a simulated plan.
type SimTx struct {
	Kind  Kind   `json:"kind"`
	First uint64 `json:"first_token,omitempty"`
	Last  uint64 `json:"last_token,omitempty"`
	Gas   uint64 `json:"gas_used"`
}

// simulate runs a plan on a fresh simulated chain and returns each
// transaction's gas. A deployed collection is stood in for by a copy with
// the same supply, cap and metadata, deployed first and not counted.
func simulate(ctx context.Context, p *planned, recipient common.Address, batch int) ([]SimTx, error) {
	sb := NewSimulated()
	defer sb.Close()
	signer := SimulatedSigner()
	from := signer.From
	if recipient == (common.Address{}) {
		recipient = from
	}
	var contract common.Address
	if p.dep != nil {
		info := p.info
		cfg := chain.Config{Name: info.Name, Symbol: info.Symbol, BaseURI: info.BaseURI, ContractURI: info.ContractURI,
			Owner: from, InitialHolder: recipient, InitialSupply: info.TotalSupply, MaxSupply: info.MaxSupply,
			Royalty: info.Royalty, AIGC: info.AIGC}
		var err error
		if contract, _, err = simSend(ctx, sb, signer, nil, deployData(cfg)); err != nil {
			return nil, fmt.Errorf("simulate: stand in for the deployed collection: %w", err)
		}
	}
	var out []SimTx
	for _, st := range p.steps {
		switch st.kind {
		case KindDeploy:
			cfg := p.cfg
			cfg.Owner, cfg.InitialHolder = from, recipient
			addr, gas, err := simSend(ctx, sb, signer, nil, deployData(cfg))
			if err != nil {
				return nil, fmt.Errorf("simulate deploying the collection: %w", err)
			}
			contract = addr
			out = append(out, SimTx{Kind: KindDeploy, First: st.first, Last: st.last, Gas: gas})
		case KindSetBaseURI, KindSetContractURI:
			data, what := abiGC.PackSetBaseURI(st.uri), "setBaseURI"
			if st.kind == KindSetContractURI {
				data, what = abiGC.PackSetContractURI(st.uri), "setContractURI"
			}
			_, gas, err := simSend(ctx, sb, signer, &contract, data)
			if err != nil {
				return nil, fmt.Errorf("simulate %s: %w", what, err)
			}
			out = append(out, SimTx{Kind: st.kind, Gas: gas})
		case KindMint:
			for first := st.first; first <= st.last; {
				q, _, err := batchSize(ctx, sb, from, contract, recipient, st.last-first+1, batch)
				if err != nil {
					return nil, err
				}
				_, gas, err := simSend(ctx, sb, signer, &contract, abiGC.PackMintBatch(recipient, new(big.Int).SetUint64(q)))
				if err != nil {
					return nil, fmt.Errorf("simulate minting tokens %d–%d: %w", first, first+q-1, err)
				}
				out = append(out, SimTx{Kind: KindMint, First: first, Last: first + q - 1, Gas: gas})
				first += q
			}
		}
	}
	return out, nil
}

// simSend sends one transaction on the simulated chain and returns the
// created contract (for a deployment) and the gas it used.
func simSend(ctx context.Context, sb *Simulated, signer *bind.TransactOpts, to *common.Address, data []byte) (common.Address, uint64, error) {
	gas, err := sb.EstimateGas(ctx, ethereum.CallMsg{From: signer.From, To: to, Data: data})
	if err != nil {
		return common.Address{}, 0, chain.DecodeRevert(err)
	}
	tip, maxFee, err := fees(ctx, sb, nil)
	if err != nil {
		return common.Address{}, 0, err
	}
	nonce, err := sb.PendingNonceAt(ctx, signer.From)
	if err != nil {
		return common.Address{}, 0, err
	}
	tx, err := signer.Signer(signer.From, types.NewTx(&types.DynamicFeeTx{ChainID: new(big.Int).SetUint64(SimulatedNetwork.ChainID),
		Nonce: nonce, GasTipCap: tip, GasFeeCap: maxFee, Gas: withMargin(gas), To: to, Data: data}))
	if err != nil {
		return common.Address{}, 0, err
	}
	if err := sb.SendTransaction(ctx, tx); err != nil {
		return common.Address{}, 0, err
	}
	rc, err := chain.WaitMined(ctx, sb, tx, 0)
	if err != nil {
		return common.Address{}, 0, err
	}
	return rc.ContractAddress, rc.GasUsed, nil
}
