package curatecmd

import (
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
)

// NewCmdKeep builds `genmint keep IDS|--all`, a shortcut for
// `genmint curate --keep IDS` / `--keep-all` (the same decisions, logged
// and undoable the same way).
func NewCmdKeep(f *cmdutil.Factory, runF func(*CurateOptions) error) *cobra.Command {
	base := NewCmdCurate(f, runF) // for its Options and defaults
	var all bool
	cmd := &cobra.Command{
		Use:   "keep [IDS]",
		Short: "Keep items for the collection (shortcut for curate --keep / --keep-all)",
		Example: `  genmint keep --all          # every generated item
  genmint keep 1-20,25`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) == 1) {
				return cmdutil.UsageError("give item ids (e.g. 1-20,25) or --all, not both and not neither")
			}
			flags := []string{"--keep-all"}
			if !all {
				if _, err := curate.ParseIDs(args[0]); err != nil {
					return cmdutil.AsUsage(err)
				}
				flags = []string{"--keep", args[0]}
			}
			// base runs on its own, outside the root command: its errors
			// come back to be reported once, never with its usage text.
			base.SilenceUsage, base.SilenceErrors = true, true
			base.SetOut(cmd.OutOrStdout())
			base.SetErr(cmd.ErrOrStderr())
			base.SetArgs(flags)
			base.SetContext(cmd.Context())
			return base.Execute()
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "keep every generated item")
	return cmd
}
