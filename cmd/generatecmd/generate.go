// Package generatecmd implements `genmint generate`.
package generatecmd

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/generate/providers"
	"github.com/genmint/genmint/generate/providers/cost"
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

	Spec     func() (*spec.Spec, error)
	State    func(ctx context.Context, create bool) (*state.DB, error)
	Provider func(*spec.Spec, *slog.Logger) (cmdutil.Opener, generate.ProviderInfo, error)
	Lookup   func(name string) (generate.ProviderInfo, bool)
	Settle   func(res *generate.Result, err error, estimate float64) float64

	Count       int
	Concurrency int
	Only        []int
	Force       bool
	DryRun      bool
	MaxSpend    float64
	KeepAll     bool
}

// NewOptions returns options wired to f's collection, with no flags set.
func NewOptions(f *cmdutil.Factory) *GenerateOptions {
	return &GenerateOptions{IO: f.IO, JSON: f.JSON, Quiet: f.Quiet, Dir: f.Dir, Now: f.Now,
		Spec: f.LoadSpec, State: f.OpenState, Provider: f.Provider, Lookup: providers.Lookup, Settle: cost.Settle}
}

// NewCmdGenerate builds `genmint generate`.
func NewCmdGenerate(f *cmdutil.Factory, runF func(*GenerateOptions) error) *cobra.Command {
	opts := NewOptions(f)
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
			return Run(cmd.Context(), opts)
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
	return cmd
}

// Run generates what is missing and prints the summary.
func Run(ctx context.Context, o *GenerateOptions) error {
	s, err := o.Spec()
	if err != nil {
		return err
	}
	run := pipeline.Options{Spec: s, Count: o.Count, Only: o.Only, Force: o.Force, DryRun: o.DryRun,
		MaxSpendUSD: o.MaxSpend, Now: o.Now}

	if o.DryRun {
		info, ok := o.Lookup(s.Provider.Name)
		if !ok {
			return cmdutil.UsageError("unknown provider %q: see 'genmint providers'", s.Provider.Name)
		}
		run.Info = info
		db, err := o.State(ctx, false)
		if err == nil {
			defer db.Close()
			run.DB = db
		} else if cmdutil.CodeOf(err) != cmdutil.ExitUsage { // "nothing generated yet" is fine here
			return err
		}
		sum, err := pipeline.Run(ctx, run)
		if err != nil {
			return err
		}
		return printSummary(o, sum, run.Info)
	}

	unlock, err := state.Lock(o.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	prog := &progress{p: cmdutil.NewProgress(o.IO, "img", o.Quiet), io: o.IO}
	run, err = o.Pipeline(s, prog.logger())
	if err != nil {
		return err
	}
	info := run.Info
	db, err := o.State(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	run.DB = db
	run.Progress = prog
	sum, err := pipeline.Run(ctx, run)
	prog.p.Finish()
	if err != nil {
		return err
	}
	if o.KeepAll && !sum.Interrupted {
		ids := scope(s, o)
		if _, err := db.SetStatus(context.WithoutCancel(ctx), ids, state.Kept, state.Generated); err != nil {
			return err
		}
	}
	if err := printSummary(o, sum, info); err != nil {
		return err
	}
	switch {
	case sum.Interrupted:
		return cmdutil.Silent(cmdutil.ExitInterrupted)
	case sum.Incomplete():
		return cmdutil.Partial()
	}
	return nil
}

// Pipeline returns the options of a real (not dry) run over s: the
// provider, opened around each run's journal with its retry notes going to
// logger, cost settling, and the concurrency (--concurrency, else the
// spec's, else the CPU count for an algorithmic provider and 4 for others).
// The caller sets DB and Progress. `genmint curate` regenerates through it
// too, so both commands make an item the same way.
func (o *GenerateOptions) Pipeline(s *spec.Spec, logger *slog.Logger) (pipeline.Options, error) {
	run := pipeline.Options{Spec: s, Count: o.Count, Only: o.Only, Force: o.Force,
		MaxSpendUSD: o.MaxSpend, Now: o.Now, Settle: o.Settle}
	open, info, err := o.Provider(s, logger)
	if err != nil {
		return run, err
	}
	run.Open, run.Info = open, info
	run.Concurrency = o.Concurrency
	if run.Concurrency == 0 {
		run.Concurrency = s.Provider.Concurrency
	}
	if run.Concurrency == 0 {
		run.Concurrency = 4
		if info.Algorithmic {
			run.Concurrency = runtime.NumCPU()
		}
	}
	return run, nil
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

// progress shows generate's events through cmdutil.Progress.
type progress struct {
	p  *cmdutil.Progress
	io *cmdutil.IOStreams
}

func (g *progress) Start(todo, done int) {
	if todo == 0 {
		return
	}
	if done > 0 {
		g.p.Log(fmt.Sprintf("%d items already done; generating %d", done, todo))
	}
	g.p.Start(todo)
}

// logger shows the provider stack's retry notes as lines above the bar.
func (g *progress) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(lineWriter(g.p.Log), &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// lineWriter turns writes of whole lines into calls of fn.
type lineWriter func(string)

func (w lineWriter) Write(b []byte) (int, error) {
	w(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func (g *progress) Item(e pipeline.Event) {
	d := e.Duration.Round(10 * time.Millisecond)
	switch e.Outcome {
	case pipeline.OutcomeFailed:
		g.p.Step(g.io.Color(cmdutil.Red, fmt.Sprintf("item %04d failed: %v", e.ID, e.Err)), true)
	case pipeline.OutcomeRefused:
		g.p.Step(g.io.Color(cmdutil.Yellow, fmt.Sprintf("item %04d refused: %v", e.ID, e.Err)), true)
	default:
		g.p.Step(fmt.Sprintf("item %04d %s (%s)", e.ID, e.Outcome, d), false)
	}
}

func printSummary(o *GenerateOptions, sum *pipeline.Summary, info generate.ProviderInfo) error {
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, sum)
	}
	out := o.IO.Out
	if sum.DryRun {
		cost := ""
		if sum.Paid {
			if sum.PriceKnown {
				cost = fmt.Sprintf(", about $%.2f", sum.CostUSD)
			} else {
				cost = ", price unknown (set provider.price_usd)"
			}
			if sum.SpentUSD > 0 {
				cost += fmt.Sprintf("; $%.2f spent so far", sum.SpentUSD)
			}
		}
		kind := "free"
		if sum.Paid {
			kind = "paid"
		}
		fmt.Fprintf(out, "Dry run: %d of %d items need %d %s request%s to %s%s; %d already done.\n",
			sum.Requests, sum.Scope, sum.Requests, kind, english.PluralWord(sum.Requests, "", "s"), info.Name, cost, sum.AlreadyDone)
		return nil
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%d generated", sum.Generated))
	if sum.Reprocessed > 0 {
		parts = append(parts, fmt.Sprintf("%d post-processed again", sum.Reprocessed))
	}
	parts = append(parts, fmt.Sprintf("%d already done", sum.AlreadyDone))
	if sum.Refused > 0 {
		parts = append(parts, o.IO.Color(cmdutil.Yellow, fmt.Sprintf("%d refused", sum.Refused)))
	}
	if sum.Failed > 0 {
		parts = append(parts, o.IO.Color(cmdutil.Red, fmt.Sprintf("%d failed", sum.Failed)))
	}
	if sum.Pending > 0 {
		parts = append(parts, fmt.Sprintf("%d still to do", sum.Pending))
	}
	line := strings.Join(parts, ", ")
	if sum.Paid && sum.CostUSD > 0 {
		line += fmt.Sprintf(" ($%.2f this run, $%.2f in all)", sum.CostUSD, sum.SpentUSD)
	}
	fmt.Fprintln(out, line+".")
	if sum.SpendCapHit {
		fmt.Fprintf(out, "Stopped at the spend cap of $%.2f: raise --max-spend to go on.\n", o.MaxSpend)
	}
	if len(sum.Stale) > 0 {
		fmt.Fprintf(out, "Stale: items %s were made from an earlier genmint.yaml; 'genmint generate --force --only %s' remakes them.\n",
			curate.FormatIDs(sum.Stale), curate.ArgIDs(sum.Stale))
	}
	if sum.Failed > 0 {
		fmt.Fprintln(out, "Failed items are retried by the next 'genmint generate'; 'genmint list --status failed' shows why.")
	}
	if sum.Refused > 0 {
		fmt.Fprintln(out, "Refused items need a different prompt; 'genmint list --status refused' shows them.")
	}
	return nil
}
