// Package repaircmd implements `genmint repair`.
package repaircmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/verify"
)

// RepairOptions are `genmint repair`'s inputs.
type RepairOptions struct {
	IO     *cmdutil.IOStreams
	JSON   bool
	Dir    string
	Force  bool
	Spec   func() (*spec.Spec, error)
	Now    func() time.Time
	Getenv func(string) string

	IPFSAPI string
	// IPFSAPIAuthEnv names the variable holding the whole Authorization
	// header value for IPFSAPI, as for `genmint pin`.
	IPFSAPIAuthEnv string
	CAR            string
	// RPC, when set, is a node the mint records are rebuilt from (with
	// deployments/<network>.json).
	RPC string
}

// NewCmdRepair builds `genmint repair`.
func NewCmdRepair(f *cmdutil.Factory, runF func(*RepairOptions) error) *cobra.Command {
	opts := &RepairOptions{IO: f.IO, Spec: f.LoadSpec}
	cmd := &cobra.Command{
		Use:   "repair",
		Short: "Rebuild a damaged or lost state database from items/",
		Long: `Rebuild .genmint/state.db from the collection's files: every item folder
whose provenance.json verifies against its final image and original becomes
generated again; the others are reported and left for 'genmint generate'.

A damaged database is moved aside (state.db.damaged-<time>), never deleted,
and what the files cannot prove is carried over from it when it can still be
read: the request (spend) journal, curation decisions and variants, the
mint journal and the pin records. A pin record counts only when every CID
recomputed from the verified folders matches it; without one, the CIDs are
recomputed and looked for where they were pinned: give --ipfs-api ADDR (a
Kubo node; --ipfs-api-auth-env NAME for one behind API.Authorizations, as
for 'genmint pin', whose uploads/kubo.json records are then put back) or
--car FILE (the CAR file 'genmint pin --car' wrote); the upload
services uploads/<service>.json names are asked too, with the credentials
the environment holds (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or
AWS_PROFILE; PINATA_JWT), and each upload they confirm is recorded again. The same
flags restore the files of pinned items whose folder was deleted. Nothing is
uploaded or sent.

A database that opens is completed instead: folders it lost track of are
recorded, missing pin records rebuilt, items whose folder is gone reported.

With --rpc URL, the mint records are rebuilt from deployments/<network>.json
and that node: the deployment is checked against the chain, then every token
(totalSupply, its Transfer and ConsecutiveTransfer events) and the
transactions that minted them are adopted, and their items become minted, so
'genmint mint' never deploys a second contract. Nothing is sent.`,
		Example: `  genmint repair                       # after a lost or damaged state.db
  genmint repair --car collection.car  # and rebuild the pin record from the CAR file
  genmint repair --ipfs-api /ip4/127.0.0.1/tcp/5001
  KUBO_AUTH="Bearer …" genmint repair --ipfs-api https://rpc.example.com --ipfs-api-auth-env KUBO_AUTH
  genmint repair --car collection.car --rpc http://127.0.0.1:8545  # and the mint records`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Dir, opts.Now, opts.Getenv = f.JSON, f.Dir, f.Now, f.Getenv
			if err := cmdutil.CheckKuboAuth(opts.IPFSAPI, opts.IPFSAPIAuthEnv); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return repairRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Force, "force", false, "rebuild even though the database opens fine (it is moved aside first, its journals carried over)")
	fl.StringVar(&opts.IPFSAPI, "ipfs-api", "", "a Kubo RPC `address` to ask whether the recomputed roots are pinned there")
	cmdutil.RegisterKuboAuth(fl, &opts.IPFSAPIAuthEnv, "")
	fl.StringVar(&opts.RPC, "rpc", "", "rebuild the mint records from deployments/<network>.json and the node at this JSON-RPC `URL`")
	fl.StringVar(&opts.CAR, "car", "", "a CAR `file` 'genmint pin --car' wrote, to check the recomputed roots against (read only)")
	return cmd
}

// Report is what `genmint repair --json` prints.
type Report struct {
	*pipeline.RepairReport
	Carried *state.CarryReport `json:"carried,omitempty"`
	Pin     *pin.RebuildReport `json:"pin"`
	Fresh   bool               `json:"fresh"` // a new database was built (else an open one was completed)
	Mint    string             `json:"mint"`
	// MintRebuild is what --rpc adopted from deployments/ and the chain.
	MintRebuild *mint.RebuildReport `json:"mint_rebuild,omitempty"`
	// Restored lists pinned or minted items whose lost files were put back
	// from the pin; Unrestored says why the others could not be.
	Restored   []int  `json:"restored,omitempty"`
	Unrestored string `json:"unrestored,omitempty"`
	// UploadsUnchecked names the upload services uploads/ lists that were
	// not asked (their credentials are not set), with what to set.
	UploadsUnchecked []string `json:"uploads_unchecked,omitempty"`
}

// repairRun rebuilds the state database, in the order each part needs the
// one before: items from their folders, then the journals carried over,
// then pin records (from the items), then mint records (from the pin
// records, deployments/ and the chain).
func repairRun(ctx context.Context, o *RepairOptions) error {
	s, err := o.Spec()
	if err != nil {
		return err
	}
	unlock, err := state.Lock(o.Dir)
	if err != nil {
		return err
	}
	defer unlock()

	var moved string
	fresh := true
	db, err := state.Open(ctx, o.Dir, state.Options{Now: o.Now})
	switch {
	case err == nil && !o.Force:
		fresh = false
	case err == nil:
		db.Close()
		fallthrough
	case errors.Is(err, state.ErrCorrupt):
		if moved, err = state.MoveAside(o.Dir, o.Now()); err != nil {
			return err
		}
		fallthrough
	case errors.Is(err, state.ErrNoCollection):
		if db, err = state.Open(ctx, o.Dir, state.Options{Create: true, Now: o.Now}); err != nil {
			return err
		}
	default:
		return err
	}
	defer db.Close()

	// 1. Items, from the folders that verify.
	rep := &Report{Fresh: fresh}
	if rep.RepairReport, err = pipeline.Repair(ctx, s, db); err != nil {
		return err
	}
	rep.MovedAway = moved
	// 2. What the files cannot prove, from the old database.
	if moved != "" {
		if rep.Carried, err = db.CarryOver(ctx, moved); err != nil {
			return err
		}
	}
	// 3. Files of pinned or minted items that are gone, from the pin they
	// are recorded in (before the pin records are checked against the files).
	if err := restore(ctx, o, db, rep); err != nil {
		return err
	}
	// 3b. Pin records, recomputed from the items and checked at the destinations.
	ro := pin.RebuildOptions{Dir: o.Dir, DB: db, Collection: pin.MetadataFactsFromSpec(s), CAR: o.CAR}
	if o.IPFSAPI != "" {
		auth, err := cmdutil.KuboAuth(o.Getenv, o.IPFSAPIAuthEnv)
		if err != nil {
			return err
		}
		dest, err := pin.OpenDestinations(ctx, pin.DestinationOptions{IPFSAPI: o.IPFSAPI, IPFSAuth: auth, Getenv: o.Getenv})
		if err != nil {
			return cmdutil.PinError(err)
		}
		ro.Pinners = dest.Pinners
	}
	// The upload services uploads/ names, asked with the credentials the
	// environment holds: what they confirm is recorded again.
	if ro.Services, rep.UploadsUnchecked, err = pin.RecordedServices(o.Dir, o.Getenv); err != nil {
		return cmdutil.PinError(err)
	}
	// A remote Kubo's pins are asked only at the node --ipfs-api names (the
	// file keeps its scheme and host, not a path that may hold a key).
	if o.IPFSAPI == "" {
		ups, err := pin.ReadUploads(o.Dir, pin.KuboService)
		if err != nil {
			return cmdutil.PinError(err)
		}
		seen := map[string]bool{}
		for _, u := range ups {
			if !seen[u.Destination] {
				seen[u.Destination] = true
				rep.UploadsUnchecked = append(rep.UploadsUnchecked, u.Destination+" (give --ipfs-api URL, and --ipfs-api-auth-env NAME, to ask it)")
			}
		}
	}
	if rep.Pin, err = pin.Rebuild(ctx, ro); err != nil {
		return cmdutil.PinError(err)
	}
	// 4. Mint records: rebuilt from deployments/<network>.json and the chain
	// (after the pin records, whose baseURI they are checked against). Until
	// then the mint journal is only what CarryOver brought back.
	rep.Mint = "carried over"
	if moved == "" && fresh {
		rep.Mint = "not rebuilt"
	}
	if o.RPC != "" {
		if rep.MintRebuild, err = rebuildMint(ctx, o, s, db); err != nil {
			return err
		}
		rep.Mint = "rebuilt from " + mint.DeploymentsDir + "/ and the chain"
		if rep.MintRebuild.Record == nil && !rep.MintRebuild.Already {
			rep.Mint = "not rebuilt"
		}
	}

	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, rep)
	}
	printReport(o.IO, rep)
	return nil
}

// restore puts back the lost files of pinned and minted items from the CAR
// file or Kubo node given, checked against the pin record and the state.
func restore(ctx context.Context, o *RepairOptions, db *state.DB, rep *Report) error {
	var lost []int
	for _, m := range rep.Missing {
		if m.Status == state.Pinned || m.Status == state.Minted {
			lost = append(lost, m.ID)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	if o.CAR == "" && o.IPFSAPI == "" {
		rep.Unrestored = "give --car FILE or --ipfs-api ADDR to restore them from the pin"
		return nil
	}
	rec, err := pin.Latest(ctx, db)
	if err != nil {
		rep.Unrestored = err.Error()
		return nil
	}
	items, err := db.Items(ctx, state.Query{IDs: lost})
	if err != nil {
		return err
	}
	auth, err := cmdutil.KuboAuth(o.Getenv, o.IPFSAPIAuthEnv)
	if err != nil {
		return err
	}
	src, err := verify.OpenContent(ctx, verify.ContentOptions{CAR: o.CAR, IPFSAPI: o.IPFSAPI, IPFSAuth: auth, Getenv: o.Getenv})
	if err != nil {
		return cmdutil.AsUsage(err)
	}
	if c, ok := src.(interface{ Close() error }); ok {
		defer c.Close()
	}
	rep.Restored, err = verify.Restore(ctx, src, o.Dir, rec, items)
	if err != nil {
		rep.Unrestored = err.Error()
	}
	return nil
}

func printReport(io *cmdutil.IOStreams, rep *Report) {
	w := io.Out
	if rep.MovedAway != "" {
		fmt.Fprintf(w, "Moved the old database to %s.\n", rep.MovedAway)
	}
	if rep.Fresh {
		fmt.Fprintf(w, "Rebuilt %d items from items/: %d verified and generated", rep.Planned, rep.Adopted)
		if rep.Custom > 0 {
			fmt.Fprintf(w, " (%d with their own seed or prompt)", rep.Custom)
		}
		fmt.Fprintf(w, ", %d to generate.\n", rep.Planned-rep.Adopted)
	} else if rep.Adopted > 0 {
		fmt.Fprintf(w, "Recorded %d items from items/ the state had lost track of; %d were recorded already.\n", rep.Adopted, rep.Recorded)
	} else {
		fmt.Fprintf(w, "The state database opens and records every verified item folder (%d items).\n", rep.Recorded)
	}
	for _, sk := range rep.Skipped {
		fmt.Fprintf(w, "  item %04d not adopted: %s\n", sk.ID, sk.Error)
	}
	restored := map[int]bool{}
	for _, id := range rep.Restored {
		restored[id] = true
	}
	for _, m := range rep.Missing {
		switch {
		case restored[m.ID]:
			fmt.Fprintf(w, "  item %04d (%s) lost its files: restored from the pin.\n", m.ID, m.Status)
		case m.Status == state.Pinned || m.Status == state.Minted:
			fmt.Fprintf(w, "  item %04d (%s) lost its files: not restored: %s\n", m.ID, m.Status, rep.Unrestored)
		default:
			fmt.Fprintf(w, "  item %04d (%s) lost its files: 'genmint generate' makes it again ('--dry-run' first shows the cost)\n", m.ID, m.Status)
		}
	}
	if c := rep.Carried; c != nil {
		var parts []string
		for _, t := range []string{"requests", "curate_log", "curate_variants", "mint_txs", "mint_tokens"} {
			if n, ok := c.Rows[t]; ok {
				parts = append(parts, fmt.Sprintf("%s %d", t, n))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "Carried over from the old database (rows): %s.\n", strings.Join(parts, ", "))
		}
		for st, ids := range c.Statuses {
			fmt.Fprintf(w, "  %d items %s again, as decided before\n", len(ids), st)
		}
		if len(c.Failed) > 0 {
			fmt.Fprintf(w, "Could not carry over from the old database (it stays at %s): %s.\n", rep.MovedAway, strings.Join(c.Failed, "; "))
		}
	} else if rep.Fresh {
		fmt.Fprintln(w, "There was no old database: the request journal, curation decisions and mint journal are not in the files and were not rebuilt.")
	}
	if n := len(rep.Pin.Restored); n > 0 {
		fmt.Fprintf(w, "Upload records restored from uploads/: %d, each confirmed by its service.\n", n)
	}
	for _, g := range rep.Pin.Gone {
		fmt.Fprintf(w, "  %s\n", g.Note)
	}
	for _, u := range rep.UploadsUnchecked {
		fmt.Fprintf(w, "  uploads/ lists %s: not checked\n", u)
	}
	for _, m := range rep.Pin.Mismatched {
		fmt.Fprintf(w, "  the recorded pin run with baseURI %s does not match the files any more: not used (kept in the state)\n", m.BaseURI)
	}
	switch p := rep.Pin; {
	case p.Checked:
		fmt.Fprintf(w, "Pin records checked: the recomputed roots of %d items match the recorded run (baseURI %s); %d items pinned again.\n",
			len(p.Rebuilt.ItemIDs), p.Rebuilt.BaseURI, p.Newly)
	case p.Rebuilt != nil:
		fmt.Fprintf(w, "Pin records rebuilt: the recomputed roots of %d items are pinned (baseURI %s); %d items pinned again.\n",
			len(p.Rebuilt.ItemIDs), p.Rebuilt.BaseURI, p.Newly)
	default:
		fmt.Fprintf(w, "Pin records not rebuilt: %s", p.Reason)
		if len(p.Tried) > 0 {
			fmt.Fprintf(w, " (recomputed baseURI %s for items %s)", p.Tried[0].BaseURI, curate.FormatIDs(p.Tried[0].ItemIDs))
		}
		fmt.Fprintln(w, "; 'genmint pin' computes the same CIDs from the same files.")
	}
	if rep.MintRebuild != nil {
		printMint(w, rep.MintRebuild)
	}
}
