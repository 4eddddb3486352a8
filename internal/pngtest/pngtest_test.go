package pngtest

import (
	"bytes"
	"image/png"
	"testing"
)

// The header reads back as the size it declares, and decoding it finds no
// pixels.
func TestHeader(t *testing.T) {
	for _, sz := range [][2]uint32{{50000, 50000}, {3, 2}} {
		b := Header(sz[0], sz[1])
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != int(sz[0]) || cfg.Height != int(sz[1]) {
			t.Fatalf("%v: config %+v, %v", sz, cfg, err)
		}
		if len(b) > 100 {
			t.Errorf("%v: %d bytes", sz, len(b))
		}
	}
	if _, err := png.Decode(bytes.NewReader(Header(3, 2))); err == nil {
		t.Error("a header without pixels decoded")
	}
	if _, err := png.DecodeConfig(bytes.NewReader(Header(0, 10))); err == nil {
		t.Error("zero width accepted")
	}
}
