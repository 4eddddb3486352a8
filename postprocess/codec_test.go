package postprocess

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/genmint/genmint/internal/pngtest"
)

// gifHeader crafts a GIF whose logical screen is w×h, with no frames.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0, 0x3b)
}

func TestDecodeFormats(t *testing.T) {
	src := photo(64, 48)
	var jpg, gf bytes.Buffer
	must(t, jpeg.Encode(&jpg, src, &jpeg.Options{Quality: 90}))
	must(t, gif.Encode(&gf, src, &gif.Options{NumColors: 256}))
	lossy, err := os.ReadFile("testdata/gradient-48x32-lossy.webp")
	must(t, err)
	lossless, err := os.ReadFile("testdata/gradient-48x32-lossless.webp")
	must(t, err)

	tests := []struct {
		name, format string
		data         []byte
		w, h         int
	}{
		{"png", "png", encodePNG(t, src), 64, 48},
		{"jpeg", "jpeg", jpg.Bytes(), 64, 48},
		{"gif", "gif", gf.Bytes(), 64, 48},
		{"webp lossy", "webp", lossy, 48, 32},
		{"webp lossless", "webp", lossless, 48, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, format, err := Decode(tt.data, 0)
			if err != nil {
				t.Fatal(err)
			}
			if format != tt.format {
				t.Errorf("format = %q, want %q", format, tt.format)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("size = %v, want %d×%d", b, tt.w, tt.h)
			}
			if FormatExt(format) == "" || FormatMediaType(format) == "" {
				t.Errorf("no extension or media type for %q", format)
			}
		})
	}

	// PNG is lossless: the pixels come back exactly.
	img, _, err := Decode(encodePNG(t, src), 0)
	must(t, err)
	if r := changed(t, src, img); !r.Empty() {
		t.Errorf("png round trip changed pixels in %v", r)
	}
	// Lossless WebP keeps the alpha ramp of the fixture (alpha = 32·x for x < 8).
	img, _, err = Decode(lossless, 0)
	must(t, err)
	if a0, a4, a20 := at(img, 0, 5).A, at(img, 4, 5).A, at(img, 20, 5).A; a0 != 0 || a4 != 128 || a20 != 255 {
		t.Errorf("lossless webp alpha at x=0,4,20 = %d,%d,%d; want 0,128,255", a0, a4, a20)
	}
	if c := at(img, 20, 10); c.R != 100 || c.G != 80 || c.B != 128 {
		t.Errorf("lossless webp pixel (20,10) = %v, want {100 80 128 255}", c)
	}
}

func TestDecodeRefusesBombsBeforeAllocating(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"png 50000x50000", pngtest.Header(50000, 50000), "png image: 50000×50000 is over the 64-megapixel cap (refused without decoding)"},
		{"png 2^31-1 wide", pngtest.Header(1<<31-1, 1<<31-1), "png image: corrupt: unsupported feature: dimension overflow"},
		{"gif 65535x65535", gifHeader(65535, 65535), "gif image: 65535×65535 is over the 64-megapixel cap (refused without decoding)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			img, _, err := Decode(tt.data, 0)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("Decode accepted a %v image", img.Bounds())
			}
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
				t.Errorf("error %v does not wrap ErrTooLarge", err)
			}
			if err.Error() != tt.msg {
				t.Errorf("error = %q, want %q", err, tt.msg)
			}
			// The header alone was read: well under a megabyte, not the
			// gigabytes the pixels would take.
			if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
				t.Errorf("Decode allocated %d bytes before refusing", got)
			}
		})
	}

	// The cap is the caller's: a 100×100 image is too large under 5000.
	data := encodePNG(t, photo(100, 100))
	if _, _, err := Decode(data, 5000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Decode(100×100, 5000) = %v, want ErrTooLarge", err)
	}
	if _, _, err := Decode(data, 10000); err != nil {
		t.Errorf("Decode(100×100, 10000) = %v", err)
	}
}

func TestDecodeBadData(t *testing.T) {
	full := encodePNG(t, photo(64, 64))
	var jpg bytes.Buffer
	must(t, jpeg.Encode(&jpg, photo(64, 64), nil))
	corrupt := bytes.Clone(full)
	idat := bytes.Index(corrupt, []byte("IDAT"))
	for i := idat + 20; i < idat+40; i++ {
		corrupt[i] ^= 0x5a
	}

	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrCorrupt, "the image is empty (0 bytes)"},
		{"truncated png", full[:len(full)/2], ErrCorrupt, "png image: truncated: the data ends early"},
		{"png signature only", full[:8], ErrCorrupt, "png image: truncated"},
		{"truncated jpeg", jpg.Bytes()[:jpg.Len()/2], ErrCorrupt, "jpeg image: truncated"},
		{"corrupt png", corrupt, ErrCorrupt, "png image: corrupt:"},
		{"png with zero width", pngtest.Header(0, 10), ErrCorrupt, "png image: corrupt:"},
		{"json error body", []byte(`{"error": {"message": "rate limited"}}`), ErrUnsupportedFormat,
			`the data is text, not an image (it starts "{\"error\": {\"message\": \"rate limited\"}}")`},
		{"html page", []byte("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"), ErrUnsupportedFormat, "the data is text"},
		{"bmp", []byte("BM\x36\x00\x00\x00\x00\x00"), ErrUnsupportedFormat, "bmp images are not supported: genmint reads png, jpeg, gif and webp"},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00"), ErrUnsupportedFormat, "tiff images are not supported"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), ErrUnsupportedFormat, "HEIF/AVIF (avif) images are not supported"},
		{"binary", []byte{0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x10, 0x20, 0x30}, ErrUnsupportedFormat, "unrecognised image data (it starts 00 01 02 03 fe ff 10 20)"},
		{"riff but not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), ErrUnsupportedFormat, "unrecognised image data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, _, err := Decode(tt.data, 0)
			if err == nil {
				t.Fatalf("Decode accepted it: %v", img.Bounds())
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q does not wrap %v", err, tt.want)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error is %T, want *DecodeError", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %q, want it to contain %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// pngIHDR returns a PNG's bit depth and colour type.
func pngIHDR(t *testing.T, data []byte) (depth, colorType byte) {
	t.Helper()
	if len(data) < 26 || string(data[12:16]) != "IHDR" {
		t.Fatalf("not a PNG with IHDR first")
	}
	return data[24], data[25]
}

func TestEncodePNGColourTypes(t *testing.T) {
	const rgb, rgba = 2, 6
	opaque := photo(32, 16)
	withAlpha := photo(32, 16)
	withAlpha.SetNRGBA(3, 3, color.NRGBA{R: 1, A: 100})
	var jpg bytes.Buffer
	must(t, jpeg.Encode(&jpg, opaque, nil))
	ycc, _, err := Decode(jpg.Bytes(), 0)
	must(t, err)
	deep := image.NewNRGBA64(image.Rect(0, 0, 8, 8))
	for i := range deep.Pix {
		deep.Pix[i] = 0xff
	}
	pal := image.NewPaletted(image.Rect(0, 0, 8, 8), palette.Plan9)
	gray := image.NewGray(image.Rect(0, 0, 8, 8))
	rgbaImg := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range rgbaImg.Pix {
		rgbaImg.Pix[i] = 0xff
	}

	tests := []struct {
		name string
		img  image.Image
		want byte
	}{
		{"opaque NRGBA", opaque, rgb},
		{"translucent NRGBA", withAlpha, rgba},
		{"YCbCr from jpeg", ycc, rgb},
		{"16-bit", deep, rgb},
		{"paletted", pal, rgb},
		{"gray", gray, rgb},
		{"opaque RGBA", rgbaImg, rgb},
		{"sub-image", opaque.SubImage(image.Rect(4, 4, 20, 12)), rgb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			must(t, Encode(&buf, tt.img, Output{Format: "png"}))
			depth, ct := pngIHDR(t, buf.Bytes())
			if depth != 8 || ct != tt.want {
				t.Errorf("PNG depth %d colour type %d, want 8 and %d", depth, ct, tt.want)
			}
			back, format, err := Decode(buf.Bytes(), 0)
			must(t, err)
			if format != "png" || back.Bounds().Size() != tt.img.Bounds().Size() {
				t.Errorf("round trip: %s %v", format, back.Bounds())
			}
		})
	}

	// The zero Output is PNG, and an NRGBA image round-trips exactly.
	var buf bytes.Buffer
	must(t, Encode(&buf, withAlpha, Output{}))
	back, _, err := Decode(buf.Bytes(), 0)
	must(t, err)
	if r := changed(t, withAlpha, back); !r.Empty() {
		t.Errorf("round trip changed %v", r)
	}
}

func TestEncodeJPEG(t *testing.T) {
	src := photo(128, 96)
	size := func(q int) int {
		var buf bytes.Buffer
		must(t, Encode(&buf, src, Output{Format: "jpeg", Quality: q}))
		img, format, err := Decode(buf.Bytes(), 0)
		must(t, err)
		if format != "jpeg" || img.Bounds().Dx() != 128 {
			t.Fatalf("got %s %v", format, img.Bounds())
		}
		return buf.Len()
	}
	if lo, hi := size(30), size(95); lo >= hi {
		t.Errorf("quality 30 gave %d bytes, quality 95 %d: quality is not applied", lo, hi)
	}
	if size(0) != size(DefaultJPEGQuality) {
		t.Error("quality 0 is not the default")
	}
	// JPEG has no alpha: transparent pixels come out black.
	var buf bytes.Buffer
	must(t, Encode(&buf, uniform(16, 16, color.NRGBA{R: 255, G: 255, B: 255, A: 0}), Output{Format: "jpeg", Quality: 90}))
	img, _, err := Decode(buf.Bytes(), 0)
	must(t, err)
	if c := at(img, 8, 8); c.R > 8 || c.G > 8 || c.B > 8 {
		t.Errorf("transparent pixel became %v, want black", c)
	}

	for _, out := range []Output{{Format: "webp"}, {Format: "jpeg", Quality: 101}} {
		if err := Encode(&buf, src, out); err == nil {
			t.Errorf("Encode(%+v) succeeded", out)
		}
	}
	if err := Encode(&buf, nil, Output{}); err == nil {
		t.Error("Encode(nil) succeeded")
	}
}
