// Package statuscmd implements `genmint status`.
package statuscmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/mint"
	"github.com/genmint/genmint/spec"
	"github.com/genmint/genmint/state"
)

// StatusOptions are `genmint status`'s inputs.
type StatusOptions struct {
	IO    *cmdutil.IOStreams
	JSON  bool
	State func(ctx context.Context, create bool) (*state.DB, error)
	Spec  func() (*spec.Spec, error)
	Dir   string
	// RPC, when set, is a node the recorded deployment is checked against.
	RPC string
}

// NewCmdStatus builds `genmint status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, State: f.OpenState, Spec: f.LoadSpec}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show where each item stands, with its token and mint transaction",
		Long: `Show the collection's progress: how many items are in each status, the
contract, and per item its status, token id and the transaction that minted
it, as recorded in the state (no node is asked). In a pipe each item is one
tab-separated line: id, status, token id, transaction hash ("-" when not
minted).

With --rpc URL, the recorded deployment (the state's, else
deployments/<network>.json) is checked against that node: the block hash at
its height and the code hash at its address. When the chain does not hold
it (reset, or another network), minted items show "deployment missing"
and status exits 2 with that reason in one line.`,
		Example: `  genmint status
  genmint status --rpc http://127.0.0.1:8545     # is the deployment still on that chain?
  genmint status --json | jq '.items[] | select(.status == "minted") | .tx_hash'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Dir = f.JSON, f.Dir
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.RPC, "rpc", "", "check the recorded deployment against the node at this JSON-RPC `URL`")
	return cmd
}

// Item is one item in status's JSON document.
type Item struct {
	ID      int          `json:"id"`
	Status  state.Status `json:"status"`
	TokenID uint64       `json:"token_id,omitempty"`
	TxHash  string       `json:"tx_hash,omitempty"`
}

// Document is status's JSON document.
type Document struct {
	Counts     map[state.Status]int `json:"counts"`
	Deployment *mint.Deployment     `json:"deployment,omitempty"`
	// Open counts transactions whose outcome is not known yet: the next
	// `genmint mint` settles them first.
	Open         int             `json:"open_transactions"`
	Items        []Item          `json:"items"`
	Transactions []mint.TxRecord `json:"transactions"`
	// Record is the deployment's chain identity (deployments/<network>.json).
	Record *mint.DeploymentRecord `json:"deployment_record,omitempty"`
	// DeploymentMissing, with --rpc, says why the node's chain does not
	// hold the recorded deployment ("" when it does, or without --rpc).
	DeploymentMissing string `json:"deployment_missing,omitempty"`
	// Revealed says whether the tokens show their real metadata (absent
	// when nothing is deployed); PlaceholderURI is the placeholder they
	// showed, or show, before 'genmint reveal' (spec reveal:). Without
	// --rpc it is the deployment record's word; with --rpc the chain's.
	Revealed       *bool  `json:"revealed,omitempty"`
	PlaceholderURI string `json:"placeholder_uri,omitempty"`
}

// statusRun prints the status.
func statusRun(ctx context.Context, o *StatusOptions) error {
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := db.Items(ctx, state.Query{})
	if err != nil {
		return err
	}
	counts, err := db.Counts(ctx)
	if err != nil {
		return err
	}
	ms, err := mint.ReadStatus(ctx, db)
	if err != nil {
		return err
	}
	doc := Document{Counts: counts, Deployment: ms.Deployment, Open: ms.Open, Items: make([]Item, len(items)), Transactions: ms.Txs}
	if doc.Transactions == nil {
		doc.Transactions = []mint.TxRecord{}
	}
	if o.RPC != "" {
		if doc.Record, doc.DeploymentMissing, err = o.checkDeployment(ctx, db); err != nil {
			return err
		}
	}
	if err := o.reveal(ctx, db, &doc, ms); err != nil {
		return err
	}
	for i, it := range items {
		doc.Items[i] = Item{ID: it.ID, Status: it.Status}
		if it.Status == state.Minted && doc.DeploymentMissing != "" {
			doc.Items[i].Status = DeploymentMissing
		}
		if tok, ok := ms.Tokens[it.ID]; ok {
			doc.Items[i].TokenID, doc.Items[i].TxHash = tok.TokenID, tok.TxHash.Hex()
		}
	}
	if err := o.print(doc, counts, ms, len(items)); err != nil {
		return err
	}
	if doc.DeploymentMissing != "" {
		// The status is shown; the exit code says the chain lost the
		// deployment (2, as mint's refusal on that chain; verify says 4).
		s, _ := o.Spec()
		nw := "<network>"
		if s != nil {
			nw = s.Network.Name
		}
		return cmdutil.UsageError("deployment missing: %s: point --rpc at the chain the collection was deployed on (%s/%s.json records it)",
			doc.DeploymentMissing, mint.DeploymentsDir, nw)
	}
	return nil
}

// print writes doc as JSON, plain lines (a pipe) or the terminal view.
func (o *StatusOptions) print(doc Document, counts map[state.Status]int, ms *mint.Status, n int) error {
	if o.JSON {
		return cmdutil.PrintJSON(o.IO.Out, doc)
	}
	if !o.IO.IsStdoutTTY() {
		for _, it := range doc.Items {
			tok, tx := "-", "-"
			if it.TxHash != "" {
				tok, tx = fmt.Sprint(it.TokenID), it.TxHash
			}
			fmt.Fprintf(o.IO.Out, "%d\t%s\t%s\t%s\n", it.ID, it.Status, tok, tx)
		}
		return nil
	}
	w := o.IO.Out
	var line string
	for _, s := range state.Statuses {
		if n := counts[s]; n > 0 {
			if s == state.Minted && doc.DeploymentMissing != "" {
				s = DeploymentMissing
			}
			line += fmt.Sprintf("%s %d   ", cmdutil.StatusColor(o.IO, s), n)
		}
	}
	fmt.Fprintf(w, "%d items: %s\n", n, line)
	if d := ms.Deployment; d != nil {
		fmt.Fprintf(w, "Contract %s on chain %d (deployed in %s, block %d)\n", d.Contract.Hex(), d.ChainID, d.TxHash.Hex(), d.Block)
	}
	switch {
	case doc.Revealed == nil || doc.PlaceholderURI == "":
	case *doc.Revealed:
		fmt.Fprintln(w, "Revealed: every token shows its real metadata")
	default:
		fmt.Fprintln(w, o.IO.Color(cmdutil.Yellow, "Not revealed: every token shows the placeholder "+doc.PlaceholderURI+" until 'genmint reveal'"))
	}
	if ms.Open > 0 {
		fmt.Fprintln(w, o.IO.Color(cmdutil.Yellow, fmt.Sprintf("%d transaction(s) in flight from an interrupted run: 'genmint mint' settles them first", ms.Open)))
	}
	if n == 0 {
		return nil
	}
	// Aligned by width on the terminal: a tabwriter counts colour codes.
	tb := termtext.Table{Gap: 2}
	bold := func(s string) string { return o.IO.Color(cmdutil.Bold, s) }
	tb.Row(bold("ID"), bold("STATUS"), bold("TOKEN"), bold("TX"))
	for _, it := range doc.Items {
		tok, tx := "", ""
		if it.TxHash != "" {
			tok, tx = fmt.Sprint(it.TokenID), it.TxHash
		}
		tb.Row(fmt.Sprintf("%04d", it.ID), cmdutil.StatusColor(o.IO, it.Status), tok, tx)
	}
	_, err := tb.WriteTo(w)
	return err
}
