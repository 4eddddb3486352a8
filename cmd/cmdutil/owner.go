package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/pflag"

	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/mint/wallet"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// OwnerFlags are the flags of a command that sends one owner transaction
// to the deployed collection (freeze, royalty set): the node, the signing
// account and where its passphrase comes from.
type OwnerFlags struct {
	RPC     string
	Account string
	Keys    KeyFlags
	Poll    time.Duration
	// Dial connects to a node (ethclient when nil); tests swap it.
	Dial func(ctx context.Context, rawURL string) (mint.Backend, func(), error)
}

// RPCEnv names the node when --rpc is not given.
const RPCEnv = "ETH_RPC_URL"

// Register adds --rpc, --account and the key flags.
func (o *OwnerFlags) Register(fs *pflag.FlagSet) {
	fs.StringVar(&o.RPC, "rpc", "", "the node's JSON-RPC `URL` (default $"+RPCEnv+")")
	fs.StringVar(&o.Account, "account", "", "the collection owner's keystore account (`ADDRESS`)")
	fs.DurationVar(&o.Poll, "poll-interval", 0, "how often to ask the node for receipts (default 2s)")
	_ = fs.MarkHidden("poll-interval")
	o.Keys.Register(fs)
}

// Check validates the flags (getenv fills --rpc from $ETH_RPC_URL).
func (o *OwnerFlags) Check(getenv func(string) string) error {
	if o.RPC == "" && getenv != nil {
		o.RPC = getenv(RPCEnv)
	}
	if err := o.Keys.Check(); err != nil {
		return err
	}
	switch {
	case o.RPC == "":
		return UsageError("--rpc URL is needed: the JSON-RPC endpoint of a node on the collection's network (or set %s)", RPCEnv)
	case o.Account == "":
		return UsageError("--account ADDRESS is needed: the collection owner's keystore account (see 'genmint wallet list')")
	case !common.IsHexAddress(o.Account):
		if wallet.LooksLikePrivateKey(o.Account) {
			return UsageError("--account takes an address (0x and 40 hex digits); that looks like a private key: never put one on the command line")
		}
		return UsageError("--account %q is not an address (0x and 40 hex digits)", o.Account)
	}
	return nil
}

// RunAction sends an owner action through mint's journal: it locks the
// collection, checks the node serves the spec's network, unlocks the key
// for this run only, and runs mint.Run with the action.
func RunAction(ctx context.Context, f *Factory, o *OwnerFlags, s *spec.Spec, a mint.Action, progress func(mint.Event)) (*mint.Result, error) {
	unlock, err := state.Lock(f.Dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	db, err := f.OpenState(ctx, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	nw := s.Network
	backend, closeFn, err := o.connect(ctx, nw)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	dir, err := o.Keys.Dir()
	if err != nil {
		return nil, err
	}
	ks, err := wallet.Open(dir, wallet.Standard)
	if err != nil {
		return nil, err
	}
	account := common.HexToAddress(o.Account)
	if _, err := ks.Find(account); err != nil {
		return nil, KeyError(err)
	}
	pw, err := o.Keys.Passphrase(f.IO, f.Getenv).Get(fmt.Sprintf("Passphrase for %s: ", account.Hex()), false)
	if err != nil {
		return nil, AsUsage(err)
	}
	signer, err := ks.Unlock(account, pw, new(big.Int).SetUint64(nw.ChainID))
	if err != nil {
		return nil, KeyError(err)
	}
	defer signer.Lock()
	res, err := mint.Run(ctx, mint.Options{DB: db, Backend: backend, Signer: signer.Opts, Network: nw,
		Collection: mint.ContractFactsFromSpec(s), Poll: o.Poll, Action: &a, Progress: progress})
	switch {
	case errors.Is(err, mint.ErrNotDeployed), errors.Is(err, mint.ErrNotOwner), errors.Is(err, mint.ErrWrongChain),
		errors.Is(err, mint.ErrOtherChain), errors.Is(err, chain.ErrRoyaltyAboveCap), errors.Is(err, chain.ErrNotOwner):
		return res, AsUsage(err)
	}
	return res, err
}

func (o *OwnerFlags) connect(ctx context.Context, nw spec.Network) (mint.Backend, func(), error) {
	dial := o.Dial
	if dial == nil {
		dial = func(ctx context.Context, rawURL string) (mint.Backend, func(), error) {
			cl, err := ethclient.DialContext(ctx, rawURL)
			if err != nil {
				return nil, nil, err
			}
			return cl, cl.Close, nil
		}
	}
	where := redact.URL(o.RPC)
	pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	b, closeFn, err := dial(pctx, o.RPC)
	if err != nil {
		return nil, nil, AsUsage(fmt.Errorf("bad --rpc %s: %v", where, scrubURL(err, o.RPC)))
	}
	id, err := b.ChainID(pctx)
	if err != nil {
		closeFn()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, fmt.Errorf("cannot reach the node at %s: %v: check --rpc and that the node is running", where, scrubURL(err, o.RPC))
	}
	if err := mint.CheckChain(id.Uint64(), nw, " at "+where); err != nil {
		closeFn()
		return nil, nil, AsUsage(err)
	}
	return b, closeFn, nil
}

// scrubURL removes the full URL (which may hold a key) from an error text.
func scrubURL(err error, raw string) string {
	msg := err.Error()
	if raw != "" {
		msg = strings.ReplaceAll(msg, raw, redact.URL(raw))
		if u, perr := url.Parse(raw); perr == nil && u.Host != "" {
			msg = strings.ReplaceAll(msg, strings.TrimSuffix(raw, "/"), redact.URL(raw))
		}
	}
	return msg
}
