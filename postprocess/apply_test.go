package postprocess

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"math"
	"runtime"
	"strings"
	"testing"
)

func TestResizeFitFillSizes(t *testing.T) {
	src := photo(1024, 768)
	tests := []struct {
		op    string
		value any
		w, h  int
	}{
		{"resize", m{"width": 512, "height": 512}, 512, 512},
		{"resize", m{"width": 512}, 512, 384},
		{"resize", m{"height": 100}, 133, 100}, // 1024·100/768 = 133.3
		{"resize", "2048x1536", 2048, 1536},
		{"resize", m{"width": 1024, "height": 768}, 1024, 768},
		{"fit", m{"width": 200, "height": 200}, 200, 150},
		{"fit", m{"width": 300, "height": 100}, 133, 100},
		{"fit", m{"width": 4000, "height": 4000}, 1024, 768}, // fit never enlarges
		{"fill", m{"width": 512, "height": 512}, 512, 512},
		{"fill", m{"width": 2000, "height": 100}, 2000, 100}, // enlarges to cover
		{"crop", m{"width": 1024, "height": 1}, 1024, 1},
		{"border", 8, 1040, 784},
	}
	for _, tt := range tests {
		s := mustParse(t, tt.op, tt.value, "")
		out, err := s.Apply(src)
		if err != nil {
			t.Errorf("%s %v: %v", tt.op, tt.value, err)
			continue
		}
		if b := out.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
			t.Errorf("%s %v: got %d×%d, want %d×%d", tt.op, tt.value, b.Dx(), b.Dy(), tt.w, tt.h)
		}
	}
}

// TestCropAnchors checks which source pixel lands at the crop's top-left
// corner, for every anchor: the source has a different colour per pixel.
func TestCropAnchors(t *testing.T) {
	src := unique(100, 80)
	want := map[string]image.Point{
		"top-left": {0, 0}, "top": {35, 0}, "top-right": {70, 0},
		"left": {0, 30}, "center": {35, 30}, "right": {70, 30},
		"bottom-left": {0, 60}, "bottom": {35, 60}, "bottom-right": {70, 60},
	}
	for _, name := range anchorNames() {
		out, err := mustParse(t, "crop", m{"width": 30, "height": 20, "anchor": name}, "").Apply(src)
		if err != nil {
			t.Fatal(err)
		}
		p := want[name]
		if b := out.Bounds(); b.Dx() != 30 || b.Dy() != 20 {
			t.Errorf("%s: size %v", name, b)
		}
		if got := at(out, 0, 0); got != at(src, p.X, p.Y) {
			t.Errorf("%s: top-left pixel %v is source %v's? want source (%d,%d) = %v", name, got, got, p.X, p.Y, at(src, p.X, p.Y))
		}
		if got := at(out, 29, 19); got != at(src, p.X+29, p.Y+19) {
			t.Errorf("%s: bottom-right pixel %v, want %v", name, got, at(src, p.X+29, p.Y+19))
		}
	}
}

func TestCropXY(t *testing.T) {
	src := unique(100, 80)
	out, err := mustParse(t, "crop", m{"x": 10, "y": 20, "width": 30, "height": 40}, "").Apply(src)
	if err != nil {
		t.Fatal(err)
	}
	if at(out, 0, 0) != at(src, 10, 20) || at(out, 29, 39) != at(src, 39, 59) || out.Bounds().Dx() != 30 {
		t.Errorf("crop x=10 y=20 took the wrong pixels")
	}
	// x,y count from the image's own corner, even for a sub-image.
	sub := src.SubImage(image.Rect(50, 40, 100, 80))
	out, err = mustParse(t, "crop", m{"x": 5, "y": 5, "width": 10, "height": 10}, "").Apply(sub)
	if err != nil {
		t.Fatal(err)
	}
	if at(out, 0, 0) != at(src, 55, 45) {
		t.Errorf("crop of a sub-image: got %v, want %v", at(out, 0, 0), at(src, 55, 45))
	}
	// So do anchors.
	out, err = mustParse(t, "crop", m{"width": 10, "height": 10, "anchor": "bottom-right"}, "").Apply(sub)
	if err != nil {
		t.Fatal(err)
	}
	if at(out, 9, 9) != at(src, 99, 79) {
		t.Errorf("anchored crop of a sub-image: got %v, want %v", at(out, 9, 9), at(src, 99, 79))
	}
}

func TestRuntimeErrors(t *testing.T) {
	dir := t.TempDir()
	writeLogo(t, dir, "wide.png", 300, 20, false)
	src := photo(1024, 1024)
	small := photo(64, 64)
	tests := []struct {
		name  string
		op    string
		value any
		img   image.Image
		want  string
		sent  error
	}{
		{"crop too big", "crop", "2000x2000", src,
			"crop: 2000×2000 is larger than the 1024×1024 image: lower the size or resize first", nil},
		{"crop too tall", "crop", m{"width": 10, "height": 1025, "anchor": "top"}, src,
			"crop: 10×1025 is larger than the 1024×1024 image: lower the size or resize first", nil},
		{"crop xy past edge", "crop", m{"x": 1000, "y": 0, "width": 100, "height": 100}, src,
			"crop: 100×100 at x=1000, y=0 reaches past the 1024×1024 image: lower x, y or the size", nil},
		{"resize over cap by aspect", "resize", m{"height": 8000}, photo(2000, 10), "resize: the result would be 1600000×8000, over the 64-megapixel cap: lower the size", ErrTooLarge},
		{"border over cap", "border", 4096, photo(100, 100), "border: the result would be 8292×8292, over the 64-megapixel cap", ErrTooLarge},
		{"text watermark too big", "watermark", m{"text": "genmint genmint", "size": 60}, small,
			`watermark: text "genmint genmint" at size 60 is`, nil},
		{"text watermark margin", "watermark", m{"text": "g", "size": 10, "margin": 40}, small,
			"with 40 px margins: lower size or margin", nil},
		{"logo too wide", "watermark", m{"image": "wide.png"}, small,
			"watermark: the logo wide.png is 300×20, which does not fit in the 64×64 image with 12 px margins: lower scale or margin", nil},
		{"logo scaled too tall", "watermark", m{"image": "wide.png", "scale": 1, "margin": 0}, photo(64, 2),
			"is 64×4, which does not fit in the 64×2 image", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := mustParse(t, tt.op, tt.value, dir).Apply(tt.img)
			if err == nil {
				t.Fatalf("Apply gave a %v image, want an error", out.Bounds())
			}
			if !strings.HasPrefix(err.Error(), tt.want) && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant       %q", err, tt.want)
			}
			if tt.sent != nil && !errors.Is(err, tt.sent) {
				t.Errorf("error does not wrap %v", tt.sent)
			}
		})
	}
}

func TestFillSmallExtremeSourceStaysBounded(t *testing.T) {
	// A 1×99 source filling 2000×2000: imaging would first scale it to
	// 2000×198000 (1.6 GB) before cropping. genmint crops first.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, src := range []image.Image{photo(1, 99), photo(99, 1)} {
		out, err := mustParse(t, "fill", "2000x2000", "").Apply(src)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if b := out.Bounds(); b.Dx() != 2000 || b.Dy() != 2000 {
			t.Errorf("size %v", b)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 256<<20 {
			t.Errorf("fill of %v allocated %d MB", src.Bounds(), got>>20)
		}
		before = after
	}
}

func TestBorder(t *testing.T) {
	src := photo(100, 50)
	out, err := mustParse(t, "border", m{"width": 8, "color": "#112233"}, "").Apply(src)
	if err != nil {
		t.Fatal(err)
	}
	if b := out.Bounds(); b.Dx() != 116 || b.Dy() != 66 {
		t.Fatalf("size %v, want 116×66", b)
	}
	edge := color.NRGBA{R: 0x11, G: 0x22, B: 0x33, A: 0xff}
	for _, p := range []image.Point{{0, 0}, {7, 7}, {115, 0}, {0, 65}, {115, 65}, {57, 0}, {57, 65}, {0, 33}, {115, 33}, {108, 33}} {
		if c := at(out, p.X, p.Y); c != edge {
			t.Errorf("border pixel %v = %v, want %v", p, c, edge)
		}
	}
	for _, p := range []image.Point{{0, 0}, {99, 49}, {50, 25}} {
		if c := at(out, p.X+8, p.Y+8); c != at(src, p.X, p.Y) {
			t.Errorf("inner pixel %v = %v, want the source's %v", p, c, at(src, p.X, p.Y))
		}
	}
}

func TestAdjustmentsMoveStatistics(t *testing.T) {
	src := photo(256, 256)
	mean0, sd0, chroma0 := stats(src)
	detail0 := detail(src)
	apply := func(op string, v any) image.Image {
		out, err := mustParse(t, op, v, "").Apply(src)
		if err != nil {
			t.Fatal(err)
		}
		if out.Bounds().Size() != src.Bounds().Size() {
			t.Fatalf("%s changed the size", op)
		}
		return out
	}
	tests := []struct {
		name string
		img  image.Image
		ok   func(mean, sd, chroma, det float64) bool
		what string
	}{
		{"contrast +30", apply("contrast", 30), func(_, sd, _, _ float64) bool { return sd > sd0*1.2 }, "luma spread grows"},
		{"contrast -30", apply("contrast", -30), func(_, sd, _, _ float64) bool { return sd < sd0*0.8 }, "luma spread shrinks"},
		{"contrast -100", apply("contrast", -100), func(_, sd, _, _ float64) bool { return sd < 1 }, "flat grey"},
		{"saturation +50", apply("saturation", 50), func(_, _, ch, _ float64) bool { return ch > chroma0*1.15 }, "chroma grows"},
		{"saturation -50", apply("saturation", -50), func(_, _, ch, _ float64) bool { return ch < chroma0*0.7 }, "chroma shrinks"},
		{"saturation -100", apply("saturation", -100), func(_, _, ch, _ float64) bool { return ch < 1 }, "greyscale"},
		{"brightness +20", apply("brightness", 20), func(mean, _, _, _ float64) bool { return mean > mean0+30 }, "mean rises"},
		{"brightness -20", apply("brightness", -20), func(mean, _, _, _ float64) bool { return mean < mean0-30 }, "mean falls"},
		{"gamma 2", apply("gamma", 2), func(mean, _, _, _ float64) bool { return mean > mean0+10 }, "lightens"},
		{"gamma 0.5", apply("gamma", 0.5), func(mean, _, _, _ float64) bool { return mean < mean0-10 }, "darkens"},
		{"sharpen 1", apply("sharpen", 1), func(_, _, _, d float64) bool { return d > detail0*1.2 }, "detail grows"},
		{"blur 1.5", apply("blur", 1.5), func(_, _, _, d float64) bool { return d < detail0*0.5 }, "detail falls"},
	}
	for _, tt := range tests {
		mean, sd, ch := stats(tt.img)
		d := detail(tt.img)
		if !tt.ok(mean, sd, ch, d) {
			t.Errorf("%s: want %s; mean %.1f→%.1f, sd %.1f→%.1f, chroma %.1f→%.1f, detail %.2f→%.2f",
				tt.name, tt.what, mean0, mean, sd0, sd, chroma0, ch, detail0, d)
		}
	}
	// 0 leaves the picture as it is.
	for _, op := range []string{"contrast", "saturation", "brightness"} {
		if r := changed(t, src, apply(op, 0)); !r.Empty() {
			t.Errorf("%s 0 changed %v", op, r)
		}
	}
}

// TestTextWatermarkCorner draws text at each anchor on a flat image and
// checks that only the expected corner changed, margin pixels in.
func TestTextWatermarkCorner(t *testing.T) {
	const W, H, margin = 256, 192, 12
	src := uniform(W, H, color.NRGBA{R: 40, G: 40, B: 40, A: 255})
	for _, anchor := range anchorNames() {
		out, err := mustParse(t, "watermark", m{"text": "genmint", "size": 18, "color": "#ffffff", "anchor": anchor, "margin": margin}, "").Apply(src)
		if err != nil {
			t.Fatal(err)
		}
		r := changed(t, src, out)
		if r.Empty() {
			t.Fatalf("%s: nothing drawn", anchor)
		}
		// The ink stays inside the margins…
		if !r.In(image.Rect(margin, margin, W-margin, H-margin)) {
			t.Errorf("%s: ink %v crosses the %d px margin", anchor, r, margin)
		}
		// …and hugs the anchored edges (within a pixel of anti-aliasing).
		near := func(a, b int) bool { return a-b <= 1 && b-a <= 1 }
		if strings.Contains(anchor, "left") && !near(r.Min.X, margin) ||
			strings.Contains(anchor, "right") && !near(r.Max.X, W-margin) ||
			strings.HasPrefix(anchor, "top") && !near(r.Min.Y, margin) ||
			strings.HasPrefix(anchor, "bottom") && !near(r.Max.Y, H-margin) {
			t.Errorf("%s: ink %v is not against the anchored edges", anchor, r)
		}
		if anchor == "bottom-right" {
			if r.Min.X < W/2 || r.Min.Y < H/2 {
				t.Errorf("bottom-right: ink %v leaves the bottom-right quarter", r)
			}
			if r.Dy() < 10 || r.Dy() > 20 || r.Dx() < 50 || r.Dx() > 90 {
				t.Errorf("bottom-right: 18 px \"genmint\" has an implausible ink box %v", r)
			}
		}
		if anchor == "center" {
			cx, cy := (r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2
			if math.Abs(float64(cx-W/2)) > 1 || math.Abs(float64(cy-H/2)) > 1 {
				t.Errorf("center: ink %v is not centred", r)
			}
		}
	}
	// The colour's alpha fades the text: the brightest pixel is between the
	// background and white.
	out, err := mustParse(t, "watermark", m{"text": "genmint", "size": 18, "color": "#ffffff80"}, "").Apply(src)
	if err != nil {
		t.Fatal(err)
	}
	var brightest uint8
	b := out.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			brightest = max(brightest, at(out, x, y).R)
		}
	}
	if brightest < 140 || brightest > 150 { // 40 + (255-40)·128/255 ≈ 148
		t.Errorf("half-transparent white text: brightest pixel %d, want about 148", brightest)
	}
}

func TestImageWatermark(t *testing.T) {
	dir := t.TempDir()
	writeLogo(t, dir, "logo.png", 40, 20, false)
	writeLogo(t, dir, "framed.png", 40, 20, true)
	const W, H = 256, 256
	grey := color.NRGBA{R: 100, G: 100, B: 100, A: 255}
	red := color.NRGBA{R: 220, G: 20, B: 20, A: 255}
	src := uniform(W, H, grey)

	apply := func(v map[string]any) image.Image {
		t.Helper()
		out, err := mustParse(t, "watermark", v, dir).Apply(src)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Natural size, opaque, bottom-right, 12 px in: exactly the logo's box changes.
	out := apply(m{"image": "logo.png"})
	if r, want := changed(t, src, out), image.Rect(W-12-40, H-12-20, W-12, H-12); r != want {
		t.Errorf("changed %v, want %v", r, want)
	}
	if c := at(out, W-30, H-20); c != red {
		t.Errorf("logo pixel %v, want %v", c, red)
	}
	// Transparent parts of the logo leave the picture alone.
	out = apply(m{"image": "framed.png", "anchor": "top-left", "margin": 0})
	if r, want := changed(t, src, out), image.Rect(2, 2, 38, 18); r != want {
		t.Errorf("framed logo changed %v, want %v", r, want)
	}
	// Opacity blends.
	out = apply(m{"image": "logo.png", "opacity": 0.5, "anchor": "center"})
	c := at(out, W/2, H/2)
	if d := int(c.R) - 160; d < -1 || d > 1 || c.G < 59 || c.G > 61 || c.A != 255 {
		t.Errorf("half-opaque red on grey = %v, want about {160 60 60 255}", c)
	}
	// Scale sets the logo's width as a fraction of the image's.
	out = apply(m{"image": "logo.png", "scale": 0.25, "margin": 0, "anchor": "top-right"})
	if r, want := changed(t, src, out), image.Rect(W-64, 0, W, 32); r != want {
		t.Errorf("scaled logo changed %v, want %v", r, want)
	}
}

// TestApplyLeavesInputAlone runs every kind of step and checks the input's
// pixels are untouched.
func TestApplyLeavesInputAlone(t *testing.T) {
	dir := t.TempDir()
	src := photo(520, 510)
	orig := bytes.Clone(src.Pix)
	for _, st := range chain(t, dir) {
		if _, err := st.Apply(src); err != nil {
			t.Fatalf("%s: %v", st.Op(), err)
		}
		if !bytes.Equal(src.Pix, orig) {
			t.Fatalf("%s modified its input", st.Op())
		}
	}
}
