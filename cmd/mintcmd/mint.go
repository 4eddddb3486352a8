// Package mintcmd implements `genmint mint`.
package mintcmd

import (
	"context"
	"fmt"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/wallet"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// RPCEnv is read when --rpc is not given (Foundry's name for it), so a URL
// holding a provider key need not be in argv.
const RPCEnv = cmdutil.RPCEnv

// MintOptions are `genmint mint`'s inputs.
type MintOptions struct {
	IO     *cmdutil.IOStreams
	JSON   bool
	Quiet  bool
	Dir    string
	Getenv func(string) string
	Spec   func() (*spec.Spec, error)
	State  func(ctx context.Context, create bool) (*state.DB, error)
	// Dial connects to a node (ethclient by default).
	Dial func(ctx context.Context, rawURL string) (mint.Backend, func(), error)

	Keys          cmdutil.KeyFlags
	RPC           string
	Account       string
	To            string
	Yes           bool
	MaxFeeGwei    float64
	Confirmations uint64
	StuckAfter    time.Duration
	Poll          time.Duration
	BatchSize     int
	NoERC2309     bool
	DryRun        bool
	GasPriceGwei  float64
	NewDeployment bool
}

// NewCmdMint builds `genmint mint`.
func NewCmdMint(f *cmdutil.Factory, runF func(*MintOptions) error) *cobra.Command {
	opts := &MintOptions{IO: f.IO, Spec: f.LoadSpec, State: f.OpenState, Dial: cmdutil.Dial}
	cmd := &cobra.Command{
		Use:   "mint",
		Short: "Deploy the collection and mint its pinned items, exactly once",
		Long: `Deploy the collection's contract (if it has none yet) and mint every pinned
item that is not minted, signing with a keystore account (see 'genmint wallet').

The node behind --rpc (or $ETH_RPC_URL) must serve genmint.yaml's network:
its chain id is checked first. On a chain not marked test (mainnet, base…)
genmint shows the estimated cost and asks before sending anything; without a
terminal it needs --yes.

The constructor mints all pinned items (ids 1..N) in one ERC-2309 range;
items pinned later are minted with mintBatch, in batches sized from a gas
estimate to stay well under the block gas limit. Fees are EIP-1559 from the
node and never exceed --max-fee-gwei. Every signed transaction is written to
the collection's state before it is broadcast; a run killed at any moment
is resumed by running it again, which settles the journalled transactions
(mined, pending, lost, replaced) before sending anything new. A transaction
stuck for --stuck-after is replaced with a 12.5% higher fee. After each
receipt, totalSupply and ownerOf are read back from the chain.

Before sending anything to a deployed contract, genmint checks that the
node's chain holds it: the genesis hash, the block hash at the deployment's
height, the code hash at its address and the account's nonce, against the
record written at deployment (in the state and in deployments/<network>.json,
meant to be committed). A reset chain or another network stops the run with
exit 2 and nothing sent. A network whose deployments/ file records a
contract is never deployed to again unless --new-deployment is given (the
old record is kept as deployments/<network>.<block hash>.json). Before a
deploy, setBaseURI or setContractURI, the pinned files are re-hashed and
compared with the pin record, as 'genmint verify --local' does.

--dry-run deploys and mints on an in-process chain at mainnet's rules with a
throwaway key and prints the gas and its cost at the live network's fees
(with --rpc) or at --gas-price-gwei. Nothing is sent and no key is needed.

--account is a keystore account as Foundry names them: a name (the key
file of that name, as 'cast wallet import NAME' or 'genmint wallet import
NAME' stored it), an address, or a key file's path. Names and addresses are
looked for in --keystore DIR, then ~/.genmint/keystore, then
~/.foundry/keystores; the key file chosen is printed. $ETH_KEYSTORE_ACCOUNT,
$ETH_KEYSTORE and $ETH_PASSWORD (a passphrase file) stand in for --account,
--keystore and --password-file, as in cast.

The passphrase comes from --password-file, --password-env, or a prompt on a
terminal; never from an argument.

Exit codes: 0 done; 1 a chain failure (unreachable node, insufficient funds,
fees above the cap, a reverted transaction); 2 bad input: flags, spec, wrong
chain, a reset chain, a deployment already recorded, files changed since
pinning, unknown account, wrong passphrase, confirmation needed; 130
interrupted (re-run to resume).`,
		Example: `  genmint mint --rpc http://127.0.0.1:8545 --account 0xf39F…2266
  genmint mint --dry-run --gas-price-gwei 20
  ETH_RPC_URL=https://… genmint mint --dry-run                 # cost at the network's fees now
  genmint mint --account 0xab…cd --password-env KEY_PASS --max-fee-gwei 40 --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Quiet, opts.Dir, opts.Getenv = f.JSON, f.Quiet, f.Dir, f.Getenv
			if opts.RPC == "" && opts.Getenv != nil {
				opts.RPC = opts.Getenv(RPCEnv)
			}
			if opts.Account == "" && opts.Getenv != nil {
				opts.Account = opts.Getenv(cmdutil.EnvKeystoreAccount)
			}
			if err := opts.Keys.Check(); err != nil {
				return err
			}
			opts.Keys.FromEnv(opts.Getenv)
			if opts.MaxFeeGwei < 0 || opts.GasPriceGwei < 0 || opts.BatchSize < 0 || opts.StuckAfter < 0 {
				return cmdutil.UsageError("--max-fee-gwei, --gas-price-gwei, --batch-size and --stuck-after must not be negative")
			}
			if opts.GasPriceGwei > 0 && !opts.DryRun {
				return cmdutil.UsageError("--gas-price-gwei prices a --dry-run; for a real run, cap fees with --max-fee-gwei")
			}
			if wallet.LooksLikePrivateKey(opts.Account) {
				return cmdutil.UsageError("--account takes a keystore account (a name, an address or a key file); that looks like a private key: never put one on the command line")
			}
			if opts.To != "" && !common.IsHexAddress(opts.To) {
				return cmdutil.UsageError("--to %q is not an address (0x and 40 hex digits)", opts.To)
			}
			if !opts.DryRun {
				if opts.RPC == "" {
					return cmdutil.UsageError("--rpc URL is needed: the JSON-RPC endpoint of a node on the collection's network (or set %s; --dry-run needs none)", RPCEnv)
				}
				if !opts.Keys.HasAccount(opts.Account) {
					return cmdutil.UsageError("--account NAME|ADDRESS is needed: the keystore account that deploys and owns the collection (see 'genmint wallet list'; or set %s)", cmdutil.EnvKeystoreAccount)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return mintRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.RegisterRPC(fl, &opts.RPC)
	fl.StringVar(&opts.Account, "account", "", "the keystore account that signs: a `NAME`, an address or a key file (default $"+cmdutil.EnvKeystoreAccount+")")
	fl.StringVar(&opts.To, "to", "", "who receives the tokens (`ADDRESS`; default --account)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before spending on a chain that is not a test chain")
	fl.Float64Var(&opts.MaxFeeGwei, "max-fee-gwei", 0, "never pay more than `GWEI` per gas (default: no cap)")
	fl.Uint64Var(&opts.Confirmations, "confirmations", 1, "blocks a transaction needs (its own included) before it counts as final")
	fl.DurationVar(&opts.StuckAfter, "stuck-after", mint.DefaultStuckAfter, "replace a transaction with a higher fee after waiting this `long`")
	fl.IntVar(&opts.BatchSize, "batch-size", 0, "at most `N` tokens per mintBatch transaction (default: sized from a gas estimate)")
	fl.BoolVar(&opts.NoERC2309, "no-erc2309", false, "deploy empty and mint every token with mintBatch (one Transfer event each), for indexers that ignore ERC-2309")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "deploy and mint on an in-process chain and print gas and cost; send nothing")
	fl.Float64Var(&opts.GasPriceGwei, "gas-price-gwei", 0, "with --dry-run: price the gas at `GWEI` per gas instead of the network's fees")
	fl.BoolVar(&opts.NewDeployment, "new-deployment", false, "deploy a new contract although deployments/<network>.json records one (the old record is kept beside it)")
	fl.DurationVar(&opts.Poll, "poll-interval", 0, "how often to ask the node for receipts (default 2s)")
	_ = fl.MarkHidden("poll-interval")
	opts.Keys.Register(fl)
	return cmd
}

// mintRun mints, or with DryRun simulates, and prints the result.
func mintRun(ctx context.Context, o *MintOptions) error {
	s, err := o.Spec()
	if err != nil {
		return err
	}
	if o.DryRun {
		return dryRun(ctx, o, s)
	}
	nw := s.Network
	if !nw.Test && !o.Yes && !o.IO.Interactive() {
		return cmdutil.UsageError("%s (chain %d) is not a test chain and minting there spends real ether: confirm on a terminal, or pass --yes", nw.Name, nw.ChainID)
	}
	unlock, err := state.Lock(o.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()

	// The node first: no passphrase is asked for a run that cannot start.
	backend, closeFn, err := o.connect(ctx, nw)
	if err != nil {
		return err
	}
	defer closeFn()

	// Then the key, unlocked for this run only.
	signer, err := o.Keys.Unlock(o.IO, o.Getenv, o.Account, nw.ChainID, o.Quiet || o.JSON)
	if err != nil {
		return err
	}
	defer signer.Lock()

	run := mint.Options{
		DB: db, Backend: backend, Signer: signer.Opts, Network: nw, Collection: mint.ContractFactsFromSpec(s),
		NoERC2309: o.NoERC2309, MaxFeePerGas: cmdutil.GweiToWei(o.MaxFeeGwei), Confirmations: o.Confirmations,
		StuckAfter: o.StuckAfter, Poll: o.Poll, BatchSize: o.BatchSize, Progress: cmdutil.MintProgress(o.IO.ErrOut, o.Quiet), Hook: cmdutil.CrashHook(o.Getenv),
		Dir: o.Dir, Node: redact.URL(o.RPC), NewDeployment: o.NewDeployment,
	}
	facts := pin.MetadataFactsFromSpec(s)
	run.Metadata = &facts
	if o.To != "" {
		run.Recipient = common.HexToAddress(o.To)
	}
	if !nw.Test && !o.Yes {
		run.Confirm = cmdutil.ConfirmMint(o.IO)
	}
	if rec, err := pin.Latest(ctx, db); err == nil && !o.Quiet {
		cmdutil.NoteCAROnly(o.IO.ErrOut, rec)
	}
	res, err := mint.Run(ctx, run)
	if err != nil {
		if res != nil && res.Minted > 0 && !o.Quiet {
			fmt.Fprintf(o.IO.ErrOut, "%d tokens were minted before the error; re-run to continue.\n", res.Minted)
		}
		return cmdutil.MintError(err)
	}
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, res)
	}
	w := o.IO.Out
	switch {
	case res.Minted == 0 && len(res.Txs) == 0:
		fmt.Fprintf(w, "Nothing to mint: %d items are minted at %s on %s (chain %d).\n", res.Total, res.Contract.Hex(), nw.Name, nw.ChainID)
	default:
		fmt.Fprintf(w, "Minted %d tokens on %s (chain %d); %d items minted in all.\n", res.Minted, nw.Name, nw.ChainID, res.Total)
		fmt.Fprintf(w, "Contract: %s\n", res.Contract.Hex())
		fmt.Fprintf(w, "Gas used: %s in %d transactions, fees %s ETH\n", humanize.Comma(int64(res.GasUsed)), len(res.Txs), mint.FormatETH(res.FeesWei))
	}
	return nil
}

// connect dials the node and checks its chain id (cmdutil.Connect).
func (o *MintOptions) connect(ctx context.Context, nw spec.Network) (mint.Backend, func(), error) {
	return cmdutil.Connect(ctx, o.Dial, o.RPC, nw)
}

func dryRun(ctx context.Context, o *MintOptions, s *spec.Spec) error {
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	dro := mint.DryRunOptions{DB: db, Collection: mint.ContractFactsFromSpec(s), Network: s.Network, NoERC2309: o.NoERC2309,
		BatchSize: o.BatchSize, GasPrice: cmdutil.GweiToWei(o.GasPriceGwei)}
	if o.Keys.HasAccount(o.Account) {
		kf, err := o.Keys.ResolveAccount(o.Account)
		if err != nil {
			return err
		}
		dro.From = kf.Address // zero (the throwaway key) when the file does not say
	}
	if o.To != "" {
		dro.Recipient = common.HexToAddress(o.To)
	}
	if o.RPC != "" {
		b, closeFn, err := o.connect(ctx, s.Network)
		if err != nil {
			return err
		}
		defer closeFn()
		dro.Live = b
	}
	res, err := mint.DryRun(ctx, dro)
	if err != nil {
		return cmdutil.MintError(err)
	}
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, res)
	}
	w := o.IO.Out
	if len(res.Txs) == 0 {
		fmt.Fprintf(w, "Nothing to mint: every pinned item is minted at %s.\n", res.Contract.Hex())
		return nil
	}
	fmt.Fprintf(w, "Dry run on an in-process chain at mainnet's rules; nothing was sent.\n")
	for _, t := range res.Txs {
		fmt.Fprintf(w, "  %-34s %12s gas\n", mint.DescribeTx(t.Kind, t.First, t.Last, "", mint.TxCall), humanize.Comma(int64(t.Gas)))
	}
	fmt.Fprintf(w, "Total: %d transactions, %s gas for %d tokens on %s.\n", len(res.Txs), humanize.Comma(int64(res.Gas)), res.Tokens, s.Network.Name)
	switch res.FeeSource {
	case "gas-price":
		fmt.Fprintf(w, "Cost at %s gwei: %s ETH\n", mint.FormatGwei(res.FeePerGas), mint.FormatETH(res.Cost))
	case "network":
		fmt.Fprintf(w, "Cost at %s's fees now (%s gwei): %s ETH\n", s.Network.Name, mint.FormatGwei(res.FeePerGas), mint.FormatETH(res.Cost))
	default:
		fmt.Fprintf(w, "For a cost, pass --gas-price-gwei G or --rpc URL (the network's fees now).\n")
	}
	return nil
}
