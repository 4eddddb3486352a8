// Package verifycmd implements `genmint verify`.
package verifycmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/internal/usage"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/provenance/c2pa"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// VerifyOptions are `genmint verify`'s inputs.
type VerifyOptions struct {
	IO     *cmdutil.IOStreams
	JSON   bool
	Quiet  bool
	Dir    string
	Getenv func(string) string
	Spec   func() (*spec.Spec, error)
	State  func(ctx context.Context, create bool) (*state.DB, error)

	// MintDefaults, when set, gives the RPC URL and contract address
	// recorded for the collection: the defaults come from the collection's
	// mint record when one exists, and --rpc/--contract override each.
	// ok is false when the collection was never minted.
	MintDefaults func(ctx context.Context, db *state.DB) (rpc, contract string, ok bool, err error)
	// Chain opens the collection at RPC and Contract (default: go-ethereum's
	// ethclient, verify.DialChain). Called only when both are known.
	Chain func(ctx context.Context) (verify.Chain, error)
	// CheckDeployment, in the collection's folder, checks the recorded
	// deployment at Contract against RPC's chain: why the chain does not
	// hold it ("" when it does, or when Contract is not the recorded one).
	CheckDeployment func(ctx context.Context, db *state.DB) (missing string, err error)
	// Content opens the IPFS source the flags name (default
	// verify.OpenContent: --car, --gateway, else a Kubo node).
	Content func(ctx context.Context) (verify.Content, error)

	Local    bool
	RPC      string
	Contract string
	IPFSAPI  string
	// IPFSAPIAuthEnv names the variable holding the whole Authorization
	// header value for IPFSAPI (a Kubo behind API.Authorizations), as pin's.
	IPFSAPIAuthEnv string
	Gateway        string
	CAR            string
	Only           []int
	Concurrency    int
	RequireAIGC    bool
	Timeout        time.Duration
}

// NewCmdVerify builds `genmint verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IO, Spec: f.LoadSpec, State: f.OpenState}
	opts.MintDefaults = func(ctx context.Context, db *state.DB) (string, string, bool, error) {
		rpc, contract, ok, err := mintDefaults(ctx, db, f.Getenv)
		if err != nil || ok {
			return rpc, contract, ok, err
		}
		// The state lost its journal: deployments/<network>.json outlives it.
		if s, serr := opts.Spec(); serr == nil {
			if rec, rerr := mint.ReadDeploymentFile(opts.Dir, s.Network.Name); rerr == nil && rec != nil {
				return f.Getenv("ETH_RPC_URL"), rec.Address.Hex(), true, nil
			}
		}
		return "", "", false, nil
	}
	opts.Chain = func(ctx context.Context) (verify.Chain, error) { return verify.DialChain(ctx, opts.RPC, opts.Contract) }
	opts.CheckDeployment = func(ctx context.Context, db *state.DB) (string, error) { return checkDeployment(ctx, opts, db) }
	opts.Content = func(ctx context.Context) (verify.Content, error) {
		auth, err := cmdutil.KuboAuth(opts.Getenv, opts.IPFSAPIAuthEnv)
		if err != nil {
			return nil, err
		}
		return verify.OpenContent(ctx, verify.ContentOptions{CAR: opts.CAR, Gateway: opts.Gateway, IPFSAPI: opts.IPFSAPI, IPFSAuth: auth, Getenv: opts.Getenv})
	}
	var only string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-derive the collection from bytes: chain → tokenURI → metadata → image → provenance",
		Long: `Check every token the way a collector would, trusting nothing but the
contract address: read tokenURI from the chain, fetch the metadata, the
image, the provenance record and the original from IPFS, re-derive each
file's CID from its bytes (under the import profile 'genmint pin' used) and
check it is exactly what the directory above links, then check the image's
embedded provenance against its record and the metadata against both. In
the collection's folder, tokenURIs must also be the pinned baseURI.

IPFS bytes come from a Kubo node (--ipfs-api, else $IPFS_API, else
~/.ipfs/api, else 127.0.0.1:5001; --ipfs-api-auth-env NAME for one behind
API.Authorizations, as for pin), an HTTP gateway (--gateway URL), or the
CAR file 'genmint pin --car' wrote (--car FILE, no node needed). Without
--rpc and --contract, verify checks the pinned collection from the pin
record. --local checks the folder alone, with no chain and no network:
every final image against its provenance.json, the originals' and
animations' hashes, and, once pinned, every CID recomputed from the files
against the pin record.

One line per token goes to stderr as it is checked; the summary and one
line per broken link (the token, the link, expected and got, what to do)
go to stdout. Exit codes: 0 everything verified, 4 a check failed, 1 a
source could not be used (nothing was decided), 2 bad flags.`,
		Example: `  genmint verify --rpc https://sepolia.example --contract 0xAbc… --gateway https://ipfs.io
  genmint verify --car collection.car          # the pinned collection, no node
  KUBO_AUTH="Bearer …" genmint verify --ipfs-api https://rpc.example.com --ipfs-api-auth-env KUBO_AUTH
  genmint verify --local                       # the folder alone, offline
  genmint verify --only 1-10 --json            # a stable report document`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Quiet, opts.Dir, opts.Getenv = f.JSON, f.Quiet, f.Dir, f.Getenv
			if only != "" {
				ids, err := curate.ParseIDs(only)
				if err != nil {
					return cmdutil.AsUsage(fmt.Errorf("--only: %w", err))
				}
				opts.Only = ids
			}
			sources := 0
			for _, s := range []string{opts.IPFSAPI, opts.Gateway, opts.CAR} {
				if s != "" {
					sources++
				}
			}
			authErr := cmdutil.CheckKuboAuth(opts.IPFSAPI, opts.IPFSAPIAuthEnv)
			switch {
			case opts.Local && (opts.RPC != "" || opts.Contract != "" || sources > 0 || opts.RequireAIGC):
				return cmdutil.UsageError("--local reads no chain and no network: drop --rpc, --contract, --ipfs-api, --gateway, --car and --erc7007")
			case sources > 1:
				return cmdutil.UsageError("read IPFS from one source: give one of --ipfs-api, --gateway and --car")
			case authErr != nil:
				return authErr
			case opts.Concurrency < 0 || opts.Timeout < 0:
				return cmdutil.UsageError("--concurrency and --timeout must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Local, "local", false, "check the collection folder alone: no chain, no network")
	fl.StringVar(&opts.RPC, "rpc", "", "the chain's JSON-RPC `URL` (alias --rpc-url)")
	fl.StringVar(&opts.Contract, "contract", "", "the collection contract's `address`")
	fl.StringVar(&opts.IPFSAPI, "ipfs-api", "", "read IPFS through this Kubo RPC `address` (multiaddr or URL)")
	cmdutil.RegisterKuboAuth(fl, &opts.IPFSAPIAuthEnv, "")
	fl.StringVar(&opts.Gateway, "gateway", "", "read IPFS through this HTTP gateway `URL` (path style, e.g. https://ipfs.io)")
	fl.StringVar(&opts.CAR, "car", "", "read IPFS from this CAR `file` (as 'genmint pin --car' wrote it)")
	fl.StringVar(&only, "only", "", "only these token `IDS`, e.g. 3,7-9")
	fl.IntVarP(&opts.Concurrency, "concurrency", "j", 0, "tokens checked at once (default 4)")
	fl.BoolVar(&opts.RequireAIGC, "erc7007", false, "fail tokens without their ERC-7007 prompt and content hash on chain")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "give up on one file after this `duration` (default 2m)")
	return cmd
}

// verifyRun verifies and prints the report.
func verifyRun(ctx context.Context, o *VerifyOptions) error {
	if o.Local {
		return runLocal(ctx, o)
	}
	// In the collection's folder, its state gives the pin record (the
	// expected baseURI and import profile) and the mint defaults; anywhere
	// else (a collector checking someone's collection) there is none.
	var rec *pin.Record
	db, err := o.State(ctx, false)
	switch {
	case err == nil:
		defer db.Close()
		rec, err = pin.Latest(ctx, db)
		if errors.Is(err, pin.ErrNoPinRun) {
			rec = nil
		} else if err != nil {
			return err
		}
		if o.MintDefaults != nil {
			rpc, contract, ok, err := o.MintDefaults(ctx, db)
			if err != nil {
				return err
			}
			if ok && o.RPC == "" {
				o.RPC = rpc
			}
			if ok && o.Contract == "" {
				if o.RPC == "" {
					// Minted, but no endpoint to read it from: check what was
					// pinned, and say how to include the chain.
					fmt.Fprintf(o.IO.ErrOut, "note: this collection is minted at %s: pass --rpc URL (or set ETH_RPC_URL) to verify it from the chain\n", contract)
				} else {
					o.Contract = contract
				}
			}
		}
	case cmdutil.CodeOf(err) != cmdutil.ExitUsage:
		return err
	}
	switch {
	case o.RPC != "" && o.Contract == "":
		return cmdutil.UsageError("--rpc needs --contract ADDR: the collection's contract address")
	case o.Contract != "" && o.RPC == "":
		return cmdutil.UsageError("--contract needs --rpc URL: the chain's JSON-RPC endpoint")
	case o.RPC == "" && rec == nil:
		return cmdutil.AsUsage(verify.ErrNothingToVerify)
	}

	if db != nil && o.RPC != "" && o.CheckDeployment != nil {
		// The collection's own contract: its chain must still hold the
		// recorded deployment, or nothing read from that address is its.
		if r, err := o.deploymentMissing(ctx, db); err != nil || r != nil {
			if err != nil {
				return classify(err)
			}
			return o.print(r)
		}
	}
	content, err := o.Content(ctx)
	if err != nil {
		return classify(withCARHint(err, rec))
	}
	defer closeIt(content)
	run := verify.Options{Content: content, Pin: rec, IDs: o.Only, Concurrency: o.Concurrency, FetchTimeout: o.Timeout, RequireAIGC: o.RequireAIGC}
	if run.C2PA, err = c2paCheck(o.Dir); err != nil {
		return err
	}
	if rec != nil {
		run.Facts, run.Dir = specFacts(o), o.Dir
	}
	if o.RPC != "" {
		ch, err := o.Chain(ctx)
		if err != nil {
			return classify(err)
		}
		defer closeIt(ch)
		run.Chain = ch
	}
	prog := cmdutil.NewProgress(o.IO, "tok", o.Quiet)
	run.Started, run.Progress = prog.Start, o.progress(prog, "token")
	r, err := verify.Run(ctx, run)
	prog.Finish()
	if err != nil {
		return classify(err)
	}
	return o.print(r)
}

func runLocal(ctx context.Context, o *VerifyOptions) error {
	s, err := o.Spec()
	if err != nil {
		return err
	}
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	check, err := c2paCheck(o.Dir)
	if err != nil {
		return err
	}
	prog := cmdutil.NewProgress(o.IO, "item", o.Quiet)
	r, err := verify.Local(ctx, verify.LocalOptions{Dir: o.Dir, DB: db, Collection: pin.MetadataFactsFromSpec(s), IDs: o.Only,
		Concurrency: o.Concurrency, C2PA: check, Started: prog.Start, Progress: o.progress(prog, "item")})
	prog.Finish()
	if err != nil {
		return err
	}
	return o.print(r)
}

// progress prints one line per token: what it re-derived, or its failure.
func (o *VerifyOptions) progress(p *cmdutil.Progress, noun string) func(verify.TokenResult) {
	return func(tr verify.TokenResult) {
		if !tr.OK && len(tr.Failures) > 0 {
			p.Step(o.IO.Color(cmdutil.Red, "✗ ")+termtext.Line(tr.Failures[0].String()), true)
			return
		}
		var parts []string
		for _, f := range []struct{ name, v string }{
			{"metadata", tr.MetadataCID}, {"image", tr.ImageCID}, {"provenance", shortHash(tr.ContentSHA256)}, {"owner", tr.Owner},
		} {
			if f.v != "" {
				parts = append(parts, f.name+" "+shortCID(f.v))
			}
		}
		if tr.ERC7007 != "" {
			parts = append(parts, "erc7007 "+tr.ERC7007)
		}
		if cc := tr.ContentCredentials; cc != nil && cc.Status != "absent" {
			c := "c2pa " + cc.Status
			if cc.Status == "untrusted" {
				c = "c2pa signed by an untrusted certificate (" + cc.Signer + ")"
			}
			parts = append(parts, c)
		}
		p.Step(fmt.Sprintf("%s %s %d verified: %s", o.IO.Color(cmdutil.Green, "✓"), noun, tr.ID, strings.Join(parts, ", ")), false)
	}
}

// print writes the report (one JSON document, or the summary and one line
// per failure) and maps a failed check to exit code 4.
func (o *VerifyOptions) print(r *verify.Report) error {
	if o.JSON {
		if err := cmdutil.PrintJSON(o.IO.Out, r); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(o.IO.Out, r.Summary())
		for _, f := range r.Failures() {
			fmt.Fprintln(o.IO.Out, f.String())
		}
	}
	if !r.OK {
		return cmdutil.Silent(cmdutil.ExitNotVerified)
	}
	return nil
}

// classify maps verify's errors to exit codes: bad flag values and nothing
// to verify are usage errors (2); a source that cannot be used fails (1).
func classify(err error) error {
	if errors.Is(err, usage.Err) || errors.Is(err, verify.ErrNothingToVerify) {
		return cmdutil.AsUsage(errors.New(strings.TrimPrefix(err.Error(), usage.Err.Error()+": ")))
	}
	return err
}

// withCARHint names the CAR file 'genmint pin' wrote when no node answers.
func withCARHint(err error, rec *pin.Record) error {
	if rec == nil || !errors.Is(err, pin.ErrKuboUnreachable) {
		return err
	}
	for _, p := range rec.Pinned {
		if path, ok := strings.CutPrefix(p.Destination, "car "); ok {
			return fmt.Errorf("%w ('genmint pin' wrote %s)", err, path)
		}
	}
	return err
}

func closeIt(v any) {
	if c, ok := v.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

// shortCID keeps a CID's codec prefix and its tail: bafkrei…q6uee.
func shortCID(s string) string {
	if len(s) > 20 && strings.HasPrefix(s, "b") {
		return s[:7] + "…" + s[len(s)-6:]
	}
	return s
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// mintDefaults reads the contract `genmint mint` deployed for this
// collection, and the RPC endpoint from ETH_RPC_URL (the same fallback mint
// uses; the URL itself is never stored, as it often holds an API key). A
// collection minted only on the demo's in-process chain has nothing to read
// back.
func mintDefaults(ctx context.Context, db *state.DB, getenv func(string) string) (rpc, contract string, ok bool, err error) {
	st, err := mint.ReadStatus(ctx, db)
	if err != nil {
		return "", "", false, err
	}
	d := st.Deployment
	if d == nil || d.ChainID == mint.SimulatedNetwork.ChainID {
		return "", "", false, nil
	}
	return getenv("ETH_RPC_URL"), d.Contract.Hex(), true, nil
}

// specFacts are genmint.yaml's metadata facts, which verify re-derives the
// spec-driven fields from; nil (with a note) when the spec does not load.
func specFacts(o *VerifyOptions) *pin.MetadataFacts {
	if o.Spec == nil {
		return nil
	}
	s, err := o.Spec()
	if err != nil {
		fmt.Fprintf(o.IO.ErrOut, "note: genmint.yaml does not load, so the fields it decides (traits' display, licence, contract pictures) are not re-derived: %v\n", err)
		return nil
	}
	f := pin.MetadataFactsFromSpec(s)
	return &f
}

// c2paCheck is the Content Credentials check: every image carrying a C2PA
// manifest is validated, against the trust anchors of the collection's
// set-up (genmint c2pa init) when the folder has one.
func c2paCheck(dir string) (*verify.C2PA, error) {
	cfg, err := c2pa.LoadConfig(dir)
	if err != nil {
		return nil, cmdutil.AsUsage(err)
	}
	check := &verify.C2PA{}
	if cfg != nil {
		if check.Roots, err = cfg.Roots(dir); err != nil {
			return nil, cmdutil.AsUsage(err)
		}
	}
	return check, nil
}
