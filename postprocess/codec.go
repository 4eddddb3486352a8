package postprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/webp"
)

// Decoding and encoding. Decode is the one door through which outside
// pixels (a provider's output, a watermark file) enter genmint: it reads
// the header first and refuses an image over the pixel cap before a single
// pixel buffer is allocated, so a 50000×50000 "decompression bomb" costs a
// few bytes of header parsing, not 10 GB.

// codec decodes one format. Decoders are called directly rather than through
// image.Decode, so formats other packages register (imaging pulls in bmp
// and tiff) are not accepted by accident.
type codec struct {
	ext    string
	mime   string
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[string]codec{
	"png":  {".png", "image/png", png.DecodeConfig, png.Decode},
	"jpeg": {".jpg", "image/jpeg", jpeg.DecodeConfig, jpeg.Decode},
	"gif":  {".gif", "image/gif", gif.DecodeConfig, gif.Decode}, // the first frame
	"webp": {".webp", "image/webp", webp.DecodeConfig, webp.Decode},
}

// FormatExt returns the file extension (with the dot) for a format name
// Decode returns: ".png", ".jpg", ".gif" or ".webp"; "" if unknown.
func FormatExt(format string) string { return codecs[format].ext }

// FormatMediaType returns the media type for a format name Decode returns;
// "" if unknown.
func FormatMediaType(format string) string { return codecs[format].mime }

// DecodeError is why Decode refused some bytes. It wraps ErrTooLarge,
// ErrUnsupportedFormat or ErrCorrupt.
type DecodeError struct {
	Format string // "png", "jpeg", "gif", "webp", or "" when not recognised
	Msg    string
	Err    error // one of the sentinels
}

func (e *DecodeError) Error() string {
	if e.Format == "" {
		return e.Msg
	}
	return e.Format + " image: " + e.Msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Decode decodes a png, jpeg, gif (first frame) or webp image. It reads
// the header first and refuses images over maxPixels (MaxPixels when
// maxPixels ≤ 0) before decoding any pixels. The format is returned by
// name ("png", "jpeg", "gif", "webp"). Errors are *DecodeError.
func Decode(data []byte, maxPixels int) (image.Image, string, error) {
	if maxPixels <= 0 {
		maxPixels = MaxPixels
	}
	format, err := sniff(data)
	if err != nil {
		return nil, "", err
	}
	c := codecs[format]
	cfg, err := c.config(bytes.NewReader(data))
	if err != nil {
		return nil, format, decodeFailure(format, len(data), err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, format, &DecodeError{Format: format, Err: ErrCorrupt,
			Msg: fmt.Sprintf("the header declares an empty %d×%d image", cfg.Width, cfg.Height)}
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, format, &DecodeError{Format: format, Err: ErrTooLarge,
			Msg: fmt.Sprintf("%d×%d is over the %s cap (refused without decoding)",
				cfg.Width, cfg.Height, megapixels(int64(maxPixels)))}
	}
	img, err := c.decode(bytes.NewReader(data))
	if err != nil {
		return nil, format, decodeFailure(format, len(data), err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, format, &DecodeError{Format: format, Err: ErrCorrupt,
			Msg: fmt.Sprintf("the header says %d×%d but the pixels are %d×%d", cfg.Width, cfg.Height, b.Dx(), b.Dy())}
	}
	return img, format, nil
}

// decodeFailure turns a decoder's error into a DecodeError.
func decodeFailure(format string, n int, err error) error {
	// A cut-short file shows as EOF, or (png, when the zlib stream of a
	// complete chunk runs out) as missing pixel data.
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "not enough pixel data") {
		return &DecodeError{Format: format, Err: ErrCorrupt,
			Msg: fmt.Sprintf("truncated: the data ends early, after %d bytes", n)}
	}
	msg := err.Error()
	// The standard decoders prefix their own name ("png: invalid format").
	msg = strings.TrimPrefix(msg, format+": ")
	return &DecodeError{Format: format, Err: ErrCorrupt, Msg: "corrupt: " + msg}
}

// sniff names the format from the magic bytes.
func sniff(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", &DecodeError{Err: ErrCorrupt, Msg: "the image is empty (0 bytes)"}
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png", nil
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return "jpeg", nil
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif", nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp", nil
	}
	const want = "genmint reads png, jpeg, gif and webp"
	for _, k := range []struct{ magic, name string }{
		{"BM", "bmp"}, {"II*\x00", "tiff"}, {"MM\x00*", "tiff"}, {"\x00\x00\x01\x00", "ico"},
	} {
		if bytes.HasPrefix(data, []byte(k.magic)) {
			return "", &DecodeError{Err: ErrUnsupportedFormat, Msg: k.name + " images are not supported: " + want}
		}
	}
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		return "", &DecodeError{Err: ErrUnsupportedFormat,
			Msg: "HEIF/AVIF (" + strings.TrimSpace(string(data[8:12])) + ") images are not supported: " + want}
	}
	head := data[:min(len(data), 40)]
	if utf8.Valid(head) && isText(head) {
		return "", &DecodeError{Err: ErrUnsupportedFormat,
			Msg: fmt.Sprintf("the data is text, not an image (it starts %q): %s", head, want)}
	}
	return "", &DecodeError{Err: ErrUnsupportedFormat,
		Msg: fmt.Sprintf("unrecognised image data (it starts % x): %s", data[:min(len(data), 8)], want)}
}

func isText(b []byte) bool {
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// PNGCompression is the fixed zlib level of every PNG genmint writes: part
// of what makes the final bytes reproducible. BestSpeed, because on a
// photographic 1024×1024 image it encodes about 4× faster than the default
// level for files about 6% larger (measured with Go 1.26; see
// BenchmarkEncodePNG1024), and encoding is most of post-processing's time.
const PNGCompression = png.BestSpeed

// Encode writes img in the output's format. The bytes depend only on the
// pixels, the output settings and the Go version:
//   - PNG: 8-bit, RGB when every pixel is opaque, else RGBA (16-bit and
//     palette images are converted), at compression PNGCompression;
//   - JPEG: at out.Quality (DefaultJPEGQuality when 0), 4:2:0; JPEG has no
//     alpha, so transparent areas come out black.
//
// Encode writes no metadata; provenance adds its text chunks afterwards.
func Encode(w io.Writer, img image.Image, out Output) error {
	if img == nil {
		return errors.New("encode: no image")
	}
	switch out.Format {
	case "", "png":
		enc := png.Encoder{CompressionLevel: PNGCompression, BufferPool: &encoderPool}
		// As *image.NRGBA the encoder picks RGB for opaque images and RGBA
		// otherwise, whatever the source type.
		if err := enc.Encode(w, asNRGBA(img)); err != nil {
			return fmt.Errorf("encode png: %w", err)
		}
		return nil
	case "jpeg":
		q := out.Quality
		if q == 0 {
			q = DefaultJPEGQuality
		}
		if q < 1 || q > 100 {
			return fmt.Errorf("encode jpeg: quality %d is out of range 1–100", q)
		}
		if err := jpeg.Encode(w, asRGBA(img), &jpeg.Options{Quality: q}); err != nil {
			return fmt.Errorf("encode jpeg: %w", err)
		}
		return nil
	}
	return fmt.Errorf("encode: unknown output format %q: use png or jpeg", out.Format)
}

// asRGBA returns img as *image.RGBA (premultiplied), which the JPEG encoder
// converts fastest.
func asRGBA(img image.Image) image.Image {
	switch img.(type) {
	case *image.RGBA, *image.YCbCr, *image.Gray:
		return img
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// encoderPool reuses the PNG encoder's buffers across calls (and workers).
var encoderPool pngBufferPool

type pngBufferPool struct{ p sync.Pool }

func (p *pngBufferPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBufferPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }
