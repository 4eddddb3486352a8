package cmdutil

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize/english"

	"github.com/genmint/genmint/curate"
	"github.com/genmint/genmint/generate"
	"github.com/genmint/genmint/generate/pipeline"
	"github.com/genmint/genmint/generate/providers/cost"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// Pipeline returns the options of a real (not dry) pipeline run over s: the
// provider, opened around each run's journal with its retry notes going to
// logger, cost settling, and the concurrency (see PipelineOptions). The
// caller sets DB, Progress and the run's scope (Count, Only, Force,
// MaxSpendUSD). `genmint generate`, the regeneration of `genmint curate` and
// `genmint demo` all make items through it, so each makes an item the same
// way.
func (f *Factory) Pipeline(s *spec.Spec, logger *slog.Logger, concurrency int) (pipeline.Options, error) {
	open, info, err := f.Provider(s, logger)
	if err != nil {
		return pipeline.Options{}, err
	}
	run := PipelineOptions(s, open, info, concurrency, f.Now)
	// A collection with a C2PA set-up signs every final it makes.
	if run.C2PA, err = f.C2PASigner(s.Dir); err != nil {
		return pipeline.Options{}, err
	}
	return run, nil
}

// PipelineOptions is Pipeline around a provider already checked: cost
// settling by cost.Settle, and the concurrency — concurrency (--concurrency)
// when not 0, else the spec's, else the CPU count for an algorithmic
// provider and 4 for others.
func PipelineOptions(s *spec.Spec, open Opener, info generate.ProviderInfo, concurrency int, now func() time.Time) pipeline.Options {
	run := pipeline.Options{Spec: s, Open: open, Info: info, Settle: cost.Settle, Concurrency: concurrency, Now: now}
	if run.Concurrency == 0 {
		run.Concurrency = s.Provider.Concurrency
	}
	if run.Concurrency == 0 {
		run.Concurrency = 4
		if info.Algorithmic {
			run.Concurrency = runtime.NumCPU()
		}
	}
	return run
}

// GenerateProgress shows a pipeline run's events on stderr through
// Progress: a bar on a terminal, one line per item otherwise, nothing but
// failures' lines when quiet. It implements pipeline.Progress.
type GenerateProgress struct {
	p  *Progress
	io *IOStreams
}

var _ pipeline.Progress = (*GenerateProgress)(nil)

// NewGenerateProgress returns the progress display of a pipeline run.
func NewGenerateProgress(io *IOStreams, quiet bool) *GenerateProgress {
	return &GenerateProgress{p: NewProgress(io, "img", quiet), io: io}
}

// Start implements pipeline.Progress.
func (g *GenerateProgress) Start(todo, done int) {
	if todo == 0 {
		return
	}
	if done > 0 {
		g.p.Log(fmt.Sprintf("%d items already done; generating %d", done, todo))
	}
	g.p.Start(todo)
}

// Item implements pipeline.Progress.
func (g *GenerateProgress) Item(e pipeline.Event) {
	d := e.Duration.Round(10 * time.Millisecond)
	switch e.Outcome {
	case pipeline.OutcomeFailed:
		g.p.Step(g.io.Color(Red, fmt.Sprintf("item %04d failed: %s", e.ID, termtext.Line(e.Err.Error()))), true)
	case pipeline.OutcomeRefused:
		g.p.Step(g.io.Color(Yellow, fmt.Sprintf("item %04d refused: %s", e.ID, termtext.Line(e.Err.Error()))), true)
	default:
		g.p.Step(fmt.Sprintf("item %04d %s (%s)", e.ID, e.Outcome, d), false)
	}
}

// Finish removes the bar.
func (g *GenerateProgress) Finish() { g.p.Finish() }

// Logger shows the provider stack's retry notes as lines above the bar.
func (g *GenerateProgress) Logger() *slog.Logger {
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

// PrintGenerateSummary writes a pipeline run's summary to io.Out: the JSON
// document, or a line (a dry run's requests and cost; else the counts, the
// cost, and what to do about a spend cap, stale, failed or refused items).
// maxSpend is the --max-spend the run had.
func PrintGenerateSummary(io *IOStreams, asJSON bool, sum *pipeline.Summary, info generate.ProviderInfo, maxSpend float64) error {
	if asJSON {
		return PrintJSON(io.Out, sum)
	}
	out := io.Out
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
		if sum.Adopted > 0 {
			fmt.Fprintf(out, "Of those done, %d would be recorded from items/ (their files verify).\n", sum.Adopted)
		}
		if len(sum.Missing) > 0 {
			fmt.Fprintf(out, "Items %s lost their files (their folder is gone): pending again, counted above.\n", curate.FormatIDs(sum.Missing))
		}
		return nil
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%d generated", sum.Generated))
	if sum.Reprocessed > 0 {
		parts = append(parts, fmt.Sprintf("%d post-processed again", sum.Reprocessed))
	}
	parts = append(parts, fmt.Sprintf("%d already done", sum.AlreadyDone))
	if sum.Refused > 0 {
		parts = append(parts, io.Color(Yellow, fmt.Sprintf("%d refused", sum.Refused)))
	}
	if sum.Failed > 0 {
		parts = append(parts, io.Color(Red, fmt.Sprintf("%d failed", sum.Failed)))
	}
	if sum.Pending > 0 {
		parts = append(parts, fmt.Sprintf("%d still to do", sum.Pending))
	}
	line := strings.Join(parts, ", ")
	if sum.Paid && sum.CostUSD > 0 {
		line += fmt.Sprintf(" ($%.2f this run, $%.2f in all)", sum.CostUSD, sum.SpentUSD)
	}
	fmt.Fprintln(out, line+".")
	if sum.Adopted > 0 {
		fmt.Fprintf(out, "Recorded %d %s from items/ (their files verify): nothing asked of %s for them.\n",
			sum.Adopted, english.PluralWord(sum.Adopted, "item", "items"), info.Name)
	}
	if len(sum.Missing) > 0 {
		fmt.Fprintf(out, "Items %s had lost their files (their folder is gone): made again where the state allows, else listed below.\n", curate.FormatIDs(sum.Missing))
	}
	for _, a := range sum.Archived {
		fmt.Fprintf(out, "Kept files the state did not record in %s before generating that item again.\n", a)
	}
	if sum.SpendCapHit {
		fmt.Fprintf(out, "Stopped at the spend cap of $%.2f: raise --max-spend to go on.\n", maxSpend)
	}
	printStale(out, sum)
	restore := 0
	for _, p := range sum.Problems {
		if p.Status == state.Pinned || p.Status == state.Minted {
			restore++
			fmt.Fprintf(out, "  item %04d: %s\n", p.ID, p.Error)
		}
	}
	if sum.Failed > restore {
		fmt.Fprintln(out, "Failed items are retried by the next 'genmint generate'; 'genmint list --status failed' shows why.")
	}
	if sum.Refused > 0 {
		fmt.Fprintln(out, "Refused items need a different prompt; 'genmint list --status refused' shows them.")
	}
	return nil
}

// printStale names the items made from an earlier genmint.yaml, with what
// remakes each: --force for generated and rejected ones; a kept one must be
// rejected first; a pinned or minted one stays as published (--force
// refuses both).
func printStale(out io.Writer, sum *pipeline.Summary) {
	var remake []int
	for _, id := range sum.Stale {
		if !slices.Contains(sum.StaleKept, id) && !slices.Contains(sum.StalePublished, id) {
			remake = append(remake, id)
		}
	}
	if len(remake) > 0 {
		fmt.Fprintf(out, "Stale: items %s were made from an earlier genmint.yaml; 'genmint generate --force --only %s' remakes them.\n",
			curate.FormatIDs(remake), curate.ArgIDs(remake))
	}
	if k := sum.StaleKept; len(k) > 0 {
		fmt.Fprintf(out, "Stale: kept items %s were made from an earlier genmint.yaml; 'genmint curate --reject %s', then 'genmint generate --force --only %s', remakes them.\n",
			curate.FormatIDs(k), curate.ArgIDs(k), curate.ArgIDs(k))
	}
	if p := sum.StalePublished; len(p) > 0 {
		fmt.Fprintf(out, "Stale: items %s were made from an earlier genmint.yaml but are pinned or minted: they stay as published ('generate --force' refuses them); remake them in a new collection, or put the earlier genmint.yaml back to match what is published.\n",
			curate.FormatIDs(p))
	}
}

// GenerateExit is the exit a real pipeline run ends with, once its summary
// is printed: 130 interrupted (re-run to resume), 3 some items failed or
// were refused, or the spend cap stopped it.
func GenerateExit(sum *pipeline.Summary) error {
	switch {
	case sum.Interrupted:
		return Silent(ExitInterrupted)
	case sum.Incomplete():
		return Partial()
	}
	return nil
}
