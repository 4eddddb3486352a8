package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/pflag"

	"github.com/genmint/genmint/internal/neterr"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
)

// RPCEnv is read when --rpc is not given (Foundry's name for it), so a URL
// holding a provider key need not be in argv.
const RPCEnv = "ETH_RPC_URL"

// RegisterRPC adds --rpc, with Foundry's --rpc-url as its alias (see
// NormalizeFlags), to fs.
func RegisterRPC(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "rpc", "", "the node's JSON-RPC `URL` (alias --rpc-url; default $"+RPCEnv+")")
}

// NormalizeFlags maps Foundry's spellings onto genmint's flags, for every
// command: --rpc-url is --rpc.
func NormalizeFlags(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "rpc-url" {
		return "rpc"
	}
	return pflag.NormalizedName(name)
}

// Dial connects to a node over JSON-RPC (go-ethereum's ethclient).
func Dial(ctx context.Context, rawURL string) (mint.Backend, func(), error) {
	cl, err := ethclient.DialContext(ctx, rawURL)
	if err != nil {
		return nil, nil, err
	}
	return cl, cl.Close, nil
}

// Connect dials rpc and checks the node serves nw, with one clear line when
// it cannot be reached or serves another chain. The URL is shown redacted.
func Connect(ctx context.Context, dial func(context.Context, string) (mint.Backend, func(), error), rpc string, nw spec.Network) (mint.Backend, func(), error) {
	where := redact.URL(rpc)
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	b, closeFn, err := dial(pctx, rpc)
	if err != nil {
		if ce, ok := neterr.CertURL(neterr.RPCNode, rpc, err); ok {
			return nil, nil, AsUsage(ce)
		}
		return nil, nil, AsUsage(fmt.Errorf("bad --rpc %s: %v", where, ScrubURL(err, rpc)))
	}
	id, err := b.ChainID(pctx)
	if err != nil {
		closeFn()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if ce, ok := neterr.CertURL(neterr.RPCNode, rpc, err); ok {
			return nil, nil, AsUsage(ce)
		}
		if why, ok := neterr.NotJSONRPC(err); ok {
			return nil, nil, UsageError("--rpc %s is not an Ethereum JSON-RPC endpoint: %s: pass a node's RPC URL (anvil and geth listen on http://127.0.0.1:8545)", where, why)
		}
		return nil, nil, fmt.Errorf("cannot reach the node at %s: %v: check --rpc and that the node is running", where, ScrubURL(err, rpc))
	}
	if err := mint.CheckChain(id.Uint64(), nw, " at "+where); err != nil {
		closeFn()
		return nil, nil, AsUsage(err)
	}
	return b, closeFn, nil
}

// MintError maps mint's errors to exit codes: input problems are usage
// errors (2), the rest failures (1).
func MintError(err error) error {
	switch {
	case errors.Is(err, mint.ErrWrongChain), errors.Is(err, mint.ErrOtherChain), errors.Is(err, mint.ErrNothingPinned),
		errors.Is(err, mint.ErrNotContiguous), errors.Is(err, mint.ErrNotOwner), errors.Is(err, pin.ErrNoPinRun), errors.Is(err, pin.ErrNotPublished),
		errors.Is(err, chain.ErrInvalidParameters), errors.Is(err, mint.ErrDryRunNeedsRPC),
		errors.Is(err, mint.ErrChainReset), errors.Is(err, mint.ErrDeployed), errors.Is(err, mint.ErrRecordConflict),
		errors.Is(err, mint.ErrChanged):
		return AsUsage(err)
	}
	return err
}

// ScrubURL returns err's text with the full URL raw replaced by its
// redacted form.
func ScrubURL(err error, raw string) string {
	msg := err.Error()
	if raw != "" {
		msg = strings.ReplaceAll(msg, raw, redact.URL(raw))
		if u, perr := url.Parse(raw); perr == nil && u.Host != "" {
			msg = strings.ReplaceAll(msg, strings.TrimSuffix(raw, "/"), redact.URL(raw))
		}
	}
	return msg
}
