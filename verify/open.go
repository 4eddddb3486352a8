package verify

import (
	"context"
	"errors"
	"net/url"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/pin"
)

// ContentOptions are the verify command's content flags, as given.
type ContentOptions struct {
	// CAR is --car FILE; Gateway is --gateway URL; IPFSAPI is --ipfs-api
	// ADDR. At most one is set; with none, the Kubo node is resolved like
	// `genmint pin` does (IPFS_API, the local repo's api file,
	// 127.0.0.1:5001).
	CAR, Gateway, IPFSAPI string
	// IPFSAuth is the Authorization header for IPFSAPI (its value read from
	// the variable named by --ipfs-api-auth-env), or zero.
	IPFSAuth pin.KuboAuth
	// Getenv reads the environment (default os.Getenv).
	Getenv func(string) string
	// Retry wraps a gateway (zero: DefaultRetry).
	Retry RetryPolicy
}

// OpenContent opens the source the flags name. A Kubo node is checked to
// answer (ErrUnavailable, in one line naming the fixes, when it does not).
// Close the result when it has a Close method.
func OpenContent(ctx context.Context, o ContentOptions) (Content, error) {
	if o.Retry.Attempts == 0 {
		o.Retry = DefaultRetry
	}
	switch {
	case o.CAR != "":
		return OpenCAR(o.CAR)
	case o.Gateway != "":
		g, err := NewGateway(o.Gateway, nil)
		if err != nil {
			return nil, usage.Errorf("--gateway: %v", err)
		}
		return WithRetry(g, o.Retry), nil
	}
	addr, source, err := pin.ResolveKuboAPI(o.IPFSAPI, o.Getenv)
	if err != nil {
		return nil, usage.Errorf("%v (from %s)", err, source)
	}
	k, err := NewKuboAuth(addr, o.IPFSAuth)
	if err != nil {
		return nil, usage.Errorf("%v", err)
	}
	if err := k.Check(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// DialChain connects to the JSON-RPC endpoint rpcURL with go-ethereum's
// ethclient and binds the collection at contract, after checking that the
// endpoint answers and that the address holds code. Close the result.
func DialChain(ctx context.Context, rpcURL, contract string) (*ContractChain, error) {
	if !common.IsHexAddress(contract) {
		return nil, usage.Errorf("--contract %q is not an address (0x and 40 hex digits)", contract)
	}
	addr := common.HexToAddress(contract)
	shown := redact.URL(rpcURL)
	cl, err := ethclient.DialContext(ctx, rpcURL)
	if err != nil {
		if ce, ok := neterr.CertURL(neterr.RPCNode, rpcURL, err); ok {
			return nil, ce
		}
		return nil, usage.Errorf("--rpc %s: %v", shown, bareError(err))
	}
	id, err := cl.ChainID(ctx)
	if err != nil {
		cl.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if ce, ok := neterr.CertURL(neterr.RPCNode, rpcURL, err); ok {
			return nil, ce
		}
		if reason, ok := neterr.Unreachable(err); ok {
			return nil, unavailable(err, "cannot reach the chain at %s (%s): check --rpc", shown, reason)
		}
		if why, ok := neterr.NotJSONRPC(err); ok {
			return nil, usage.Errorf("--rpc %s is not an Ethereum JSON-RPC endpoint: %s: pass a node's RPC URL (anvil and geth listen on http://127.0.0.1:8545)", shown, why)
		}
		return nil, unavailable(err, "the chain at %s does not answer eth_chainId (%v): check --rpc", shown, bareError(err))
	}
	code, err := cl.CodeAt(ctx, addr, nil)
	if err != nil {
		cl.Close()
		return nil, unavailable(err, "read the code at %s from %s: %v", addr.Hex(), shown, bareError(err))
	}
	if len(code) == 0 {
		cl.Close()
		return nil, usage.Errorf("no contract at %s on chain %s (%s): check --contract and --rpc", addr.Hex(), id, shown)
	}
	return OpenChain(cl, addr, shown, cl.Close), nil
}

// bareError drops the request URL a *url.Error repeats (it may hold a key).
func bareError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
