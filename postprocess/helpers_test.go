package postprocess

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// photo returns a deterministic w×h test picture with smooth gradients,
// edges and fine texture, so resampling, sharpening and compression all
// have something to work on. Integer arithmetic only: the same pixels on
// every machine.
func photo(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := hash32(uint32(x), uint32(y))
			r := x * 200 / w
			g := y * 200 / h
			b := 40
			if (x/32+y/32)%2 == 0 { // a checkerboard of edges
				b = 180
			}
			cx, cy := x-w/2, y-h/2
			if cx*cx+cy*cy < (w*w)/16 { // a disc
				r, g = 230-r/2, 60+g/3
			}
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(r + int(n&15)), G: uint8(g + int(n>>4&15)), B: uint8(b + int(n>>8&15)), A: 255})
		}
	}
	return img
}

// hash32 is a small integer hash (lowbias32).
func hash32(x, y uint32) uint32 {
	v := x*0x9E3779B1 ^ y*0x85EBCA77
	v ^= v >> 16
	v *= 0x7feb352d
	v ^= v >> 15
	v *= 0x846ca68b
	v ^= v >> 16
	return v
}

// unique returns an image whose every pixel differs, to check which source
// pixel ended up where.
func unique(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: uint8(x>>8<<4 | y>>8), A: 255})
		}
	}
	return img
}

func uniform(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func at(img image.Image, x, y int) color.NRGBA {
	b := img.Bounds()
	return color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
}

// changed returns the bounding box (in a's coordinates from 0,0) of the
// pixels that differ between a and b, which must have the same size.
func changed(t *testing.T, a, b image.Image) image.Rectangle {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v vs %v", a.Bounds(), b.Bounds())
	}
	var r image.Rectangle
	sz := a.Bounds().Size()
	for y := 0; y < sz.Y; y++ {
		for x := 0; x < sz.X; x++ {
			if at(a, x, y) != at(b, x, y) {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// stats returns the mean and standard deviation of luma, and the mean
// chroma (max-min of R,G,B) over the image.
func stats(img image.Image) (mean, stddev, chroma float64) {
	b := img.Bounds()
	var sum, sum2, ch float64
	n := float64(b.Dx() * b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := at(img, x, y)
			l := 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
			sum += l
			sum2 += l * l
			ch += float64(max(c.R, c.G, c.B) - min(c.R, c.G, c.B))
		}
	}
	mean = sum / n
	return mean, math.Sqrt(sum2/n - mean*mean), ch / n
}

// detail is the mean absolute Laplacian of luma: high for sharp images,
// low for blurred ones.
func detail(img image.Image) float64 {
	b := img.Bounds()
	luma := func(x, y int) float64 {
		c := at(img, x, y)
		return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
	}
	var s float64
	for y := 1; y < b.Dy()-1; y++ {
		for x := 1; x < b.Dx()-1; x++ {
			s += math.Abs(4*luma(x, y) - luma(x-1, y) - luma(x+1, y) - luma(x, y-1) - luma(x, y+1))
		}
	}
	return s / float64((b.Dx()-2)*(b.Dy()-2))
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeLogo writes a w×h logo PNG (opaque red, with a transparent 2 px
// frame when framed) into dir and returns its name.
func writeLogo(t testing.TB, dir, name string, w, h int, framed bool) string {
	t.Helper()
	img := uniform(w, h, color.NRGBA{R: 220, G: 20, B: 20, A: 255})
	if framed {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if x < 2 || y < 2 || x >= w-2 || y >= h-2 {
					img.SetNRGBA(x, y, color.NRGBA{})
				}
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), encodePNG(t, img), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func mustParse(t testing.TB, op string, v any, dir string) Step {
	t.Helper()
	s, err := Parse(op, v, dir)
	if err != nil {
		t.Fatalf("Parse(%q, %#v): %v", op, v, err)
	}
	return s
}

// m is shorthand for a YAML mapping.
type m = map[string]any
