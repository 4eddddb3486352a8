// Package generatecmd implements `genmint generate`.
package generatecmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/generate/providers"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// GenerateOptions are `genmint generate`'s inputs.
type GenerateOptions struct {
	IO    *cmdutil.IOStreams
	JSON  bool
	Quiet bool
	Dir   string
	Now   func() time.Time

	Spec  func() (*spec.Spec, error)
	State func(ctx context.Context, create bool) (*state.DB, error)
	// Pipeline builds a real run's options (cmdutil.Factory.Pipeline).
	Pipeline func(s *spec.Spec, logger *slog.Logger, concurrency int) (pipeline.Options, error)
	// Lookup finds the spec's provider for a dry run, which opens none.
	Lookup func(name string) (generate.ProviderInfo, bool)

	Count       int
	Concurrency int
	Only        []int
	Force       bool
	DryRun      bool
	MaxSpend    float64
	KeepAll     bool
}

// NewCmdGenerate builds `genmint generate`.
func NewCmdGenerate(f *cmdutil.Factory, runF func(*GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{IO: f.IO, Spec: f.LoadSpec, State: f.OpenState, Pipeline: f.Pipeline, Lookup: providers.Lookup}
	var only string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate the items that are missing",
		Long: `Plan every item from genmint.yaml (traits, prompt, seed) and generate the
ones without an image, in parallel: the provider's original, the
post-processed final image with provenance embedded, and provenance.json,
under items/NNNN/.

Re-running resumes: finished items are never redone, and an item whose
provider answer was already stored is only post-processed again. Changing
post-process steps remakes final images from the stored originals; changing
the prompt or provider reports the affected items as stale.

Exit codes: 0 done, 2 spec or flag error, 3 some items failed or were
refused (re-run to retry failures), 130 interrupted (re-run to resume).`,
		Example: `  genmint generate
  genmint generate --count 4                # just the first four, to preview
  genmint generate --dry-run                # paid requests and estimated cost
  genmint generate --max-spend 10           # stop before $10 is spent
  genmint generate --only 3,7-9 --force     # regenerate these items`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Quiet, opts.Dir, opts.Now = f.JSON, f.Quiet, f.Dir, f.Now
			if only != "" {
				ids, err := curate.ParseIDs(only)
				if err != nil {
					return cmdutil.AsUsage(fmt.Errorf("--only: %w", err))
				}
				opts.Only = ids
			}
			if opts.Force && len(opts.Only) == 0 {
				return cmdutil.UsageError("--force needs --only IDS: name the items to regenerate")
			}
			if opts.Count < 0 || opts.Concurrency < 0 || opts.MaxSpend < 0 {
				return cmdutil.UsageError("--count, --concurrency and --max-spend must not be negative")
			}
			if opts.Count > 0 && len(opts.Only) > 0 {
				return cmdutil.UsageError("give --count or --only, not both")
			}
			if runF != nil {
				return runF(opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&opts.Count, "count", "n", 0, "only the first `N` items of the collection (default: all)")
	fl.IntVarP(&opts.Concurrency, "concurrency", "j", 0, "items worked on at once (default: the provider's concurrency, else the CPU count)")
	fl.StringVar(&only, "only", "", "only these `IDS`, e.g. 3,7-9")
	fl.BoolVar(&opts.Force, "force", false, "with --only: regenerate items even if done")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would be generated and its estimated cost; change nothing")
	fl.Float64Var(&opts.MaxSpend, "max-spend", 0, "stop before the estimated spend exceeds `USD` (all runs together)")
	fl.BoolVar(&opts.KeepAll, "keep-all", false, "mark every generated item kept (skip curation)")
	f.RegisterC2PAKeys(fl)
	return cmd
}

// generateRun generates what is missing and prints the summary.
func generateRun(ctx context.Context, o *GenerateOptions) error {
	s, err := o.Spec()
	if err != nil {
		return err
	}
	if o.DryRun {
		run := pipeline.Options{Spec: s, Count: o.Count, Only: o.Only, Force: o.Force, DryRun: true, MaxSpendUSD: o.MaxSpend, Now: o.Now}
		info, ok := o.Lookup(s.Provider.Name)
		if !ok {
			return cmdutil.UsageError("unknown provider %q: see 'genmint providers'", s.Provider.Name)
		}
		run.Info = info
		db, err := o.State(ctx, false)
		switch {
		case err == nil:
			defer db.Close()
			run.DB = db
		case errors.Is(err, state.ErrCorrupt):
			fmt.Fprintf(o.IO.ErrOut, "The state database is damaged: 'genmint generate' will move it aside and rebuild it from items/ first.\n")
		case cmdutil.CodeOf(err) != cmdutil.ExitUsage: // "nothing generated yet" is fine here
			return err
		}
		sum, err := pipeline.Run(ctx, run)
		if err != nil {
			return err
		}
		return cmdutil.PrintGenerateSummary(o.IO, o.JSON, sum, run.Info, o.MaxSpend)
	}

	unlock, err := state.Lock(o.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	prog := cmdutil.NewGenerateProgress(o.IO, o.Quiet)
	run, err := o.Pipeline(s, prog.Logger(), o.Concurrency)
	if err != nil {
		return err
	}
	run.Count, run.Only, run.Force, run.MaxSpendUSD = o.Count, o.Only, o.Force, o.MaxSpend
	db, err := openOrRebuild(ctx, o, s)
	if err != nil {
		return err
	}
	defer db.Close()
	run.DB = db
	if o.Force {
		// The user asked to replace these items: their current candidates
		// are kept as variants first, never overwritten.
		if err := archiveForced(ctx, db, o); err != nil {
			return err
		}
	}
	run.Progress = prog
	sum, err := pipeline.Run(ctx, run)
	prog.Finish()
	if err != nil {
		return err
	}
	if o.KeepAll && !sum.Interrupted {
		ids := scope(s, o)
		if _, err := db.SetStatus(context.WithoutCancel(ctx), ids, state.Kept, state.Generated); err != nil {
			return err
		}
	}
	if err := cmdutil.PrintGenerateSummary(o.IO, o.JSON, sum, run.Info, o.MaxSpend); err != nil {
		return err
	}
	return cmdutil.GenerateExit(sum)
}

// openOrRebuild opens the state database, creating it when missing. A
// damaged one is moved aside (never deleted) with one line saying so, and
// the new one is rebuilt from the item folders that verify, with the
// journals and decisions the old one still yields carried over, before
// anything is asked of a provider. (A missing or empty database needs no
// such step: the run records every verified folder before its first
// request.)
func openOrRebuild(ctx context.Context, o *GenerateOptions, s *spec.Spec) (*state.DB, error) {
	db, err := o.State(ctx, true)
	if !errors.Is(err, state.ErrCorrupt) {
		return db, err
	}
	moved, merr := state.MoveAside(o.Dir, o.Now())
	if merr != nil {
		return nil, fmt.Errorf("%w (and %w)", err, merr)
	}
	if db, err = o.State(ctx, true); err != nil {
		return nil, err
	}
	rep, err := pipeline.Repair(ctx, s, db)
	if err == nil {
		_, err = db.CarryOver(ctx, moved)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	fmt.Fprintf(o.IO.ErrOut, "The state database was damaged: moved it to %s and rebuilt it from items/ (%d %s verified).\n",
		moved, rep.Adopted, english.PluralWord(rep.Adopted, "item", "items"))
	return db, nil
}

// archiveForced keeps the current candidate of each item --force replaces
// as a curation variant (items/NNNN/variants/<n>/).
func archiveForced(ctx context.Context, db *state.DB, o *GenerateOptions) error {
	for _, id := range o.Only {
		it, err := db.Item(ctx, id)
		if errors.Is(err, state.ErrNoItem) {
			continue // not planned yet: nothing to keep
		}
		if err != nil {
			return err
		}
		switch it.Status {
		case state.Kept, state.Pinned, state.Minted:
			continue // never regenerated; the run says why
		}
		if _, err := curate.ArchiveCandidate(ctx, db, o.Dir, id); err != nil {
			return err
		}
	}
	return nil
}

func scope(s *spec.Spec, o *GenerateOptions) []int {
	if len(o.Only) > 0 {
		return o.Only
	}
	n := s.Count
	if o.Count > 0 {
		n = o.Count
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	return ids
}
