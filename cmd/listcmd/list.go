// Package listcmd implements `genmint list`.
package listcmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/state"
)

// ListOptions are `genmint list`'s inputs.
type ListOptions struct {
	IO       *cmdutil.IOStreams
	JSON     bool
	State    func(ctx context.Context, create bool) (*state.DB, error)
	Statuses []state.Status
}

// NewCmdList builds `genmint list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IO, State: f.OpenState}
	var statuses []string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the collection's items and their status",
		Long: `List items with their status, seed and prompt. On a terminal the table fits
the window; in a pipe each item is one tab-separated line:
id, status, seed, final image path, prompt.`,
		Example: `  genmint list
  genmint list --status failed,refused
  genmint list --json | jq '.items[] | select(.status == "generated") | .id'`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON = f.JSON
			opts.Statuses = nil
			for _, s := range statuses {
				for _, part := range strings.Split(s, ",") {
					st, err := state.ParseStatus(strings.TrimSpace(part))
					if err != nil {
						return cmdutil.AsUsage(fmt.Errorf("--status: %w", err))
					}
					opts.Statuses = append(opts.Statuses, st)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&statuses, "status", nil, "only items in these `statuses` (pending, generated, refused, failed, kept, rejected, pinned, minted)")
	return cmd
}

// listRun prints the items.
func listRun(ctx context.Context, o *ListOptions) error {
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := db.Items(ctx, state.Query{Statuses: o.Statuses})
	if err != nil {
		return err
	}
	if o.JSON {
		counts, err := db.Counts(ctx)
		if err != nil {
			return err
		}
		entries := make([]cmdutil.ItemEntry, len(items))
		for i, it := range items {
			entries[i] = cmdutil.NewItemEntry(it)
		}
		return cmdutil.PrintJSON(o.IO.Out, map[string]any{"items": entries, "counts": counts})
	}
	if !o.IO.IsStdoutTTY() {
		for _, it := range items {
			fmt.Fprintf(o.IO.Out, "%d\t%s\t%d\t%s\t%s\n", it.ID, it.Status, it.Seed, termtext.Line(it.Final.Path), termtext.Line(it.Prompt))
		}
		return nil
	}
	if len(items) == 0 {
		fmt.Fprintln(o.IO.Out, "No items.")
		return nil
	}
	// Columns are aligned by their width on the terminal, colour codes
	// aside; the prompt (or the error) fills what is left of the line, made
	// safe first so that cutting it never splits an escape sequence.
	tb := termtext.Table{Gap: 2}
	bold := func(s string) string { return o.IO.Color(cmdutil.Bold, s) }
	tb.Row(bold("ID"), bold("STATUS"), bold("SEED"), bold("PROMPT"))
	for _, it := range items {
		text := it.Prompt
		if it.Error != "" && (it.Status == state.Failed || it.Status == state.Refused) {
			text = it.Error
		}
		tb.Row(fmt.Sprintf("%04d", it.ID), cmdutil.StatusColor(o.IO, it.Status), strconv.FormatUint(uint64(it.Seed), 10), termtext.Line(text))
	}
	w := tb.Widths()
	room := o.IO.TerminalWidth() - (w[0] + w[1] + w[2] + 3*tb.Gap)
	truncated := termtext.Table{Gap: tb.Gap}
	for i, r := range tb.Rows() {
		if i > 0 {
			r[3] = termtext.Truncate(r[3], max(room, 12))
		}
		truncated.Row(r...)
	}
	_, err = truncated.WriteTo(o.IO.Out)
	return err
}
