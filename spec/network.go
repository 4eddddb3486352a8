package spec

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Network is the chain a collection is minted on (the spec's network: key).
// `genmint mint` refuses an RPC endpoint whose chain id differs, and asks for
// confirmation (or --yes) before spending on a chain that is not a test chain.
type Network struct {
	Name    string `json:"name"`     // e.g. "sepolia"; for custom chains whatever the spec says
	ChainID uint64 `json:"chain_id"` // EIP-155 chain id
	Test    bool   `json:"test"`     // a test chain: its ether has no value, no confirmation needed
}

// Networks are the chains genmint knows by name, in one place. A spec names
// one of them (network: sepolia) or describes its own chain
// (network: {name: …, chain_id: …, test: …}).
var Networks = []Network{
	{Name: "local", ChainID: 31337, Test: true}, // anvil and hardhat's default
	{Name: "anvil", ChainID: 31337, Test: true},
	{Name: "sepolia", ChainID: 11155111, Test: true},
	{Name: "holesky", ChainID: 17000, Test: true},
	{Name: "hoodi", ChainID: 560048, Test: true},
	{Name: "base-sepolia", ChainID: 84532, Test: true},
	{Name: "optimism-sepolia", ChainID: 11155420, Test: true},
	{Name: "arbitrum-sepolia", ChainID: 421614, Test: true},
	{Name: "polygon-amoy", ChainID: 80002, Test: true},
	{Name: "mainnet", ChainID: 1},
	{Name: "base", ChainID: 8453},
	{Name: "optimism", ChainID: 10},
	{Name: "arbitrum", ChainID: 42161},
	{Name: "polygon", ChainID: 137},
	{Name: "zora", ChainID: 7777777},
}

// DefaultNetwork is used when the spec names none: a local anvil node.
var DefaultNetwork = Networks[0]

// LookupNetwork finds a known network by name (case-insensitive).
func LookupNetwork(name string) (Network, bool) {
	for _, n := range Networks {
		if strings.EqualFold(n.Name, name) {
			return n, true
		}
	}
	return Network{}, false
}

// NetworkByChainID finds the first known network with this chain id.
func NetworkByChainID(id uint64) (Network, bool) {
	for _, n := range Networks {
		if n.ChainID == id {
			return n, true
		}
	}
	return Network{}, false
}

func networkNames() []string {
	names := make([]string, len(Networks))
	for i, n := range Networks {
		names[i] = n.Name
	}
	return names
}

// network reads network: NAME or network: {name:, chain_id:, test:}.
func (l *loader) network(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		name := l.str(n, "network")
		if name == "" {
			return
		}
		known, ok := LookupNetwork(name)
		if !ok {
			l.errorf(n, "network", didYouMean(name, networkNames())+"; or describe the chain: {name: …, chain_id: …, test: true|false}", "unknown network %q", name)
			return
		}
		l.s.Network = known
		return
	}
	var nw Network
	testSet := false
	seen := l.mapping(n, "network", map[string]func(k, v *yaml.Node){
		"name": func(k, v *yaml.Node) { nw.Name = l.str(v, "network.name") },
		"chain_id": func(k, v *yaml.Node) {
			nw.ChainID = l.uint64(v, "network.chain_id")
			if nw.ChainID == 0 && v.Kind == yaml.ScalarNode {
				l.errorf(v, "network.chain_id", "the chain id the network's RPC answers to eth_chainId", "must not be 0")
			}
		},
		"test": func(k, v *yaml.Node) { nw.Test = l.bool(v, "network.test"); testSet = true },
	})
	if n.Kind != yaml.MappingNode {
		return
	}
	if seen["chain_id"] == nil {
		l.errorf(n, "network.chain_id", "add chain_id: N, the chain id its RPC answers to eth_chainId", "missing")
		return
	}
	if seen["test"] == nil {
		l.errorf(n, "network.test", "add test: true for a test chain (no confirmation before minting), false when its ether is real", "missing")
	}
	if nw.Name == "" {
		nw.Name = "chain-" + strconv.FormatUint(nw.ChainID, 10)
	}
	// A custom description must not contradict a known chain id: a custom
	// "test" chain with mainnet's id would skip the confirmation.
	if known, ok := NetworkByChainID(nw.ChainID); ok && testSet && known.Test != nw.Test {
		l.errorf(seen["test"], "network.test", "write network: "+known.Name, "chain %d is %s, which is %s", nw.ChainID, known.Name, map[bool]string{true: "a test chain", false: "not a test chain"}[known.Test])
	}
	if known, ok := LookupNetwork(nw.Name); ok && known.ChainID != nw.ChainID && nw.ChainID != 0 {
		l.errorf(seen["name"], "network.name", "use another name for a custom chain, or write network: "+known.Name, "%s is chain %d, not %d", known.Name, known.ChainID, nw.ChainID)
	}
	l.s.Network = nw
}
