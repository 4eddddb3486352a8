package cmdutil

import (
	"fmt"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/genmint/genmint/rarity"
)

const barWidth = 24

// PrintTrait writes one trait's table and bar chart (`genmint rarity`,
// `genmint validate`): the bars show the made counts when there are any,
// else the planned ones, else (counts false: nothing drawn yet) the
// weights; a ┊ marks where the weight puts the value when the bar falls
// short of it.
func PrintTrait(io *IOStreams, tr rarity.TraitReport, made *rarity.TraitReport, counts bool) {
	w := io.Out
	fmt.Fprintln(w, io.Color(Bold, tr.Name))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "  VALUE\t\tWEIGHT\tEXPECTED\t"
	if counts {
		head += "PLANNED\t"
	}
	if made != nil {
		head += "MADE\t"
	}
	fmt.Fprintln(tw, strings.TrimSuffix(head, "\t"))
	for j, v := range tr.Values {
		count, n := v.Count, tr.Total()
		if made != nil && j < len(made.Values) {
			count, n = made.Values[j].Count, made.Total()
		}
		if !counts {
			count, n = v.Weight, 0
			for _, o := range tr.Values {
				n += o.Weight
			}
		}
		weight := fmt.Sprintf("%d (%.1f%%)", v.Weight, 100*v.Share)
		if v.Unknown {
			weight = "not in spec"
		}
		line := fmt.Sprintf("  %s\t%s\t%s\t%.1f\t", v.Value, bar(count, n, v.Share), weight, v.Expected)
		if counts {
			line += fmt.Sprintf("%d\t", v.Count)
		}
		if made != nil {
			mc := 0
			if j < len(made.Values) {
				mc = made.Values[j].Count
			}
			line += fmt.Sprintf("%d\t", mc)
		}
		fmt.Fprintln(tw, strings.TrimSuffix(line, "\t"))
	}
	if made != nil {
		for _, v := range made.Values[len(tr.Values):] {
			fmt.Fprintf(tw, "  %s\t%s\tnot in spec\t\t\t%d\n", v.Value, bar(v.Count, made.Total(), 0), v.Count)
		}
	}
	tw.Flush()
	fit := func(t rarity.TraitReport) string {
		if t.DF == 0 {
			return "—"
		}
		return fmt.Sprintf("χ² %.2f, df %d, p %.3g", t.ChiSquare, t.DF, t.P)
	}
	if counts && tr.Total() > 0 {
		line := "  fit to the weights: planned " + fit(tr)
		if made != nil {
			line += "; made " + fit(*made)
		}
		fmt.Fprintln(w, io.Color(Dim, line))
	}
}

// bar draws count/n as a bar of barWidth cells (eighths for the last
// cell), with ┊ where share would end when the bar is shorter.
func bar(count, n int, share float64) string {
	frac := 0.0
	if n > 0 {
		frac = float64(count) / float64(n)
	}
	eighths := int(math.Round(frac * barWidth * 8))
	cells := []rune(strings.Repeat("█", eighths/8))
	if r := eighths % 8; r > 0 {
		cells = append(cells, []rune("▏▎▍▌▋▊▉")[r-1])
	}
	for len(cells) < barWidth {
		cells = append(cells, ' ')
	}
	if m := int(math.Round(share * barWidth)); share > 0 && m > 0 && m <= barWidth && cells[m-1] == ' ' {
		cells[m-1] = '┊'
	}
	return string(cells)
}
