package procedural

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The keyword vocabulary. Every list is ordered: when a text holds several
// keywords for one choice, the first keyword *in the text* wins (see
// resolve). Keep doc.go in step with these tables.

type keyword struct{ word, value string }

var paletteWords = []keyword{
	{"ocean", "ocean"}, {"sea", "ocean"}, {"tide", "ocean"}, {"deep", "ocean"}, {"marine", "ocean"},
	{"wave", "ocean"}, {"lagoon", "ocean"}, {"coral", "ocean"}, {"blue", "ocean"}, {"water", "ocean"},
	{"ember", "ember"}, {"sunset", "ember"}, {"fire", "ember"}, {"dusk", "ember"}, {"flame", "ember"},
	{"lava", "ember"}, {"volcano", "ember"}, {"inferno", "ember"}, {"red", "ember"}, {"blaze", "ember"},
	{"forest", "forest"}, {"moss", "forest"}, {"jungle", "forest"}, {"leaf", "forest"}, {"fern", "forest"},
	{"pine", "forest"}, {"woods", "forest"}, {"green", "forest"}, {"grove", "forest"}, {"meadow", "forest"},
	{"neon", "neon"}, {"cyber", "neon"}, {"cyberpunk", "neon"}, {"synth", "neon"}, {"synthwave", "neon"},
	{"vapor", "neon"}, {"vaporwave", "neon"}, {"arcade", "neon"}, {"electric", "neon"}, {"glitch", "neon"},
	{"pastel", "pastel"}, {"candy", "pastel"}, {"dream", "pastel"}, {"soft", "pastel"}, {"cotton", "pastel"},
	{"sorbet", "pastel"}, {"macaron", "pastel"}, {"lullaby", "pastel"},
	{"mono", "mono"}, {"monochrome", "mono"}, {"ink", "mono"}, {"charcoal", "mono"}, {"noir", "mono"},
	{"graphite", "mono"}, {"grey", "mono"}, {"gray", "mono"}, {"black", "mono"}, {"white", "mono"},
	{"desert", "desert"}, {"sand", "desert"}, {"dune", "desert"}, {"canyon", "desert"}, {"mesa", "desert"},
	{"sahara", "desert"}, {"terracotta", "desert"}, {"clay", "desert"},
	{"aurora", "aurora"}, {"arctic", "aurora"}, {"ice", "aurora"}, {"polar", "aurora"}, {"glacier", "aurora"},
	{"frost", "aurora"}, {"boreal", "aurora"}, {"northern", "aurora"},
	{"regal", "regal"}, {"gold", "regal"}, {"golden", "regal"}, {"royal", "regal"}, {"king", "regal"},
	{"queen", "regal"}, {"crown", "regal"}, {"velvet", "regal"}, {"purple", "regal"}, {"luxury", "regal"},
	{"rust", "rust"}, {"autumn", "rust"}, {"fall", "rust"}, {"copper", "rust"}, {"bronze", "rust"},
	{"amber", "rust"}, {"harvest", "rust"}, {"brown", "rust"},
	{"bloom", "bloom"}, {"flower", "bloom"}, {"floral", "bloom"}, {"rose", "bloom"}, {"blossom", "bloom"},
	{"petal", "bloom"}, {"sakura", "bloom"}, {"spring", "bloom"}, {"pink", "bloom"}, {"romance", "bloom"},
	{"storm", "storm"}, {"thunder", "storm"}, {"rain", "storm"}, {"slate", "storm"}, {"steel", "storm"},
	{"fog", "storm"}, {"mist", "storm"}, {"cloud", "storm"}, {"industrial", "storm"},
	{"citrus", "citrus"}, {"lemon", "citrus"}, {"lime", "citrus"}, {"orange", "citrus"}, {"summer", "citrus"},
	{"tropical", "citrus"}, {"fruit", "citrus"}, {"festival", "citrus"}, {"carnival", "citrus"}, {"pop", "citrus"},
	{"cosmic", "cosmic"}, {"space", "cosmic"}, {"galaxy", "cosmic"}, {"nebula", "cosmic"}, {"star", "cosmic"},
	{"cosmos", "cosmic"}, {"astral", "cosmic"}, {"celestial", "cosmic"}, {"planet", "cosmic"}, {"universe", "cosmic"},
}

// motifWords name a motif without naming a style.
var motifWords = []keyword{
	{"flow", "flow"}, {"stream", "flow"}, {"current", "flow"}, {"wind", "flow"}, {"drift", "flow"},
	{"river", "flow"}, {"swirl", "flow"}, {"breeze", "flow"}, {"flux", "flow"}, {"turbulence", "flow"},
	{"rings", "rings"}, {"ring", "rings"}, {"orbit", "rings"}, {"circle", "rings"}, {"concentric", "rings"},
	{"vortex", "rings"}, {"whirlpool", "rings"}, {"eye", "rings"},
	{"cells", "cells"}, {"cell", "cells"}, {"voronoi", "cells"}, {"shard", "cells"},
	{"honeycomb", "cells"}, {"shatter", "cells"}, {"cracked", "cells"}, {"tessellation", "cells"},
	{"ridges", "ridges"}, {"ridge", "ridges"}, {"horizon", "ridges"}, {"landscape", "ridges"},
	{"valley", "ridges"}, {"layer", "ridges"}, {"strata", "ridges"}, {"skyline", "ridges"}, {"vista", "ridges"},
	{"tiles", "tiles"}, {"tile", "tiles"}, {"grid", "tiles"}, {"lattice", "tiles"}, {"tiling", "tiles"},
}

// styleWords name one style of one motif; they choose the motif too.
var styleWords = []keyword{
	{"ribbon", "ribbons"}, {"brush", "ribbons"}, {"stroke", "ribbons"}, {"brushstroke", "ribbons"},
	{"bead", "beads"}, {"dot", "beads"}, {"dotted", "beads"}, {"pearl", "beads"}, {"pointillism", "beads"},
	{"stipple", "beads"},
	{"silk", "silk"}, {"silky", "silk"}, {"hair", "silk"}, {"thread", "silk"}, {"fiber", "silk"},
	{"fibre", "silk"}, {"wisp", "silk"}, {"feather", "silk"}, {"smoke", "silk"},
	{"bands", "bands"}, {"agate", "bands"}, {"target", "bands"}, {"hypnotic", "bands"}, {"psychedelic", "bands"},
	{"contour", "contours"}, {"contours", "contours"}, {"topographic", "contours"}, {"topo", "contours"},
	{"map", "contours"}, {"tree", "contours"}, {"wood", "contours"}, {"timber", "contours"},
	{"halo", "halo"}, {"ripple", "halo"}, {"rippling", "halo"}, {"pond", "halo"}, {"droplet", "halo"},
	{"puddle", "halo"},
	{"stained", "stained"}, {"glass", "stained"}, {"window", "stained"}, {"cathedral", "stained"},
	{"crystal", "crystal"}, {"gem", "crystal"}, {"facet", "crystal"}, {"faceted", "crystal"},
	{"diamond", "crystal"}, {"prism", "crystal"}, {"quartz", "crystal"},
	{"mosaic", "mosaic"}, {"tesserae", "mosaic"}, {"pebble", "mosaic"}, {"cobble", "mosaic"},
	{"cobblestone", "mosaic"}, {"terrazzo", "mosaic"},
	{"mountain", "mountains"}, {"peak", "mountains"}, {"alps", "mountains"}, {"summit", "mountains"},
	{"cliff", "mountains"}, {"highland", "mountains"},
	{"dune", "dunes"}, {"hill", "dunes"}, {"rolling", "dunes"},
	{"pulse", "lines"}, {"pulsar", "lines"}, {"signal", "lines"}, {"waveform", "lines"},
	{"radio", "lines"}, {"lines", "lines"}, {"frequency", "lines"},
	{"wave", "waves"}, {"surf", "waves"}, {"breaker", "waves"}, {"swell", "waves"},
	{"truchet", "truchet"}, {"arc", "truchet"}, {"knot", "truchet"}, {"loop", "truchet"}, {"pipe", "truchet"},
	{"maze", "maze"}, {"labyrinth", "maze"}, {"circuit", "maze"},
	{"weave", "weave"}, {"woven", "weave"}, {"textile", "weave"}, {"basket", "weave"}, {"tartan", "weave"},
	{"plaid", "weave"}, {"fabric", "weave"}, {"cloth", "weave"},
	{"bauhaus", "bauhaus"}, {"quilt", "bauhaus"}, {"geometric", "bauhaus"}, {"modernist", "bauhaus"},
	{"midcentury", "bauhaus"}, {"shapes", "bauhaus"},
}

// motifs lists each motif and its styles, in the order the seed chooses
// among them. Style names are unique across motifs.
var motifs = []struct {
	name   string
	styles []string
}{
	{"flow", []string{"ribbons", "beads", "silk"}},
	{"rings", []string{"bands", "contours", "halo"}},
	{"cells", []string{"stained", "crystal", "mosaic"}},
	{"ridges", []string{"mountains", "dunes", "lines", "waves"}},
	{"tiles", []string{"truchet", "maze", "weave", "bauhaus"}},
}

// motifOf returns the motif a style belongs to, or "".
func motifOf(style string) string {
	for _, m := range motifs {
		if slices.Contains(m.styles, style) {
			return m.name
		}
	}
	return ""
}

// motifVocab is motifWords followed by every style word, mapped to its
// motif: "a stained glass window" chooses cells.
var motifVocab = func() []keyword {
	v := append([]keyword(nil), motifWords...)
	for _, k := range styleWords {
		v = append(v, keyword{k.word, motifOf(k.value)})
	}
	return v
}()

// stylesOf returns the style words of one motif.
func stylesOf(motif string) []keyword {
	var v []keyword
	for _, k := range styleWords {
		if motifOf(k.value) == motif {
			v = append(v, k)
		}
	}
	return v
}

var densityWords = []keyword{
	{"sparse", "sparse"}, {"minimal", "sparse"}, {"minimalist", "sparse"}, {"calm", "sparse"},
	{"quiet", "sparse"}, {"serene", "sparse"}, {"still", "sparse"}, {"empty", "sparse"}, {"simple", "sparse"},
	{"zen", "sparse"}, {"lonely", "sparse"},
	{"medium", "medium"}, {"balanced", "medium"}, {"moderate", "medium"},
	{"dense", "dense"}, {"busy", "dense"}, {"chaotic", "dense"}, {"intricate", "dense"}, {"complex", "dense"},
	{"wild", "dense"}, {"crowded", "dense"}, {"frantic", "dense"}, {"detailed", "dense"}, {"chaos", "dense"},
	{"storm", "dense"}, {"swarm", "dense"},
}

var backgroundWords = []keyword{
	{"night", "dark"}, {"dark", "dark"}, {"midnight", "dark"}, {"shadow", "dark"}, {"moonlit", "dark"},
	{"moon", "dark"}, {"void", "dark"}, {"abyss", "dark"}, {"gothic", "dark"}, {"nocturne", "dark"},
	{"dawn", "light"}, {"light", "light"}, {"paper", "light"}, {"bright", "light"}, {"day", "light"},
	{"morning", "light"}, {"sunny", "light"}, {"snow", "light"}, {"airy", "light"}, {"ivory", "light"},
	{"parchment", "light"},
}

var grainWords = []keyword{
	{"grain", "on"}, {"grainy", "on"}, {"film", "on"}, {"noise", "on"}, {"noisy", "on"},
	{"texture", "on"}, {"textured", "on"}, {"analog", "on"}, {"analogue", "on"}, {"vintage", "on"},
	{"risograph", "on"}, {"riso", "on"}, {"gritty", "on"}, {"dust", "on"},
	{"smooth", "off"}, {"clean", "off"}, {"crisp", "off"}, {"digital", "off"}, {"glossy", "off"},
}

// words splits s into lower-case runs of letters and digits. It calls fn for
// each word in order and stops early when fn returns true.
func words(s string, fn func(w string) bool) {
	start := -1
	for i := 0; i <= len(s); {
		r, size := utf8.RuneError, 1
		if i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		word := i < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if word && start < 0 {
			start = i
		}
		if !word && start >= 0 {
			if fn(strings.ToLower(s[start:i])) {
				return
			}
			start = -1
		}
		i += size
	}
}

// lookup finds w in table, also trying w without a common ending
// ("waves" → wave, "flowing" → flow, "stormy" → storm, "layered" → layer).
func lookup(table []keyword, w string) (keyword, bool) {
	for _, k := range table {
		if k.word == w {
			return k, true
		}
	}
	for _, suffix := range [...]string{"s", "es", "ing", "y", "ed"} {
		if stem, ok := strings.CutSuffix(w, suffix); ok && len(stem) > 2 {
			for _, k := range table {
				if k.word == stem {
					return k, true
				}
			}
		}
	}
	return keyword{}, false
}

// match is a keyword found in the request, and where: "trait <type>" or
// "prompt".
type match struct {
	keyword
	where string
}

func (m match) String() string { return `keyword "` + m.word + `" in ` + m.where }

// scan finds the first keyword of table in the item's traits (in spec
// order: they are what distinguishes one item from another) and then in the
// prompt.
func scan(table []keyword, prompt string, traits []Trait) (match, bool) {
	var found match
	ok := false
	try := func(text, where string) {
		words(text, func(w string) bool {
			if k, hit := lookup(table, w); hit {
				found, ok = match{k, where}, true
			}
			return ok
		})
	}
	for _, t := range traits {
		if try(t.Value, "trait "+strconv.Quote(t.Type)); ok {
			return found, true
		}
	}
	try(prompt, "prompt")
	return found, ok
}
