// Package democmd implements `genmint demo`: the whole pipeline on embedded
// defaults, with no network, node or key.
package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/cmd/generatecmd"
	"github.com/genmint/genmint/cmd/initcmd"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/templates"
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

// NewCmdDemo builds `genmint demo`.
func NewCmdDemo(f *cmdutil.Factory, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{F: f}
	return &cobra.Command{
		Use:   "demo [DIR]",
		Short: "Create and generate a demo collection, offline",
		Long: `Create a demo collection in DIR (default ./genmint-demo) from the procedural
starter and generate it, with no network, API key or node. Running it again
resumes where it stopped.`,
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
			return Run(cmd.Context(), opts)
		},
	}
}

// Run creates the demo collection if needed, then generates it.
func Run(ctx context.Context, o *DemoOptions) error {
	f := o.F
	if _, err := os.Stat(filepath.Join(o.Dir, spec.FileName)); os.IsNotExist(err) {
		err := initcmd.Run(ctx, &initcmd.InitOptions{IO: quietIO(f), Dir: o.Dir, Template: templates.Default,
			Name: "genmint demo", Seed: DemoSeed, SeedSet: true, Creator: "genmint demo"})
		if err != nil {
			return err
		}
		if !f.Quiet && !f.JSON {
			fmt.Fprintf(f.IO.ErrOut, "Created a demo collection in %s (procedural starter).\n", o.Dir)
		}
	}
	sub := *f
	sub.Dir = o.Dir
	gen := generatecmd.NewOptions(&sub)
	gen.KeepAll = true
	if err := generatecmd.Run(ctx, gen); err != nil {
		return err
	}
	if !f.Quiet && !f.JSON {
		fmt.Fprintf(f.IO.Out, "Images, originals and provenance are in %s/items/. Try: genmint -C %s list\n", o.Dir, o.Dir)
	}
	return nil
}

func quietIO(f *cmdutil.Factory) *cmdutil.IOStreams {
	io, _, _, _ := cmdutil.Test()
	return io
}
