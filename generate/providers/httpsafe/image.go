package httpsafe

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders CheckImage accepts
	_ "image/png"
	"net/http"

	_ "golang.org/x/image/webp"
)

// DefaultMaxPixels is the default pixel cap: 64 megapixels.
const DefaultMaxPixels = 64_000_000

// ErrBadImage is returned (wrapped) by CheckImage.
var ErrBadImage = errors.New("unusable image")

// ImageInfo describes bytes that CheckImage accepted.
type ImageInfo struct {
	MediaType     string // image/png, image/jpeg or image/webp
	Width, Height int
}

// CheckImage decides whether data is an image genmint can safely use. It
// sniffs the format, reads only the header with image.DecodeConfig, refuses
// images whose declared size exceeds maxPixels (a decompression bomb: a few
// kilobytes of PNG can declare 50000×50000 pixels and ask for 10 GB when
// decoded), and only then decodes the whole image to catch truncated or
// corrupt data. maxPixels <= 0 means DefaultMaxPixels.
func CheckImage(data []byte, maxPixels int64) (ImageInfo, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if len(data) == 0 {
		return ImageInfo{}, fmt.Errorf("%w: no image bytes", ErrBadImage)
	}
	var mt string
	switch sniffed := http.DetectContentType(data); sniffed {
	case "image/png", "image/jpeg", "image/webp":
		mt = sniffed
	default:
		return ImageInfo{}, fmt.Errorf("%w: the bytes are not a PNG, JPEG or WebP image (they look like %s)", ErrBadImage, sniffed)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return ImageInfo{}, fmt.Errorf("%w: unreadable %s header (%v)", ErrBadImage, mt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageInfo{}, fmt.Errorf("%w: %s declares %d×%d pixels", ErrBadImage, format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return ImageInfo{}, fmt.Errorf("%w: %s declares %d×%d pixels (%.1f MP), over the %.1f MP cap; not decoding it (a decompression bomb?)",
			ErrBadImage, format, cfg.Width, cfg.Height, float64(px)/1e6, float64(maxPixels)/1e6)
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return ImageInfo{}, fmt.Errorf("%w: %s image is truncated or corrupt (%v)", ErrBadImage, format, err)
	}
	return ImageInfo{MediaType: mt, Width: cfg.Width, Height: cfg.Height}, nil
}
