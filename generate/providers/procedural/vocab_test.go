package procedural

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	var got []string
	words("Neon-Glow, CYBER_punk! Café Noir 2049", func(w string) bool { got = append(got, w); return false })
	want := []string{"neon", "glow", "cyber", "punk", "café", "noir", "2049"}
	if !slices.Equal(got, want) {
		t.Errorf("words = %q, want %q", got, want)
	}
	for w, v := range map[string]string{"waves": "waves", "flowing": "flow", "stormy": "storm", "layered": "ridges", "ripples": "halo"} {
		table := paletteWords
		switch v {
		case "waves", "halo":
			table = styleWords
		case "flow", "ridges":
			table = motifVocab
		}
		if k, ok := lookup(table, w); !ok || k.value != v {
			t.Errorf("lookup(%q) = %v %v, want %s", w, k, ok, v)
		}
	}
	if _, ok := lookup(paletteWords, "se"); ok {
		t.Error("a two-letter stem matched")
	}
}

// TestVocabulary checks the keyword tables are consistent: every value
// exists, no word is listed twice (the second would never match), and
// doc.go documents every word, so `go doc` tells users the truth.
func TestVocabulary(t *testing.T) {
	var paletteNames, styleNames, motifNames []string
	for _, p := range palettes {
		paletteNames = append(paletteNames, p.name)
	}
	for _, m := range motifs {
		motifNames = append(motifNames, m.name)
		styleNames = append(styleNames, m.styles...)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		table  []keyword
		values []string
	}{
		{"palette", paletteWords, paletteNames},
		{"motif", motifWords, motifNames},
		{"style", styleWords, styleNames},
		{"density", densityWords, densities[:]},
		{"background", backgroundWords, []string{"dark", "light"}},
		{"grain", grainWords, []string{"on", "off"}},
	} {
		seen := map[string]bool{}
		for _, k := range c.table {
			if !slices.Contains(c.values, k.value) {
				t.Errorf("%s word %q maps to unknown %q", c.name, k.word, k.value)
			}
			if seen[k.word] {
				t.Errorf("%s word %q listed twice", c.name, k.word)
			}
			seen[k.word] = true
			if k.word != strings.ToLower(k.word) {
				t.Errorf("%s word %q is not lower case", c.name, k.word)
			}
			if !bytesContainsWord(doc, k.word) {
				t.Errorf("doc.go does not list %s word %q", c.name, k.word)
			}
		}
		for _, v := range c.values {
			if !bytesContainsWord(doc, v) {
				t.Errorf("doc.go does not mention %s %q", c.name, v)
			}
		}
	}
	// Style names are unique across motifs (a style names its motif).
	seen := map[string]bool{}
	for _, s := range styleNames {
		if seen[s] {
			t.Errorf("style %q belongs to two motifs", s)
		}
		seen[s] = true
	}
	// Every palette has enough inks, and no more than a scheme holds.
	for _, p := range palettes {
		if len(p.inks) < 4 || len(p.inks) > maxInks {
			t.Errorf("palette %s has %d inks, want 4..%d", p.name, len(p.inks), maxInks)
		}
	}
}

func bytesContainsWord(doc []byte, w string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(w) + `\b`).Match(doc)
}
