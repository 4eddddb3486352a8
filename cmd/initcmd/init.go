// Package initcmd implements `genmint init`.
package initcmd

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/templates"
)

// InitOptions are `genmint init`'s inputs.
type InitOptions struct {
	IO   *cmdutil.IOStreams
	JSON bool

	Dir      string
	Template string
	List     bool
	Name     string
	Seed     uint64
	SeedSet  bool
	Creator  string
}

// NewCmdInit builds `genmint init`.
func NewCmdInit(f *cmdutil.Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a collection from a starter template",
		Long: `Write a ready-to-run genmint.yaml into DIR (default: the -C folder, else
the current one) from a starter embedded in genmint. It never overwrites an
existing collection.`,
		Example: `  genmint init my-drop                       # offline procedural starter
  genmint init studio --template openai
  genmint init --list`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.JSON
			opts.Dir = f.Dir
			if len(args) == 1 {
				if f.Dir != "." {
					opts.Dir = filepath.Join(f.Dir, args[0])
				} else {
					opts.Dir = args[0]
				}
			}
			opts.SeedSet = cmd.Flags().Changed("seed")
			if opts.List && (len(args) > 0 || cmd.Flags().Changed("template")) {
				return cmdutil.UsageError("--list takes no folder or --template")
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Template, "template", "t", templates.Default, "starter `name` (see --list)")
	cmd.Flags().BoolVar(&opts.List, "list", false, "list the starters")
	cmd.Flags().StringVar(&opts.Name, "name", "", "collection name (default: from the folder name)")
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 0, "base seed (default: a random one)")
	cmd.Flags().StringVar(&opts.Creator, "creator", "", "artist name written into each image's XMP")
	return cmd
}

// initRun writes the starter (or lists the starters).
func initRun(ctx context.Context, o *InitOptions) error {
	if o.List {
		if o.JSON {
			return cmdutil.PrintJSON(o.IO.Out, map[string]any{"templates": templates.List()})
		}
		tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
		for _, s := range templates.List() {
			name := s.Name
			if s.Default {
				name += " (default)"
			}
			fmt.Fprintf(tw, "%s\t%s\n", name, s.Summary)
		}
		return tw.Flush()
	}
	name, symbol, slug := templates.NameFromDir(o.Dir)
	if o.Name != "" {
		name = o.Name
		_, symbol, slug = templates.NameFromDir(o.Name)
	}
	seed := o.Seed
	if !o.SeedSet {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		seed = binary.BigEndian.Uint64(b[:]) >> 32 // short enough to read and retype
	}
	files, err := cmdutil.WriteStarter(o.Dir, o.Template, templates.Vars{Name: name, Symbol: symbol, Slug: slug, Creator: o.Creator, Seed: seed})
	if err != nil {
		return err
	}
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, map[string]any{"dir": o.Dir, "template": o.Template, "files": files, "name": name, "seed": seed})
	}
	fmt.Fprintf(o.IO.Out, "Created %q in %s from the %s starter.\n", name, o.Dir, o.Template)
	next := "genmint generate"
	if o.Dir != "." {
		next = fmt.Sprintf("cd %s && genmint generate", o.Dir)
	}
	fmt.Fprintf(o.IO.Out, "Next: edit genmint.yaml, then %s\n", next)
	return nil
}
