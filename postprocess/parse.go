package postprocess

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxPixels is the default pixel cap: no decoded image, watermark or step
// output may be larger than 64 megapixels (an 8192×8192 image). It keeps a
// decompression bomb or a typo in a size from taking the machine's memory.
const MaxPixels = 64 << 20

// opSpec describes one op of the spec's postprocess list.
type opSpec struct {
	params  []string // parameter names, in canonical order
	short   string   // the parameter a scalar value stands for, or ""
	sizeStr bool     // a "WxH" string stands for {width, height}
	example string   // a well-formed entry, for hints
	parse   func(a *args, baseDir string) (Step, error)
}

// ops lists every step op. `format` is not a step: it is the output
// encoding, read by ParseOutput. The reference, with defaults:
//
//	resize     {width, height, filter: lanczos}   either side 0/absent follows the aspect ratio; "WxH"
//	fit        {width, height, filter: lanczos}   shrink to fit inside the box, never enlarge; "WxH"
//	fill       {width, height, anchor: center, filter: lanczos}  cover the box, crop the overflow; "WxH"
//	crop       {width, height, anchor: center} or {x, y, width, height}  never scales; "WxH"
//	sharpen    {sigma} (0, 50]                     shorthand: sharpen: 0.8
//	blur       {sigma} (0, 50]                     shorthand: blur: 1.5
//	contrast   {percent} [-100, 100]               shorthand: contrast: 10
//	saturation {percent} [-100, 100]               shorthand: saturation: 15
//	brightness {percent} [-100, 100]               shorthand: brightness: -5
//	gamma      {gamma} (0, 10]                     shorthand: gamma: 1.2
//	border     {width 1–4096, color: "#000000"}    grows the image by 2×width; shorthand: border: 8
//	watermark  {text, size: 24, color: "#ffffff", anchor: bottom-right, margin: 12}
//	           shorthand: watermark: "© 2026 studio"
//	watermark  {image, opacity: 1, scale (logo width ÷ image width; absent: natural size),
//	           anchor: bottom-right, margin: 12}  shorthand: watermark: assets/logo.png
//
// Anchors: top-left, top, top-right, left, center, right, bottom-left,
// bottom, bottom-right. Filters: see filters in values.go. Colours: "#RGB",
// "#RRGGBB", "#RRGGBBAA", quoted (YAML reads a bare # as a comment).
var ops = map[string]opSpec{
	"resize": {params: []string{"width", "height", "filter"}, sizeStr: true,
		example: "resize: {width: 768, height: 768, filter: lanczos}", parse: parseResize},
	"fit": {params: []string{"width", "height", "filter"}, sizeStr: true,
		example: "fit: {width: 768, height: 768}", parse: parseFit},
	"fill": {params: []string{"width", "height", "anchor", "filter"}, sizeStr: true,
		example: "fill: {width: 512, height: 512, anchor: center}", parse: parseFill},
	"crop": {params: []string{"width", "height", "anchor", "x", "y"}, sizeStr: true,
		example: "crop: {width: 500, height: 500, anchor: top-left}", parse: parseCrop},
	"sharpen": {params: []string{"sigma"}, short: "sigma",
		example: "sharpen: 0.8", parse: parseSigma("sharpen")},
	"blur": {params: []string{"sigma"}, short: "sigma",
		example: "blur: 1.5", parse: parseSigma("blur")},
	"contrast": {params: []string{"percent"}, short: "percent",
		example: "contrast: 10", parse: parsePercent("contrast")},
	"saturation": {params: []string{"percent"}, short: "percent",
		example: "saturation: 15", parse: parsePercent("saturation")},
	"brightness": {params: []string{"percent"}, short: "percent",
		example: "brightness: -5", parse: parsePercent("brightness")},
	"gamma": {params: []string{"gamma"}, short: "gamma",
		example: "gamma: 1.2", parse: parseGamma},
	"border": {params: []string{"width", "color"}, short: "width",
		example: `border: {width: 8, color: "#111111"}`, parse: parseBorder},
	"watermark": {params: []string{"text", "size", "color", "image", "opacity", "scale", "anchor", "margin"}, short: "text",
		example: `watermark: {text: "genmint", size: 18, color: "#ffffffaa", anchor: bottom-right, margin: 12}`,
		parse:   parseWatermark},
}

// FormatOp is the spec entry that sets the output encoding (ParseOutput).
const FormatOp = "format"

// Ops returns the names accepted in the spec's postprocess list, sorted,
// including FormatOp and AnimationOp.
func Ops() []string {
	names := make([]string, 0, len(ops)+1)
	for n := range ops {
		names = append(names, n)
	}
	return sorted(append(names, FormatOp, AnimationOp))
}

// Parse reads one entry of the spec's postprocess list: op is its key, value
// what yaml.v3 decoded for it (a mapping, or a scalar shorthand such as
// `sharpen: 0.8`). Everything that can be checked without an image is checked
// here, so a bad spec fails at load time, not halfway through a batch; a
// watermark image is read and decoded now, relative to baseDir (the
// collection folder), and shared read-only by every Apply.
//
// Errors are *ParamError.
func Parse(op string, value any, baseDir string) (Step, error) {
	spec, ok := ops[op]
	if !ok {
		if op == FormatOp {
			return nil, &ParamError{Op: op, Msg: "format is the output encoding, not a step",
				Hint: "read it with ParseOutput"}
		}
		if op == AnimationOp {
			return nil, &ParamError{Op: op, Msg: "animation is a file beside the final image, not a step",
				Hint: "read it with ParseAnimation"}
		}
		return nil, &ParamError{Msg: "unknown post-process step " + strconv.Quote(op), Hint: didYouMean(op, Ops())}
	}
	fromScalar := false
	if s, isStr := value.(string); isStr && spec.sizeStr {
		w, h, err := parseWxH(s)
		if err != nil {
			return nil, &ParamError{Op: op, Msg: err.Error(), Hint: "write e.g. " + spec.example + ` or ` + op + `: "768x768"`}
		}
		value, fromScalar = map[string]any{"width": w, "height": h}, true
	}
	short := spec.short
	if op == "watermark" && looksLikeImagePath(value) {
		short = "image" // `watermark: assets/logo.png`
	}
	a, err := newArgs(op, value, spec.params, short, spec.example)
	if err != nil {
		return nil, err
	}
	a.fromScalar = fromScalar
	return spec.parse(a, baseDir)
}

// looksLikeImagePath reports whether a watermark shorthand names an image
// file rather than text to draw.
func looksLikeImagePath(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	switch strings.ToLower(filepath.Ext(s)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
		return true
	}
	return false
}

// parseWxH reads the "768x768" shorthand.
func parseWxH(s string) (w, h int, err error) {
	t := strings.ToLower(strings.TrimSpace(s))
	ws, hs, ok := strings.Cut(strings.ReplaceAll(t, "×", "x"), "x")
	if ok {
		w, err1 := strconv.Atoi(strings.TrimSpace(ws))
		h, err2 := strconv.Atoi(strings.TrimSpace(hs))
		if err1 == nil && err2 == nil {
			return w, h, nil
		}
	}
	return 0, 0, fmt.Errorf("size %q is not WIDTHxHEIGHT", s)
}

// ParseOutput reads the `format` entry: "png" (the default when the spec
// has none), "jpeg", or {type: jpeg, quality: 90}. JPEG quality defaults to
// 92. Errors are *ParamError.
func ParseOutput(value any) (Output, error) {
	a, err := newArgs(FormatOp, value, []string{"type", "quality"}, "type", "format: {type: jpeg, quality: 90}")
	if err != nil {
		return Output{}, err
	}
	t, ok, err := a.str("type")
	if err != nil {
		return Output{}, err
	}
	if !ok {
		return Output{}, a.missing("type", "write type: png or type: jpeg")
	}
	var out Output
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "png":
		out.Format = "png"
	case "jpeg", "jpg":
		out.Format = "jpeg"
	default:
		return Output{}, a.fail("type", "unknown output format "+strconv.Quote(t),
			"genmint writes png or jpeg (lossless png is the default)")
	}
	q, ok, err := a.int("quality")
	if err != nil {
		return Output{}, err
	}
	switch {
	case ok && out.Format == "png":
		return Output{}, a.fail("quality", "applies to jpeg only", "remove it, or set type: jpeg")
	case ok && (q < 1 || q > 100):
		return Output{}, a.fail("quality", fmt.Sprintf("%d is out of range", q), "use 1–100 (92 is the default)")
	case ok:
		out.Quality = q
	case out.Format == "jpeg":
		out.Quality = DefaultJPEGQuality
	}
	return out, nil
}

// DefaultJPEGQuality is the JPEG quality when the spec gives none.
const DefaultJPEGQuality = 92

// DefaultOutput is the encoding when the spec has no format entry.
var DefaultOutput = Output{Format: "png"}
