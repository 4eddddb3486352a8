// Package versioncmd implements `genmint version`.
package versioncmd

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/build"
)

// NewCmdVersion builds `genmint version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print genmint's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := map[string]string{
				"version": build.String(), "commit": build.Commit, "date": build.Date,
				"go": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH,
			}
			if f.JSON {
				return cmdutil.PrintJSON(f.IO.Out, v)
			}
			line := "genmint " + v["version"]
			if build.Commit != "" {
				line += " (" + build.Commit
				if build.Date != "" {
					line += ", " + build.Date
				}
				line += ")"
			}
			fmt.Fprintf(f.IO.Out, "%s %s %s\n", line, v["go"], v["platform"])
			return nil
		},
	}
}
