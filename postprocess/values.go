package postprocess

import (
	"fmt"
	"image"
	"image/color"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"

	"github.com/genmint/genmint/internal/suggest"
)

// anchor names, in the order a reader scans a picture.
var anchors = []struct {
	name string
	a    imaging.Anchor
}{
	{"top-left", imaging.TopLeft}, {"top", imaging.Top}, {"top-right", imaging.TopRight},
	{"left", imaging.Left}, {"center", imaging.Center}, {"right", imaging.Right},
	{"bottom-left", imaging.BottomLeft}, {"bottom", imaging.Bottom}, {"bottom-right", imaging.BottomRight},
}

func anchorNames() []string {
	n := make([]string, len(anchors))
	for i, a := range anchors {
		n[i] = a.name
	}
	return n
}

// anchor reads an anchor name (default def). "top_left", "Top Left" and
// "centre" are read as their canonical forms.
func (a *args) anchor(key, def string) (string, error) {
	s, ok, err := a.str(key)
	if err != nil {
		return "", err
	}
	if !ok {
		return def, nil
	}
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("_", "-", " ", "-").Replace(n)
	if n == "centre" || n == "middle" {
		n = "center"
	}
	for _, x := range anchors {
		if x.name == n {
			return n, nil
		}
	}
	hint := "valid anchors: " + strings.Join(anchorNames(), ", ")
	if best := suggest.Closest(n, anchorNames()); best != "" {
		hint = "did you mean " + best + "? " + hint
	}
	return "", a.fail(key, "unknown anchor "+strconv.Quote(s), hint)
}

// anchorValue maps a canonical anchor name to imaging's.
func anchorValue(name string) imaging.Anchor {
	for _, x := range anchors {
		if x.name == name {
			return x.a
		}
	}
	return imaging.Center
}

// place returns where a w×h box goes inside r at the named anchor. It
// rounds the same way imaging does, so fill/crop and watermarks agree.
func place(r image.Rectangle, w, h int, anchor string) image.Point {
	var x, y int
	switch anchor {
	case "top-left", "left", "bottom-left":
		x = r.Min.X
	case "top-right", "right", "bottom-right":
		x = r.Max.X - w
	default:
		x = r.Min.X + (r.Dx()-w)/2
	}
	switch anchor {
	case "top-left", "top", "top-right":
		y = r.Min.Y
	case "bottom-left", "bottom", "bottom-right":
		y = r.Max.Y - h
	default:
		y = r.Min.Y + (r.Dy()-h)/2
	}
	return image.Pt(x, y)
}

// Resampling filters, by their spec names.
var filters = []struct {
	name string
	f    imaging.ResampleFilter
}{
	{"lanczos", imaging.Lanczos},
	{"catmull-rom", imaging.CatmullRom},
	{"mitchell", imaging.MitchellNetravali},
	{"linear", imaging.Linear},
	{"box", imaging.Box},
	{"nearest", imaging.NearestNeighbor},
	{"hermite", imaging.Hermite},
	{"bspline", imaging.BSpline},
	{"gaussian", imaging.Gaussian},
	{"bartlett", imaging.Bartlett},
	{"hann", imaging.Hann},
	{"hamming", imaging.Hamming},
	{"blackman", imaging.Blackman},
	{"welch", imaging.Welch},
	{"cosine", imaging.Cosine},
}

// filterAliases are other common spellings, read as the canonical name.
var filterAliases = map[string]string{
	"lanczos3": "lanczos", "catmullrom": "catmull-rom", "bicubic": "catmull-rom",
	"cubic": "catmull-rom", "mitchellnetravali": "mitchell", "bilinear": "linear",
	"nearest-neighbor": "nearest", "nearestneighbor": "nearest",
}

func filterNames() []string {
	n := make([]string, len(filters))
	for i, f := range filters {
		n[i] = f.name
	}
	return n
}

// filter reads a resampling filter name (default lanczos).
func (a *args) filter(key string) (string, error) {
	s, ok, err := a.str(key)
	if err != nil {
		return "", err
	}
	if !ok {
		return "lanczos", nil
	}
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.ReplaceAll(n, "_", "-")
	if c, ok := filterAliases[n]; ok {
		n = c
	}
	for _, f := range filters {
		if f.name == n {
			return n, nil
		}
	}
	return "", a.fail(key, "unknown filter "+strconv.Quote(s), didYouMean(n, filterNames()))
}

func filterValue(name string) imaging.ResampleFilter {
	for _, f := range filters {
		if f.name == name {
			return f.f
		}
	}
	return imaging.Lanczos
}

// color reads a colour: "#RGB", "#RRGGBB" or "#RRGGBBAA" (def when absent).
func (a *args) color(key string, def color.NRGBA) (color.NRGBA, error) {
	s, ok, err := a.str(key)
	if err != nil {
		return color.NRGBA{}, err
	}
	if !ok {
		return def, nil
	}
	c, err := parseColor(s)
	if err != nil {
		return color.NRGBA{}, a.fail(key, err.Error(), `write "#RGB", "#RRGGBB" or "#RRGGBBAA" (quoted), e.g. "#111111" or "#ffffffaa"`)
	}
	return c, nil
}

// parseColor parses #RGB, #RRGGBB and #RRGGBBAA.
func parseColor(s string) (color.NRGBA, error) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "#") {
		return color.NRGBA{}, fmt.Errorf("colour %q does not start with #", s)
	}
	h := t[1:]
	switch len(h) {
	case 3:
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]}) + "ff"
	case 6:
		h += "ff"
	case 8:
	default:
		return color.NRGBA{}, fmt.Errorf("colour %q has %d hex digits, not 3, 6 or 8", s, len(h))
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("colour %q is not hexadecimal", s)
	}
	return color.NRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}, nil
}

// formatColor is the canonical form: "#rrggbb", or "#rrggbbaa" when not
// opaque.
func formatColor(c color.NRGBA) string {
	if c.A == 0xff {
		return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
	}
	return fmt.Sprintf("#%02x%02x%02x%02x", c.R, c.G, c.B, c.A)
}
