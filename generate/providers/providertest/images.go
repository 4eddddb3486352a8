package providertest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"

	"github.com/genmint/genmint/internal/pngtest"
)

// ItemPNG is the image a fake returns for item: a small PNG that differs per
// item, so the suite can tell that every item got its own image, byte for
// byte as the service sent it.
func ItemPNG(item int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.NRGBA{uint8(x*4 + item), uint8(y*5 + item*7), uint8(item * 37), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// CutPNG is ItemPNG(item) cut short: the header is intact (DecodeConfig
// succeeds) but the pixel data ends early.
func CutPNG(item int) []byte {
	b := ItemPNG(item)
	return b[:len(b)*2/3]
}

// FaultyImage returns the image bytes a fake serves for item under fault f:
// truncated, a bomb, or the item's own image.
func FaultyImage(item int, f Fault) []byte {
	switch f {
	case TruncatedPNG:
		return CutPNG(item)
	case HugePNG:
		// A valid-looking PNG of a few dozen bytes whose header declares
		// 50000×50000 pixels: decoding it would ask for 10 GB.
		return pngtest.Header(50000, 50000)
	}
	return ItemPNG(item)
}
