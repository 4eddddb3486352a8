// Package validatecmd implements `genmint validate`.
package validatecmd

import (
	"fmt"

	"github.com/dustin/go-humanize/english"
	"github.com/spf13/cobra"

	"github.com/genmint/genmint/cmd/cmdutil"
	"github.com/genmint/genmint/generate/providers"
	"github.com/genmint/genmint/generate/providers/layers"
	"github.com/genmint/genmint/internal/termtext"
	"github.com/genmint/genmint/rarity"
	"github.com/genmint/genmint/spec"
)

// ValidateOptions are `genmint validate`'s inputs.
type ValidateOptions struct {
	IO   *cmdutil.IOStreams
	JSON bool
	Dir  string
}

// NewCmdValidate builds `genmint validate`.
func NewCmdValidate(f *cmdutil.Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "validate",
		Short: "Check genmint.yaml and report every problem at once",
		Long: `Check the collection's genmint.yaml: every problem is reported at once, each
as file:line:column with a hint. Exit code 2 when there are errors; warnings
alone exit 0.`,
		Example: `  genmint validate
  genmint validate --json | jq '.problems[] | "\(.line): \(.message)"'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.JSON, opts.Dir = f.JSON, f.Dir
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
}

// Report is validate's JSON document.
type Report struct {
	Valid        bool          `json:"valid"`
	Problems     spec.Problems `json:"problems"`
	Name         string        `json:"name,omitempty"`
	Count        int           `json:"count,omitempty"`
	Provider     string        `json:"provider,omitempty"`
	Combinations string        `json:"combinations,omitempty"`
	Steps        int           `json:"postprocess_steps"`
	// Distribution is what the weights ask for over count items, per trait.
	Distribution []rarity.TraitReport `json:"distribution,omitempty"`
}

func validateRun(o *ValidateOptions) error {
	s, problems, err := spec.Load(o.Dir, cmdutil.SpecOptions())
	if err != nil && problems == nil {
		return cmdutil.AsUsage(err) // no spec at all, or unreadable
	}
	rep := Report{Valid: err == nil, Problems: problems}
	if rep.Problems == nil {
		rep.Problems = spec.Problems{}
	}
	if s != nil && s.Provider.Name == layers.Name {
		rep.Problems = append(rep.Problems, layerProblems(s)...)
		problems = rep.Problems
		rep.Valid = len(problems.Errors()) == 0
	}
	if s != nil {
		rep.Name, rep.Count, rep.Provider, rep.Steps = s.Name, s.Count, s.Provider.Name, len(s.PostProcess)
		if len(s.Traits) > 0 {
			rep.Combinations = s.Combinations().String()
			rep.Distribution = rarity.Expected(rarity.TraitsOf(s), s.Count)
		}
	}
	if o.JSON {
		if err := cmdutil.PrintJSON(o.IO.Out, rep); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			color := cmdutil.Red
			if p.Severity == spec.SeverityWarning {
				color = cmdutil.Yellow
			}
			fmt.Fprintln(o.IO.Out, o.IO.Color(color, termtext.Line(p.String())))
		}
		if rep.Valid {
			combos := ""
			if rep.Combinations != "" {
				combos = fmt.Sprintf(", %s trait combinations", rep.Combinations)
			}
			fmt.Fprintf(o.IO.Out, "%s is valid: %q, %d items, provider %s%s, %d post-process steps\n",
				spec.FileName, rep.Name, rep.Count, rep.Provider, combos, rep.Steps)
			if len(rep.Distribution) > 0 {
				fmt.Fprintf(o.IO.Out, "\nExpected distribution over %d items (the weights; 'genmint rarity' shows the plan's draw):\n", rep.Count)
				for _, tr := range rep.Distribution {
					cmdutil.PrintTrait(o.IO, tr, nil, false)
				}
			}
		} else {
			n := len(problems.Errors())
			fmt.Fprintf(o.IO.Out, "%s has %d error%s\n", spec.FileName, n, english.PluralWord(n, "", "s"))
		}
	}
	if !rep.Valid {
		return cmdutil.Silent(cmdutil.ExitUsage)
	}
	return nil
}

// layerProblems checks the layer files a layers spec draws: missing files
// and layers of different sizes are errors, named by file.
func layerProblems(s *spec.Spec) spec.Problems {
	var traits []layers.SpecTrait
	for _, t := range s.Traits {
		st := layers.SpecTrait{Name: t.Name}
		for _, v := range t.Values {
			st.Values = append(st.Values, v.Value)
			st.Weights = append(st.Weights, v.Weight)
		}
		traits = append(traits, st)
	}
	info, _ := providers.Lookup(layers.Name)
	var out spec.Problems
	for _, f := range layers.Check(cmdutil.ProviderConfig(info, s.Provider, s.Dir, ""), traits) {
		sev := spec.SeverityError
		if f.Warning {
			sev = spec.SeverityWarning
		}
		out = append(out, spec.Problem{Pos: s.Position(f.Path), Path: f.Path, Severity: sev, Message: f.Message, Hint: f.Hint})
	}
	return out
}
