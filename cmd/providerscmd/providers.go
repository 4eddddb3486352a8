// Package providerscmd implements `genmint providers`.
package providerscmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/generate/providers"
)

// Entry is one provider in the JSON document.
type Entry struct {
	Name       string             `json:"name"`
	Summary    string             `json:"summary"`
	Paid       bool               `json:"paid"`
	KeyEnv     string             `json:"key_env,omitempty"`
	BaseURL    string             `json:"default_base_url,omitempty"`
	Records    []string           `json:"records"`
	Prices     map[string]float64 `json:"prices_usd,omitempty"`
	PricesDate string             `json:"prices_date,omitempty"`
}

// NewCmdProviders builds `genmint providers`.
func NewCmdProviders(f *cmdutil.Factory) *cobra.Command {
	var prices bool
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "List the image providers and what each records",
		Long: `List the image providers genmint can drive (provider.name in genmint.yaml),
the environment variable each reads its key from, and what each records in
provenance. --prices adds the dated price tables used by --dry-run and
--max-spend (override with provider.price_usd).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var entries []Entry
			for _, p := range providers.All() {
				e := Entry{Name: p.Name, Summary: p.Summary, Paid: p.Paid, KeyEnv: p.KeyEnv, BaseURL: p.DefaultBaseURL, Records: p.Records}
				if t, ok := providers.Prices(p.Name); ok {
					e.Prices, e.PricesDate = t.Prices, t.Date
				}
				entries = append(entries, e)
			}
			if f.JSON {
				return cmdutil.PrintJSON(f.IO.Out, map[string]any{"providers": entries})
			}
			w := f.IO.Out
			for i, e := range entries {
				if i > 0 {
					fmt.Fprintln(w)
				}
				kind := "free"
				if e.Paid {
					kind = "paid"
				}
				fmt.Fprintf(w, "%s  (%s)  %s\n", f.IO.Color(cmdutil.Bold, e.Name), kind, e.Summary)
				if e.KeyEnv != "" {
					fmt.Fprintf(w, "  key:      $%s (or provider.api_key_env)\n", e.KeyEnv)
				}
				if e.BaseURL != "" {
					fmt.Fprintf(w, "  endpoint: %s\n", e.BaseURL)
				} else if e.Name != "procedural" {
					fmt.Fprintf(w, "  endpoint: provider.base_url (required)\n")
				}
				fmt.Fprintf(w, "  records:  %s\n", strings.Join(e.Records, "; "))
				if prices {
					if t, ok := providers.Prices(e.Name); ok {
						fmt.Fprint(w, indent(t.String()))
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&prices, "prices", false, "show the price tables")
	return cmd
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
