// Package royaltycmd implements `genmint royalty`.
package royaltycmd

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/mint/chain"
)

// SetOptions are `genmint royalty set`'s inputs.
type SetOptions struct {
	F        *cmdutil.Factory
	Owner    cmdutil.OwnerFlags
	Receiver string
	Bps      int
	None     bool
	Yes      bool
}

// NewCmdRoyalty builds `genmint royalty` and its `set` subcommand.
func NewCmdRoyalty(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "royalty",
		Short: "Change the collection's ERC-2981 royalty on chain",
		Args:  cobra.NoArgs,
	}
	opts := &SetOptions{F: f}
	set := &cobra.Command{
		Use:   "set",
		Short: "Set every token's royalty (setDefaultRoyalty), up to the cap fixed at deployment",
		Long: `Call setDefaultRoyalty on the collection's contract, signed by its owner.
The contract refuses a royalty above the cap fixed at deployment
(royalty.cap_bps in genmint.yaml, 10% by default). --none removes the
royalty. The transaction is journalled like 'genmint mint': a run killed at
any moment is finished by running it again, and nothing is sent twice.

Exit codes: 0 done (or already set); 1 a chain failure; 2 bad input: flags,
not deployed, not the owner, above the cap, confirmation needed; 130
interrupted.`,
		Example: `  genmint royalty set --bps 500 --rpc http://127.0.0.1:8545 --account 0xf39F…2266
  genmint royalty set --bps 750 --receiver 0x3C44…93BC --account 0xab…cd --yes
  genmint royalty set --none --account 0xab…cd`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Owner.Check(f.Getenv); err != nil {
				return err
			}
			switch {
			case opts.None && (opts.Bps != 0 || opts.Receiver != ""):
				return cmdutil.UsageError("--none removes the royalty: give it alone, without --bps or --receiver")
			case !opts.None && !cmd.Flags().Changed("bps"):
				return cmdutil.UsageError("--bps N is needed (basis points: 500 = 5%%), or --none to remove the royalty")
			case opts.Bps < 0 || opts.Bps > 10_000:
				return cmdutil.UsageError("--bps must be 0–10000 basis points (500 = 5%%), got %d", opts.Bps)
			case opts.Receiver != "" && !common.IsHexAddress(opts.Receiver):
				return cmdutil.UsageError("--receiver %q is not an address (0x and 40 hex digits)", opts.Receiver)
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(cmd.Context(), opts)
		},
	}
	fl := set.Flags()
	fl.IntVar(&opts.Bps, "bps", 0, "the royalty in basis points (`N`/10,000 of the sale price: 500 = 5%)")
	fl.StringVar(&opts.Receiver, "receiver", "", "who is paid (`ADDRESS`; default royalty.receiver in genmint.yaml)")
	fl.BoolVar(&opts.None, "none", false, "remove the royalty")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask on a chain that is not a test chain")
	opts.Owner.Register(fl)
	cmd.AddCommand(set)
	return cmd
}

func setRun(ctx context.Context, o *SetOptions) error {
	f := o.F
	s, err := f.LoadSpec()
	if err != nil {
		return err
	}
	var r chain.Royalty
	if !o.None {
		recv := o.Receiver
		if recv == "" {
			recv = s.Royalty.Receiver
		}
		if recv == "" {
			return cmdutil.UsageError("--receiver ADDRESS is needed: genmint.yaml names no royalty.receiver")
		}
		r = chain.Royalty{Receiver: common.HexToAddress(recv), Bps: uint16(o.Bps)}
		if r.Bps == 0 {
			return cmdutil.UsageError("--bps 0 with a receiver pays nothing: use --none to remove the royalty")
		}
	}
	if !s.Network.Test && !o.Yes {
		q := fmt.Sprintf("Set the royalty of %q on %s to %d bps to %s?", s.Name, s.Network.Name, r.Bps, r.Receiver.Hex())
		if err := cmdutil.ConfirmSend(f.IO, q, s.Network.Name+" is not a test chain: confirm on a terminal, or pass --yes"); err != nil {
			return err
		}
	}
	res, err := cmdutil.RunAction(ctx, f, &o.Owner, s, mint.Action{Kind: mint.KindSetRoyalty, Royalty: r}, nil)
	if err != nil {
		return err
	}
	if f.JSON {
		return cmdutil.PrintJSON(f.IO.Out, res)
	}
	what := "removed"
	if !o.None {
		what = fmt.Sprintf("%d bps to %s", r.Bps, r.Receiver.Hex())
	}
	if len(res.Txs) == 0 {
		fmt.Fprintf(f.IO.Out, "The royalty is already %s; nothing to send.\n", what)
		return nil
	}
	fmt.Fprintf(f.IO.Out, "Royalty set: %s (fees %s ETH).\n", what, mint.FormatETH(res.FeesWei))
	return nil
}
