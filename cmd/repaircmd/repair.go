// Package repaircmd implements `genmint repair`.
package repaircmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// RepairOptions are `genmint repair`'s inputs.
type RepairOptions struct {
	IO    *cmdutil.IOStreams
	JSON  bool
	Dir   string
	Force bool
	Spec  func() (*spec.Spec, error)
	Now   func() int64
	// RPC, when set, is a node the mint records are rebuilt from (with
	// deployments/<network>.json).
	RPC string
}

// NewCmdRepair builds `genmint repair`.
func NewCmdRepair(f *cmdutil.Factory, runF func(*RepairOptions) error) *cobra.Command {
	opts := &RepairOptions{IO: f.IO, Spec: f.LoadSpec, Now: func() int64 { return f.Now().Unix() }}
	cmd := &cobra.Command{
		Use:   "repair",
		Short: "Rebuild a damaged or lost state database from items/",
		Long: `Rebuild .genmint/state.db from the collection's files: every item folder
whose provenance.json verifies against its final image and original becomes
generated again; the others are reported and left for 'genmint generate'.

A damaged database is moved aside (state.db.damaged-<time>), never deleted.
Curation decisions, the request journal, and pin and mint records lived only
in the database: restore those from a backup if you have one.

With --rpc URL, the mint records are rebuilt from deployments/<network>.json
and that node: the deployment is checked against the chain, then every token
(totalSupply, its Transfer and ConsecutiveTransfer events) and the
transactions that minted them are adopted, and their items become minted, so
'genmint mint' never deploys a second contract. Nothing is sent. A database
that opens fine is kept as it is (without --force): only the mint records
are added to it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Dir = f.JSON, f.Dir
			if runF != nil {
				return runF(opts)
			}
			return repairRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.RPC, "rpc", "", "rebuild the mint records from deployments/<network>.json and the node at this JSON-RPC `URL`")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "rebuild even though the database opens fine (it is moved aside first)")
	return cmd
}

// repairRun rebuilds the state database.
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

	if o.RPC != "" && !o.Force {
		// A database that opens fine keeps everything it has: only the
		// mint records are adopted into it.
		if db, err := state.Open(ctx, o.Dir, state.Options{}); err == nil {
			if counts, cerr := db.Counts(ctx); cerr == nil && total(counts) > 0 {
				defer db.Close()
				return o.mintOnly(ctx, s, db)
			}
			db.Close() // no items: rebuild them as below
		}
	}
	path := state.Path(o.Dir)
	var moved string
	if _, err := os.Stat(path); err == nil {
		db, err := state.Open(ctx, o.Dir, state.Options{})
		switch {
		case err == nil:
			db.Close()
			if !o.Force {
				return cmdutil.UsageError("%s opens fine: nothing to repair (--force rebuilds it anyway, moving it aside first)", path)
			}
		case errors.Is(err, state.ErrCorrupt):
		default:
			return err
		}
		moved = path + ".damaged-" + strconv.FormatInt(o.Now(), 10)
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(path+suffix, moved+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("move the damaged database aside: %w", err)
			}
		}
	}
	db, err := state.Open(ctx, o.Dir, state.Options{Create: true})
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := pipeline.Repair(ctx, s, db)
	if err != nil {
		return err
	}
	rep.MovedAway = moved
	var mrep *mint.RebuildReport
	if o.RPC != "" {
		if mrep, err = rebuildMint(ctx, o, s, db); err != nil {
			return err
		}
	}
	if o.JSON {
		if mrep != nil {
			return cmdutil.PrintJSON(o.IO.Out, struct {
				*pipeline.RepairReport
				Mint *mint.RebuildReport `json:"mint"`
			}{rep, mrep})
		}
		return cmdutil.PrintJSON(o.IO.Out, rep)
	}
	w := o.IO.Out
	if moved != "" {
		fmt.Fprintf(w, "Moved the old database to %s.\n", moved)
	}
	fmt.Fprintf(w, "Rebuilt %d items from items/: %d verified and generated", rep.Planned, rep.Adopted)
	if rep.Custom > 0 {
		fmt.Fprintf(w, " (%d with their own seed or prompt)", rep.Custom)
	}
	fmt.Fprintf(w, ", %d to generate.\n", rep.Planned-rep.Adopted)
	for _, sk := range rep.Skipped {
		fmt.Fprintf(w, "  item %04d not adopted: %s\n", sk.ID, sk.Error)
	}
	if mrep != nil {
		printMint(w, mrep)
	}
	if mrep != nil && mrep.Record != nil {
		fmt.Fprintln(w, "Not in the files, so not rebuilt: curation decisions, the request journal, pin records.")
		return nil
	}
	fmt.Fprintln(w, "Not in the files, so not rebuilt: curation decisions, the request journal, pin and mint records.")
	return nil
}
