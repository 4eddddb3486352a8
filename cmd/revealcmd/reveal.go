// Package revealcmd implements `genmint reveal`.
package revealcmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/pin"
	"github.com/genmint/genmint/pin/unixfs"
	"github.com/genmint/genmint/state"
)

// RevealOptions are `genmint reveal`'s inputs.
type RevealOptions struct {
	F     *cmdutil.Factory
	Owner cmdutil.OwnerFlags
	Yes   bool
	// Where to pin when the folder holds more than the last pin run
	// published (as 'genmint pin').
	IPFSAPI string
	CAR     string
}

// NewCmdReveal builds `genmint reveal`.
func NewCmdReveal(f *cmdutil.Factory, runF func(*RevealOptions) error) *cobra.Command {
	opts := &RevealOptions{F: f}
	cmd := &cobra.Command{
		Use:   "reveal",
		Short: "Point every token from the placeholder to its real art and metadata",
		Long: `Reveal a collection minted with a placeholder (the spec's reveal: section):
call setBaseURI(real metadata) on its contract, signed by its owner. The
contract emits ERC-4906 BatchMetadataUpdate over every token, so marketplaces
refresh them.

First, the collection is pinned if the last pin run does not cover the
folder (or no destination confirmed it): to --ipfs-api, else $IPFS_API, the
local node, or to --car FILE. Then, before anything is signed, the real
metadata is recomputed from the folder and must equal the pin record, and
the content's Merkle root must equal the provenanceHash() the contract
committed to at deployment (docs/provenance.md).

A reveal cannot be taken back (the art is public from then on), so genmint
asks first; without a terminal it needs --yes. The transaction is journalled
like 'genmint mint': a run killed at any moment is finished by running it
again, and nothing is sent twice.

Exit codes: 0 revealed (or already revealed); 1 a chain or node failure;
2 bad input: flags, not deployed, not the owner, frozen, the folder changed
since pinning, confirmation needed; 4 the content does not match the
provenance commitment; 130 interrupted.`,
		Example: `  genmint reveal --rpc http://127.0.0.1:8545 --account 0xf39F…2266
  genmint reveal --account 0xab…cd --password-env KEY_PASS --car collection.car --yes --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Owner.Check(f.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return revealRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before revealing (it cannot be taken back)")
	fl.StringVar(&opts.IPFSAPI, "ipfs-api", "", "Kubo RPC `address` to pin to when a pin is needed (default $IPFS_API, the local node)")
	fl.StringVar(&opts.CAR, "car", "", "write every block to this CAR `file` when a pin is needed (no node needed)")
	opts.Owner.Register(fl)
	return cmd
}

// Result is what `genmint reveal --json` prints: the transactions, and
// the baseURI the collection shows.
type Result struct {
	*mint.Result
	Revealed bool   `json:"revealed"`
	BaseURI  string `json:"base_uri"`
	// Pinned is the pin run made first, when one was needed.
	Pinned *pin.Result `json:"pinned,omitempty"`
}

func revealRun(ctx context.Context, o *RevealOptions) error {
	f := o.F
	s, err := f.LoadSpec()
	if err != nil {
		return err
	}
	if !o.Yes {
		q := fmt.Sprintf("Reveal the collection %q on %s? Every token will show its real art and metadata, for good.", s.Name, s.Network.Name)
		if err := cmdutil.ConfirmSend(f.IO, q, "a reveal cannot be taken back: confirm on a terminal, or pass --yes"); err != nil {
			return err
		}
	}
	unlock, err := state.Lock(f.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	facts := pin.MetadataFactsFromSpec(s)
	out := &Result{}
	rec, pinned, err := o.pinIfNeeded(ctx, facts)
	if err != nil {
		return err
	}
	out.Pinned = pinned
	if !f.Quiet && !f.JSON {
		cmdutil.NoteCAROnly(f.IO.ErrOut, rec)
	}
	var sent int
	res, err := cmdutil.RunActionWith(ctx, f, &o.Owner, s, mint.Action{Kind: mint.KindReveal}, cmdutil.ActionExtras{
		Metadata: &facts, Hook: cmdutil.CrashHook(f.Getenv), Locked: true,
		Progress: func(e mint.Event) {
			if e.Kind == mint.EventMined {
				sent++
				if !f.Quiet && !f.JSON {
					fmt.Fprintf(f.IO.ErrOut, "mined %s (%s)\n", mint.DescribeTx(e.Tx.Kind, e.Tx.First, e.Tx.Last, "", mint.TxCall), e.Tx.Hash.Hex())
				}
			}
		}})
	if err != nil {
		return err
	}
	out.Result, out.Revealed, out.BaseURI = res, true, rec.BaseURI
	if f.JSON {
		return cmdutil.PrintJSON(f.IO.Out, out)
	}
	if sent == 0 {
		fmt.Fprintf(f.IO.Out, "The collection is already revealed at %s; nothing to send.\n", rec.BaseURI)
		return nil
	}
	fmt.Fprintf(f.IO.Out, "Revealed: every token of %s now points at %s (fees %s ETH).\n", res.Contract.Hex(), rec.BaseURI, mint.FormatETH(res.FeesWei))
	return nil
}

// pinIfNeeded returns the pin run the reveal publishes: the latest one when
// it is what the folder re-derives and a destination confirmed it, else a
// new pin run to the --ipfs-api node or the --car file.
func (o *RevealOptions) pinIfNeeded(ctx context.Context, facts pin.MetadataFacts) (*pin.Record, *pin.Result, error) {
	f := o.F
	db, err := f.OpenState(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	last, err := pin.Latest(ctx, db)
	if err != nil && !errors.Is(err, pin.ErrNoPinRun) {
		return nil, nil, err
	}
	var profile unixfs.Profile // the last run's, else the default
	if last != nil {
		profile = last.Profile
	}
	now, err := pin.Run(ctx, pin.Options{Dir: f.Dir, DB: db, Collection: facts, Profile: profile, DryRun: true})
	if err != nil {
		return nil, nil, cmdutil.PinError(err)
	}
	if last != nil && last.Roots == now.Roots {
		if _, _, err := last.Publication(); err == nil {
			return last, nil, nil
		}
	}
	dest, err := pin.OpenDestinations(ctx, pin.DestinationOptions{IPFSAPI: o.IPFSAPI, CAR: o.CAR, Getenv: f.Getenv})
	if err != nil {
		return nil, nil, cmdutil.PinError(fmt.Errorf("the collection needs pinning before the reveal: %w", err))
	}
	res, err := pin.Run(ctx, pin.Options{Dir: f.Dir, DB: db, Collection: facts, Profile: now.Profile, Pinners: dest.Pinners, CAR: dest.CAR})
	if err != nil {
		return nil, nil, cmdutil.PinError(err)
	}
	if !f.Quiet && !f.JSON {
		cmdutil.PrintPinned(f.IO.ErrOut, res)
	}
	rec, err := pin.Latest(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	return rec, res, nil
}
