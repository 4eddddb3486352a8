// Package initcmd implements `genmint init`.
package initcmd

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/generate/providers/layers"
	"github.com/genmint/genmint/internal/fsatomic"
	"github.com/genmint/genmint/spec"
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
	// FromHashLips is a HashLips project or layers folder to write a layers
	// spec from.
	FromHashLips string
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
  genmint init drop --template layers         # drawn layers, with sample art
  genmint init drop --from-hashlips ~/hashlips-art-engine
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
			if opts.List && (len(args) > 0 || cmd.Flags().Changed("template") || opts.FromHashLips != "") {
				return cmdutil.UsageError("--list takes no folder, --template or --from-hashlips")
			}
			if opts.FromHashLips != "" {
				if cmd.Flags().Changed("template") && opts.Template != "layers" {
					return cmdutil.UsageError("--from-hashlips writes the layers starter; drop --template %s", opts.Template)
				}
				opts.Template = "layers"
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
	cmd.Flags().StringVar(&opts.FromHashLips, "from-hashlips", "", "write a layers spec from a HashLips project or layers `folder` (copied into the collection unless it is inside it)")
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
	vars := templates.Vars{Name: name, Symbol: symbol, Slug: slug, Creator: o.Creator, Seed: seed}
	var notes []string
	if o.Template == "layers" {
		var err error
		if notes, err = layersVars(o, &vars); err != nil {
			return err
		}
	}
	files, err := cmdutil.WriteStarter(o.Dir, o.Template, vars)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(o.IO.ErrOut, "note: "+n)
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

// layersVars fills the layers starter's traits: the sample layers drawn by
// genmint, or a HashLips folder's (copied into the collection when it lies
// outside it, so every path the spec names stays inside the collection).
func layersVars(o *InitOptions, v *templates.Vars) ([]string, error) {
	if _, err := os.Stat(filepath.Join(o.Dir, spec.FileName)); err == nil {
		return nil, cmdutil.UsageError("%s %s (genmint.yaml): pick another folder, or edit that one", o.Dir, templates.ErrExists)
	}
	v.LayersDir = "layers"
	if o.FromHashLips == "" {
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return nil, err
		}
		traits, err := templates.SampleLayers(o.Dir, v.LayersDir)
		if err != nil {
			return nil, cmdutil.AsUsage(err)
		}
		v.Traits, v.Count = traits, 24
		return nil, nil
	}
	h, err := layers.ReadHashLips(o.FromHashLips)
	if err != nil {
		return nil, cmdutil.AsUsage(err)
	}
	notes := h.Notes
	absLayers, err := filepath.Abs(h.Layers)
	if err != nil {
		return nil, err
	}
	absDir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(absDir, absLayers); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != "." {
		v.LayersDir = filepath.ToSlash(rel)
	} else {
		dst := filepath.Join(o.Dir, v.LayersDir)
		if _, err := os.Stat(dst); err == nil {
			return nil, cmdutil.UsageError("%s already exists: move it aside, or run genmint init in the HashLips folder itself", dst)
		}
		n, err := copyLayers(h, dst)
		if err != nil {
			return nil, err
		}
		notes = append(notes, fmt.Sprintf("copied %d layer files from %s into %s", n, h.Layers, dst))
	}
	combos := 1
	for _, t := range h.Traits {
		lt := templates.LayerTrait{Name: t.Name}
		for _, f := range t.Files {
			w := f.Weight
			if w == 0 {
				w = 1 // HashLips' weight for a name without #weight
			}
			lt.Values = append(lt.Values, templates.LayerValue{Value: f.Value, Weight: w})
		}
		v.Traits = append(v.Traits, lt)
		if combos < 1<<30 {
			combos *= len(t.Files)
		}
	}
	v.Count = h.Count
	if v.Count == 0 {
		v.Count = 100
	}
	if v.Count > combos {
		notes = append(notes, fmt.Sprintf("count lowered to %d: the layers make only %d distinct combinations", combos, combos))
		v.Count = combos
	}
	return notes, nil
}

// copyLayers copies the trait folders' PNG files h lists into dst.
func copyLayers(h *layers.HashLips, dst string) (int, error) {
	n := 0
	for _, t := range h.Traits {
		if err := os.MkdirAll(filepath.Join(dst, t.Name), 0o755); err != nil {
			return n, err
		}
		for _, f := range t.Files {
			data, err := os.ReadFile(filepath.Join(h.Layers, t.Name, f.Name))
			if err != nil {
				return n, err
			}
			if err := fsatomic.WriteFile(filepath.Join(dst, t.Name, f.Name), data, 0o644); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
