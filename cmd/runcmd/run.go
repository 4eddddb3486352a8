// Package runcmd implements `genmint run`: generate → decide → pin → mint →
// verify in one command, for CI jobs.
package runcmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/internal/redact"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/wallet"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// RunOptions are `genmint run`'s inputs.
type RunOptions struct {
	F *cmdutil.Factory
	// Dial connects to a node (cmdutil.Dial by default).
	Dial func(ctx context.Context, rawURL string) (mint.Backend, func(), error)

	// generate
	Count       int
	Concurrency int
	MaxSpend    float64
	// decide: one policy, or none (undecided items stay out)
	KeepAll     bool
	KeepStarred bool
	Keep        []int
	// pin
	IPFSAPI         string
	IPFSAPIAuthEnv  string // the variable holding the Authorization header for IPFSAPI
	CAR             string
	PinningService  string
	ServiceTokenEnv string
	// mint
	RPC        string
	Account    string
	Keys       cmdutil.KeyFlags
	MaxFeeGwei float64
	Yes        bool
	Poll       time.Duration
	// where to stop
	NoMint   bool
	NoVerify bool
}

// NewCmdRun builds `genmint run`.
func NewCmdRun(f *cmdutil.Factory, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{F: f, Dial: cmdutil.Dial}
	var keep string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Generate, decide, pin, mint and verify in one command (for CI)",
		Long: `Take the collection from genmint.yaml to verified tokens in one command:

  1. generate  the items that are missing (as 'genmint generate': --count,
               --max-spend, never a paid request twice);
  2. decide    by the policy given: --keep-all, --keep-starred or --keep IDS
               (as 'genmint curate'). Without one, items not yet decided stay
               out: the run says how many;
  3. pin       the kept items (as 'genmint pin': --ipfs-api, with
               --ipfs-api-auth-env NAME for a Kubo behind a token, --car,
               --pinning-service);
  4. mint      them (as 'genmint mint': --rpc/--rpc-url or $ETH_RPC_URL,
               --account, --keystore, --password-file/--password-env,
               --max-fee-gwei, --yes);
  5. verify    every token: chain → tokenURI → metadata → image → provenance,
               read from the Kubo node or the CAR file just written.

Every step resumes: run it again after a failure or Ctrl-C and it pays for
nothing twice, pins nothing twice and mints nothing twice. Everything that
can refuse the run is checked before anything is spent: the flags, the
spec, the node's chain id, the key and its passphrase, the IPFS node.
--no-mint stops after pinning; --no-verify after minting.

With --json, one document on stdout holds each step's result: counts,
spend, CIDs, contract, transaction hashes, verification.

Exit codes: 0 every token verified; 1 a failure (node, provider, disk);
2 bad input (flags, spec, chain, key, passphrase, confirmation); 3 partial:
some items failed, were refused or hit the spend cap, or nothing was
decided to pin (re-run, or decide); 4 verification failed; 130
interrupted (everything finished is kept: re-run to resume).`,
		Example: `  genmint run --keep-all --car collection.car --no-mint
  genmint run --keep-all --ipfs-api /ip4/127.0.0.1/tcp/5001 \
      --rpc-url "$RPC" --account deployer --password-file "$PW_FILE" --max-fee-gwei 30 --json
  ETH_RPC_URL=… ETH_KEYSTORE_ACCOUNT=deployer ETH_PASSWORD=pw.txt genmint run --keep-starred --car c.car --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			getenv := f.Getenv
			if opts.RPC == "" && getenv != nil {
				opts.RPC = getenv(cmdutil.RPCEnv)
			}
			if opts.Account == "" && getenv != nil {
				opts.Account = getenv(cmdutil.EnvKeystoreAccount)
			}
			if err := opts.Keys.Check(); err != nil {
				return err
			}
			opts.Keys.FromEnv(getenv)
			if keep != "" {
				ids, err := curate.ParseIDs(keep)
				if err != nil {
					return cmdutil.AsUsage(fmt.Errorf("--keep: %w", err))
				}
				opts.Keep = ids
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&opts.Count, "count", "n", 0, "only the first `N` items of the collection (default: all)")
	fl.IntVarP(&opts.Concurrency, "concurrency", "j", 0, "items generated at once (default: the provider's concurrency, else the CPU count)")
	fl.Float64Var(&opts.MaxSpend, "max-spend", 0, "stop before the estimated spend exceeds `USD` (all runs together)")
	fl.BoolVar(&opts.KeepAll, "keep-all", false, "keep every generated item not decided yet")
	fl.BoolVar(&opts.KeepStarred, "keep-starred", false, "keep the starred items not decided yet")
	fl.StringVar(&keep, "keep", "", "keep these `IDS`, e.g. 1-20,25")
	fl.StringVar(&opts.IPFSAPI, "ipfs-api", "", "pin to this Kubo RPC `address` (multiaddr or URL)")
	cmdutil.RegisterKuboAuth(fl, &opts.IPFSAPIAuthEnv, ", for pin and verify")
	fl.StringVar(&opts.CAR, "car", "", "write every block to this CAR `file` (no node needed)")
	fl.StringVar(&opts.PinningService, "pinning-service", "", "also pin the roots on this Pinning Service API `URL`")
	fl.StringVar(&opts.ServiceTokenEnv, "pinning-service-token-env", "", "the environment variable `NAME` holding the pinning service's token")
	cmdutil.RegisterRPC(fl, &opts.RPC)
	fl.StringVar(&opts.Account, "account", "", "the keystore account that signs: a `NAME`, an address or a key file (default $"+cmdutil.EnvKeystoreAccount+")")
	opts.Keys.Register(fl)
	fl.Float64Var(&opts.MaxFeeGwei, "max-fee-gwei", 0, "never pay more than `GWEI` per gas (default: no cap)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before spending on a chain that is not a test chain")
	fl.BoolVar(&opts.NoMint, "no-mint", false, "stop after pinning")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "stop after minting")
	fl.DurationVar(&opts.Poll, "poll-interval", 0, "how often to ask the node for receipts (default 2s)")
	_ = fl.MarkHidden("poll-interval")
	return cmd
}

// check reports bad flag combinations, before anything runs.
func (o *RunOptions) check() error {
	policies := 0
	for _, on := range []bool{o.KeepAll, o.KeepStarred, len(o.Keep) > 0} {
		if on {
			policies++
		}
	}
	authErr := cmdutil.CheckKuboAuth(o.IPFSAPI, o.IPFSAPIAuthEnv)
	switch {
	case policies > 1:
		return cmdutil.UsageError("give one decision policy: --keep-all, --keep-starred or --keep IDS")
	case o.Count < 0 || o.Concurrency < 0 || o.MaxSpend < 0 || o.MaxFeeGwei < 0:
		return cmdutil.UsageError("--count, --concurrency, --max-spend and --max-fee-gwei must not be negative")
	case o.PinningService != "" && o.ServiceTokenEnv == "":
		return cmdutil.UsageError("--pinning-service needs --pinning-service-token-env NAME: the environment variable holding its access token")
	case o.CAR != "" && o.IPFSAPI != "":
		return cmdutil.UsageError("pin to one place: give --ipfs-api or --car, not both")
	case authErr != nil:
		return authErr
	case wallet.LooksLikePrivateKey(o.Account):
		return cmdutil.UsageError("--account takes a keystore account (a name, an address or a key file); that looks like a private key: never put one on the command line")
	}
	if o.NoMint {
		if o.NoVerify {
			return cmdutil.UsageError("--no-verify stops after minting: with --no-mint, there is nothing after pinning to skip")
		}
		return nil
	}
	if o.RPC == "" {
		return cmdutil.UsageError("--rpc URL is needed to mint: the JSON-RPC endpoint of a node on the collection's network (or set %s; --no-mint stops after pinning)", cmdutil.RPCEnv)
	}
	if !o.Keys.HasAccount(o.Account) {
		return cmdutil.UsageError("--account NAME|ADDRESS is needed to mint: the keystore account that deploys and owns the collection (or set %s; --no-mint stops after pinning)", cmdutil.EnvKeystoreAccount)
	}
	return nil
}

// Result is `genmint run`'s JSON document: each step's result, the step
// where the run stopped and why, and the exit code.
type Result struct {
	Generate *pipeline.Summary `json:"generate"`
	Decide   *Decided          `json:"decide,omitempty"`
	Pin      *Pinned           `json:"pin,omitempty"`
	Mint     *Minted           `json:"mint,omitempty"`
	Verify   *Verified         `json:"verify,omitempty"`
	// StoppedAt names the step the run ended at, when it did not finish
	// ("check": the flags, spec, node, key and IPFS destination checked
	// before anything is spent; "generate", "decide", "pin", "mint",
	// "verify"); Reason says why.
	StoppedAt string `json:"stopped_at,omitempty"`
	Reason    string `json:"reason,omitempty"`
	ExitCode  int    `json:"exit_code"`
}

// Decided is the decide step's result.
type Decided struct {
	Policy string `json:"policy"` // keep-all, keep-starred, keep, none
	// Changed counts the items this run decided; Kept counts the items kept
	// and not yet pinned; Undecided those left out.
	Changed   int `json:"changed"`
	Kept      int `json:"kept"`
	Undecided int `json:"undecided"`
	Pinned    int `json:"pinned"`
	Minted    int `json:"minted"`
}

// Pinned is the pin step's result.
type Pinned struct {
	Items        int                     `json:"items"`
	NewlyPinned  int                     `json:"newly_pinned"`
	BaseURI      string                  `json:"base_uri"`
	ContractURI  string                  `json:"contract_uri"`
	Roots        pin.Roots               `json:"roots"`
	Destinations []pin.DestinationResult `json:"destinations"`
}

// Minted is the mint step's result.
type Minted struct {
	Network  string `json:"network"`
	ChainID  uint64 `json:"chain_id"`
	Contract string `json:"contract"`
	Owner    string `json:"owner"`
	Deployed bool   `json:"deployed"`
	Minted   int    `json:"minted"`
	Total    int    `json:"total_minted"`
	// Adopted is true when the deployment was taken from
	// deployments/<network>.json and the chain (the state database did
	// not record it: a fresh clone).
	Adopted  bool     `json:"adopted,omitempty"`
	TxHashes []string `json:"tx_hashes"`
	GasUsed  uint64   `json:"gas_used"`
	FeesWei  string   `json:"fees_wei"`
}

// Verified is the verify step's result.
type Verified struct {
	Tokens   int      `json:"tokens"`
	Verified int      `json:"verified"`
	OK       bool     `json:"ok"`
	Summary  string   `json:"summary"`
	Failures []string `json:"failures"`
}

// runner carries one run's state between steps.
type runner struct {
	o   *RunOptions
	f   *cmdutil.Factory
	s   *spec.Spec
	db  *state.DB
	res Result

	backend mint.Backend
	signer  *wallet.Signer
	dest    *pin.Destinations
	// checked is set once everything that could refuse the run was checked.
	checked bool
}

// runRun checks everything that could refuse the run, then runs the steps
// in order, and prints the result.
func runRun(ctx context.Context, o *RunOptions) error {
	r := &runner{o: o, f: o.F}
	err := r.run(ctx)
	return r.finish(ctx, err)
}

func (r *runner) run(ctx context.Context) error {
	o, f := r.o, r.f
	s, err := f.LoadSpec()
	if err != nil {
		return err
	}
	r.s = s
	// Everything that can refuse the run, before anything is spent.
	if !o.NoMint {
		nw := s.Network
		if !nw.Test && !o.Yes && !f.IO.Interactive() {
			return cmdutil.UsageError("%s (chain %d) is not a test chain and minting there spends real ether: confirm on a terminal, or pass --yes", nw.Name, nw.ChainID)
		}
		b, closeFn, err := cmdutil.Connect(ctx, o.Dial, o.RPC, nw)
		if err != nil {
			return err
		}
		defer closeFn()
		r.backend = b
		signer, err := o.Keys.Unlock(f.IO, f.Getenv, o.Account, nw.ChainID, f.Quiet)
		if err != nil {
			return err
		}
		defer signer.Lock()
		r.signer = signer
	}
	token := ""
	if o.ServiceTokenEnv != "" {
		if token = f.Getenv(o.ServiceTokenEnv); token == "" {
			return cmdutil.UsageError("the environment variable %s is empty: put the pinning service's token in it", o.ServiceTokenEnv)
		}
	}
	auth, err := cmdutil.KuboAuth(f.Getenv, o.IPFSAPIAuthEnv)
	if err != nil {
		return err
	}
	dest, err := pin.OpenDestinations(ctx, pin.DestinationOptions{IPFSAPI: o.IPFSAPI, IPFSAuth: auth, CAR: o.CAR,
		PinningService: o.PinningService, PinningServiceToken: token, Getenv: f.Getenv})
	if err != nil {
		return cmdutil.PinError(err)
	}
	r.dest = dest
	unlock, err := state.Lock(f.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	if r.db, err = f.OpenState(ctx, true); err != nil {
		return err
	}
	defer r.db.Close()
	r.checked = true

	refused, err := r.generate(ctx)
	if err != nil {
		return err
	}
	if err := r.decide(ctx); err != nil {
		return err
	}
	if err := r.pin(ctx); err != nil {
		return err
	}
	if o.NoMint {
		if err := r.verify(ctx, nil); err != nil {
			return err
		}
	} else {
		contract, err := r.mint(ctx)
		if err != nil {
			return err
		}
		if !o.NoVerify {
			where := "the node at " + redact.URL(o.RPC)
			if err := r.verify(ctx, verify.OpenChain(r.backend, contract, where, nil)); err != nil {
				return err
			}
		}
	}
	if refused > 0 {
		return r.stop("generate", cmdutil.ExitPartial, fmt.Sprintf("%d items were refused by the provider and are not in the collection: change their prompts, or 'genmint curate --reject-refused'", refused))
	}
	return nil
}

// stopped ends the run early with code and the reason, shown on stderr.
type stopped struct {
	step   string
	code   cmdutil.ExitCode
	reason string
}

func (e *stopped) Error() string { return e.reason }

func (r *runner) stop(step string, code cmdutil.ExitCode, reason string) error {
	return &stopped{step: step, code: code, reason: reason}
}

// generate runs the pipeline over the scope; a run that leaves items
// without an image (failures, the spend cap, Ctrl-C) stops here. It returns
// how many items stay refused.
func (r *runner) generate(ctx context.Context) (int, error) {
	o, f := r.o, r.f
	prog := cmdutil.NewGenerateProgress(f.IO, f.Quiet)
	run, err := f.Pipeline(r.s, prog.Logger(), o.Concurrency)
	if err != nil {
		return 0, err
	}
	run.Count, run.MaxSpendUSD, run.DB, run.Progress = o.Count, o.MaxSpend, r.db, prog
	sum, err := pipeline.Run(ctx, run)
	prog.Finish()
	if err != nil {
		return 0, err
	}
	r.res.Generate = sum
	if !f.Quiet {
		steps := *f.IO
		steps.Out = f.IO.ErrOut
		if err := cmdutil.PrintGenerateSummary(&steps, false, sum, run.Info, o.MaxSpend); err != nil {
			return 0, err
		}
	}
	switch {
	case sum.Interrupted:
		return 0, r.stop("generate", cmdutil.ExitInterrupted, "interrupted: everything finished so far is kept; run the command again to resume")
	case sum.SpendCapHit:
		return 0, r.stop("generate", cmdutil.ExitPartial, fmt.Sprintf("stopped at the spend cap of $%.2f before every item was made: raise --max-spend to go on; nothing was pinned or minted", o.MaxSpend))
	case sum.Failed > 0 || sum.Pending > 0:
		return 0, r.stop("generate", cmdutil.ExitPartial, fmt.Sprintf("%d items failed: re-run to retry them ('genmint list --status failed' shows why); nothing was pinned or minted", sum.Failed+sum.Pending))
	}
	return sum.Refused, nil
}

// decide applies the decision policy; without one, undecided items stay
// out. Nothing to pin at all is partial (3).
func (r *runner) decide(ctx context.Context) error {
	o, f := r.o, r.f
	d := &Decided{Policy: "none"}
	flags := curate.Flags{KeepAll: o.KeepAll, KeepStarred: o.KeepStarred, Keep: o.Keep}
	switch {
	case o.KeepAll:
		d.Policy = "keep-all"
	case o.KeepStarred:
		d.Policy = "keep-starred"
	case len(o.Keep) > 0:
		d.Policy = "keep"
	}
	if !flags.Empty() {
		sum, err := curate.ApplyFlags(ctx, r.db, flags)
		if err != nil {
			if errors.Is(err, curate.ErrCannotDecide) || errors.Is(err, curate.ErrConflict) {
				return cmdutil.AsUsage(err)
			}
			return err
		}
		d.Changed = sum.Changed
	}
	counts, err := r.db.Counts(ctx)
	if err != nil {
		return err
	}
	d.Kept, d.Undecided, d.Pinned, d.Minted = counts[state.Kept], counts[state.Generated], counts[state.Pinned], counts[state.Minted]
	r.res.Decide = d
	if !f.Quiet {
		line := fmt.Sprintf("Decided (%s): %d kept to pin, %d pinned, %d minted", d.Policy, d.Kept, d.Pinned, d.Minted)
		if d.Undecided > 0 {
			line += fmt.Sprintf("; %d items not decided stay out (decide with --keep-all, --keep-starred, --keep IDS or 'genmint curate')", d.Undecided)
		}
		fmt.Fprintln(f.IO.ErrOut, line+".")
	}
	if d.Kept+d.Pinned+d.Minted == 0 {
		return r.stop("decide", cmdutil.ExitPartial, fmt.Sprintf("nothing to pin: no item is kept (%d generated items are not decided): pass --keep-all, --keep-starred or --keep IDS, or curate with 'genmint curate'", d.Undecided))
	}
	return nil
}

// pin pins the kept items (and checks those pinned before).
func (r *runner) pin(ctx context.Context) error {
	f := r.f
	res, err := pin.Run(ctx, pin.Options{Dir: f.Dir, DB: r.db, Collection: pin.MetadataFactsFromSpec(r.s),
		Pinners: r.dest.Pinners, CAR: r.dest.CAR})
	if err != nil {
		return cmdutil.PinError(err)
	}
	r.res.Pin = &Pinned{Items: len(res.Items), NewlyPinned: res.NewlyPinned, BaseURI: res.BaseURI, ContractURI: res.ContractURI,
		Roots: res.Roots, Destinations: res.Destinations}
	if !f.Quiet {
		cmdutil.PrintPinned(f.IO.ErrOut, res)
	}
	return nil
}

// mint deploys (once) and mints every pinned item, and returns the contract.
func (r *runner) mint(ctx context.Context) (common.Address, error) {
	o, f := r.o, r.f
	nw := r.s.Network
	run := mint.Options{DB: r.db, Backend: r.backend, Signer: r.signer.Opts, Network: nw, Collection: mint.ContractFactsFromSpec(r.s),
		MaxFeePerGas: cmdutil.GweiToWei(o.MaxFeeGwei), Confirmations: 1, Poll: o.Poll,
		Progress: cmdutil.MintProgress(f.IO.ErrOut, f.Quiet), Dir: f.Dir, Node: redact.URL(o.RPC)}
	facts := pin.MetadataFactsFromSpec(r.s)
	run.Metadata = &facts // recompute the metadata root from the folder before anything is sent
	if !nw.Test && !o.Yes {
		run.Confirm = cmdutil.ConfirmMint(f.IO)
	}
	// A fresh clone has the collection's deployments/<network>.json but no
	// state database: adopt the deployment and its tokens from the file and
	// the chain (identity checked, nothing sent) before planning, so a
	// second CI run deploys and mints nothing.
	adopted, err := mint.Rebuild(ctx, mint.RebuildOptions{DB: r.db, Dir: f.Dir, Network: nw, Backend: r.backend, Node: redact.URL(o.RPC)})
	if err != nil {
		return common.Address{}, cmdutil.MintError(err)
	}
	if adopted.Record != nil && !f.Quiet {
		fmt.Fprintf(f.IO.ErrOut, "Adopted the deployment of %s from %s/%s.json and the chain: %d tokens already minted.\n",
			adopted.Record.Address.Hex(), mint.DeploymentsDir, nw.Name, adopted.Tokens)
	}
	res, err := mint.Run(ctx, run)
	if res != nil {
		m := &Minted{Network: nw.Name, ChainID: nw.ChainID, Contract: res.Contract.Hex(), Owner: res.Owner.Hex(), Deployed: res.Deployed,
			Minted: res.Minted, Total: res.Total, GasUsed: res.GasUsed, TxHashes: []string{}, FeesWei: "0"}
		for _, t := range res.Txs {
			m.TxHashes = append(m.TxHashes, t.Hash.Hex())
		}
		if res.FeesWei != nil {
			m.FeesWei = res.FeesWei.String()
		}
		m.Adopted = adopted.Record != nil
		r.res.Mint = m
	}
	if err != nil {
		return common.Address{}, cmdutil.MintError(err)
	}
	if !f.Quiet {
		if res.Minted == 0 && len(res.Txs) == 0 {
			fmt.Fprintf(f.IO.ErrOut, "Nothing to mint: %d items are minted at %s on %s (chain %d).\n", res.Total, res.Contract.Hex(), nw.Name, nw.ChainID)
		} else {
			fmt.Fprintf(f.IO.ErrOut, "Minted %d tokens at %s on %s (chain %d); %d in all; %s gas, fees %s ETH.\n", res.Minted, res.Contract.Hex(),
				nw.Name, nw.ChainID, res.Total, humanize.Comma(int64(res.GasUsed)), mint.FormatETH(res.FeesWei))
		}
	}
	return res.Contract, nil
}

// verify re-derives every token from ch (nil: the pinned collection from
// the pin record) and the IPFS source just pinned to.
func (r *runner) verify(ctx context.Context, ch verify.Chain) error {
	o, f := r.o, r.f
	rec, err := pin.Latest(ctx, r.db)
	if err != nil {
		return err
	}
	auth, err := cmdutil.KuboAuth(f.Getenv, o.IPFSAPIAuthEnv)
	if err != nil {
		return err
	}
	content, err := verify.OpenContent(ctx, verify.ContentOptions{CAR: o.CAR, IPFSAPI: o.IPFSAPI, IPFSAuth: auth, Getenv: f.Getenv})
	if err != nil {
		return err
	}
	if c, ok := content.(interface{ Close() error }); ok {
		defer c.Close()
	}
	prog := cmdutil.NewProgress(f.IO, "tok", f.Quiet)
	rep, err := verify.Run(ctx, verify.Options{Chain: ch, Content: content, Pin: rec, Started: prog.Start,
		Progress: func(tr verify.TokenResult) { prog.Step(fmt.Sprintf("token %d verified", tr.ID), !tr.OK) }})
	prog.Finish()
	if err != nil {
		return err
	}
	v := &Verified{Tokens: rep.Tokens, Verified: rep.Verified, OK: rep.OK, Summary: rep.Summary(), Failures: []string{}}
	for _, fl := range rep.Failures() {
		v.Failures = append(v.Failures, fl.String())
	}
	r.res.Verify = v
	if !rep.OK {
		return r.stop("verify", cmdutil.ExitNotVerified, fmt.Sprintf("%s; %s", rep.Summary(), strings.Join(v.Failures, "; ")))
	}
	return nil
}

// finish prints the result (one JSON document with --json, else a line on
// stdout) and turns err into the exit.
func (r *runner) finish(ctx context.Context, err error) error {
	f := r.f
	code := cmdutil.CodeOf(err)
	var st *stopped
	if errors.As(err, &st) {
		code = st.code
		r.res.StoppedAt, r.res.Reason = st.step, st.reason
	} else if err != nil {
		if errors.Is(err, context.Canceled) || (ctx.Err() != nil && code == cmdutil.ExitFailure) {
			code = cmdutil.ExitInterrupted
			err = errors.New("interrupted: everything finished so far is kept; run the command again to resume")
		}
		r.res.StoppedAt, r.res.Reason = r.step(), err.Error()
	}
	r.res.ExitCode = int(code)
	if !f.JSON {
		if err == nil {
			fmt.Fprintln(f.IO.Out, r.line())
			return nil
		}
		if st != nil {
			if r.res.Pin != nil || r.res.Generate != nil {
				fmt.Fprintln(f.IO.Out, r.line())
			}
			fmt.Fprintln(f.IO.ErrOut, f.IO.Color(cmdutil.Red, "genmint: ")+st.reason)
			return cmdutil.Silent(code)
		}
		return err // the root command prints it
	}
	if err != nil {
		fmt.Fprintln(f.IO.ErrOut, f.IO.Color(cmdutil.Red, "genmint: ")+r.res.Reason)
	}
	if perr := cmdutil.PrintJSON(f.IO.Out, r.res); perr != nil {
		return perr
	}
	if err != nil {
		return cmdutil.Silent(code) // the document says it all: one document on stdout
	}
	return nil
}

// step names the first step without a result: where an error stopped the run.
func (r *runner) step() string {
	switch {
	case !r.checked:
		return "check"
	case r.res.Generate == nil:
		return "generate"
	case r.res.Decide == nil:
		return "decide"
	case r.res.Pin == nil:
		return "pin"
	case r.res.Mint == nil && !r.o.NoMint:
		return "mint"
	}
	return "verify"
}

// line is the one-line result on stdout.
func (r *runner) line() string {
	res := r.res
	var parts []string
	if g := res.Generate; g != nil {
		p := fmt.Sprintf("generated %d (%d already done)", g.Generated, g.AlreadyDone)
		if g.Paid {
			p += fmt.Sprintf(", $%.2f this run", g.CostUSD)
		}
		parts = append(parts, p)
	}
	if p := res.Pin; p != nil {
		parts = append(parts, fmt.Sprintf("pinned %d (%d new) at %s", p.Items, p.NewlyPinned, p.BaseURI))
	}
	if m := res.Mint; m != nil {
		parts = append(parts, fmt.Sprintf("minted %d (%d in all) at %s, %d transactions", m.Minted, m.Total, m.Contract, len(m.TxHashes)))
	}
	if v := res.Verify; v != nil {
		parts = append(parts, v.Summary)
	}
	return strings.Join(parts, "; ")
}
