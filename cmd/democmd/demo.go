// Package democmd implements `genmint demo`: the whole pipeline on embedded
// defaults, with no network, node or key.
package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/templates"
	"github.com/genmint/genmint/verify"
)

// DemoOptions are `genmint demo`'s inputs.
type DemoOptions struct {
	F   *cmdutil.Factory
	Dir string
}

// DefaultDir is where the demo collection goes without an argument.
const DefaultDir = "genmint-demo"

// DemoSeed makes every demo collection the same.
const DemoSeed = 20261122

// CARFile is the demo's pin destination inside its folder.
const CARFile = "collection.car"

// NewCmdDemo builds `genmint demo`.
func NewCmdDemo(f *cmdutil.Factory, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{F: f}
	return &cobra.Command{
		Use:   "demo [DIR]",
		Short: "Run the whole pipeline on a demo collection, offline",
		Long: `Create a demo collection in DIR (default ./genmint-demo) from the procedural
starter and run the whole pipeline with no network, API key, node or wallet:
generate every item, keep them all, pin them into a CAR file
(DIR/collection.car), then deploy the contract and mint every token on an
in-process Ethereum chain (go-ethereum's simulated backend, mainnet's rules,
a throwaway key). It ends with the token URIs and the gas used.

Running it again resumes where it stopped.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = DefaultDir
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if f.Dir != "." {
				opts.Dir = filepath.Join(f.Dir, opts.Dir)
			}
			if runF != nil {
				return runF(opts)
			}
			return demoRun(cmd.Context(), opts)
		},
	}
}

// Result is demo's JSON document.
type Result struct {
	Dir       string   `json:"dir"`
	Items     int      `json:"items"`
	CAR       string   `json:"car"`
	BaseURI   string   `json:"base_uri"`
	Contract  string   `json:"contract"`
	TokenURIs []string `json:"token_uris"`
	GasUsed   uint64   `json:"gas_used"`
	// Verified is verify's summary of the tokens minted by this run, read
	// back from the chain and the CAR file (empty when nothing new was minted).
	Verified string `json:"verified,omitempty"`
}

// demoRun takes the demo collection through every step that is not done
// yet, with library calls (the other commands' printers and exit codes from
// cmdutil):
//
//  1. create it from the procedural starter (once);
//  2. generate every item and keep them all;
//  3. pin them into DIR/collection.car;
//  4. deploy and mint on the in-process chain;
//  5. verify every token just minted: chain → tokenURI → metadata → image → provenance;
//  6. print the token URIs, the gas used and the verification.
func demoRun(ctx context.Context, o *DemoOptions) error {
	f := o.F
	if _, err := os.Stat(filepath.Join(o.Dir, spec.FileName)); os.IsNotExist(err) {
		name := "genmint demo"
		_, symbol, slug := templates.NameFromDir(name)
		if _, err := cmdutil.WriteStarter(o.Dir, templates.Default, templates.Vars{Name: name, Symbol: symbol, Slug: slug,
			Creator: "genmint demo", Seed: DemoSeed}); err != nil {
			return err
		}
		if !f.Quiet && !f.JSON {
			fmt.Fprintf(f.IO.ErrOut, "Created a demo collection in %s (procedural starter).\n", o.Dir)
		}
	}
	// The steps' own summaries are progress here: they go to stderr, and
	// the demo's result alone to stdout.
	sub := *f
	sub.Dir, sub.JSON = o.Dir, false
	steps := *f.IO
	steps.Out = f.IO.ErrOut
	sub.IO = &steps

	s, err := sub.LoadSpec()
	if err != nil {
		return err
	}
	unlock, err := state.Lock(o.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	db, err := sub.OpenState(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()

	if err := generateAll(ctx, &sub, s, db); err != nil {
		return err
	}
	car := filepath.Join(o.Dir, CARFile)
	if err := pinToCAR(ctx, &sub, s, db, car); err != nil {
		return err
	}
	res, err := mintOnSimulatedChain(ctx, &sub, s, db, car)
	if err != nil {
		return err
	}
	res.Dir, res.CAR = o.Dir, car
	if f.JSON {
		return cmdutil.PrintJSON(f.IO.Out, res)
	}
	w := f.IO.Out
	fmt.Fprintf(w, "Minted %d tokens of %s on an in-process chain (contract %s), %s gas in all.\n",
		res.Items, o.Dir, res.Contract, humanize.Comma(int64(res.GasUsed)))
	for _, u := range res.TokenURIs {
		fmt.Fprintln(w, "  "+u)
	}
	if res.Verified != "" {
		fmt.Fprintln(w, strings.ToUpper(res.Verified[:1])+res.Verified[1:]+".")
	}
	fmt.Fprintf(w, "Images, metadata and provenance are in %s/items/ and %s. Try: genmint -C %s status\n", o.Dir, car, o.Dir)
	return nil
}

// generateAll generates every item, as `genmint generate --keep-all` does:
// the same pipeline, progress and summary (on f's streams).
func generateAll(ctx context.Context, f *cmdutil.Factory, s *spec.Spec, db *state.DB) error {
	prog := cmdutil.NewGenerateProgress(f.IO, f.Quiet)
	run, err := f.Pipeline(s, prog.Logger(), 0)
	if err != nil {
		return err
	}
	run.DB, run.Progress = db, prog
	sum, err := pipeline.Run(ctx, run)
	prog.Finish()
	if err != nil {
		return err
	}
	if !sum.Interrupted {
		ids := make([]int, s.Count)
		for i := range ids {
			ids[i] = i + 1
		}
		if _, err := db.SetStatus(context.WithoutCancel(ctx), ids, state.Kept, state.Generated); err != nil {
			return err
		}
	}
	if err := cmdutil.PrintGenerateSummary(f.IO, false, sum, run.Info, 0); err != nil {
		return err
	}
	return cmdutil.GenerateExit(sum)
}

// pinToCAR pins the kept items into the CAR file, as `genmint pin --car`
// does (quietly: its summary only, on f's streams).
func pinToCAR(ctx context.Context, f *cmdutil.Factory, s *spec.Spec, db *state.DB, car string) error {
	dest, err := pin.OpenDestinations(ctx, pin.DestinationOptions{CAR: car, Getenv: f.Getenv})
	if err != nil {
		return cmdutil.PinError(err)
	}
	res, err := pin.Run(ctx, pin.Options{Dir: f.Dir, DB: db, Collection: pin.MetadataFactsFromSpec(s), Pinners: dest.Pinners, CAR: dest.CAR})
	if err != nil {
		return cmdutil.PinError(err)
	}
	cmdutil.PrintPinned(f.IO.Out, res)
	return nil
}

// mintOnSimulatedChain deploys and mints whatever is pinned on a fresh
// in-process chain with the throwaway key. The journal makes it resumable
// like a real run: a transaction signed before a crash is sent again,
// byte-identical, to the new chain.
func mintOnSimulatedChain(ctx context.Context, f *cmdutil.Factory, s *spec.Spec, db *state.DB, car string) (*Result, error) {
	rec, err := pin.Latest(ctx, db)
	if err != nil {
		return nil, err
	}
	res := &Result{Items: len(rec.ItemIDs), BaseURI: rec.BaseURI}
	pinned, err := db.Items(ctx, state.Query{Statuses: []state.Status{state.Pinned}})
	if err != nil {
		return nil, err
	}
	st, err := mint.ReadStatus(ctx, db)
	if err != nil {
		return nil, err
	}
	var fromChain *chain.Contract
	if len(pinned) > 0 || st.Open > 0 {
		sim := mint.NewSimulated()
		defer sim.Close()
		out, err := mint.Run(ctx, mint.Options{DB: db, Backend: sim, Signer: mint.SimulatedSigner(), Network: mint.SimulatedNetwork,
			Collection: mint.ContractFactsFromSpec(s), Pin: rec, Poll: 10 * time.Millisecond})
		if err != nil {
			return nil, err
		}
		if out.Deployed {
			fromChain = chain.Open(sim, out.Contract)
			// 5. Verify what was just minted, from the chain and the CAR
			//    file alone: tokenURI → metadata → image → provenance.
			if res.Verified, err = verifyDemo(ctx, verify.OpenChain(sim, out.Contract, "the in-process chain", nil), car, rec); err != nil {
				return nil, err
			}
		}
		if st, err = mint.ReadStatus(ctx, db); err != nil {
			return nil, err
		}
	}
	if st.Deployment == nil {
		return nil, fmt.Errorf("the demo collection has no deployment recorded: delete %s and run 'genmint demo' again", f.Dir)
	}
	if fromChain == nil {
		// The in-process chain of an earlier run is gone: verify what was
		// pinned for it, from the pin record and the CAR file.
		if res.Verified, err = verifyDemo(ctx, nil, car, rec); err != nil {
			return nil, err
		}
	}
	res.Contract = st.Deployment.Contract.Hex()
	for _, t := range st.Txs {
		if t.Status == mint.TxMined || t.Status == mint.TxReverted {
			res.GasUsed += t.GasUsed
		}
	}
	// A few token URIs, read back from the chain when it still exists.
	ids := rec.ItemIDs
	if len(ids) > 4 {
		ids = append(append([]int{}, ids[:3]...), ids[len(ids)-1])
	}
	for i, id := range ids {
		uri := fmt.Sprintf("%s%d", rec.BaseURI, id)
		if fromChain != nil {
			if uri, err = fromChain.TokenURI(ctx, uint64(id)); err != nil {
				return nil, err
			}
		}
		if i == 3 {
			res.TokenURIs = append(res.TokenURIs, "…")
		}
		res.TokenURIs = append(res.TokenURIs, fmt.Sprintf("tokenURI(%d) = %s", id, uri))
	}
	return res, nil
}

// verifyDemo re-derives every minted token from the chain and the CAR file
// and returns the summary line; any broken link fails the demo.
func verifyDemo(ctx context.Context, c verify.Chain, car string, rec *pin.Record) (string, error) {
	content, err := verify.OpenCAR(car)
	if err != nil {
		return "", err
	}
	defer content.Close()
	rep, err := verify.Run(ctx, verify.Options{Chain: c, Content: content, Pin: rec})
	if err != nil {
		return "", err
	}
	if fails := rep.Failures(); len(fails) > 0 {
		return "", fmt.Errorf("the demo collection did not verify: %s", rep.Summary())
	}
	return rep.Summary(), nil
}
