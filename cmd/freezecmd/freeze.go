// Package freezecmd implements `genmint freeze`.
package freezecmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/mint"
)

// FreezeOptions are `genmint freeze`'s inputs.
type FreezeOptions struct {
	F     *cmdutil.Factory
	Owner cmdutil.OwnerFlags
	Yes   bool
}

// NewCmdFreeze builds `genmint freeze`.
func NewCmdFreeze(f *cmdutil.Factory, runF func(*FreezeOptions) error) *cobra.Command {
	opts := &FreezeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "freeze",
		Short: "Make the collection final: no metadata change and no mint, ever again",
		Long: `Call freezeMetadata() on the collection's contract, signed by its owner.
After it the contract refuses setBaseURI, setContractURI, addAigcData and
mintBatch for good, and tells marketplaces so: an ERC-4906
BatchMetadataUpdate over every token, then OpenSea's PermanentURI event for
each token, sent in ranges of 1,000.

Freezing cannot be undone, so genmint asks first; without a terminal it needs
--yes. Every transaction is journalled like 'genmint mint': a run killed at
any moment is finished by running it again, and nothing is sent twice.

Exit codes: 0 frozen (or already frozen); 1 a chain failure; 2 bad input:
flags, not deployed, not the owner, confirmation needed; 130 interrupted.`,
		Example: `  genmint freeze --rpc http://127.0.0.1:8545 --account 0xf39F…2266
  genmint freeze --account 0xab…cd --password-env KEY_PASS --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Owner.Check(f.Getenv); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return freezeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before freezing (it is permanent)")
	opts.Owner.Register(cmd.Flags())
	return cmd
}

func freezeRun(ctx context.Context, o *FreezeOptions) error {
	f := o.F
	s, err := f.LoadSpec()
	if err != nil {
		return err
	}
	if !o.Yes {
		q := fmt.Sprintf("Freeze the collection %q on %s for good? No metadata change and no mint will ever be possible again.", s.Name, s.Network.Name)
		if err := cmdutil.ConfirmSend(f.IO, q, "freezing is permanent: confirm on a terminal, or pass --yes"); err != nil {
			return err
		}
	}
	var sent int
	res, err := cmdutil.RunAction(ctx, f, &o.Owner, s, mint.Action{Kind: mint.KindFreeze}, func(e mint.Event) {
		if e.Kind == mint.EventMined {
			sent++
			if !f.Quiet && !f.JSON {
				fmt.Fprintf(f.IO.ErrOut, "mined %s (%s)\n", mint.DescribeTx(e.Tx.Kind, e.Tx.First, e.Tx.Last, "", mint.TxCall), e.Tx.Hash.Hex())
			}
		}
	})
	if err != nil {
		return err
	}
	if f.JSON {
		return cmdutil.PrintJSON(f.IO.Out, res)
	}
	if sent == 0 {
		fmt.Fprintln(f.IO.Out, "The collection is already frozen; nothing to send.")
		return nil
	}
	fmt.Fprintf(f.IO.Out, "Frozen: the collection is final (%d transactions, fees %s ETH).\n", len(res.Txs), mint.FormatETH(res.FeesWei))
	return nil
}
