package mint

import (
	"github.com/ethereum/go-ethereum/common"

	"github.com/genmint/genmint/mint/bindings"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/spec"
)

// Collection holds the spec's facts the contract is deployed with.
type Collection struct {
	Name, Symbol string
	Royalty      chain.Royalty
	AIGC         bool // enable ERC-7007 on the contract
	// MaxSupply is the supply cap; it is raised to the number of items
	// minted at deployment when smaller.
	MaxSupply uint64
}

// CollectionFromSpec turns the spec's facts into the contract's.
func CollectionFromSpec(s *spec.Spec) Collection {
	c := Collection{Name: s.Name, Symbol: s.Symbol, AIGC: s.ERC7007, MaxSupply: s.MaxSupply}
	if s.Royalty.Receiver != "" {
		c.Royalty = chain.Royalty{Receiver: common.HexToAddress(s.Royalty.Receiver), Bps: uint16(s.Royalty.BPS)}
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
