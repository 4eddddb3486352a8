package root

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/build"
)

// newCmdMan builds the hidden `genmint man --dir DIR`: one man page per
// command, generated from the command tree itself, so the pages never
// disagree with --help. Releases run it (scripts/release-files.sh) and ship
// the pages in every archive and package. SOURCE_DATE_EPOCH fixes the date.
func newCmdMan(f *cmdutil.Factory, root *cobra.Command) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "man",
		Short:  "Write genmint's man pages (section 1) into a folder",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return cmdutil.UsageError("--dir DIR is needed: the folder to write the man pages into")
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			root.DisableAutoGenTag = true
			hdr := &doc.GenManHeader{Title: "GENMINT", Section: "1", Source: "genmint " + build.String(), Manual: "genmint manual"}
			if err := doc.GenManTree(root, hdr, dir); err != nil {
				return fmt.Errorf("write man pages into %s: %w", dir, err)
			}
			if !f.Quiet {
				fmt.Fprintf(f.IO.ErrOut, "man pages written to %s\n", dir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "write the pages into this `folder`")
	return cmd
}
