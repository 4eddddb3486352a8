// Package showcmd implements `genmint show`.
package showcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/provenance"
	"github.com/genmint/genmint/provenance/c2pa"
	"github.com/genmint/genmint/state"
)

// ShowOptions are `genmint show`'s inputs.
type ShowOptions struct {
	IO    *cmdutil.IOStreams
	JSON  bool
	Dir   string
	State func(ctx context.Context, create bool) (*state.DB, error)
	ID    int
	// Proof prints the item's leaf and Merkle proof in the collection's
	// provenance commitment (docs/provenance.md) instead of the item.
	Proof bool
}

// NewCmdShow builds `genmint show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IO, State: f.OpenState}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one item: prompt, seed, traits, files, hashes and provenance",
		Example: `  genmint show 3
  genmint show 3 --json | jq .provenance.content.seed
  genmint show 3 --proof          # the token's Merkle proof against provenanceHash()`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.Atoi(strings.TrimLeft(args[0], "#"))
			if err != nil || id < 1 {
				return cmdutil.UsageError("item id must be a positive number, got %q", args[0])
			}
			opts.ID, opts.JSON, opts.Dir = id, f.JSON, f.Dir
			if runF != nil {
				return runF(opts)
			}
			if opts.Proof {
				return proofRun(cmd.Context(), opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Proof, "proof", false, "print the token's leaf and Merkle proof in the provenance commitment")
	return cmd
}

// Detail is show's JSON document.
type Detail struct {
	cmdutil.ItemEntry
	Provenance json.RawMessage `json:"provenance,omitempty"`
	// ContentCredentials is the final's C2PA manifest, validated (absent
	// when the final carries none).
	ContentCredentials *c2pa.Report    `json:"content_credentials,omitempty"`
	Requests           []state.Request `json:"requests"`
}

// showRun prints one item.
func showRun(ctx context.Context, o *ShowOptions) error {
	db, err := o.State(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()
	it, err := db.Item(ctx, o.ID)
	if errors.Is(err, state.ErrNoItem) {
		return cmdutil.UsageError("no item %d in this collection: see 'genmint list'", o.ID)
	}
	if err != nil {
		return err
	}
	reqs, err := db.Requests(ctx, o.ID)
	if err != nil {
		return err
	}
	var rec *provenance.Record
	var raw []byte
	if it.ProvenancePath != "" {
		raw, err = os.ReadFile(filepath.Join(o.Dir, it.ProvenancePath))
		if err != nil {
			return fmt.Errorf("item %d: read provenance: %w", o.ID, err)
		}
		rec = &provenance.Record{}
		if err := json.Unmarshal(raw, rec); err != nil {
			return fmt.Errorf("item %d: %s is not a provenance record: %w", o.ID, it.ProvenancePath, err)
		}
	}
	cc, ccErr := contentCredentials(o.Dir, it)
	if o.JSON {
		if reqs == nil {
			reqs = []state.Request{}
		}
		return cmdutil.PrintJSON(o.IO.Out, Detail{ItemEntry: cmdutil.NewItemEntry(it), Provenance: raw, ContentCredentials: cc, Requests: reqs})
	}
	w := o.IO.Out
	row := func(k, v string) {
		if v != "" && k == "" {
			fmt.Fprintf(w, "%-11s %s\n", "", termtext.Line(v))
		} else if v != "" {
			fmt.Fprintf(w, "%-11s %s\n", k+":", termtext.Line(v))
		}
	}
	fmt.Fprintf(w, "%s  %s\n", o.IO.Color(cmdutil.Bold, fmt.Sprintf("Item %04d", it.ID)), cmdutil.StatusColor(o.IO, it.Status))
	row("Prompt", it.Prompt)
	row("Negative", it.NegativePrompt)
	seed := strconv.FormatUint(uint64(it.Seed), 10)
	if rec != nil {
		switch a := rec.Content.Seed.Actual; {
		case a == nil && rec.Content.Reproducible:
			seed += " requested; the provider uses no seed (the same inputs give the same image)"
		case a == nil:
			seed += " requested; the provider has no seed (not reproducible)"
		case *a != uint64(it.Seed):
			seed = fmt.Sprintf("%d (requested %d)", *a, it.Seed)
		}
	}
	row("Seed", seed)
	var traits []string
	for _, t := range it.Traits {
		traits = append(traits, t.Type+"="+t.Value)
	}
	row("Traits", strings.Join(traits, ", "))
	if rec != nil {
		c := rec.Content
		model := c.Model
		if c.ModelVersion != "" {
			model += " (version " + c.ModelVersion + ")"
		}
		if c.ModelHash != "" {
			model += " (hash " + c.ModelHash + ")"
		}
		row("Provider", c.Provider+", model "+model)
		row("Revised", c.RevisedPrompt)
		row("Request", c.RequestID)
		var steps []string
		for _, s := range c.PostProcess {
			steps = append(steps, s.Op)
		}
		row("Post", strings.Join(steps, " → "))
		for i, l := range layerLines(c.Parameters) {
			if i == 0 {
				row("Layers", l)
			} else {
				row("", l)
			}
		}
	}
	row("Original", fileLine(it.Original))
	row("Final", fileLine(it.Final))
	if it.ProvenancePath != "" {
		row("Record", it.ProvenancePath+"  content sha256 "+it.RecordSHA256)
	}
	if cc != nil || ccErr != nil {
		row("C2PA", c2paLine(cc, ccErr))
		if cc != nil {
			var acts []string
			for _, a := range cc.Actions {
				acts = append(acts, strings.TrimPrefix(a.Action, "c2pa."))
			}
			row("  actions", strings.Join(acts, " → "))
			row("  source", strings.TrimPrefix(cc.DigitalSourceType, "http://cv.iptc.org/newscodes/digitalsourcetype/"))
			if cc.Genmint != nil {
				row("  upstream", cc.Genmint.Upstream)
			}
			if cc.Timestamp != nil {
				row("  timestamp", cc.Timestamp.UTC().Format("2006-01-02 15:04:05 MST")+" (RFC 3161)")
			}
		}
	}
	if it.Error != "" {
		row("Error", it.Error)
	}
	if len(reqs) > 0 {
		var outcomes []string
		for _, r := range reqs {
			outcomes = append(outcomes, r.Outcome)
		}
		row("Requests", fmt.Sprintf("%d (%s)", len(reqs), strings.Join(outcomes, ", ")))
	}
	return nil
}

func fileLine(f state.File) string {
	if f.Path == "" {
		return ""
	}
	return f.Path + "  sha256 " + f.SHA256
}

// layerLines describes the drawn layers a layers provider recorded, bottom
// first: trait=value, the file and its sha256 (so an image can be traced
// to the exact layer files it came from).
func layerLines(params map[string]any) []string {
	list, _ := params["layers"].([]any)
	var out []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		if m == nil {
			continue
		}
		line := fmt.Sprintf("%v=%v", m["trait"], m["value"])
		if f, _ := m["file"].(string); f != "" {
			line += fmt.Sprintf("  %s  sha256 %v", f, m["sha256"])
		} else {
			line += "  (nothing drawn)"
		}
		if b, _ := m["blend"].(string); b != "" && b != "normal" {
			line += "  " + b
		}
		if op, ok := m["opacity"].(float64); ok && op != 255 {
			line += fmt.Sprintf("  opacity %.0f/255", op)
		}
		out = append(out, line)
	}
	return out
}

// contentCredentials validates the final's C2PA manifest against the
// collection's trust anchors; nil, nil when the final carries none.
func contentCredentials(dir string, it state.Item) (*c2pa.Report, error) {
	if it.Final.Path == "" {
		return nil, nil
	}
	final, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(it.Final.Path)))
	if err != nil {
		return nil, nil // the Final row and verify report a missing file
	}
	o := c2pa.Options{}
	if cfg, err := c2pa.LoadConfig(dir); err == nil && cfg != nil {
		o.Roots, _ = cfg.Roots(dir)
	}
	r, err := c2pa.Verify(final, o)
	if errors.Is(err, c2pa.ErrNoManifest) || errors.Is(err, c2pa.ErrUnsupported) {
		return nil, nil
	}
	return r, err
}

// c2paLine is the one-line summary: who signed, and whether it holds.
func c2paLine(r *c2pa.Report, err error) string {
	switch {
	case err != nil:
		return "Content Credentials broken: " + err.Error()
	case len(r.Problems) > 0:
		return "Content Credentials broken: " + strings.Join(r.Problems, "; ")
	case !r.Trusted:
		return "Content Credentials valid, signed by an untrusted certificate: " + r.Signer + " (" + r.Untrusted + ")"
	}
	return "Content Credentials valid, signed by " + r.Signer + " (issued by " + r.Issuer + ")"
}
