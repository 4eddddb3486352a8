package postprocess

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/genmint/genmint/internal/collpath"
)

// Watermarks: a line of text drawn with the embedded Go Regular font (never
// a system font, so every machine draws the same pixels), or an image (a
// logo) composited over the picture. Both sit at an anchor, margin pixels
// in from the edges.

const (
	defaultWatermarkAnchor = "bottom-right"
	defaultWatermarkMargin = 12
	defaultTextSize        = 24.0
	// MaxTextSize is the largest text watermark size, in pixels.
	MaxTextSize = 1000.0
	// MaxTextLen is the longest text watermark, in characters.
	MaxTextLen = 200
	// MaxLogoBytes is the largest watermark image file read.
	MaxLogoBytes = 64 << 20
)

var defaultTextColor = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}

// goRegular is the embedded font, parsed once. An *sfnt.Font is safe for
// concurrent use; each Apply makes its own Face, which is not.
var goRegular = sync.OnceValues(func() (*opentype.Font, error) {
	return opentype.Parse(goregular.TTF)
})

func parseWatermark(a *args, baseDir string) (Step, error) {
	hasText, hasImage := a.has("text"), a.has("image")
	switch {
	case hasText && hasImage:
		return nil, a.fail("image", "cannot be combined with text",
			"a watermark is text or an image: use two watermark entries for both")
	case !hasText && !hasImage:
		return nil, a.fail("", "needs text or image",
			`write e.g. watermark: {text: "genmint"} or watermark: {image: assets/logo.png}`)
	}
	anchor, err := a.anchor("anchor", defaultWatermarkAnchor)
	if err != nil {
		return nil, err
	}
	margin, ok, err := a.int("margin")
	if err != nil {
		return nil, err
	}
	if !ok {
		margin = defaultWatermarkMargin
	}
	if margin < 0 || margin > MaxBorder {
		return nil, a.fail("margin", fmt.Sprintf("%d is out of range", margin),
			fmt.Sprintf("use 0–%d pixels from the image's edges", MaxBorder))
	}
	if hasText {
		return parseTextWatermark(a, anchor, margin)
	}
	return parseImageWatermark(a, baseDir, anchor, margin)
}

// --- text ---

type textWatermark struct {
	text   string
	size   float64 // pixels (the font's em size at 72 dpi)
	color  color.NRGBA
	anchor string
	margin int
}

func parseTextWatermark(a *args, anchor string, margin int) (Step, error) {
	for _, k := range []string{"opacity", "scale"} {
		if a.has(k) {
			return nil, a.fail(k, "applies to image watermarks only",
				`for text, set size, and the colour's alpha for opacity (color: "#ffffff80")`)
		}
	}
	text, _, err := a.str("text")
	if err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(text) == "":
		return nil, a.fail("text", "is empty", "give the text to draw, or remove the watermark")
	case strings.ContainsAny(text, "\r\n"):
		return nil, a.fail("text", "has more than one line", "a text watermark is one line: use one watermark entry per line")
	case len([]rune(text)) > MaxTextLen:
		return nil, a.fail("text", fmt.Sprintf("is %d characters long", len([]rune(text))),
			fmt.Sprintf("keep it to %d characters", MaxTextLen))
	}
	f, err := goRegular()
	if err != nil {
		return nil, fmt.Errorf("watermark: parse the embedded font: %w", err)
	}
	var buf sfnt.Buffer
	for _, r := range text {
		if unicode.IsControl(r) {
			return nil, a.fail("text", fmt.Sprintf("has the control character %U", r), "remove it")
		}
		if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			return nil, a.fail("text", fmt.Sprintf("has %q, which the embedded Go Regular font cannot draw", r),
				"text watermarks draw Latin, Greek and Cyrillic text; use an image watermark for other scripts or symbols")
		}
	}
	size, ok, err := a.num("size")
	if err != nil {
		return nil, err
	}
	if !ok {
		size = defaultTextSize
	}
	if size < 1 || size > MaxTextSize {
		return nil, a.fail("size", fmt.Sprintf("%s is out of range", fmtNum(size)),
			fmt.Sprintf("use 1–%s pixels", fmtNum(MaxTextSize)))
	}
	c, err := a.color("color", defaultTextColor)
	if err != nil {
		return nil, err
	}
	if c.A == 0 {
		return nil, a.fail("color", "is fully transparent", "the text would not show: raise the alpha (the last two hex digits)")
	}
	return &textWatermark{text: text, size: size, color: c, anchor: anchor, margin: margin}, nil
}

func (s *textWatermark) Op() string { return "watermark" }

func (s *textWatermark) Params() map[string]any {
	return map[string]any{"text": s.text, "size": s.size, "color": formatColor(s.color),
		"anchor": s.anchor, "margin": s.margin}
}

func (s *textWatermark) Apply(img image.Image) (image.Image, error) {
	f, err := goRegular()
	if err != nil {
		return nil, fmt.Errorf("watermark: parse the embedded font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: s.size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("watermark: %w", err)
	}
	defer face.Close()

	// Place the text's ink box (not its line box), so the margin is the
	// visible gap between the text and the edge.
	ink, _ := font.BoundString(face, s.text)
	x0, y0 := ink.Min.X.Floor(), ink.Min.Y.Floor()
	w, h := ink.Max.X.Ceil()-x0, ink.Max.Y.Ceil()-y0
	b := img.Bounds()
	area, ok := inset(b, s.margin)
	if !ok || w > area.Dx() || h > area.Dy() {
		return nil, fmt.Errorf("watermark: text %q at size %s is %d×%d, which does not fit in the %d×%d image with %d px margins: lower size or margin",
			s.text, fmtNum(s.size), w, h, b.Dx(), b.Dy(), s.margin)
	}
	pt := place(area, w, h, s.anchor)

	dst := imaging.Clone(img)
	d := font.Drawer{Dst: dst, Src: image.NewUniform(s.color), Face: face,
		Dot: fixed.P(pt.X-x0, pt.Y-y0)}
	d.DrawString(s.text)
	return dst, nil
}

// inset returns the image's area (from 0,0) less margin on every side;
// ok is false when the margins leave nothing.
func inset(b image.Rectangle, margin int) (image.Rectangle, bool) {
	if 2*margin >= b.Dx() || 2*margin >= b.Dy() {
		return image.Rectangle{}, false
	}
	// Not image.Rect, which would swap inverted corners into a valid box.
	return image.Rectangle{Min: image.Pt(margin, margin), Max: image.Pt(b.Dx()-margin, b.Dy()-margin)}, true
}

// --- image ---

type imageWatermark struct {
	path    string // as written in the spec, slash-separated
	sum     string // hex sha256 of the file's bytes
	logo    *image.NRGBA
	opacity float64
	scale   float64 // logo width as a fraction of the image's; 0: natural size
	anchor  string
	margin  int
}

func parseImageWatermark(a *args, baseDir, anchor string, margin int) (Step, error) {
	for _, k := range []string{"size", "color"} {
		if a.has(k) {
			return nil, a.fail(k, "applies to text watermarks only", "for an image, set scale and opacity")
		}
	}
	opacity, ok, err := a.num("opacity")
	if err != nil {
		return nil, err
	}
	if !ok {
		opacity = 1
	}
	if opacity <= 0 || opacity > 1 {
		return nil, a.fail("opacity", fmt.Sprintf("%s is out of range", fmtNum(opacity)), "use a value above 0 and at most 1 (opaque)")
	}
	scale, _, err := a.num("scale")
	if err != nil {
		return nil, err
	}
	if a.has("scale") && (scale <= 0 || scale > 1) {
		return nil, a.fail("scale", fmt.Sprintf("%s is out of range", fmtNum(scale)),
			"it is the logo's width as a fraction of the image's: use a value above 0 and at most 1, e.g. 0.15")
	}
	rel, _, err := a.str("image")
	if err != nil {
		return nil, err
	}
	logo, sum, perr := loadLogo(a, baseDir, rel)
	if perr != nil {
		return nil, perr
	}
	return &imageWatermark{path: filepath.ToSlash(filepath.Clean(rel)), sum: sum, logo: logo,
		opacity: opacity, scale: scale, anchor: anchor, margin: margin}, nil
}

// loadLogo reads and decodes a watermark image once, at parse time. The
// header is checked against the pixel cap before any pixels are decoded.
func loadLogo(a *args, baseDir, rel string) (*image.NRGBA, string, error) {
	if strings.TrimSpace(rel) == "" {
		return nil, "", a.fail("image", "is empty", "give the logo's path, relative to the collection folder")
	}
	data, err := collpath.ReadFile(baseDir, rel, MaxLogoBytes)
	switch {
	case errors.Is(err, collpath.ErrOutside):
		return nil, "", a.fail("image", err.Error(), collpath.Hint)
	case errors.Is(err, os.ErrNotExist):
		return nil, "", a.fail("image", strconv.Quote(rel)+" does not exist",
			"the path is relative to the collection folder "+baseDir)
	case errors.Is(err, collpath.ErrTooLarge):
		return nil, "", a.fail("image", fmt.Sprintf("%q is over %d MiB", rel, MaxLogoBytes>>20), "use a smaller logo file")
	case errors.Is(err, collpath.ErrIsDir):
		return nil, "", a.fail("image", strconv.Quote(rel)+" is a folder", "name the logo file inside it")
	case err != nil:
		return nil, "", a.fail("image", "cannot read "+strconv.Quote(rel)+": "+unwrapPathError(err), "check the file's permissions")
	}
	img, _, err := Decode(data, MaxPixels)
	if err != nil {
		hint := "re-export it as png or jpeg"
		if errors.Is(err, ErrTooLarge) {
			hint = "scale the logo down; a watermark rarely needs more than 1000 px"
		}
		return nil, "", a.fail("image", strconv.Quote(rel)+": "+err.Error(), hint)
	}
	sum := sha256.Sum256(data)
	logo := imaging.Clone(img) // *image.NRGBA at the origin, read-only from here on
	return logo, hex.EncodeToString(sum[:]), nil
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (s *imageWatermark) Op() string { return "watermark" }

// Params pins the logo by content: sha256 is the hash of the file's bytes.
// scale is absent when the logo is drawn at its natural size.
func (s *imageWatermark) Params() map[string]any {
	p := map[string]any{"image": s.path, "sha256": s.sum, "opacity": s.opacity,
		"anchor": s.anchor, "margin": s.margin}
	if s.scale > 0 {
		p["scale"] = s.scale
	}
	return p
}

func (s *imageWatermark) Apply(img image.Image) (image.Image, error) {
	b := img.Bounds()
	lb := s.logo.Bounds()
	w, h := lb.Dx(), lb.Dy()
	if s.scale > 0 {
		w = int(math.Max(1, math.Floor(s.scale*float64(b.Dx())+0.5)))
		h = int(math.Max(1, math.Floor(float64(w)*float64(lb.Dy())/float64(lb.Dx())+0.5)))
	}
	area, ok := inset(b, s.margin)
	if !ok || w > area.Dx() || h > area.Dy() {
		return nil, fmt.Errorf("watermark: the logo %s is %d×%d, which does not fit in the %d×%d image with %d px margins: lower scale or margin",
			s.path, w, h, b.Dx(), b.Dy(), s.margin)
	}
	var logo image.Image = s.logo
	if w != lb.Dx() || h != lb.Dy() {
		logo = imaging.Resize(s.logo, w, h, imaging.Lanczos)
	}
	pt := place(area, w, h, s.anchor)
	dst := imaging.Clone(img)
	mask := image.NewUniform(color.Alpha16{A: uint16(math.Round(s.opacity * 0xffff))})
	draw.DrawMask(dst, image.Rectangle{Min: pt, Max: pt.Add(image.Pt(w, h))}, logo, image.Point{}, mask, image.Point{}, draw.Over)
	return dst, nil
}
