package postprocess

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/disintegration/imaging"
)

// Geometry steps: resize, fit, fill, crop, border.

// size reads width and height. With optional, either may be absent or 0
// (resize keeps the aspect ratio), but not both.
func (a *args) size(optional bool) (w, h int, err error) {
	w, wok, err := a.int("width")
	if err != nil {
		return 0, 0, err
	}
	h, hok, err := a.int("height")
	if err != nil {
		return 0, 0, err
	}
	for _, p := range []struct {
		key string
		v   int
		ok  bool
	}{{"width", w, wok}, {"height", h, hok}} {
		switch {
		case !p.ok && !optional:
			return 0, 0, a.missing(p.key, "give both width and height in pixels")
		case p.ok && p.v < 0, p.ok && p.v == 0 && !optional:
			return 0, 0, a.fail(p.key, fmt.Sprintf("must be a positive number of pixels, not %d", p.v), "")
		}
	}
	if optional && w == 0 && h == 0 {
		return 0, 0, a.fail("", "needs width or height", "give one (the other follows the aspect ratio) or both")
	}
	if err := checkArea(w, h); err != nil {
		return 0, 0, a.fail("", err.Error(), "lower width or height")
	}
	return w, h, nil
}

// checkArea refuses sizes over the pixel cap; a 0 side counts as 1.
func checkArea(w, h int) error {
	if int64(max(w, 1))*int64(max(h, 1)) > MaxPixels {
		return fmt.Errorf("%d×%d is over the %s cap", w, h, megapixels(MaxPixels))
	}
	return nil
}

// checkOutput refuses a step output over the pixel cap, before allocating it.
func checkOutput(op string, w, h int) error {
	if int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%s: the result would be %d×%d, over the %s cap: lower the size: %w",
			op, w, h, megapixels(MaxPixels), ErrTooLarge)
	}
	return nil
}

func megapixels(n int64) string {
	mp := float64(n) / (1 << 20)
	if mp == math.Trunc(mp) {
		return fmt.Sprintf("%d-megapixel", int64(mp))
	}
	return fmt.Sprintf("%.1f-megapixel", mp)
}

// --- resize ---

type resizeStep struct {
	w, h   int // 0: follow the aspect ratio
	filter string
}

func parseResize(a *args, _ string) (Step, error) {
	w, h, err := a.size(true)
	if err != nil {
		return nil, err
	}
	f, err := a.filter("filter")
	if err != nil {
		return nil, err
	}
	return &resizeStep{w: w, h: h, filter: f}, nil
}

func (s *resizeStep) Op() string { return "resize" }

func (s *resizeStep) Params() map[string]any {
	return map[string]any{"width": s.w, "height": s.h, "filter": s.filter}
}

func (s *resizeStep) Apply(img image.Image) (image.Image, error) {
	b := img.Bounds()
	w, h := s.w, s.h
	// The missing side follows the aspect ratio, rounded as imaging does.
	if w == 0 {
		w = int(math.Max(1, math.Floor(float64(h)*float64(b.Dx())/float64(b.Dy())+0.5)))
	}
	if h == 0 {
		h = int(math.Max(1, math.Floor(float64(w)*float64(b.Dy())/float64(b.Dx())+0.5)))
	}
	if err := checkOutput("resize", w, h); err != nil {
		return nil, err
	}
	// imaging resizes horizontally first: the intermediate is w × the
	// source height. Bound it too (only absurd aspect changes reach this).
	if w != b.Dx() && h != b.Dy() && int64(w)*int64(b.Dy()) > 2*MaxPixels {
		return nil, fmt.Errorf("resize: %d×%d to %d×%d changes the aspect ratio too much: resize in two steps or crop first: %w",
			b.Dx(), b.Dy(), w, h, ErrTooLarge)
	}
	return imaging.Resize(img, w, h, filterValue(s.filter)), nil
}

// --- fit ---

// fitStep scales the image down to fit inside width×height, keeping its
// aspect ratio. An image already inside the box is left as it is (fit never
// enlarges; use resize for that).
type fitStep struct {
	w, h   int
	filter string
}

func parseFit(a *args, _ string) (Step, error) {
	w, h, err := a.size(false)
	if err != nil {
		return nil, err
	}
	f, err := a.filter("filter")
	if err != nil {
		return nil, err
	}
	return &fitStep{w: w, h: h, filter: f}, nil
}

func (s *fitStep) Op() string { return "fit" }

func (s *fitStep) Params() map[string]any {
	return map[string]any{"width": s.w, "height": s.h, "filter": s.filter}
}

func (s *fitStep) Apply(img image.Image) (image.Image, error) {
	return imaging.Fit(img, s.w, s.h, filterValue(s.filter)), nil
}

// --- fill ---

// fillStep scales the image to cover width×height and crops the overflow
// at the anchor: the result is exactly width×height.
type fillStep struct {
	w, h           int
	anchor, filter string
}

func parseFill(a *args, _ string) (Step, error) {
	w, h, err := a.size(false)
	if err != nil {
		return nil, err
	}
	an, err := a.anchor("anchor", "center")
	if err != nil {
		return nil, err
	}
	f, err := a.filter("filter")
	if err != nil {
		return nil, err
	}
	return &fillStep{w: w, h: h, anchor: an, filter: f}, nil
}

func (s *fillStep) Op() string { return "fill" }

func (s *fillStep) Params() map[string]any {
	return map[string]any{"width": s.w, "height": s.h, "anchor": s.anchor, "filter": s.filter}
}

func (s *fillStep) Apply(img image.Image) (image.Image, error) {
	b := img.Bounds()
	// imaging.Fill scales small sources (under 100 px a side) up to cover
	// the box before cropping; for an extreme aspect ratio that
	// intermediate could be enormous. Crop to the box's aspect ratio first
	// in that case, as imaging itself does for larger sources.
	if b.Dx() < 100 || b.Dy() < 100 {
		cw := float64(s.w) * float64(b.Dy()) / float64(s.h) // cover width at the source height
		var iw, ih float64
		if float64(b.Dx()) < cw { // too narrow: scale to width s.w
			iw, ih = float64(s.w), float64(s.w)*float64(b.Dy())/float64(b.Dx())
		} else {
			iw, ih = float64(s.h)*float64(b.Dx())/float64(b.Dy()), float64(s.h)
		}
		if iw*ih > 2*MaxPixels {
			return fillByCrop(img, s.w, s.h, anchorValue(s.anchor), filterValue(s.filter)), nil
		}
	}
	return imaging.Fill(img, s.w, s.h, anchorValue(s.anchor), filterValue(s.filter)), nil
}

// fillByCrop crops img to w:h's aspect ratio at the anchor, then resizes.
func fillByCrop(img image.Image, w, h int, anchor imaging.Anchor, filter imaging.ResampleFilter) *image.NRGBA {
	b := img.Bounds()
	if float64(b.Dx())/float64(b.Dy()) < float64(w)/float64(h) {
		ch := int(math.Max(1, math.Floor(float64(b.Dx())*float64(h)/float64(w)+0.5)))
		return imaging.Resize(imaging.CropAnchor(img, b.Dx(), ch, anchor), w, h, filter)
	}
	cw := int(math.Max(1, math.Floor(float64(b.Dy())*float64(w)/float64(h)+0.5)))
	return imaging.Resize(imaging.CropAnchor(img, cw, b.Dy(), anchor), w, h, filter)
}

// --- crop ---

// cropStep cuts a width×height rectangle out of the image, placed either at
// an anchor or at x,y from the top-left corner. It never scales.
type cropStep struct {
	w, h   int
	anchor string // "" when x,y are given
	x, y   int
}

func parseCrop(a *args, _ string) (Step, error) {
	w, h, err := a.size(false)
	if err != nil {
		return nil, err
	}
	if !a.has("x") && !a.has("y") {
		an, err := a.anchor("anchor", "center")
		if err != nil {
			return nil, err
		}
		return &cropStep{w: w, h: h, anchor: an}, nil
	}
	if a.has("anchor") {
		return nil, a.fail("anchor", "cannot be combined with x and y", "place the crop with an anchor, or with x and y, not both")
	}
	s := &cropStep{w: w, h: h}
	for _, p := range []struct {
		key string
		v   *int
	}{{"x", &s.x}, {"y", &s.y}} {
		n, _, err := a.int(p.key)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, a.fail(p.key, fmt.Sprintf("must be 0 or more, not %d", n), "it counts pixels from the image's top-left corner")
		}
		*p.v = n
	}
	return s, nil
}

func (s *cropStep) Op() string { return "crop" }

func (s *cropStep) Params() map[string]any {
	if s.anchor == "" {
		return map[string]any{"x": s.x, "y": s.y, "width": s.w, "height": s.h}
	}
	return map[string]any{"width": s.w, "height": s.h, "anchor": s.anchor}
}

func (s *cropStep) Apply(img image.Image) (image.Image, error) {
	b := img.Bounds()
	if s.w > b.Dx() || s.h > b.Dy() {
		return nil, fmt.Errorf("crop: %d×%d is larger than the %d×%d image: lower the size or resize first",
			s.w, s.h, b.Dx(), b.Dy())
	}
	if s.anchor != "" {
		return imaging.CropAnchor(img, s.w, s.h, anchorValue(s.anchor)), nil
	}
	r := image.Rect(s.x, s.y, s.x+s.w, s.y+s.h)
	if !r.In(image.Rect(0, 0, b.Dx(), b.Dy())) {
		return nil, fmt.Errorf("crop: %d×%d at x=%d, y=%d reaches past the %d×%d image: lower x, y or the size",
			s.w, s.h, s.x, s.y, b.Dx(), b.Dy())
	}
	return imaging.Crop(img, r.Add(b.Min)), nil
}

// --- border ---

// borderStep frames the image with width pixels of colour on every side:
// the result is 2×width larger in each direction (like ImageMagick's
// -border). Follow it with fill or resize for an exact final size.
type borderStep struct {
	width int
	color color.NRGBA
}

// MaxBorder is the widest border accepted, in pixels.
const MaxBorder = 4096

func parseBorder(a *args, _ string) (Step, error) {
	w, ok, err := a.int("width")
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		return nil, a.missing("width", `give the border's width in pixels, e.g. border: {width: 8, color: "#111111"}`)
	case w < 1 || w > MaxBorder:
		return nil, a.fail("width", fmt.Sprintf("%d is out of range", w), fmt.Sprintf("use 1–%d pixels", MaxBorder))
	}
	c, err := a.color("color", color.NRGBA{A: 0xff})
	if err != nil {
		return nil, err
	}
	return &borderStep{width: w, color: c}, nil
}

func (s *borderStep) Op() string { return "border" }

func (s *borderStep) Params() map[string]any {
	return map[string]any{"width": s.width, "color": formatColor(s.color)}
}

func (s *borderStep) Apply(img image.Image) (image.Image, error) {
	b := img.Bounds()
	w, h := b.Dx()+2*s.width, b.Dy()+2*s.width
	if err := checkOutput("border", w, h); err != nil {
		return nil, err
	}
	dst := imaging.New(w, h, s.color)
	copyInto(dst, img, image.Pt(s.width, s.width))
	return dst, nil
}

// copyInto copies src's pixels (replacing, not blending) into dst with
// src's top-left corner at pt. src must fit.
func copyInto(dst *image.NRGBA, src image.Image, pt image.Point) {
	s := asNRGBA(src)
	sb := s.Bounds()
	row := sb.Dx() * 4
	for y := 0; y < sb.Dy(); y++ {
		di := dst.PixOffset(pt.X, pt.Y+y)
		si := s.PixOffset(sb.Min.X, sb.Min.Y+y)
		copy(dst.Pix[di:di+row], s.Pix[si:si+row])
	}
}

// asNRGBA returns img as an *image.NRGBA, converting only when needed. The
// result must be treated as read-only: it may be img itself.
func asNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok {
		return n
	}
	return imaging.Clone(img)
}
