// Package curatecmd implements `genmint curate`: the curation view in a
// terminal, or the same decisions as flags without one.
package curatecmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
	"github.com/genmint/genmint/tui"
	"github.com/genmint/genmint/tui/preview"
)

// CurateOptions are `genmint curate`'s inputs.
type CurateOptions struct {
	IO     *cmdutil.IOStreams
	JSON   bool
	Quiet  bool
	Dir    string
	Getenv func(string) string

	State func(ctx context.Context, create bool) (*state.DB, error)
	Lock  func(dir string) (unlock func(), err error)
	// Spec is read only by the interactive view (its title, and
	// regeneration); a broken genmint.yaml disables regeneration, not
	// curation.
	Spec func() (*spec.Spec, error)
	// Pipeline gives regeneration the provider stack `genmint generate`
	// uses (cmdutil.Factory.Pipeline); it is called, and the provider's key
	// read, only when the user first regenerates an item.
	Pipeline func(s *spec.Spec, logger *slog.Logger, concurrency int) (pipeline.Options, error)
	// TUI runs the interactive view (tui.Run).
	TUI func(ctx context.Context, o tui.RunOptions) (curate.Summary, error)

	Flags   curate.Flags
	Preview preview.Protocol
}

// NewCmdCurate builds `genmint curate`.
func NewCmdCurate(f *cmdutil.Factory, runF func(*CurateOptions) error) *cobra.Command {
	opts := &CurateOptions{
		IO: f.IO, Getenv: f.Getenv, State: f.OpenState, Lock: state.Lock, Spec: f.LoadSpec,
		Pipeline: f.Pipeline, TUI: tui.Run,
	}
	var keep, reject []string
	var previewName string
	cmd := &cobra.Command{
		Use:   "curate",
		Short: "Keep, reject, star and regenerate items: in a terminal view, or with flags",
		Long: `Curate the generated items. In a terminal, a list with status badges, a
large preview and the item's provenance:

  p/space keep   x reject   s star   u undo   n next undecided
  f filter by status   / filter by trait   o sort   P/X keep/reject all shown
  r regenerate with a new seed   e edit the prompt and regenerate   ? more keys

Every decision is saved at once. Regeneration runs in the background
through the collection's provider while you go on; the old candidate is
kept under items/NNNN/variants/. On exit the summary goes to stdout.

Without a terminal (a pipe, CI=true) give the decisions as flags instead;
they are applied together, all or nothing, in this order: --keep and
--reject (every named item must be able to take the decision),
--reject-refused, --keep-starred, --keep-all. Bulk flags never override a
decision already made.

Exit codes: 0 done, 2 no terminal and no decision flag, or a decision an
item cannot take, 130 interrupted (decisions made so far are saved).`,
		Example: `  genmint curate
  genmint curate --keep 1-20,25 --reject 21-24
  genmint curate --reject-refused --keep-all
  genmint curate --keep-starred --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Quiet, opts.Dir = f.JSON, f.Quiet, f.Dir
			var err error
			if opts.Flags.Keep, err = parseIDs("--keep", keep); err != nil {
				return err
			}
			if opts.Flags.Reject, err = parseIDs("--reject", reject); err != nil {
				return err
			}
			p, err := preview.ParseProtocol(previewName)
			if err != nil {
				return cmdutil.AsUsage(fmt.Errorf("--preview: %w", err))
			}
			opts.Preview = p
			if cmd.Flags().Changed("preview") && !opts.Flags.Empty() {
				return cmdutil.UsageError("--preview is for the interactive view, which decision flags do not open: drop one or the other")
			}
			if runF != nil {
				return runF(opts)
			}
			return curateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&keep, "keep", nil, "keep these `IDS`, e.g. 1-20,25 (repeatable)")
	fl.StringArrayVar(&reject, "reject", nil, "reject these `IDS`, e.g. 21-24 (repeatable)")
	fl.BoolVar(&opts.Flags.KeepAll, "keep-all", false, "keep every undecided item")
	fl.BoolVar(&opts.Flags.RejectRefused, "reject-refused", false, "reject every item the provider refused")
	fl.BoolVar(&opts.Flags.KeepStarred, "keep-starred", false, "keep every undecided starred item")
	fl.StringVar(&previewName, "preview", string(preview.Auto), "how the view draws images: `auto|kitty|iterm|sixel|blocks|none`")
	f.RegisterC2PAKeys(fl) // regenerated finals are signed too
	return cmd
}

// parseIDs reads every value of a repeatable id flag into one sorted list.
func parseIDs(flag string, values []string) ([]int, error) {
	if len(values) == 0 {
		return nil, nil
	}
	ids, err := curate.ParseIDs(strings.Join(values, ","))
	if err != nil {
		return nil, cmdutil.AsUsage(fmt.Errorf("%s: %w", flag, err))
	}
	return ids, nil
}

// curateRun applies the decision flags, or runs the curation view, and
// prints the summary.
func curateRun(ctx context.Context, o *CurateOptions) error {
	interactive := o.Flags.Empty()
	// Checked first: without a terminal the view would wait on a pipe or
	// fail to open a TTY. Name the flags that work instead.
	if interactive && !o.IO.Interactive() {
		msg := strings.TrimPrefix(curate.FlagsUsage(), "genmint ") // root adds "genmint: "
		if o.Getenv != nil && cmdutil.IsCI(o.Getenv) {
			msg = "CI is set: " + msg
		}
		return cmdutil.UsageError("%s", msg)
	}
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	unlock, err := o.Lock(o.Dir)
	if err != nil {
		return err
	}
	defer unlock()

	if !interactive {
		sum, err := curate.ApplyFlags(ctx, db, o.Flags)
		if errors.Is(err, curate.ErrConflict) || errors.Is(err, curate.ErrCannotDecide) {
			return cmdutil.AsUsage(err)
		}
		if err != nil {
			return err
		}
		return printSummary(o, sum)
	}

	// The spec names the collection and drives regeneration; curating does
	// not need it.
	s, specErr := o.Spec()
	title := filepath.Base(absDir(o.Dir))
	if specErr == nil {
		title = s.Name
	}
	regen := newRegenerator(db, o.Dir, func() (*spec.Spec, error) { return s, specErr }, o.Pipeline)
	sum, err := o.TUI(ctx, tui.RunOptions{
		DB: db, Dir: o.Dir, Title: title, Preview: o.Preview, Getenv: o.Getenv,
		Regenerator: regen, In: o.IO.In, Out: o.IO.ErrOut,
	})
	if errors.Is(err, context.Canceled) {
		if perr := printSummary(o, sum); perr != nil {
			return perr
		}
		fmt.Fprintln(o.IO.ErrOut, "interrupted: every decision made is saved")
		return cmdutil.Silent(cmdutil.ExitInterrupted)
	}
	if err != nil {
		return err
	}
	return printSummary(o, sum)
}

// newRegenerator is the view's regenerator: curate.Regenerator over the
// pipeline `genmint generate` runs, built from the spec on the first
// regeneration (so curating needs no API key; regenerating without one
// names the variable to set).
func newRegenerator(db *state.DB, dir string, spec func() (*spec.Spec, error),
	pipe func(*spec.Spec, *slog.Logger, int) (pipeline.Options, error)) *curate.Regenerator {
	return curate.NewRegenerator(db, dir, func() (pipeline.Options, error) {
		s, err := spec()
		if err != nil {
			return pipeline.Options{}, err
		}
		// Retry notes would draw over the view: the journal records attempts.
		return pipe(s, slog.New(slog.DiscardHandler), 0)
	})
}

func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// printSummary writes the collection's counts to stdout: one line, or one
// JSON document (curate.Summary). Items a bulk flag passed over are listed
// on stderr.
func printSummary(o *CurateOptions, sum curate.Summary) error {
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, sum)
	}
	fmt.Fprintf(o.IO.Out, "%s (%d changed now).\n", sum.String(), sum.Changed)
	if !o.Quiet {
		printSkipped(o.IO.ErrOut, sum.Skipped)
	}
	return nil
}

// printSkipped groups skipped items by reason: "left items 3, 7 as they
// are (refused): no image …".
func printSkipped(w io.Writer, skips []curate.Skip) {
	type group struct {
		status state.Status
		reason string
	}
	var order []group
	ids := map[group][]int{}
	for _, s := range skips {
		g := group{s.Status, s.Reason}
		if _, ok := ids[g]; !ok {
			order = append(order, g)
		}
		ids[g] = append(ids[g], s.ID)
	}
	for _, g := range order {
		what := "item %s as it is"
		if len(ids[g]) > 1 {
			what = "items %s as they are"
		}
		fmt.Fprintf(w, "left "+what+" (%s): %s\n", curate.FormatIDs(ids[g]), g.status, g.reason)
	}
}
