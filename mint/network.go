package mint

import (
	"fmt"

	"github.com/genmint/genmint/spec"
)

// CheckChain is the one check that a node serves the spec's network: nil
// when chain id is nw's, else an ErrWrongChain naming both chains and the
// fix. node says which node, for the message: "" ("the node is chain …") or
// " at https://…" with any key in the URL redacted.
func CheckChain(id uint64, nw spec.Network, node string) error {
	if id == nw.ChainID {
		return nil
	}
	return fmt.Errorf("%w: the node%s is chain %d%s, but genmint.yaml's network is %s (chain %d): point --rpc at a %s node, or change network: in genmint.yaml",
		ErrWrongChain, node, id, knownName(id), nw.Name, nw.ChainID, nw.Name)
}

// knownName is " (sepolia)" for a chain id spec.Networks knows, else "".
func knownName(id uint64) string {
	if n, ok := spec.NetworkByChainID(id); ok {
		return " (" + n.Name + ")"
	}
	return ""
}
