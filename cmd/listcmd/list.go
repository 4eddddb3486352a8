// Package listcmd implements `genmint list`.
package listcmd

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
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
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&statuses, "status", nil, "only items in these `statuses` (pending, generated, refused, failed, kept, rejected, pinned, minted)")
	return cmd
}

// Entry is one item in list's JSON document.
type Entry struct {
	ID             int               `json:"id"`
	Status         state.Status      `json:"status"`
	Seed           uint32            `json:"seed"`
	Prompt         string            `json:"prompt"`
	NegativePrompt string            `json:"negative_prompt,omitempty"`
	Traits         map[string]string `json:"traits"`
	Final          string            `json:"final,omitempty"`
	Original       string            `json:"original,omitempty"`
	Provenance     string            `json:"provenance,omitempty"`
	FinalSHA256    string            `json:"final_sha256,omitempty"`
	Error          string            `json:"error,omitempty"`
	Attempts       int               `json:"attempts"`
}

// NewEntry turns a state item into its JSON entry.
func NewEntry(it state.Item) Entry {
	traits := make(map[string]string, len(it.Traits))
	for _, t := range it.Traits {
		traits[t.Type] = t.Value
	}
	return Entry{ID: it.ID, Status: it.Status, Seed: it.Seed, Prompt: it.Prompt, NegativePrompt: it.NegativePrompt,
		Traits: traits, Final: it.Final.Path, Original: it.Original.Path, Provenance: it.ProvenancePath,
		FinalSHA256: it.Final.SHA256, Error: it.Error, Attempts: it.Attempts}
}

// Run prints the items.
func Run(ctx context.Context, o *ListOptions) error {
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
		entries := make([]Entry, len(items))
		for i, it := range items {
			entries[i] = NewEntry(it)
		}
		return cmdutil.PrintJSON(o.IO.Out, map[string]any{"items": entries, "counts": counts})
	}
	if !o.IO.IsStdoutTTY() {
		for _, it := range items {
			fmt.Fprintf(o.IO.Out, "%d\t%s\t%d\t%s\t%s\n", it.ID, it.Status, it.Seed, it.Final.Path, it.Prompt)
		}
		return nil
	}
	if len(items) == 0 {
		fmt.Fprintln(o.IO.Out, "No items.")
		return nil
	}
	width := o.IO.TerminalWidth()
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, o.IO.Color(cmdutil.Bold, "ID\tSTATUS\tSEED\tPROMPT"))
	for _, it := range items {
		text := it.Prompt
		if it.Error != "" && (it.Status == state.Failed || it.Status == state.Refused) {
			text = it.Error
		}
		fmt.Fprintf(tw, "%04d\t%s\t%d\t%s\n", it.ID, StatusColor(o.IO, it.Status), it.Seed, truncate(text, width-34))
	}
	return tw.Flush()
}

// StatusColor colours a status for a terminal.
func StatusColor(io *cmdutil.IOStreams, s state.Status) string {
	switch s {
	case state.Generated, state.Kept, state.Pinned, state.Minted:
		return io.Color(cmdutil.Green, string(s))
	case state.Failed:
		return io.Color(cmdutil.Red, string(s))
	case state.Refused, state.Rejected:
		return io.Color(cmdutil.Yellow, string(s))
	}
	return io.Color(cmdutil.Dim, string(s))
}

func truncate(s string, n int) string {
	n = max(n, 12)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
