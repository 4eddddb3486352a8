package spec

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DisplayTypes are OpenSea's display_type values for numeric traits
// (docs.opensea.io, "Metadata standards", Attributes).
var DisplayTypes = []string{"number", "boost_number", "boost_percentage", "date"}

// TraitDisplay is how marketplaces show one numeric trait: the spec's
// trait_display: section. Its values are written to token metadata as JSON
// numbers, with display_type and, when set, max_value.
type TraitDisplay struct {
	DisplayType string // one of DisplayTypes
	// MaxValue is the trait's maximum as written in the spec (a number
	// literal), "" for none. Not for date.
	MaxValue string
}

var (
	hexColor  = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)
	ethAddr   = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	jsonNumRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
)

// traitDisplay reads trait_display: {trait: {display_type:, max_value:}}.
// Trait names and values are checked once the traits are read (checkDisplay).
func (l *loader) traitDisplay(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "trait_display", "write trait_display: {Level: {display_type: number, max_value: 10}}", "expected a mapping of trait name to its display")
		return
	}
	l.s.TraitDisplay = map[string]TraitDisplay{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := "trait_display." + k.Value
		l.mark(path, k)
		var d TraitDisplay
		seen := l.mapping(v, path, map[string]func(k, v *yaml.Node){
			"display_type": func(_, v *yaml.Node) {
				d.DisplayType = l.str(v, path+".display_type")
				if d.DisplayType != "" && !containsStr(DisplayTypes, d.DisplayType) {
					l.errorf(v, path+".display_type", didYouMean(d.DisplayType, DisplayTypes), "unknown display_type %q", d.DisplayType)
				}
			},
			"max_value": func(_, v *yaml.Node) {
				d.MaxValue = l.str(v, path+".max_value")
				if d.MaxValue != "" && !jsonNumRE.MatchString(d.MaxValue) {
					l.errorf(v, path+".max_value", "write a plain number such as 10 or 2.5", "max_value %q is not a number", d.MaxValue)
				}
			},
		})
		if v.Kind == yaml.MappingNode && seen["display_type"] == nil {
			l.errorf(v, path+".display_type", "add display_type: "+strings.Join(DisplayTypes, ", "), "missing")
		}
		if d.DisplayType == "date" && d.MaxValue != "" {
			l.errorf(seen["max_value"], path+".max_value", "remove max_value: a date has none", "max_value is not used with display_type date")
		}
		l.s.TraitDisplay[k.Value] = d
	}
}

// checkDisplay checks trait_display against the traits: every name is a
// trait, and every value of a numeric trait is a number (a whole number of
// seconds since 1970 for date) no larger than its max_value.
func (l *loader) checkDisplay() {
	for name, d := range l.s.TraitDisplay {
		path := "trait_display." + name
		tl, ok := l.s.Trait(name)
		if !ok {
			l.add(SeverityError, l.s.Position(path), path, didYouMean(name, l.declared), "unknown trait %q", name)
			continue
		}
		max := math.Inf(1)
		if m, err := strconv.ParseFloat(d.MaxValue, 64); err == nil && d.DisplayType != "date" {
			max = m
		}
		for _, tv := range tl.Values {
			vp := "traits." + name
			if !jsonNumRE.MatchString(tv.Value) {
				l.add(SeverityError, l.s.Position(vp), vp, "a "+d.DisplayType+" trait takes numbers only: fix the value or drop trait_display."+name, "value %q is not a number", tv.Value)
				continue
			}
			f, _ := strconv.ParseFloat(tv.Value, 64)
			if d.DisplayType == "date" && (f != math.Trunc(f) || f < 0) {
				l.add(SeverityError, l.s.Position(vp), vp, "a date is a whole number of seconds since 1970 (Unix time)", "value %q is not a date", tv.Value)
			}
			if f > max {
				l.add(SeverityError, l.s.Position(path+".max_value"), path+".max_value", "raise max_value or lower the value", "value %s of trait %q is above max_value %s", tv.Value, name, d.MaxValue)
			}
		}
	}
}

// metadataExtras reads background_color, banner_image, featured_image and
// collaborators.
func (l *loader) backgroundColor(v *yaml.Node) {
	c := l.str(v, "background_color")
	if strings.HasPrefix(c, "#") && hexColor.MatchString(c[1:]) {
		l.errorf(v, "background_color", "write it without the #: "+c[1:], "background_color %q starts with #", c)
		return
	}
	if c != "" && !hexColor.MatchString(c) {
		l.errorf(v, "background_color", "six hexadecimal digits, such as 1a2b3c", "background_color %q is not a colour", c)
		return
	}
	l.s.BackgroundColor = strings.ToLower(c)
}

// picture reads a contract metadata picture (banner_image,
// featured_image): a URI taken as written, or a picture in the collection
// folder, which pin publishes (imageFile checks it).
func (l *loader) picture(v *yaml.Node, path string) string {
	s := l.str(v, path)
	l.imageFile(v, path, s)
	return s
}

func (l *loader) collaborators(v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		l.errorf(v, "collaborators", "write collaborators: [0x…, 0x…]", "expected a list of addresses")
		return
	}
	for i, a := range v.Content {
		p := "collaborators[" + strconv.Itoa(i) + "]"
		s := l.str(a, p)
		if !ethAddr.MatchString(s) {
			l.errorf(a, p, "an Ethereum address: 0x and 40 hexadecimal digits", "%q is not an address", s)
			continue
		}
		l.s.Collaborators = append(l.s.Collaborators, s)
	}
}
