package postprocess

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/pngtest"
)

func TestParseValid(t *testing.T) {
	dir := t.TempDir()
	writeLogo(t, dir, "assets/logo.png", 40, 20, true)
	logoBytes, err := os.ReadFile(filepath.Join(dir, "assets/logo.png"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(logoBytes)
	logoSum := hex.EncodeToString(sum[:])

	tests := []struct {
		name  string
		op    string
		value any
		want  map[string]any
	}{
		{"resize full", "resize", m{"width": 768, "height": 768, "filter": "lanczos"},
			m{"width": 768, "height": 768, "filter": "lanczos"}},
		{"resize width only", "resize", m{"width": 512}, m{"width": 512, "height": 0, "filter": "lanczos"}},
		{"resize height only", "resize", m{"height": 300}, m{"width": 0, "height": 300, "filter": "lanczos"}},
		{"resize WxH shorthand", "resize", "768x512", m{"width": 768, "height": 512, "filter": "lanczos"}},
		{"resize × shorthand", "resize", "640 × 480", m{"width": 640, "height": 480, "filter": "lanczos"}},
		{"resize filter alias", "resize", m{"width": 10, "filter": "Lanczos3"}, m{"width": 10, "height": 0, "filter": "lanczos"}},
		{"resize filter bicubic", "resize", m{"width": 10, "filter": "bicubic"}, m{"width": 10, "height": 0, "filter": "catmull-rom"}},
		{"resize filter nearest", "resize", m{"width": 10, "filter": "nearest"}, m{"width": 10, "height": 0, "filter": "nearest"}},
		{"resize float that is whole", "resize", m{"width": 512.0, "height": int64(256)}, m{"width": 512, "height": 256, "filter": "lanczos"}},
		{"resize map[any]any", "resize", map[any]any{"width": 64, "height": 32}, m{"width": 64, "height": 32, "filter": "lanczos"}},
		{"fit", "fit", m{"width": 100, "height": 50}, m{"width": 100, "height": 50, "filter": "lanczos"}},
		{"fit shorthand", "fit", "100x50", m{"width": 100, "height": 50, "filter": "lanczos"}},
		{"fill defaults", "fill", m{"width": 512, "height": 512}, m{"width": 512, "height": 512, "anchor": "center", "filter": "lanczos"}},
		{"fill anchor spelled loosely", "fill", m{"width": 5, "height": 5, "anchor": "Bottom_Right"},
			m{"width": 5, "height": 5, "anchor": "bottom-right", "filter": "lanczos"}},
		{"fill centre", "fill", m{"width": 5, "height": 5, "anchor": "centre"},
			m{"width": 5, "height": 5, "anchor": "center", "filter": "lanczos"}},
		{"crop anchor", "crop", m{"width": 500, "height": 500, "anchor": "top-left"}, m{"width": 500, "height": 500, "anchor": "top-left"}},
		{"crop default anchor", "crop", m{"width": 500, "height": 400}, m{"width": 500, "height": 400, "anchor": "center"}},
		{"crop x y", "crop", m{"x": 10, "y": 20, "width": 500, "height": 500}, m{"x": 10, "y": 20, "width": 500, "height": 500}},
		{"crop x only", "crop", m{"x": 10, "width": 5, "height": 5}, m{"x": 10, "y": 0, "width": 5, "height": 5}},
		{"sharpen shorthand", "sharpen", 0.8, m{"sigma": 0.8}},
		{"sharpen int", "sharpen", m{"sigma": 1}, m{"sigma": 1.0}},
		{"blur", "blur", 2, m{"sigma": 2.0}},
		{"contrast shorthand", "contrast", 10, m{"percent": 10.0}},
		{"contrast negative", "contrast", -100, m{"percent": -100.0}},
		{"saturation", "saturation", m{"percent": 15.5}, m{"percent": 15.5}},
		{"brightness", "brightness", -5, m{"percent": -5.0}},
		{"gamma", "gamma", 1.2, m{"gamma": 1.2}},
		{"border shorthand", "border", 8, m{"width": 8, "color": "#000000"}},
		{"border #RGB", "border", m{"width": 8, "color": "#111"}, m{"width": 8, "color": "#111111"}},
		{"border #RRGGBB", "border", m{"width": 8, "color": "#1A2b3C"}, m{"width": 8, "color": "#1a2b3c"}},
		{"border #RRGGBBAA", "border", m{"width": 1, "color": "#FFFFFFAA"}, m{"width": 1, "color": "#ffffffaa"}},
		{"border opaque alpha", "border", m{"width": 1, "color": "#123456ff"}, m{"width": 1, "color": "#123456"}},
		{"watermark text", "watermark", m{"text": "genmint", "size": 18, "color": "#ffffffaa", "anchor": "bottom-right", "margin": 12},
			m{"text": "genmint", "size": 18.0, "color": "#ffffffaa", "anchor": "bottom-right", "margin": 12}},
		{"watermark text shorthand", "watermark", "© genmint 2026",
			m{"text": "© genmint 2026", "size": 24.0, "color": "#ffffff", "anchor": "bottom-right", "margin": 12}},
		{"watermark text accents", "watermark", m{"text": "Ünïcødé Ωμέγα Привет", "margin": 0, "anchor": "top"},
			m{"text": "Ünïcødé Ωμέγα Привет", "size": 24.0, "color": "#ffffff", "anchor": "top", "margin": 0}},
		{"watermark image", "watermark", m{"image": "assets/logo.png", "anchor": "bottom-right", "opacity": 0.5, "scale": 0.15, "margin": 12},
			m{"image": "assets/logo.png", "sha256": logoSum, "anchor": "bottom-right", "opacity": 0.5, "scale": 0.15, "margin": 12}},
		{"watermark image shorthand", "watermark", "assets/logo.png",
			m{"image": "assets/logo.png", "sha256": logoSum, "anchor": "bottom-right", "opacity": 1.0, "margin": 12}},
		{"watermark image defaults", "watermark", m{"image": "./assets/../assets/logo.png"},
			m{"image": "assets/logo.png", "sha256": logoSum, "anchor": "bottom-right", "opacity": 1.0, "margin": 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.op, tt.value, dir)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s.Op() != tt.op {
				t.Errorf("Op() = %q, want %q", s.Op(), tt.op)
			}
			got := s.Params()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Params() = %#v\nwant       %#v", got, tt.want)
			}
			// Provenance takes these verbatim: only plain JSON types.
			for k, v := range got {
				switch v.(type) {
				case string, int, float64, bool:
				default:
					t.Errorf("Params()[%q] is %T; want string, int, float64 or bool", k, v)
				}
			}
			// Params are fresh each call: a caller may not change the step.
			got["width"] = -1
			if reflect.DeepEqual(s.Params(), got) {
				t.Error("Params() returns a shared map")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	writeLogo(t, dir, "logo.png", 40, 20, false)
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o755); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "notes.png"), []byte("not an image at all\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "bomb.png"), pngtest.Header(50000, 50000), 0o644))
	full := encodePNG(t, photo(64, 64))
	must(t, os.WriteFile(filepath.Join(dir, "cut.png"), full[:len(full)/2], 0o644))

	tests := []struct {
		name  string
		op    string
		value any
		param string // the ParamError's Param
		msg   string // a substring of Error()
	}{
		{"unknown op", "resise", m{"width": 1}, "", "did you mean resize?"},
		{"unknown op far", "explode", 1, "", "use one of animation, blur, border"},
		{"format is not a step", "format", "png", "", "not a step"},
		{"no value", "resize", nil, "", "needs a value"},
		{"list value", "resize", []any{1, 2}, "", "not a list"},
		{"scalar without shorthand", "resize", 512, "", "takes a mapping of parameters, not 512"},
		{"bad WxH", "resize", "768by768", "", `size "768by768" is not WIDTHxHEIGHT`},
		{"WxH with a zero", "fit", "0x10", "", "fit: width must be a positive number of pixels, not 0"},
		{"WxH negative", "crop", "10x-10", "", "crop: height must be a positive number of pixels, not -10"},
		{"non-text key", "resize", map[any]any{1: 2}, "", "parameter name 1 is not text"},
		{"unknown param", "resize", m{"widht": 10}, "widht", "did you mean width?"},
		{"unknown param far", "resize", m{"colour": 10}, "colour", "parameters are width, height, filter"},
		{"unknown param only one", "contrast", m{"pct": 10}, "pct", "the only parameter is percent"},
		{"width text", "resize", m{"width": "abc"}, "width", `must be a whole number, not text "abc"`},
		{"width fraction", "resize", m{"width": 1.5}, "width", "must be a whole number, not 1.5"},
		{"width bool", "resize", m{"width": true}, "width", "not true"},
		{"width negative", "resize", m{"width": -5}, "width", "must be a positive number of pixels, not -5"},
		{"width huge int64", "resize", m{"width": int64(1) << 40}, "width", "out of range"},
		{"width huge uint64", "resize", m{"width": uint64(1) << 63}, "width", "out of range"},
		{"resize neither", "resize", m{}, "", "needs width or height"},
		{"resize both zero", "resize", m{"width": 0, "height": 0}, "", "needs width or height"},
		{"resize over cap", "resize", m{"width": 10000, "height": 10000}, "", "10000×10000 is over the 64-megapixel cap"},
		{"resize one side over cap", "resize", m{"width": 100000000}, "", "over the 64-megapixel cap"},
		{"filter typo", "resize", m{"width": 10, "filter": "lancoz"}, "filter", "did you mean lanczos?"},
		{"filter not text", "resize", m{"width": 10, "filter": 3}, "filter", "must be text, not 3"},
		{"fit missing height", "fit", m{"width": 100}, "", "height is missing"},
		{"fit zero", "fit", m{"width": 0, "height": 10}, "width", "positive"},
		{"fill over cap", "fill", "9000x9000", "", "over the 64-megapixel cap"},
		{"fill unknown anchor", "fill", m{"width": 5, "height": 5, "anchor": "middle-ish"}, "anchor",
			"valid anchors: top-left, top, top-right, left, center, right, bottom-left, bottom, bottom-right"},
		{"fill anchor typo", "fill", m{"width": 5, "height": 5, "anchor": "botom-right"}, "anchor", "did you mean bottom-right?"},
		{"crop anchor and xy", "crop", m{"width": 5, "height": 5, "x": 1, "anchor": "top"}, "anchor", "cannot be combined with x and y"},
		{"crop negative x", "crop", m{"width": 5, "height": 5, "x": -1}, "x", "must be 0 or more"},
		{"crop negative y", "crop", m{"width": 5, "height": 5, "y": -3, "x": 0}, "y", "must be 0 or more"},
		{"crop y text", "crop", m{"width": 5, "height": 5, "y": "top"}, "y", "whole number"},
		{"crop missing height", "crop", m{"width": 5}, "", "height is missing"},
		{"sharpen zero", "sharpen", 0, "", "sharpen: sigma 0 is out of range"},
		{"sharpen negative", "sharpen", m{"sigma": -1}, "sigma", "-1 is out of range"},
		{"sharpen huge", "sharpen", 51, "", "at most 50"},
		{"sharpen text", "sharpen", "soft", "", `sigma must be a number, not text "soft"`},
		{"sharpen bool", "sharpen", true, "", "must be a number, not true"},
		{"sharpen empty map", "sharpen", m{}, "", "sigma is missing"},
		{"sharpen infinite", "sharpen", math.Inf(1), "", "sigma must be a finite number"},
		{"contrast NaN", "contrast", m{"percent": math.NaN()}, "percent", "must be a finite number"},
		{"contrast list", "contrast", m{"percent": []any{1}}, "percent", "must be a number, not a list"},
		{"width mapping", "resize", m{"width": m{"px": 1}}, "width", "must be a whole number, not a mapping"},
		{"filter null", "resize", m{"width": 1, "filter": nil}, "filter", "has no value"},
		{"blur zero", "blur", 0.0, "", "out of range"},
		{"contrast over", "contrast", 150, "", "percent 150 is out of range"},
		{"contrast under", "contrast", m{"percent": -101}, "percent", "use a percentage change from -100 to 100"},
		{"saturation over", "saturation", 100.5, "", "out of range"},
		{"brightness over", "brightness", -200, "", "out of range"},
		{"gamma zero", "gamma", 0, "", "gamma 0 is out of range"},
		{"gamma huge", "gamma", m{"gamma": 11}, "gamma", "at most 10"},
		{"border zero", "border", 0, "", "width 0 is out of range"},
		{"border huge", "border", m{"width": 5000}, "width", "use 1–4096"},
		{"border missing width", "border", m{"color": "#fff"}, "", "width is missing"},
		{"border colour without #", "border", m{"width": 8, "color": "111111"}, "color", "does not start with #"},
		{"border colour digits", "border", m{"width": 8, "color": "#12345"}, "color", "has 5 hex digits"},
		{"border colour not hex", "border", m{"width": 8, "color": "#gggggg"}, "color", "is not hexadecimal"},
		{"border colour signed", "border", m{"width": 8, "color": "#+12345"}, "color", "is not hexadecimal"},
		{"border colour commented out", "border", m{"width": 8, "color": nil}, "color", `quote values starting with #`},
		{"border colour number", "border", m{"width": 8, "color": 111111}, "color", `quote it: color: "111111"`},
		{"watermark nothing", "watermark", m{"anchor": "top"}, "", "needs text or image"},
		{"watermark both", "watermark", m{"text": "a", "image": "logo.png"}, "image", "cannot be combined with text"},
		{"watermark empty text", "watermark", m{"text": "  "}, "text", "is empty"},
		{"watermark two lines", "watermark", m{"text": "a\nb"}, "text", "more than one line"},
		{"watermark tab", "watermark", m{"text": "a\tb"}, "text", "control character"},
		{"watermark long", "watermark", m{"text": strings.Repeat("x", 201)}, "text", "is 201 characters long"},
		{"watermark missing glyph", "watermark", m{"text": "genmint 日本"}, "text", `has '日', which the embedded Go Regular font cannot draw`},
		{"watermark emoji shorthand", "watermark", "🎨", "", "cannot draw"},
		{"watermark number", "watermark", 2026, "", `quote it: watermark: "2026"`},
		{"watermark size zero", "watermark", m{"text": "a", "size": 0}, "size", "0 is out of range"},
		{"watermark size huge", "watermark", m{"text": "a", "size": 1001}, "size", "use 1–1000 pixels"},
		{"watermark text opacity", "watermark", m{"text": "a", "opacity": 0.5}, "opacity", "applies to image watermarks only"},
		{"watermark text scale", "watermark", m{"text": "a", "scale": 0.5}, "scale", "applies to image watermarks only"},
		{"watermark invisible", "watermark", m{"text": "a", "color": "#ffffff00"}, "color", "fully transparent"},
		{"watermark bad anchor", "watermark", m{"text": "a", "anchor": "nowhere"}, "anchor", "valid anchors"},
		{"watermark negative margin", "watermark", m{"text": "a", "margin": -1}, "margin", "-1 is out of range"},
		{"watermark image missing", "watermark", m{"image": "assets/nope.png"}, "image", `"assets/nope.png" does not exist: the path is relative to the collection folder`},
		{"watermark image absolute", "watermark", m{"image": filepath.Join(dir, "logo.png")}, "image", "is an absolute path"},
		{"watermark image folder", "watermark", m{"image": "folder"}, "image", "is a folder"},
		{"watermark image empty", "watermark", m{"image": ""}, "image", "is empty"},
		{"watermark image not an image", "watermark", m{"image": "notes.png"}, "image", "the data is text, not an image"},
		{"watermark image bomb", "watermark", m{"image": "bomb.png"}, "image", "50000×50000 is over the 64-megapixel cap"},
		{"watermark image truncated", "watermark", m{"image": "cut.png"}, "image", "truncated"},
		{"watermark image size", "watermark", m{"image": "logo.png", "size": 10}, "size", "applies to text watermarks only"},
		{"watermark image color", "watermark", m{"image": "logo.png", "color": "#fff"}, "color", "applies to text watermarks only"},
		{"watermark image opacity zero", "watermark", m{"image": "logo.png", "opacity": 0}, "opacity", "0 is out of range"},
		{"watermark image opacity over", "watermark", m{"image": "logo.png", "opacity": 1.5}, "opacity", "out of range"},
		{"watermark image scale", "watermark", m{"image": "logo.png", "scale": 2}, "scale", "fraction of the image's"},
		{"watermark image scale zero", "watermark", m{"image": "logo.png", "scale": 0}, "scale", "out of range"},
		{"watermark image shorthand missing", "watermark", "assets/nope.PNG", "", `image "assets/nope.PNG" does not exist`},
		{"watermark image path not text", "watermark", m{"image": 5}, "image", "must be text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.op, tt.value, dir)
			if err == nil {
				t.Fatalf("Parse(%q, %#v) = %v (%v), want an error", tt.op, tt.value, s, s.Params())
			}
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *ParamError", err, err)
			}
			if pe.Param != tt.param {
				t.Errorf("Param = %q, want %q (error: %v)", pe.Param, tt.param, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestParamErrorFormat(t *testing.T) {
	tests := []struct {
		e    ParamError
		want string
	}{
		{ParamError{Op: "crop", Param: "anchor", Msg: `unknown anchor "x"`, Hint: "valid anchors: top"}, `crop.anchor: unknown anchor "x": valid anchors: top`},
		{ParamError{Op: "sharpen", Msg: "sigma 0 is out of range"}, "sharpen: sigma 0 is out of range"},
		{ParamError{Msg: `unknown post-process step "x"`, Hint: "use one of a, b"}, `unknown post-process step "x": use one of a, b`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	// The op is on every error, so the spec package can build "postprocess[2].crop.anchor".
	_, err := Parse("crop", m{"width": 1, "height": 1, "anchor": "up"}, "")
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Op != "crop" || pe.Param != "anchor" {
		t.Fatalf("err = %#v", err)
	}
}

func TestParseOutput(t *testing.T) {
	good := []struct {
		value any
		want  Output
	}{
		{"png", Output{Format: "png"}},
		{"PNG", Output{Format: "png"}},
		{"jpeg", Output{Format: "jpeg", Quality: 92}},
		{"jpg", Output{Format: "jpeg", Quality: 92}},
		{m{"type": "jpeg", "quality": 90}, Output{Format: "jpeg", Quality: 90}},
		{m{"type": "jpeg", "quality": 1}, Output{Format: "jpeg", Quality: 1}},
		{m{"type": "png"}, Output{Format: "png"}},
	}
	for _, tt := range good {
		got, err := ParseOutput(tt.value)
		if err != nil || got != tt.want {
			t.Errorf("ParseOutput(%#v) = %+v, %v; want %+v", tt.value, got, err, tt.want)
		}
	}
	if DefaultOutput != (Output{Format: "png"}) || DefaultOutput.Ext() != ".png" {
		t.Errorf("DefaultOutput = %+v", DefaultOutput)
	}

	bad := []struct {
		value any
		param string
		msg   string
	}{
		{nil, "", "format: needs a value"},
		{"webp", "", `type unknown output format "webp": genmint writes png or jpeg`},
		{90, "", "type must be text"},
		{m{"type": "png", "quality": 90}, "quality", "applies to jpeg only"},
		{m{"type": "jpeg", "quality": 0}, "quality", "0 is out of range: use 1–100"},
		{m{"type": "jpeg", "quality": 101}, "quality", "out of range"},
		{m{"type": "jpeg", "quality": "high"}, "quality", "whole number"},
		{m{"quality": 90}, "", "type is missing"},
		{m{"type": "jpeg", "qualty": 90}, "qualty", "did you mean quality?"},
		{m{"type": "tiff"}, "type", "unknown output format"},
	}
	for _, tt := range bad {
		_, err := ParseOutput(tt.value)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("ParseOutput(%#v) = %v, want a *ParamError", tt.value, err)
			continue
		}
		if pe.Op != "format" || pe.Param != tt.param || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseOutput(%#v) = %q (op %q, param %q); want param %q containing %q",
				tt.value, err, pe.Op, pe.Param, tt.param, tt.msg)
		}
	}
}

func TestOps(t *testing.T) {
	want := []string{"animation", "blur", "border", "brightness", "contrast", "crop", "fill", "fit", "format",
		"gamma", "resize", "saturation", "sharpen", "watermark"}
	if got := Ops(); !reflect.DeepEqual(got, want) {
		t.Errorf("Ops() = %v, want %v", got, want)
	}
}

func TestDidYouMean(t *testing.T) {
	valid := []string{"width", "height", "filter"}
	tests := map[string]string{
		"widht":  "did you mean width?",  // transposition
		"Width":  "did you mean width?",  // case
		"hieght": "did you mean height?", // transposition
		"heigth": "did you mean height?",
		"fil":    "did you mean filter?", // prefix
		"colour": "use one of filter, height, width",
		"w":      "use one of filter, height, width", // too short to guess
	}
	for got, want := range tests {
		if h := didYouMean(got, valid); h != want {
			t.Errorf("didYouMean(%q) = %q, want %q", got, h, want)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
