// Package raritycmd implements `genmint rarity`.
package raritycmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/rarity"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/spec/trait"
	"github.com/genmint/genmint/state"
)

// RarityOptions are `genmint rarity`'s inputs.
type RarityOptions struct {
	IO       *cmdutil.IOStreams
	JSON     bool
	Dir      string
	LoadSpec func() (*spec.Spec, error)
	Top      int
	PlanOnly bool
}

// NewCmdRarity builds `genmint rarity`.
func NewCmdRarity(f *cmdutil.Factory, runF func(*RarityOptions) error) *cobra.Command {
	opts := &RarityOptions{IO: f.IO, LoadSpec: f.LoadSpec}
	cmd := &cobra.Command{
		Use:   "rarity",
		Short: "Show each trait's distribution and each item's rarity",
		Long: `Show, per trait, each value's weight, the count the weights lead to expect,
the count the plan draws and the count of items actually made (generated,
kept, pinned or minted), with a chi-square goodness-of-fit test of each
against the weights, and a bar chart of the distribution. Works before
generating (the plan alone) and after.

Items are ranked by two scores computed from the collection's own trait
frequencies p(v) = count(v) / items:
  information content (OpenRarity): Σ −log2 p(v) over the item's traits,
      divided by the collection's entropy Σ Σ −p·log2 p; larger is rarer;
  statistical rarity: Π p(v); smaller is rarer.
Rank 1 is the rarest; equal scores share a rank.`,
		Example: `  genmint rarity
  genmint rarity --top 25
  genmint rarity --json | jq '.made.ranked[:10]'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Dir = f.JSON, f.Dir
			if opts.Top < 0 {
				return cmdutil.UsageError("--top must be 0 or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return rarityRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Top, "top", 10, "show the `N` rarest items (0: none)")
	cmd.Flags().BoolVar(&opts.PlanOnly, "plan", false, "report the plan only, even when items were made")
	return cmd
}

// Output is rarity's JSON document.
type Output struct {
	Name  string         `json:"name"`
	Count int            `json:"count"`
	Plan  rarity.Report  `json:"planned"`
	Made  *rarity.Report `json:"made"` // null before anything is made
}

// made lists the statuses of items that exist in the collection.
var made = []state.Status{state.Generated, state.Kept, state.Pinned, state.Minted}

func rarityRun(ctx context.Context, o *RarityOptions) error {
	s, err := o.LoadSpec()
	if err != nil {
		return err
	}
	if len(s.Traits) == 0 {
		return cmdutil.UsageError("%s has no traits: rarity needs traits: (see 'genmint init --template layers')", spec.FileName)
	}
	traits := rarity.TraitsOf(s)
	planned, err := s.Plan(s.Count)
	if err != nil {
		return err
	}
	in := make([]rarity.Item, len(planned))
	for i, it := range planned {
		in[i] = rarity.Item{ID: it.ID, Traits: it.Traits}
	}
	out := Output{Name: s.Name, Count: s.Count, Plan: rarity.Analyse(traits, in)}
	if !o.PlanOnly {
		items, err := madeItems(ctx, o.Dir)
		if err != nil {
			return err
		}
		if len(items) > 0 {
			rep := rarity.Analyse(traits, items)
			out.Made = &rep
		}
	}
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, out)
	}
	printReport(o.IO, out, planned, o.Top)
	return nil
}

// madeItems reads the items that exist from the state database; none when
// nothing was generated yet.
func madeItems(ctx context.Context, dir string) ([]rarity.Item, error) {
	db, err := state.Open(ctx, dir, state.Options{})
	if errors.Is(err, state.ErrNoCollection) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	items, err := db.Items(ctx, state.Query{Statuses: made})
	if err != nil {
		return nil, err
	}
	out := make([]rarity.Item, len(items))
	for i, it := range items {
		out[i] = rarity.Item{ID: it.ID, Traits: it.Traits}
	}
	return out, nil
}

// printReport writes the report for people: per trait a table with a bar chart,
// then the rarest items.
func printReport(io *cmdutil.IOStreams, out Output, planned []spec.Item, top int) {
	w := io.Out
	fmt.Fprintf(w, "%s: %d planned", out.Name, out.Plan.Items)
	if out.Made != nil {
		fmt.Fprintf(w, ", %d made", out.Made.Items)
	}
	fmt.Fprintln(w)
	for i, tr := range out.Plan.Traits {
		fmt.Fprintln(w)
		var mt *rarity.TraitReport
		if out.Made != nil {
			mt = &out.Made.Traits[i]
		}
		cmdutil.PrintTrait(io, tr, mt, true)
	}
	shown := out.Plan
	which := "planned"
	if out.Made != nil {
		shown, which = *out.Made, "made"
	}
	if top == 0 || len(shown.Ranked) == 0 {
		return
	}
	traitsOf := map[int][]trait.Trait{}
	for _, it := range planned {
		traitsOf[it.ID] = it.Traits
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, io.Color(cmdutil.Bold, fmt.Sprintf("Rarest %s items (information content, OpenRarity; statistical rarity)", which)))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tITEM\tSCORE\tBITS\tSTAT. RANK\tTRAITS")
	for _, r := range shown.Ranked[:min(top, len(shown.Ranked))] {
		var vals []string
		for _, t := range traitsOf[r.ID] {
			vals = append(vals, t.Value)
		}
		fmt.Fprintf(tw, "%d\t%04d\t%.3f\t%.2f\t%d\t%s\n", r.Rank, r.ID, r.Score, r.InformationContent, r.StatisticalRank, strings.Join(vals, ", "))
	}
	tw.Flush()
}
