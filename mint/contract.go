package mint

import (
	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/bindings"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/spec"
)

// ContractFacts are the spec's facts the collection's contract is deployed
// with (mint's share of genmint.yaml; pin's is pin.MetadataFacts).
type ContractFacts struct {
	Name, Symbol string
	Royalty      chain.Royalty
	// RoyaltyCapBps is the most 'genmint royalty set' may ever set (0: 10%,
	// or Royalty.Bps when higher), fixed at deployment.
	RoyaltyCapBps uint16
	License       chain.License // a16z ICantBeEvil on chain; zero for none
	AIGC          bool          // enable ERC-7007 on the contract
	// MaxSupply is the supply cap; it is raised to the number of items
	// minted at deployment when smaller.
	MaxSupply uint64
}

// ContractFactsFromSpec takes the contract's facts from the spec.
func ContractFactsFromSpec(s *spec.Spec) ContractFacts {
	c := ContractFacts{Name: s.Name, Symbol: s.Symbol, AIGC: s.ERC7007, MaxSupply: s.MaxSupply}
	if s.Royalty.Receiver != "" {
		c.Royalty = chain.Royalty{Receiver: common.HexToAddress(s.Royalty.Receiver), Bps: uint16(s.Royalty.BPS)}
	}
	c.RoyaltyCapBps = uint16(s.Royalty.CapBPS)
	if !s.License.IsZero() {
		c.License = chain.License{Name: s.License.ChainName, URI: s.License.ChainURI}
	}
	return c
}

var abiGC = bindings.NewGenmintCollection()

// deployData is the deployment transaction's data: bytecode and constructor
// arguments.
func deployData(cfg chain.Config) []byte {
	code := common.FromHex(bindings.GenmintCollectionMetaData.Bin)
	return append(code, abiGC.PackConstructor(cfg.ConstructorArgs())...)
}
