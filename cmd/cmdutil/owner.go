package cmdutil

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/mint/wallet"
	"github.com/genmint/genmint/pin"
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

// Register adds --rpc, --account and the key flags.
func (o *OwnerFlags) Register(fs *pflag.FlagSet) {
	RegisterRPC(fs, &o.RPC)
	fs.StringVar(&o.Account, "account", "", "the collection owner's key: a keystore `NAME`, ADDRESS or key file (default $"+EnvKeystoreAccount+")")
	fs.DurationVar(&o.Poll, "poll-interval", 0, "how often to ask the node for receipts (default 2s)")
	_ = fs.MarkHidden("poll-interval")
	o.Keys.Register(fs)
}

// Check validates the flags (getenv fills --rpc from $ETH_RPC_URL).
func (o *OwnerFlags) Check(getenv func(string) string) error {
	if o.RPC == "" && getenv != nil {
		o.RPC = getenv(RPCEnv)
	}
	if o.Account == "" && getenv != nil {
		o.Account = getenv(EnvKeystoreAccount)
	}
	o.Keys.FromEnv(getenv)
	if err := o.Keys.Check(); err != nil {
		return err
	}
	switch {
	case o.RPC == "":
		return UsageError("--rpc URL is needed: the JSON-RPC endpoint of a node on the collection's network (or set %s)", RPCEnv)
	case wallet.LooksLikePrivateKey(o.Account):
		return UsageError("--account takes a keystore name, an address or a key file; that looks like a private key: never put one on the command line")
	case !o.Keys.HasAccount(o.Account):
		return UsageError("--account NAME|ADDRESS is needed: the collection owner's key (see 'genmint wallet list')")
	}
	return nil
}

// RunAction sends an owner action through mint's journal: it locks the
// collection, checks the node serves the spec's network, unlocks the key
// for this run only, and runs mint.Run with the action.
func RunAction(ctx context.Context, f *Factory, o *OwnerFlags, s *spec.Spec, a mint.Action, progress func(mint.Event)) (*mint.Result, error) {
	return RunActionWith(ctx, f, o, s, a, ActionExtras{Progress: progress})
}

// ActionExtras are RunActionWith's optional inputs.
type ActionExtras struct {
	// Progress hears what the run does.
	Progress func(mint.Event)
	// Metadata, when set, makes the run re-derive the pin record from the
	// folder before it publishes a URI (a reveal needs it).
	Metadata *pin.MetadataFacts
	// Hook is the crash-point hook (CrashHook; tests only).
	Hook func(mint.Point)
	// Locked says the caller already holds the collection lock.
	Locked bool
}

// RunActionWith is RunAction with ActionExtras.
func RunActionWith(ctx context.Context, f *Factory, o *OwnerFlags, s *spec.Spec, a mint.Action, x ActionExtras) (*mint.Result, error) {
	if !x.Locked {
		unlock, err := state.Lock(f.Dir)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	return runAction(ctx, f, o, s, a, x)
}

func runAction(ctx context.Context, f *Factory, o *OwnerFlags, s *spec.Spec, a mint.Action, x ActionExtras) (*mint.Result, error) {
	db, err := f.OpenState(ctx, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	nw := s.Network
	dial := o.Dial
	if dial == nil {
		dial = Dial
	}
	backend, closeFn, err := Connect(ctx, dial, o.RPC, nw)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	signer, err := o.Keys.Unlock(f.IO, f.Getenv, o.Account, nw.ChainID, f.Quiet)
	if err != nil {
		return nil, err
	}
	defer signer.Lock()
	res, err := mint.Run(ctx, mint.Options{DB: db, Backend: backend, Signer: signer.Opts, Network: nw,
		Collection: mint.ContractFactsFromSpec(s), Poll: o.Poll, Action: &a, Progress: x.Progress,
		Metadata: x.Metadata, Hook: x.Hook, Dir: f.Dir, Node: redact.URL(o.RPC)})
	switch {
	case errors.Is(err, mint.ErrNotDeployed), errors.Is(err, mint.ErrNotOwner), errors.Is(err, mint.ErrWrongChain),
		errors.Is(err, mint.ErrOtherChain), errors.Is(err, chain.ErrRoyaltyAboveCap), errors.Is(err, chain.ErrNotOwner),
		errors.Is(err, mint.ErrNotRevealed), errors.Is(err, chain.ErrMetadataFrozen):
		return res, AsUsage(err)
	case errors.Is(err, mint.ErrCommitment):
		return res, &ExitError{Code: ExitNotVerified, Err: err}
	}
	return res, MintError(err)
}
